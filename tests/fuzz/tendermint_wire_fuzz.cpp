// tendermint_wire_fuzz: the seeded mutation fuzz driver for the Tendermint wire codec
// (tendermint_wire_mutator.hpp).
//   tendermint_wire_fuzz [CASES [SEED]]      default 1,000,000 cases, seed 1
// Prints one JSON line of statistics; a finding aborts with a message (exit status non-zero).
// Every allocation is checked against kMaxAllocation: the codec must never size an allocation
// from a length it has not checked against the input.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "tendermint_wire_mutator.hpp"

namespace {
// The largest valid input is a 100 MiB block; generated cases stay far below 16 MiB.
constexpr std::size_t kMaxAllocation = 16u << 20;
std::size_t g_largest = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (n > kMaxAllocation) {
    std::fprintf(stderr, "tendermint wire fuzz finding: allocation of %zu bytes\n", n);
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
    std::fprintf(stderr, "usage: tendermint_wire_fuzz [CASES [SEED]]\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto stats = peerlab::tendermint_fuzz::RunCases(cases, seed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"cases\":%llu,\"seed\":%llu,\"decoded\":%llu,\"decode_errors\":%llu,"
              "\"largest_allocation\":%zu,\"seconds\":%.1f}\n",
              static_cast<unsigned long long>(stats.cases), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(stats.decoded),
              static_cast<unsigned long long>(stats.decode_errors), g_largest, seconds);
  return 0;
}
