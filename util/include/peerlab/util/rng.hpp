// Deterministic random numbers. Every consumer gets its own stream derived from
// (scenario seed, owner id, purpose), so adding a consumer never shifts another's draws.
// Distributions are our own: std::*_distribution results differ between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>

#include "peerlab/util/assert.hpp"

namespace peerlab {

// What a stream is for: part of the stream's identity. util names no purposes: each owner
// declares its own in an rng_purposes.hpp (plan/, sim/, families/bitcoin/, analysis/), and
// tests/rng_purposes_test.cpp checks that no two owners share a value. Values are persisted
// implicitly in every recorded result: never change or reuse one.
struct RngPurpose {
  std::uint32_t value = 0;
};

// xoshiro256** (Blackman & Vigna), seeded through SplitMix64.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t owner, RngPurpose purpose);
  // A stream outside the simulation's (test helpers, fuzz drivers): purpose 5, which it has
  // always had, so their recorded expectations hold.
  explicit Rng(std::uint64_t seed) : Rng(seed, 0, RngPurpose{5}) {}

  std::uint64_t Next() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe to take the logarithm of.
  double UniformOpenZero() { return 1.0 - Uniform(); }

  // Uniform integer in [0, bound), unbiased (Lemire's multiply-and-reject).
  std::uint64_t Below(std::uint64_t bound);

  // Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log(UniformOpenZero()); }

  // Pareto (type I) with shape alpha > 1 scaled so that its mean is `mean`.
  double ParetoWithMean(double mean, double alpha) {
    PEERLAB_ASSERT(alpha > 1.0);
    const double scale = mean * (alpha - 1.0) / alpha;
    return scale / std::pow(UniformOpenZero(), 1.0 / alpha);
  }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// SplitMix64 step: a good 64-bit mixer, also used to derive stream seeds.
std::uint64_t SplitMix64(std::uint64_t& state);
// The SplitMix64 output for state `x`: a keyed-hash building block (x = key ^ value).
inline std::uint64_t SplitMix64Of(std::uint64_t x) {
  return SplitMix64(x);
}

}  // namespace peerlab
