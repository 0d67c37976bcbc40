// ParetoZiggurat against the Pareto distribution's exact CDF: the latency jitter of every
// Bitcoin run rests on it (util/pareto_ziggurat.hpp).
#include "peerlab/util/pareto_ziggurat.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace peerlab {
namespace {

// The Kolmogorov-Smirnov distance between `n` draws and F(z) = 1 - z^-alpha.
double KolmogorovSmirnov(const ParetoZiggurat& sampler, Rng& rng, int n) {
  std::vector<double> z(n);
  for (double& v : z) v = sampler.Draw(rng);
  std::sort(z.begin(), z.end());
  double distance = 0;
  for (int i = 0; i < n; ++i) {
    const double cdf = 1.0 - std::pow(z[i], -sampler.alpha());
    distance = std::max({distance, cdf - double(i) / n, double(i + 1) / n - cdf});
  }
  return distance;
}

TEST(ParetoZiggurat, DrawsFollowTheParetoDistributionForEveryShape) {
  // Shapes from a tail so heavy the variance is infinite to nearly no tail. The critical KS
  // distance at significance 0.001 is 1.95 / sqrt(n); the draws are seeded, so the test is
  // deterministic, and a wrong layer (a table off by a fraction of a layer's area) moves the
  // distance far beyond it.
  const int n = 200000;
  for (double alpha : {1.0001, 1.1, 1.5, 2.0, 5.0, 20.0, 1e4}) {
    const ParetoZiggurat sampler(alpha);
    Rng rng(7, static_cast<std::uint64_t>(alpha * 1000), RngPurpose{5});
    EXPECT_LT(KolmogorovSmirnov(sampler, rng, n), 1.95 / std::sqrt(double(n))) << "alpha=" << alpha;
    EXPECT_GT(sampler.FastShare(), 0.9) << "alpha=" << alpha;
  }
}

TEST(ParetoZiggurat, TailAndMeanMatchShapeFive) {
  // The latency jitter's default shape: P(z > 4) = 4^-5 (the tail beyond the base strip is
  // drawn apart from the layers), mean 5/4, every draw at least 1.
  const ParetoZiggurat sampler(5.0);
  Rng rng(11);
  const int n = 1000000;
  double sum = 0, least = 2;
  int beyond = 0;
  for (int i = 0; i < n; ++i) {
    const double z = sampler.Draw(rng);
    sum += z;
    least = std::min(least, z);
    beyond += z > 4.0;
  }
  EXPECT_GE(least, 1.0);
  // Variance 5 / (16 * 3): the mean's sd over 10^6 draws is 3.2e-4.
  EXPECT_NEAR(sum / n, 1.25, 0.002);
  // Binomial sd: sqrt(n p) = 5.5 draws around n p = 977.
  EXPECT_NEAR(beyond, n * std::pow(4.0, -5.0), 35);
}

TEST(ParetoZiggurat, HugeShapesDrawOne) {
  // A scenario may ask for any finite shape above 1; past kMaxShape every draw is below
  // 1 + 4e-11 (without the cap the layers' edges collapsed and construction failed an assertion).
  for (double alpha : {1e12, 1e15, 1e300}) {
    const ParetoZiggurat sampler(alpha);
    Rng rng(5);
    for (int i = 0; i < 10000; ++i) {
      const double z = sampler.Draw(rng);
      ASSERT_GE(z, 1.0);
      ASSERT_LT(z, 1.0 + 4e-11) << "alpha=" << alpha;
    }
  }
}

TEST(ParetoZiggurat, SameStreamSameDraws) {
  const ParetoZiggurat a(5.0), b(5.0);
  Rng x(3), y(3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Draw(x), b.Draw(y));
}

}  // namespace
}  // namespace peerlab
