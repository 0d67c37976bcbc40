// Attacks on the simulated network against theory: selfish-mining revenue against Eyal &
// Sirer's closed form at the gamma the network produced, double-spend success against the
// exact probability of the simulated rules (Rosenfeld's analysis with a give-up barrier), and
// the inclusion delay of censored transactions against its geometric law. Runs the shipped
// scenario files; every tolerance is derived from the sample size in the test.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

std::string ScenarioPath(const std::string& name) {
  return std::string(PEERLAB_SOURCE_DIR) + "/scenarios/" + name;
}

// Loads a shipped scenario with overrides and runs it; the trace names how to reproduce it.
sim::SimReport RunShipped(const std::string& file, const std::vector<std::string>& overrides,
                   std::string* repro) {
  auto s = LoadScenario(ScenarioPath(file), overrides);
  EXPECT_TRUE(s.ok()) << s.status().message();
  *repro = "seed=" + std::to_string(s->sim.seed) + " scenario=scenarios/" + file;
  for (const auto& o : overrides) *repro += " --set " + o;
  auto out = runner::RunScenario(*s, {});
  EXPECT_TRUE(out.ok());
  return out->report;
}

const sim::GroupReport& Group(const sim::SimReport& r, const std::string& name) {
  for (const auto& g : r.groups) {
    if (g.name == name) return g;
  }
  ADD_FAILURE() << "no group " << name;
  return r.groups.front();
}

// Standard error of the attacker's share of main-chain blocks by batch means: selfish mining
// publishes in runs, so blocks are not independent; 20 consecutive batches of the main chain
// are nearly so.
double BatchMeanStandardError(const sim::SimReport& r, std::uint32_t attacker_group) {
  std::vector<int> mine;
  std::vector<std::pair<std::uint32_t, int>> main;  // height, is attacker's
  for (const auto& b : r.blocks) {
    if (b.main_chain) main.emplace_back(b.height, b.miner_group == attacker_group ? 1 : 0);
  }
  std::sort(main.begin(), main.end());
  constexpr std::size_t kBatches = 20;
  const std::size_t per = main.size() / kBatches;
  std::vector<double> means;
  for (std::size_t k = 0; k < kBatches; ++k) {
    double sum = 0;
    for (std::size_t i = k * per; i < (k + 1) * per; ++i) sum += main[i].second;
    means.push_back(sum / static_cast<double>(per));
  }
  double mean = 0;
  for (double m : means) mean += m / kBatches;
  double var = 0;
  for (double m : means) var += (m - mean) * (m - mean) / (kBatches - 1);
  return std::sqrt(var / kBatches);
}

struct SelfishPoint {
  double alpha;
  double gamma_share;  // of honest hashrate on rushing links
};

TEST(AttackTheory, SelfishMiningRevenueMatchesEyalSirerAtTheObservedGamma) {
  for (const SelfishPoint p : {SelfishPoint{0.25, 0.0}, SelfishPoint{0.3, 0.5},
                               SelfishPoint{0.4, 1.0}}) {
    std::string repro;
    const auto r = RunShipped("selfish-mining.yaml",
                       {"network.nodes=100", "stop.blocks=3000",
                        "groups.attacker.hashrate=" + std::to_string(p.alpha),
                        "groups.honest.hashrate=" + std::to_string(1 - p.alpha),
                        "groups.attacker.strategy.gamma=" + std::to_string(p.gamma_share)},
                       &repro);
    const auto& g = Group(r, "attacker");
    ASSERT_TRUE(g.adversary && g.adversary->observed_gamma && g.revenue_share) << repro;
    const double gamma = *g.adversary->observed_gamma;
    const double expected = analysis::EyalSirerRevenue(p.alpha, gamma);
    const double se = BatchMeanStandardError(r, 1);
    // Four standard errors of the simulated share, plus the uncertainty that the measured gamma
    // carries into the formula (dR/dgamma times gamma's binomial standard error).
    const auto ties = g.adversary->race_blocks_on_attacker + g.adversary->race_blocks_on_rival;
    const double gamma_se = std::sqrt(gamma * (1 - gamma) / ties);
    const double slope = analysis::EyalSirerRevenue(p.alpha, std::min(1.0, gamma + 0.01)) -
                         analysis::EyalSirerRevenue(p.alpha, std::max(0.0, gamma - 0.01));
    const double tolerance = 4 * se + 4 * gamma_se * std::fabs(slope) / 0.02;
    EXPECT_NEAR(*g.revenue_share, expected, tolerance)
        << repro << " alpha=" << p.alpha << " observed_gamma=" << gamma << " se=" << se;
    std::printf("selfish alpha=%.2f rushing=%.1f: observed_gamma=%.3f revenue=%.4f formula=%.4f "
                "(tolerance %.4f, %u ties)\n",
                p.alpha, p.gamma_share, gamma, *g.revenue_share, expected, tolerance, ties);
  }
}

TEST(AttackTheory, RushingLinksRaiseTheObservedGamma) {
  std::string repro;
  double gammas[2];
  int i = 0;
  for (const char* share : {"0", "1"}) {
    const auto r = RunShipped("selfish-mining.yaml",
                       {"network.nodes=100", "stop.blocks=600",
                        std::string("groups.attacker.strategy.gamma=") + share},
                       &repro);
    gammas[i++] = Group(r, "attacker").adversary->observed_gamma.value_or(-1);
  }
  EXPECT_GT(gammas[1], gammas[0] + 0.3) << repro << ": rushing links to every honest miner";
}

struct DoubleSpendPoint {
  double q;
  int z;
  int deficit;
  bool premine;
};

TEST(AttackTheory, DoubleSpendSuccessMatchesTheExactProbability) {
  for (const DoubleSpendPoint p : {DoubleSpendPoint{0.3, 2, 3, false},
                                   DoubleSpendPoint{0.2, 1, 4, true}}) {
    std::string repro;
    const auto r = RunShipped("double-spend.yaml",
                       {"stop.blocks=1500", "groups.attacker.hashrate=" + std::to_string(p.q),
                        "groups.honest.hashrate=" + std::to_string(1 - p.q),
                        "groups.attacker.strategy.confirmations=" + std::to_string(p.z),
                        "groups.attacker.strategy.max_deficit=" + std::to_string(p.deficit),
                        std::string("groups.attacker.strategy.premine=") +
                            (p.premine ? "true" : "false")},
                       &repro);
    const auto& a = *Group(r, "attacker").adversary;
    ASSERT_GT(a.attempts, 100u) << repro;
    const double expected = analysis::DoubleSpendSuccess(p.q, p.z, p.deficit, p.premine);
    // Attempts start afresh each time (mining is memoryless): independent Bernoulli trials.
    const double tolerance = 4 * std::sqrt(expected * (1 - expected) / a.attempts);
    EXPECT_NEAR(*a.success_rate, expected, tolerance) << repro;
    EXPECT_LE(a.successes, a.published);
    std::printf("double-spend q=%.2f z=%d deficit=%d premine=%d: %u/%u = %.4f, exact %.4f "
                "(Rosenfeld, no give-up: %.4f)\n",
                p.q, p.z, p.deficit, p.premine, a.successes, a.attempts, *a.success_rate,
                expected, analysis::RosenfeldDoubleSpend(p.q, p.z));
  }
}

TEST(AttackTheory, CensoredInclusionDelayIsGeometric) {
  std::string repro;
  const auto r = RunShipped("censorship.yaml", {"stop.blocks=400"}, &repro);
  const auto& a = *Group(r, "attacker").adversary;
  const double c = 0.4;
  ASSERT_GT(a.censored_txs, 500u) << repro;
  const double expected = analysis::CensorshipExpectedDelayBlocks(c);
  // Transactions waiting for the same block share its fate, so the sample is worth about one
  // draw per main-chain block: the geometric law's standard deviation over that many.
  const double tolerance = 4 * std::sqrt(c) / (1 - c) / std::sqrt(r.blocks_main);
  EXPECT_NEAR(*a.censored_tx_delay_blocks.mean, expected, tolerance) << repro;
  EXPECT_EQ(*a.never_included_share, 0.0) << repro;
  // The uncensored class is the baseline: included in the next block.
  EXPECT_LT(*r.tx_classes[0].inclusion_delay_blocks.mean, 1.05) << repro;
  std::printf("censor c=%.2f: mean delay %.3f blocks, geometric %.3f (tolerance %.3f)\n", c,
              *a.censored_tx_delay_blocks.mean, expected, tolerance);
}

TEST(AttackTheory, FeatherForkingMinorityIsOrphaned) {
  std::string repro;
  const auto r = RunShipped("censorship.yaml",
                     {"stop.blocks=200", "groups.attacker.strategy.mode=feather-fork",
                      "groups.attacker.strategy.depth=1"},
                     &repro);
  const auto& g = Group(r, "attacker");
  EXPECT_GT(g.adversary->fork_blocks, 10u) << repro;
  EXPECT_GT(g.adversary->own_blocks_orphaned, g.blocks_mined / 3) << repro;
  EXPECT_GT(g.adversary->blocks_orphaned, 0u) << repro << ": a fork that wins orphans honest blocks";
  EXPECT_GT(*r.chain_quality, 0.6) << repro;
}

TEST(AttackScenarios, BlackHolesSlowPropagationDown) {
  std::string repro;
  const std::vector<std::string> base = {"network.nodes=300", "stop.blocks=20"};
  const auto honest = RunShipped("default.yaml", base, &repro);
  auto with = base;
  with.push_back("groups.relays.strategy={kind: black-hole, blocks: delay, delay: 5 s}");
  const auto delayed = RunShipped("default.yaml", with, &repro);
  with.back() = "groups.relays.strategy={kind: black-hole, blocks: drop}";
  const auto dropped = RunShipped("default.yaml", with, &repro);
  ASSERT_TRUE(honest.propagation_p90_s && delayed.propagation_p90_s) << repro;
  // Most nodes are relays: their late announcements put seconds into the 90th percentile.
  EXPECT_GT(*delayed.propagation_p90_s, *honest.propagation_p90_s + 3.0) << repro;
  const auto& a = *Group(delayed, "relays").adversary;
  EXPECT_GT(a.blocks_delayed, 0u);
  // Dropping relays leave only pools to pass blocks on: most relays then hear of blocks late or
  // never, and every non-relay counter stays zero.
  EXPECT_GT(Group(dropped, "relays").adversary->blocks_not_relayed, 0u) << repro;
  EXPECT_EQ(Group(dropped, "relays").adversary->blocks_delayed, 0u);
}

TEST(AttackScenarios, ShippedAttackScenariosAreDeterministic) {
  for (const char* file : {"selfish-mining.yaml", "double-spend.yaml", "censorship.yaml"}) {
    auto s = LoadScenario(ScenarioPath(file), {"stop.blocks=60", "network.nodes=60"});
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto a = runner::RunScenario(*s, {});
    auto b = runner::RunScenario(*s, {});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->summary_json, b->summary_json) << "seed=" << s->sim.seed << " scenario=" << file;
    bool reported = false;
    for (const auto& g : a->report.groups) reported = reported || (g.name == "attacker" && g.adversary);
    EXPECT_TRUE(reported) << file;
    const std::string& j = a->summary_json;
    EXPECT_TRUE(j.find("\"observed_gamma\"") != std::string::npos ||
                j.find("\"success_rate\"") != std::string::npos ||
                j.find("\"censored_tx_delay_blocks\"") != std::string::npos)
        << file;
  }
}

}  // namespace
}  // namespace peerlab::scenario
