// What the fuzz drivers share (fuzz_support.cpp, linked into each driver): the allocation
// guard (every allocation above the driver's limit aborts with a finding, and the largest one is
// recorded: a decoder must never size an allocation from a length it has not checked against its
// input) and the command line `DRIVER [CASES [SEED]]`.
#pragma once

#include <cstddef>
#include <cstdint>

namespace peerlab::fuzz {

// Defined by each driver's main file: its name in the finding's message, and its limit.
extern const char* const kDriverName;
extern const std::size_t kMaxAllocation;

// The largest allocation so far, in bytes.
std::size_t LargestAllocation();

// Reads `[CASES [SEED]]` (defaults 1,000,000 and 1); false, with the usage printed, when they
// are not numbers.
bool ReadCasesAndSeed(int argc, char** argv, std::uint64_t* cases, std::uint64_t* seed);

}  // namespace peerlab::fuzz
