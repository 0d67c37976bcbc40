// Runs the seeded mutation fuzz driver (fuzz/wire_mutator.hpp) for a fixed number of cases so CI
// exercises hostile bytes on every run; the long runs use build target wire_fuzz.
#include <gtest/gtest.h>

#include "fuzz/wire_mutator.hpp"

namespace {

// About 8 s optimised; unoptimised and sanitizer builds (debug, asan presets) run fewer.
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kCases = 200'000;
#else
constexpr std::uint64_t kCases = 40'000;
#endif

TEST(WireFuzz, MutatedStreamsNeverBreakTheCodec) {
  const auto stats = peerlab::wire_fuzz::RunCases(kCases, 20240601);
  EXPECT_EQ(stats.cases, kCases);
  // The mix must reach both the payload decoders and their error paths.
  EXPECT_GT(stats.decoded, kCases / 4);
  EXPECT_GT(stats.decode_errors, kCases / 4);
  EXPECT_GT(stats.frame_errors, kCases / 20);
}

TEST(WireFuzz, ArbitraryBytesAsStreamAndPayload) {
  peerlab::Rng rng(5);
  std::vector<std::uint8_t> data;
  for (int i = 0; i < 3000; ++i) {
    data.resize(rng.Below(300));
    for (auto& b : data) b = static_cast<std::uint8_t>(rng.Next());
    if (data.size() >= 4 && rng.Below(2) == 0) std::copy_n(peerlab::bitcoin::wire::kMagicMainnet.begin(), 4, data.begin());
    peerlab::wire_fuzz::CheckArbitraryBytes(data);
  }
}

}  // namespace
