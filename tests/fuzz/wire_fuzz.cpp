// wire_fuzz: the seeded mutation fuzz driver for the wire codec (see wire_mutator.hpp).
//   wire_fuzz [CASES [SEED]]      default 1,000,000 cases, seed 1
// Prints one JSON line of statistics; a finding aborts with a message (exit status non-zero).
// Every allocation is checked against kMaxAllocation: an absurd count must not allocate much.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>

#include "fuzz_support.hpp"
#include "wire_mutator.hpp"

namespace peerlab::fuzz {
// Generated messages stay far below this; a decoder trusting a wire count would exceed it.
extern const std::size_t kMaxAllocation = 64u << 20;
extern const char* const kDriverName = "wire fuzz";
}  // namespace peerlab::fuzz

int main(int argc, char** argv) {
  std::uint64_t cases = 0, seed = 0;
  if (!peerlab::fuzz::ReadCasesAndSeed(argc, argv, &cases, &seed)) return 2;
  const auto stats = peerlab::wire_fuzz::RunCases(cases, seed);
  std::printf(
      "{\"cases\":%llu,\"seed\":%llu,\"frames\":%llu,\"decoded\":%llu,\"decode_errors\":%llu,"
      "\"frame_errors\":%llu,\"largest_allocation\":%zu}\n",
      static_cast<unsigned long long>(stats.cases), static_cast<unsigned long long>(seed),
      static_cast<unsigned long long>(stats.frames), static_cast<unsigned long long>(stats.decoded),
      static_cast<unsigned long long>(stats.decode_errors), static_cast<unsigned long long>(stats.frame_errors),
      peerlab::fuzz::LargestAllocation());
  return 0;
}
