// Closed forms of attack theory: published tables, independent computations written here (series,
// a numeric integral, a Markov chain, a seeded random walk) and hand-derived small cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::analysis {
namespace {

// ---------------------------------------------------------------------------------------------
// Eyal & Sirer: selfish mining.

// The selfish pool's revenue share by the paper's own state machine rather than its closed
// form: states 0 (no private lead), 0' (a public tie of two one-block branches) and k >= 1 (a
// private lead of k), truncated at a lead of `max_lead`, solved by power iteration, with the
// paper's per-transition revenue accounting.
double SelfishRevenueByStateMachine(double alpha, double gamma, int max_lead) {
  const double a = alpha;
  const int tie = max_lead + 1;  // index of state 0'; indices 0..max_lead are leads
  std::vector<double> pi(max_lead + 2, 0.0);
  pi[0] = 1.0;
  for (int iteration = 0; iteration < 200000; ++iteration) {
    std::vector<double> next(pi.size(), 0.0);
    next[1] += a * pi[0];
    next[0] += (1 - a) * pi[0];
    next[2] += a * pi[1];
    next[tie] += (1 - a) * pi[1];
    next[0] += pi[tie];  // every tie resolves at the next block
    for (int k = 2; k <= max_lead; ++k) {
      next[std::min(k + 1, max_lead)] += a * pi[k];
      next[k == 2 ? 0 : k - 1] += (1 - a) * pi[k];  // at lead 2 the pool publishes everything
    }
    double change = 0.0;
    for (std::size_t i = 0; i < pi.size(); ++i) change += std::abs(next[i] - pi[i]);
    pi.swap(next);
    if (change < 1e-15) break;
  }
  double lead_above_two = 0.0;
  for (int k = 3; k <= max_lead; ++k) lead_above_two += pi[k];
  const double pool =
      pi[tie] * (2 * a + gamma * (1 - a)) + pi[2] * (1 - a) * 2 + lead_above_two * (1 - a);
  const double others = pi[0] * (1 - a) + pi[tie] * (gamma * (1 - a) + (1 - gamma) * (1 - a) * 2);
  return pool / (pool + others);
}

TEST(ClosedFormsEyalSirer, MatchesTheSelfishMiningStateMachine) {
  for (double alpha : {0.05, 0.2, 0.25, 1.0 / 3.0, 0.4, 0.45}) {
    for (double gamma : {0.0, 0.5, 1.0}) {
      EXPECT_NEAR(EyalSirerRevenue(alpha, gamma), SelfishRevenueByStateMachine(alpha, gamma, 400),
                  1e-10)
          << "alpha " << alpha << " gamma " << gamma;
    }
  }
}

TEST(ClosedFormsEyalSirer, ProfitableExactlyAboveThePublishedThreshold) {
  // The paper's threshold: selfish mining pays iff (1 - gamma) / (3 - 2 gamma) < alpha < 1/2,
  // e.g. 1/3 for gamma = 0 and 1/4 for gamma = 1/2.
  for (double gamma : {0.0, 0.25, 0.5, 0.75}) {
    const double threshold = (1 - gamma) / (3 - 2 * gamma);
    EXPECT_NEAR(EyalSirerRevenue(threshold, gamma), threshold, 1e-14) << "gamma " << gamma;
    EXPECT_LT(EyalSirerRevenue(threshold - 0.01, gamma), threshold - 0.01) << "gamma " << gamma;
    EXPECT_GT(EyalSirerRevenue(threshold + 0.01, gamma), threshold + 0.01) << "gamma " << gamma;
  }
  // With gamma = 1 any pool gains; with no hashrate there is no revenue.
  EXPECT_GT(EyalSirerRevenue(0.01, 1.0), 0.01);
  EXPECT_EQ(EyalSirerRevenue(0.0, 0.5), 0.0);
  // By hand for alpha = 0.4, gamma = 0: (0.4 * 0.36 * 1.6 - 0.064) / (1 - 0.4 * 1.64).
  EXPECT_NEAR(EyalSirerRevenue(0.4, 0.0), 0.1664 / 0.344, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Nakamoto 2008, section 11.

TEST(ClosedFormsNakamoto, ReproducesTheWhitepaperTables) {
  // The whitepaper prints seven decimals; each value must round to the printed one.
  struct Row {
    double q;
    int z;
    double printed;
  };
  const Row rows[] = {
      {0.1, 0, 1.0000000},  {0.1, 1, 0.2045873},  {0.1, 2, 0.0509779},  {0.1, 3, 0.0131722},
      {0.1, 4, 0.0034552},  {0.1, 5, 0.0009137},  {0.1, 6, 0.0002428},  {0.1, 7, 0.0000647},
      {0.1, 8, 0.0000173},  {0.1, 9, 0.0000046},  {0.1, 10, 0.0000012}, {0.3, 0, 1.0000000},
      {0.3, 5, 0.1773523},  {0.3, 10, 0.0416605}, {0.3, 15, 0.0101008}, {0.3, 20, 0.0024804},
      {0.3, 25, 0.0006132}, {0.3, 30, 0.0001522}, {0.3, 35, 0.0000379}, {0.3, 40, 0.0000095},
      {0.3, 45, 0.0000024}, {0.3, 50, 0.0000006},
  };
  for (const Row& row : rows) {
    EXPECT_NEAR(NakamotoDoubleSpend(row.q, row.z), row.printed, 0.5e-7)
        << "q " << row.q << " z " << row.z;
  }
  // "Solving for P less than 0.1%": the smallest such z for each q.
  const std::pair<double, int> needed[] = {{0.10, 5},  {0.15, 8},  {0.20, 11}, {0.25, 15},
                                           {0.30, 24}, {0.35, 41}, {0.40, 89}, {0.45, 340}};
  for (const auto& [q, z] : needed) {
    EXPECT_LT(NakamotoDoubleSpend(q, z), 0.001) << "q " << q;
    EXPECT_GE(NakamotoDoubleSpend(q, z - 1), 0.001) << "q " << q;
  }
}

TEST(ClosedFormsNakamoto, MajorityAlwaysCatchesUpAndNoHashrateNever) {
  EXPECT_EQ(NakamotoDoubleSpend(0.5, 6), 1.0);
  EXPECT_EQ(NakamotoDoubleSpend(0.7, 100), 1.0);
  EXPECT_EQ(NakamotoDoubleSpend(0.0, 3), 0.0);
  EXPECT_EQ(NakamotoDoubleSpend(0.2, 0), 1.0);
  // Underestimates the exact (Rosenfeld) risk, which counts the attacker's blocks exactly.
  EXPECT_LT(NakamotoDoubleSpend(0.1, 6), RosenfeldDoubleSpend(0.1, 6));
}

// ---------------------------------------------------------------------------------------------
// Rosenfeld 2014 (and Grunspan & Perez-Marco 2017).

// The success probability summed over the attacker's blocks m while the honest chain found z:
// m is negative binomial, C(m+z-1, m) p^z q^m, and with the pre-mined block the attacker is
// then z - m - 1 behind and must gain z - m blocks, which it ever does with (q/p)^(z-m) (1 if
// m >= z). The tail is summed until its terms vanish.
double RosenfeldBySeries(double q, int z) {
  const double p = 1 - q;
  double total = 0.0;
  double weight = std::pow(p, z);  // C(z-1, 0) p^z q^0
  for (int m = 0; m < 100000; ++m) {
    if (m > 0) weight *= q * (m + z - 1) / m;
    total += weight * std::min(1.0, std::pow(q / p, z - m));
    if (m > z && weight < 1e-300) break;
  }
  return total;
}

// Grunspan & Perez-Marco, "Double spend races" (arXiv:1702.02867), Theorem 1:
// P(z) = I_{4pq}(z, 1/2), the regularized incomplete beta function. With t = 1 - u^2 it is
//   P = int_{p-q}^{1} (1-u^2)^(z-1) du / int_0^1 (1-u^2)^(z-1) du,
// a polynomial integrand, integrated here by Simpson's rule.
double GrunspanPerezMarco(double q, int z) {
  const double p = 1 - q;
  const auto integral = [z](double from, double to) {
    const int intervals = 20000;
    const double step = (to - from) / intervals;
    const auto f = [z](double u) { return std::pow(1 - u * u, z - 1); };
    double sum = f(from) + f(to);
    for (int i = 1; i < intervals; ++i) sum += f(from + i * step) * (i % 2 == 1 ? 4 : 2);
    return sum * step / 3;
  };
  return integral(p - q, 1.0) / integral(0.0, 1.0);
}

TEST(ClosedFormsRosenfeld, MatchesTheSeriesOverAttackerBlocks) {
  for (double q : {0.01, 0.1, 0.25, 0.3, 0.4, 0.45, 0.49}) {
    for (int z : {1, 2, 3, 6, 10, 24}) {
      const double series = RosenfeldBySeries(q, z);
      EXPECT_NEAR(RosenfeldDoubleSpend(q, z), series, 1e-12 + 1e-9 * series)
          << "q " << q << " z " << z;
    }
  }
}

TEST(ClosedFormsRosenfeld, MatchesGrunspanPerezMarcoIncompleteBeta) {
  for (double q : {0.1, 0.25, 0.4}) {
    for (int z : {1, 2, 5, 10}) {
      EXPECT_NEAR(RosenfeldDoubleSpend(q, z), GrunspanPerezMarco(q, z), 1e-10)
          << "q " << q << " z " << z;
    }
  }
}

TEST(ClosedFormsRosenfeld, ConfirmationsForOneInAThousand) {
  // The smallest z with success below 0.1 % in the exact model: the column Grunspan &
  // Perez-Marco 2017 print next to Nakamoto's 5, 8, ..., 340 (numbers taken from memory of that
  // table; the paper's text was not at hand to re-check when this test was written).
  const std::pair<double, int> needed[] = {{0.10, 6},  {0.15, 9},  {0.20, 13},  {0.25, 20},
                                           {0.30, 32}, {0.35, 58}, {0.40, 133}, {0.45, 539}};
  for (const auto& [q, z] : needed) {
    EXPECT_LT(RosenfeldDoubleSpend(q, z), 0.001) << "q " << q;
    EXPECT_GE(RosenfeldDoubleSpend(q, z - 1), 0.001) << "q " << q;
  }
}

TEST(ClosedFormsRosenfeld, HandDerivedCases) {
  // z = 1: 1 - (p - q) - (pq - pq) = 2q.
  EXPECT_NEAR(RosenfeldDoubleSpend(0.1, 1), 0.2, 1e-15);
  EXPECT_NEAR(RosenfeldDoubleSpend(0.3, 1), 0.6, 1e-15);
  // z = 2: 1 - (p^2 - q^2) - 2pq(p - q); for q = 0.1 that is 1 - 0.8 - 0.144.
  EXPECT_NEAR(RosenfeldDoubleSpend(0.1, 2), 0.056, 1e-15);
  EXPECT_EQ(RosenfeldDoubleSpend(0.2, 0), 1.0);
  EXPECT_EQ(RosenfeldDoubleSpend(0.5, 10), 1.0);
  EXPECT_EQ(RosenfeldDoubleSpend(0.0, 4), 0.0);
}

// ---------------------------------------------------------------------------------------------
// The simulated strategy: DoubleSpendSuccess.

TEST(ClosedFormsDoubleSpend, PremineWithFarBarrierIsRosenfeld) {
  for (double q : {0.05, 0.1, 0.2, 0.3, 0.4, 0.45}) {
    for (int z : {0, 1, 2, 3, 6, 10, 20}) {
      EXPECT_NEAR(DoubleSpendSuccess(q, z, 200, true), RosenfeldDoubleSpend(q, z), 1e-9)
          << "q " << q << " z " << z;
    }
  }
}

TEST(ClosedFormsDoubleSpend, NoPremineWithFarBarrierMatchesSeries) {
  // Without the pre-mined block the attacker at h = z with m blocks must gain z - m + 1.
  for (double q : {0.1, 0.3, 0.45}) {
    for (int z : {0, 1, 4, 8}) {
      const double p = 1 - q;
      double series = 0.0;
      if (z == 0) {
        series = q / p;
      } else {
        double weight = std::pow(p, z);
        for (int m = 0; m < 100000; ++m) {
          if (m > 0) weight *= q * (m + z - 1) / m;
          series += weight * std::min(1.0, std::pow(q / p, z - m + 1));
          if (m > z && weight < 1e-300) break;
        }
      }
      EXPECT_NEAR(DoubleSpendSuccess(q, z, 300, false), series, 1e-10) << "q " << q << " z " << z;
    }
  }
}

TEST(ClosedFormsDoubleSpend, HandDerivedSmallCases) {
  for (double q : {0.1, 0.3, 0.6}) {
    const double p = 1 - q;
    // z = 0 with the pre-mined block: the merchant accepts at once and a = 1 > 0.
    EXPECT_EQ(DoubleSpendSuccess(q, 0, 1, true), 1.0);
    // z = 0, max_deficit 1: the first block decides (attacker: success, honest: give up).
    EXPECT_NEAR(DoubleSpendSuccess(q, 0, 1, false), q, 1e-15) << q;
    // z = 1, max_deficit 1: the attacker must find the first block; then either its second
    // (a = 2 > h once h = 1), or honest (tie at 1-1) followed by its block.
    EXPECT_NEAR(DoubleSpendSuccess(q, 1, 1, false), q * (q + p * q), 1e-15) << q;
    // z = 0, max_deficit 2: from lead 0, P0 = q + p P(-1) and P(-1) = q P0, so
    // P0 = q / (1 - pq).
    EXPECT_NEAR(DoubleSpendSuccess(q, 0, 2, false), q / (1 - p * q), 1e-15) << q;
  }
  // The fair game from a tie with barrier 2: reach +1 before -2 with probability 2/3.
  EXPECT_NEAR(DoubleSpendSuccess(0.5, 0, 2, false), 2.0 / 3.0, 1e-15);
  // No hashrate: only the z = 0 pre-mined case wins.
  EXPECT_EQ(DoubleSpendSuccess(0.0, 3, 5, true), 0.0);
}

TEST(ClosedFormsDoubleSpend, MonotoneInEachParameter) {
  double previous = 1.0;
  for (int z = 0; z <= 12; ++z) {  // more confirmations never help the attacker
    const double now = DoubleSpendSuccess(0.3, z, 4, false);
    EXPECT_LE(now, previous) << "z " << z;
    previous = now;
  }
  EXPECT_LT(DoubleSpendSuccess(0.3, 12, 4, false), DoubleSpendSuccess(0.3, 0, 4, false));
  for (int deficit = 1; deficit < 30; ++deficit) {  // patience helps
    EXPECT_LT(DoubleSpendSuccess(0.3, 3, deficit, false),
              DoubleSpendSuccess(0.3, 3, deficit + 1, false))
        << "max_deficit " << deficit;
  }
  for (double q = 0.05; q < 0.95; q += 0.05) {  // a block in hand helps
    EXPECT_LT(DoubleSpendSuccess(q, 3, 3, false), DoubleSpendSuccess(q, 3, 3, true)) << "q " << q;
  }
}

// The strategy as stated, one block at a time.
bool SimulateAttempt(Rng& rng, double q, int z, int max_deficit, bool premine) {
  int attacker = premine ? 1 : 0;
  int honest = 0;
  while (true) {
    if (honest >= z && attacker > honest) return true;
    if (honest - attacker >= max_deficit) return false;
    if (rng.Uniform() < q) {
      ++attacker;
    } else {
      ++honest;
    }
  }
}

TEST(ClosedFormsDoubleSpend, MatchesSeededRandomWalks) {
  struct Setting {
    double q;
    int z;
    int max_deficit;
    bool premine;
  };
  const Setting settings[] = {
      {0.3, 2, 3, false},
      {0.4, 3, 2, true},
      {0.25, 1, 4, false},
      {0.6, 4, 2, false},  // a majority attacker that still gives up when two behind
  };
  const int walks = 200000;
  std::uint64_t owner = 0;
  for (const Setting& s : settings) {
    Rng rng(20240501, owner++, RngPurpose{5});
    int successes = 0;
    for (int i = 0; i < walks; ++i) {
      successes += SimulateAttempt(rng, s.q, s.z, s.max_deficit, s.premine);
    }
    const double estimate = static_cast<double>(successes) / walks;
    const double standard_error = std::sqrt(estimate * (1 - estimate) / walks);
    const double exact = DoubleSpendSuccess(s.q, s.z, s.max_deficit, s.premine);
    EXPECT_GT(standard_error, 0.0);  // the setting must not be trivially 0 or 1
    EXPECT_NEAR(exact, estimate, 4 * standard_error)
        << "q " << s.q << " z " << s.z << " max_deficit " << s.max_deficit << " premine "
        << s.premine;
  }
}

// ---------------------------------------------------------------------------------------------
// Censorship.

TEST(ClosedFormsCensorship, ExpectedDelayIsTheGeometricMean) {
  EXPECT_EQ(CensorshipExpectedDelayBlocks(0.0), 1.0);
  EXPECT_EQ(CensorshipExpectedDelayBlocks(0.5), 2.0);
  EXPECT_NEAR(CensorshipExpectedDelayBlocks(0.9), 10.0, 1e-12);
  for (double c : {0.1, 0.3, 0.75}) {  // sum of k (1 - c) c^(k-1)
    double mean = 0.0;
    for (int k = 1; k < 2000; ++k) mean += k * (1 - c) * std::pow(c, k - 1);
    EXPECT_NEAR(CensorshipExpectedDelayBlocks(c), mean, 1e-12) << c;
  }
}

TEST(ClosedFormsCensorship, QuantileIsTheSmallestBlockCountReachingIt) {
  EXPECT_EQ(CensorshipDelayQuantile(0.0, 0.99), 1.0);
  EXPECT_EQ(CensorshipDelayQuantile(0.5, 0.5), 1.0);   // P(K <= 1) = 0.5 exactly
  EXPECT_EQ(CensorshipDelayQuantile(0.5, 0.75), 2.0);  // exact tie at k = 2
  EXPECT_EQ(CensorshipDelayQuantile(0.5, 0.76), 3.0);
  EXPECT_EQ(CensorshipDelayQuantile(0.5, 0.9), 4.0);    // 0.5^4 = 0.0625 <= 0.1 < 0.125
  EXPECT_EQ(CensorshipDelayQuantile(0.9, 0.99), 44.0);  // 0.9^43 = 0.0108, 0.9^44 = 0.0097
  // A tie where log(1 - quantile) / log(c) comes out just above 4, so a plain ceiling says 5.
  EXPECT_EQ(CensorshipDelayQuantile(0.9, 1 - std::pow(0.9, 4)), 4.0);
  for (double c : {0.05, 0.2, 0.5, 0.8, 0.95, 0.999}) {
    for (double quantile : {0.01, 0.1, 0.5, 0.9, 0.99, 0.999}) {
      const double k = CensorshipDelayQuantile(c, quantile);
      EXPECT_EQ(k, std::floor(k));
      EXPECT_GE(1 - std::pow(c, k), quantile) << "c " << c << " quantile " << quantile;
      if (k > 1) {
        EXPECT_LT(1 - std::pow(c, k - 1), quantile) << "c " << c << " quantile " << quantile;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Contracts.

TEST(ClosedFormsDeathTest, PreconditionsAreEnforced) {
  EXPECT_DEATH(EyalSirerRevenue(0.5, 0.0), "assertion failed");
  EXPECT_DEATH(EyalSirerRevenue(0.3, 1.5), "assertion failed");
  EXPECT_DEATH(NakamotoDoubleSpend(0.1, -1), "assertion failed");
  EXPECT_DEATH(RosenfeldDoubleSpend(-0.1, 3), "assertion failed");
  EXPECT_DEATH(DoubleSpendSuccess(0.3, 2, 0, false), "assertion failed");
  EXPECT_DEATH(DoubleSpendSuccess(1.0, 2, 3, false), "assertion failed");
  EXPECT_DEATH(CensorshipExpectedDelayBlocks(1.0), "assertion failed");
  EXPECT_DEATH(CensorshipDelayQuantile(0.5, 1.0), "assertion failed");
}

}  // namespace
}  // namespace peerlab::analysis
