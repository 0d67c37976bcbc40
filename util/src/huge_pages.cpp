#include "peerlab/util/huge_pages.hpp"

#include <gnu/libc-version.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace peerlab {
namespace {

// The kernel's THP mode: "always", "madvise" or "never" ("" when unknown).
std::string KernelThpMode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(f, modes);
  for (const char* mode : {"always", "madvise", "never"}) {
    if (modes.find("[" + std::string(mode) + "]") != std::string::npos) return mode;
  }
  return "";
}

bool GlibcHasHugetlbTunable() {
  int major = 0;
  int minor = 0;
  if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2) return false;
  return major > 2 || (major == 2 && minor >= 35);
}

bool UnderValgrind() {
  const char* preload = std::getenv("LD_PRELOAD");
  return preload != nullptr && std::strstr(preload, "vgpreload") != nullptr;
}

}  // namespace

void ReexecWithHugePages(char** argv) {
  const char* found = std::getenv("GLIBC_TUNABLES");
  if (found != nullptr && std::strstr(found, "glibc.malloc.hugetlb") != nullptr) return;
  if (UnderValgrind() || !GlibcHasHugetlbTunable() || KernelThpMode() != "madvise") return;
  // A copy: setenv may invalidate what getenv returned.
  const bool had_tunables = found != nullptr;
  const std::string tunables = had_tunables ? found : "";
  std::string value = "glibc.malloc.hugetlb=1";
  if (!tunables.empty()) value = tunables + ":" + value;
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  // By the resolved path rather than /proc/self/exe itself, which would rename the process
  // (ps, top, pkill) to "exe".
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0) {
    path[n] = '\0';
    execv(path, argv);
  }
  // Still here: exec failed (no /proc, say). Normal pages then; undo so children do not differ.
  if (had_tunables) {
    setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
}

bool HeapUsesHugePages() {
  const std::string mode = KernelThpMode();
  if (mode == "always") return true;
  if (mode != "madvise" || !GlibcHasHugetlbTunable()) return false;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  return tunables != nullptr && (std::strstr(tunables, "glibc.malloc.hugetlb=1") != nullptr ||
                                 std::strstr(tunables, "glibc.malloc.hugetlb=2") != nullptr);
}

}  // namespace peerlab
