// wire_fuzz: the seeded mutation fuzz driver for the wire codec (see wire_mutator.hpp).
//   wire_fuzz [CASES [SEED]]      default 1,000,000 cases, seed 1
// Prints one JSON line of statistics; a finding aborts with a message (exit status non-zero).
// Every allocation is checked against kMaxAllocation: an absurd count must not allocate much.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "wire_mutator.hpp"

namespace {
// Generated messages stay far below this; a decoder trusting a wire count would exceed it.
constexpr std::size_t kMaxAllocation = 64u << 20;
std::size_t g_largest = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (n > kMaxAllocation) {
    std::fprintf(stderr, "wire fuzz finding: allocation of %zu bytes\n", n);
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

int main(int argc, char** argv) {
  std::uint64_t cases = 1'000'000, seed = 1;
  try {
    if (argc > 1) cases = std::stoull(argv[1]);
    if (argc > 2) seed = std::stoull(argv[2]);
  } catch (...) {
    std::fprintf(stderr, "usage: wire_fuzz [CASES [SEED]]\n");
    return 2;
  }
  const auto stats = peerlab::wire_fuzz::RunCases(cases, seed);
  std::printf(
      "{\"cases\":%llu,\"seed\":%llu,\"frames\":%llu,\"decoded\":%llu,\"decode_errors\":%llu,"
      "\"frame_errors\":%llu,\"largest_allocation\":%zu}\n",
      static_cast<unsigned long long>(stats.cases), static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(stats.frames), static_cast<unsigned long long>(stats.decoded),
      static_cast<unsigned long long>(stats.decode_errors), static_cast<unsigned long long>(stats.frame_errors),
      g_largest);
  return 0;
}
