// Sapirshtein, Sompolinsky & Zohar's optimal selfish mining (analysis/optimal_selfish.hpp):
// their published table, and the bounds every optimum must respect (honest mining, SM1).
#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/optimal_selfish.hpp"

namespace peerlab::analysis {
namespace {

// "Optimal Selfish Mining Strategies in Bitcoin" (FC 2016), Table 1, gamma = 0, printed to
// five decimals. A printed bound must be our value rounded down: published <= ours <
// published + 1e-5, at the default truncation (94 blocks; docs/theory.md).
TEST(OptimalSelfishMining, ReproducesThePublishedTableDigits) {
  const std::pair<double, double> table[] = {{1.0 / 3.0, 0.33705}, {0.35, 0.37077},
                                             {0.375, 0.42600},     {0.4, 0.48866},
                                             {0.425, 0.56808},     {0.45, 0.66891},
                                             {0.475, 0.80172}};
  for (auto [alpha, published] : table) {
    const OptimalSelfishResult result = OptimalSelfishMining(alpha, 0.0);
    EXPECT_GE(result.revenue, published - 1e-12) << "alpha " << alpha;
    EXPECT_LT(result.revenue, published + 1e-5) << "alpha " << alpha;
    EXPECT_EQ(result.states, 95 * 95 * 3);
  }
}

// The truncation matters for large pools: one block less or more moves the alpha = 0.475
// value out of the printed digits (0.80161 at 93, 0.80183 at 95).
TEST(OptimalSelfishMining, TruncationShiftsTheLargePoolValue) {
  EXPECT_LT(OptimalSelfishMiningRevenue(0.475, 0.0, 93), 0.80172);
  EXPECT_GE(OptimalSelfishMiningRevenue(0.475, 0.0, 95), 0.80173);
}

// Eyal & Sirer's SM1 in the MDP's terms: adopt when behind; publish to tie (match) when an
// honest block makes the race even; keep a lead of two or more; publish everything (override)
// when the lead falls to one after an honest block, or when the pool wins a matched race.
SelfishAction Sm1(int a, int h, SelfishFork fork) {
  if (a < h) return SelfishAction::kAdopt;
  // At the truncation, and in active states without a split (never reached), only adopt and
  // override are left.
  if (std::max(a, h) >= kOptimalSelfishDefaultMaxForkLength ||
      (fork == SelfishFork::kActive && h == 0)) {
    return a > h ? SelfishAction::kOverride : SelfishAction::kAdopt;
  }
  if (a == h) {
    if (h == 0 || fork == SelfishFork::kActive) return SelfishAction::kWait;
    return fork == SelfishFork::kRelevant ? SelfishAction::kMatch : SelfishAction::kAdopt;
  }
  if (a == h + 1 && h >= 1) return SelfishAction::kOverride;
  return SelfishAction::kWait;
}

// Up to alpha 0.3: SM1 keeps its lead while both branches grow, so at larger alpha its forks
// reach the truncation often enough to cost it a little (2e-4 at alpha 0.42 with 75 blocks)
// there; the model still earns SM1's revenue, only the truncated one differs.
TEST(OptimalSelfishMining, Sm1AsAPolicyEarnsEyalSirersRevenue) {
  for (double alpha : {0.1, 0.2, 0.25, 0.3}) {
    for (double gamma : {0.0, 0.5, 1.0}) {
      EXPECT_NEAR(SelfishPolicyRevenue(alpha, gamma, Sm1), EyalSirerRevenue(alpha, gamma), 1e-9)
          << "alpha " << alpha << " gamma " << gamma;
    }
  }
}

TEST(OptimalSelfishMining, HonestMiningAsAPolicyEarnsAlpha) {
  auto honest = [](int a, int h, SelfishFork) {
    return a > h ? SelfishAction::kOverride : SelfishAction::kAdopt;
  };
  for (double alpha : {0.0, 0.2, 0.45}) {
    EXPECT_NEAR(SelfishPolicyRevenue(alpha, 0.5, honest, 10), alpha, 1e-12) << "alpha " << alpha;
  }
}

TEST(OptimalSelfishMining, NeverBelowHonestMiningOrSm1) {
  // A short truncation keeps this fast; it only removes strategies, so passing here implies
  // passing at any longer one. Where SM1 itself is optimal (alpha 0.3, gamma 0.5) the
  // truncated model misses SM1's leads above 30, worth about (alpha / (1 - alpha))^30 ~ 1e-11.
  constexpr int kMaxForkLength = 30;
  constexpr double kTruncationLoss = 1e-9;
  for (double alpha : {0.0, 0.05, 0.15, 0.25, 0.3, 0.35, 0.4, 0.45}) {
    for (double gamma : {0.0, 0.5, 1.0}) {
      const double optimal = OptimalSelfishMiningRevenue(alpha, gamma, kMaxForkLength);
      EXPECT_GE(optimal, alpha - 1e-12) << "alpha " << alpha << " gamma " << gamma;
      EXPECT_GE(optimal, EyalSirerRevenue(alpha, gamma) - kTruncationLoss)
          << "alpha " << alpha << " gamma " << gamma;
    }
  }
}

TEST(OptimalSelfishMining, HonestMiningIsOptimalForASmallPoolWithoutNetworkAdvantage) {
  for (double alpha : {0.0, 0.1, 0.2}) {
    EXPECT_NEAR(OptimalSelfishMiningRevenue(alpha, 0.0, 20), alpha, 1e-12) << "alpha " << alpha;
  }
}

TEST(OptimalSelfishMining, LongerBranchesOnlyAddStrategies) {
  const double shorter = OptimalSelfishMiningRevenue(0.4, 0.0, 15);
  const double longer = OptimalSelfishMiningRevenue(0.4, 0.0, 30);
  EXPECT_LE(shorter, longer + 1e-12);
  EXPECT_GT(longer, EyalSirerRevenue(0.4, 0.0));
}

// Nayak et al.'s stubborn switches as peerlab's strategy plays them. All off is SM1 (which
// here matches at a lead of two or more, as the strategy publishes up to the honest height),
// so it earns Eyal & Sirer's revenue; at gamma = 0 the match changes nothing but lets both
// branches grow, so the truncation binds through h as for Sm1 above (4e-7 at T = 40, alpha
// 0.3): checked at the default T. Every variant lies between 0 and the optimum.
TEST(OptimalSelfishMining, StubbornPoliciesAsPeerlabPlaysThem) {
  for (double alpha : {0.25, 0.3}) {
    for (double gamma : {0.0, 0.5, 1.0}) {
      EXPECT_NEAR(StubbornPolicyRevenue(alpha, gamma, {}), EyalSirerRevenue(alpha, gamma), 1e-9)
          << "alpha " << alpha << " gamma " << gamma;
    }
  }
  constexpr int kT = 30;
  for (double alpha : {0.1, 0.3, 0.4}) {
    for (double gamma : {0.0, 0.5, 1.0}) {
      const double optimal = OptimalSelfishMiningRevenue(alpha, gamma, kT);
      for (StubbornVariant v : {StubbornVariant{true, false, 0}, StubbornVariant{false, true, 0},
                                StubbornVariant{false, false, 1}, StubbornVariant{true, true, 2}}) {
        const double r = StubbornPolicyRevenue(alpha, gamma, v, kT);
        EXPECT_GT(r, 0.0) << "alpha " << alpha << " gamma " << gamma;
        EXPECT_LE(r, optimal + 1e-12) << "alpha " << alpha << " gamma " << gamma;
      }
    }
  }
  // Values of this model (T = 94) the gallery entry nayak-2016 compares runs with.
  EXPECT_NEAR(StubbornPolicyRevenue(0.35, 0.5, {true, false, 0}), 0.419946, 1e-6);
  EXPECT_NEAR(StubbornPolicyRevenue(0.35, 0.5, {false, true, 0}), 0.420406, 1e-6);
  EXPECT_NEAR(StubbornPolicyRevenue(0.35, 0.5, {false, false, 1}), 0.415283, 1e-6);
}

}  // namespace
}  // namespace peerlab::analysis
