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

#include "fuzz_support.hpp"
#include "tendermint_wire_mutator.hpp"

namespace peerlab::fuzz {
// The largest valid input is a 100 MiB block; generated cases stay far below 16 MiB.
extern const std::size_t kMaxAllocation = 16u << 20;
extern const char* const kDriverName = "tendermint wire fuzz";
}  // namespace peerlab::fuzz

int main(int argc, char** argv) {
  std::uint64_t cases = 0, seed = 0;
  if (!peerlab::fuzz::ReadCasesAndSeed(argc, argv, &cases, &seed)) return 2;
  const auto start = std::chrono::steady_clock::now();
  const auto stats = peerlab::tendermint_fuzz::RunCases(cases, seed);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"cases\":%llu,\"seed\":%llu,\"decoded\":%llu,\"decode_errors\":%llu,"
              "\"largest_allocation\":%zu,\"seconds\":%.1f}\n",
              static_cast<unsigned long long>(stats.cases), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(stats.decoded),
              static_cast<unsigned long long>(stats.decode_errors), peerlab::fuzz::LargestAllocation(), seconds);
  return 0;
}
