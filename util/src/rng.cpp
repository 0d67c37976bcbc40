#include "peerlab/util/rng.hpp"

namespace peerlab {

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

Rng::Rng(std::uint64_t seed, std::uint64_t owner, RngPurpose purpose) {
  // Mix the three identity parts through separate SplitMix64 rounds so that nearby seeds,
  // owners and purposes give unrelated streams.
  std::uint64_t state = seed;
  std::uint64_t mixed = SplitMix64(state);
  state = mixed ^ (owner * 0xD1B54A32D192ED03ULL);
  mixed = SplitMix64(state);
  state = mixed ^ (std::uint64_t{purpose.value} * 0x8CB92BA72F3D8DD7ULL);
  for (auto& word : s_) word = SplitMix64(state);
}

std::uint64_t Rng::Below(std::uint64_t bound) {
  PEERLAB_ASSERT(bound > 0);
  unsigned __int128 m = static_cast<unsigned __int128>(Next()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(Next()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

}  // namespace peerlab
