// Transparent huge pages for the heap of a long simulation run.
//
// A large run is bound by memory latency: each event touches a random node's state, and with
// 4 KiB pages that touch usually misses the TLB as well as the caches (10,000 nodes hold about
// 135 MB, far beyond the TLB's reach). With 2 MiB pages the page walks go away: from 10,000
// to 100,000 nodes user CPU time fell by 14 to 41 % (docs/performance.md, "Huge pages"). Results do
// not depend on memory layout, so they are byte-identical either way.
//
// Where the kernel hands out huge pages only on request (`madvise` in
// /sys/kernel/mm/transparent_hugepage/enabled, Debian's default), glibc's malloc asks for them
// only when the tunable glibc.malloc.hugetlb=1 is set (glibc 2.35 and later), and tunables are
// read when a process starts. So the binary re-executes itself once with the tunable set.
#pragma once

namespace peerlab {

// Re-executes the running binary (the file /proc/self/exe points to) with `argv` and
// GLIBC_TUNABLES extended by glibc.malloc.hugetlb=1, and does not return, when all of these
// hold: the kernel's THP mode is `madvise`, glibc is 2.35 or later, GLIBC_TUNABLES does not mention glibc.malloc.hugetlb yet
// (so the user can opt out with glibc.malloc.hugetlb=0, and the re-executed process does not
// loop), and the process is not running under valgrind (whose tools would lose the child).
// Otherwise, or if exec fails, it returns and the caller carries on with normal pages.
void ReexecWithHugePages(char** argv);

// Whether this process's malloc gets transparent huge pages: the kernel's mode is `always`, or
// it is `madvise` and glibc was asked (glibc.malloc.hugetlb=1 or 2). For run manifests and
// benchmarks, so that a figure says which memory it was measured with.
bool HeapUsesHugePages();

}  // namespace peerlab
