// Eyal & Sirer's selfish-mining Markov chain solved numerically (analysis/markov.hpp) against
// the closed forms the paper derives from it: the revenue and the stationary probabilities.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <numeric>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/markov.hpp"

namespace peerlab::analysis {
namespace {

TEST(MarkovSelfishMining, RevenueEqualsTheClosedFormOverTheGrid) {
  double max_error = 0.0;
  for (int step = 0; step <= 49; ++step) {
    const double alpha = step / 100.0;
    for (double gamma : {0.0, 0.25, 0.5, 0.75, 1.0}) {
      const double chain = SolveSelfishMiningChain(alpha, gamma).revenue;
      const double closed = EyalSirerRevenue(alpha, gamma);
      EXPECT_NEAR(chain, closed, 1e-9) << "alpha " << alpha << " gamma " << gamma;
      max_error = std::max(max_error, std::abs(chain - closed));
    }
  }
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", max_error);
  RecordProperty("max_abs_error", text);
}

// The paper's section 4.1: with d = 2a^3 - 4a^2 + 1,
//   p0 = (1 - 2a) / d,  p0' = (1 - a) a (1 - 2a) / d,  p1 = a (1 - 2a) / d,
//   pk = (a / (1 - a))^(k-1) p1 for k >= 2.
TEST(MarkovSelfishMining, StationaryProbabilitiesMatchThePapersClosedForms) {
  for (double alpha : {0.0, 0.01, 0.1, 0.25, 1.0 / 3.0, 0.4, 0.45, 0.49}) {
    const SelfishMiningChain chain = SolveSelfishMiningChain(alpha, 0.5);
    const double a = alpha;
    const double d = 2 * a * a * a - 4 * a * a + 1;
    const double p1 = a * (1 - 2 * a) / d;
    EXPECT_NEAR(chain.lead[0], (1 - 2 * a) / d, 1e-9) << "alpha " << alpha;
    EXPECT_NEAR(chain.tie, (1 - a) * p1, 1e-9) << "alpha " << alpha;
    EXPECT_NEAR(chain.lead[1], p1, 1e-9) << "alpha " << alpha;
    for (int k = 2; k <= std::min(chain.max_lead, 40); ++k) {
      EXPECT_NEAR(chain.lead[k], std::pow(a / (1 - a), k - 1) * p1, 1e-9)
          << "alpha " << alpha << " k " << k;
    }
    const double total =
        std::accumulate(chain.lead.begin(), chain.lead.end(), 0.0) + chain.tie;
    EXPECT_NEAR(total, 1.0, 1e-12) << "alpha " << alpha;
  }
}

TEST(MarkovSelfishMining, TruncationLeavesLessThan1e13AboveTheLastLead) {
  EXPECT_EQ(SelfishMiningChainMaxLead(0.0), 3);
  for (double alpha : {0.1, 0.3, 0.45, 0.49, 0.4999}) {
    const int k = SelfishMiningChainMaxLead(alpha);
    const double r = alpha / (1 - alpha);
    EXPECT_LE(std::pow(r, k) / (1 - r), 1e-13) << "alpha " << alpha;
    if (k > 3) {  // and the smallest such lead
      EXPECT_GT(std::pow(r, k - 1) / (1 - r), 1e-13) << "alpha " << alpha;
    }
  }
  EXPECT_EQ(SolveSelfishMiningChain(0.3, 0.0).max_lead, SelfishMiningChainMaxLead(0.3));
}

TEST(MarkovSelfishMining, ChainLengthIsCappedNextToOneHalf) {
  EXPECT_LT(SelfishMiningChainMaxLead(0.4999), kSelfishMiningChainLargestLead);
  EXPECT_EQ(SelfishMiningChainMaxLead(0.4999999), kSelfishMiningChainLargestLead);
  EXPECT_NEAR(SolveSelfishMiningChain(0.4999999, 0.5).revenue, EyalSirerRevenue(0.4999999, 0.5),
              1e-4);
}

TEST(MarkovSelfishMining, HonestBlocksAccountForEverythingWithoutAPool) {
  const SelfishMiningChain chain = SolveSelfishMiningChain(0.0, 0.7);
  EXPECT_EQ(chain.revenue, 0.0);
  EXPECT_DOUBLE_EQ(chain.lead[0], 1.0);
  EXPECT_DOUBLE_EQ(chain.others_blocks_per_step, 1.0);
}

}  // namespace
}  // namespace peerlab::analysis
