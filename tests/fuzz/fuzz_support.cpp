#include "fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

namespace {
std::size_t g_largest = 0;
}  // namespace

std::size_t peerlab::fuzz::LargestAllocation() { return g_largest; }

bool peerlab::fuzz::ReadCasesAndSeed(int argc, char** argv, std::uint64_t* cases,
                                     std::uint64_t* seed) {
  *cases = 1'000'000;
  *seed = 1;
  try {
    if (argc > 1) *cases = std::stoull(argv[1]);
    if (argc > 2) *seed = std::stoull(argv[2]);
  } catch (...) {
    std::fprintf(stderr, "usage: %s [CASES [SEED]]\n", argc > 0 ? argv[0] : "fuzz");
    return false;
  }
  return true;
}

void* operator new(std::size_t n) {
  if (n > peerlab::fuzz::kMaxAllocation) {
    std::fprintf(stderr, "%s finding: allocation of %zu bytes\n", peerlab::fuzz::kDriverName, n);
    std::abort();
  }
  if (n > g_largest) g_largest = n;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
// GCC cannot see that operator new above is malloc-based.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
