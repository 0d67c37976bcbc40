// protocol.kind tendermint in scenario files: what parses into the family's spec, each bad input
// as one located error, and runs through the runner (summary.json's `consensus`, heights.csv).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBase = R"(version: 1
name: tm
seed: 3
stop: { heights: 4 }
network:
  nodes: 40
  regions: simblock-2019
  topology: { kind: bitcoin, outbound: 4, block_relay_only: 0, max_inbound: 20 }
protocol:
  kind: tendermint
  tendermint:
    timeouts: { propose: 2 s, commit: 500 ms }
    flush_throttle: 10 ms
groups:
  validators: { nodes: 10, voting_power: 1 }
  full: { nodes: rest, voting_power: 0 }
outputs: [summary, heights]
)";

Result<Scenario> Parse(const std::string& text, std::vector<std::string> overrides = {}) {
  return ParseScenario(text, "tm.yaml", "", overrides);
}

std::string ErrorOf(const std::string& text, std::vector<std::string> overrides = {}) {
  auto s = Parse(text, std::move(overrides));
  return s.ok() ? "(parsed)" : s.status().message();
}

TEST(TendermintScenario, ParsesIntoTheFamilysSpec) {
  auto s = Parse(kBase);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->protocol, "tendermint");
  const tendermint::SimSpec& t = s->tendermint;
  EXPECT_EQ(t.nodes, 40u);
  EXPECT_EQ(t.seed, 3u);
  EXPECT_EQ(t.stop_heights, 4);
  EXPECT_EQ(t.node.consensus.timeout_propose, 2 * kSecond);
  EXPECT_EQ(t.node.consensus.timeout_commit, 500 * kMillisecond);
  EXPECT_EQ(t.node.consensus.timeout_prevote, 1 * kSecond);  // CometBFT's default
  EXPECT_EQ(t.flush_throttle, 10 * kMillisecond);
  ASSERT_EQ(t.groups.size(), 2u);
  EXPECT_EQ(t.groups[0].node_count, 10u);
  EXPECT_DOUBLE_EQ(t.groups[0].power_share, 1.0);
  EXPECT_TRUE(t.groups[1].rest);

  // An attacker group: no voting power, its strategy's hold.
  auto a = Parse(kBase, {"groups.attacker={nodes: 1, voting_power: 0, strategy: {kind: "
                         "target-proposer, hold: 6 s}}"});
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->tendermint.groups.size(), 3u);
  EXPECT_EQ(a->tendermint.groups[2].strategy, "target-proposer");
  EXPECT_EQ(a->tendermint.groups[2].target_delay, 6 * kSecond);

  // Censoring validators: the class resolves to its index, the classes reach the spec.
  auto c = Parse(kBase, {"transactions={rate: 5, classes: {a: 0.8, b: 0.2}}",
                         "groups.validators.strategy={kind: censor, class: b}"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->tendermint.groups[0].strategy, "censor");
  EXPECT_EQ(c->tendermint.groups[0].censored_class, 1);
  ASSERT_EQ(c->tendermint.tx_classes.size(), 2u);
  EXPECT_EQ(c->tendermint.tx_classes[1].name, "b");
  EXPECT_DOUBLE_EQ(c->tendermint.tx_classes[1].share, 0.2);
}

TEST(TendermintScenario, EachBadInputIsOneLocatedError) {
  // A Bitcoin-only key under a tendermint protocol.
  EXPECT_NE(ErrorOf(kBase, {"protocol.relay=compact"}).find("protocol.relay: unknown key for kind"),
            std::string::npos);
  // Bitcoin's stop and shares.
  EXPECT_NE(ErrorOf(kBase, {"stop.blocks=10"}).find("stop.blocks: protocol.kind tendermint counts "
                                                    "heights"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kBase, {"groups.validators.hashrate=1"}).find("groups.validators.hashrate"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kBase, {"groups.validators.voting_power=0.5"})
                .find("groups: voting powers sum to 0.5, must sum to 1"),
            std::string::npos);
  // A Bitcoin strategy in a tendermint group, and a Tendermint one in a bitcoin group.
  EXPECT_NE(ErrorOf(kBase, {"groups.validators.strategy.kind=selfish-mining"})
                .find("is a strategy of the bitcoin family"),
            std::string::npos);
  const std::string bitcoin = R"(version: 1
name: b
stop: { blocks: 3 }
network: { nodes: 20 }
groups:
  miners: { nodes: 5, hashrate: 1, strategy: { kind: silent } }
  rest: { nodes: rest, hashrate: 0 }
)";
  EXPECT_NE(ErrorOf(bitcoin).find("is a strategy of the tendermint family"), std::string::npos);
  EXPECT_NE(ErrorOf(bitcoin, {"stop.heights=3"}).find("stop.heights: only for protocol.kind "
                                                      "tendermint"),
            std::string::npos);
  // Out of range, located at the line.
  EXPECT_NE(ErrorOf(kBase, {"protocol.tendermint.timeouts.propose=2 h"})
                .find("protocol.tendermint.timeouts.propose: must be between 1 ms and 1 h"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kBase, {"outputs=[summary, graphml]"}).find("not written by the tendermint"),
            std::string::npos);
  // Churn: validators churn only when asked, with the family's own key.
  EXPECT_NE(ErrorOf(kBase, {"churn={share: 0.5, include_miners: true}"})
                .find("churn.include_miners: protocol.kind tendermint has no miners: use "
                      "`include_validators`"),
            std::string::npos);
  const std::vector<std::string> none = {"groups.full.strategy={kind: silent}", "churn={share: 0.5}"};
  EXPECT_NE(ErrorOf(kBase, none).find("churn.share: no node can churn"), std::string::npos)
      << ErrorOf(kBase, none);
  EXPECT_NE(ErrorOf(kBase, {"churn={include_miners: true}"}).find("churn.include_miners"),
            std::string::npos);  // refused even when nothing churns
  EXPECT_TRUE(Parse(kBase, {"churn={share: 0.5, include_validators: true}"}).ok());
  // Censoring: a known class, with transactions, and no feather fork (no forks to threaten).
  const std::vector<std::string> censor = {"groups.validators.strategy={kind: censor, class: b}"};
  std::vector<std::string> with_txs = censor;
  with_txs.push_back("transactions={rate: 5, classes: {a: 0.5, b: 0.5}}");
  EXPECT_NE(ErrorOf(kBase, censor).find("groups.validators.strategy.class: censoring needs "
                                        "transactions"),
            std::string::npos);
  std::vector<std::string> unknown = with_txs;
  unknown[0] = "groups.validators.strategy={kind: censor, class: c}";
  EXPECT_NE(ErrorOf(kBase, unknown).find("unknown transaction class `c` (expected one of: a, b)"),
            std::string::npos)
      << ErrorOf(kBase, unknown);
  std::vector<std::string> feather = with_txs;
  feather.push_back("groups.validators.strategy.mode=feather-fork");
  EXPECT_NE(ErrorOf(kBase, feather).find("groups.validators.strategy.mode: protocol.kind "
                                         "tendermint has no forks to threaten"),
            std::string::npos)
      << ErrorOf(kBase, feather);
  std::string no_power = kBase;
  no_power.replace(no_power.find("voting_power: 1 "), 16, "");
  const std::string e = ErrorOf(no_power);
  EXPECT_NE(e.find("groups.validators.voting_power: required key is missing"), std::string::npos) << e;
  EXPECT_EQ(e.rfind("tm.yaml:", 0), 0u) << e;  // FILE:LINE:COL first
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TendermintScenario, RunsThroughTheRunnerAndWritesItsResults) {
  auto s = Parse(kBase);
  ASSERT_TRUE(s.ok()) << s.status().message();
  const fs::path out = fs::path(::testing::TempDir()) /
                       ("peerlab_tm_run_" + std::to_string(::getpid()));
  fs::remove_all(out);
  runner::RunOptions options;
  options.out_dir = out.string();
  auto ran = runner::RunScenario(*s, options);
  ASSERT_TRUE(ran.ok()) << ran.status().message();
  EXPECT_TRUE(ran->safety.ok());
  const std::string summary = ReadFile(out / "summary.json");
  EXPECT_NE(summary.find("\"protocol\": \"tendermint\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"heights_committed\": 4"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"safety_violation\": null"), std::string::npos);
  const std::string heights = ReadFile(out / "heights.csv");
  EXPECT_EQ(std::count(heights.begin(), heights.end(), '\n'), 5);  // header + 4 heights
  EXPECT_TRUE(fs::exists(out / "run.json"));
  EXPECT_NE(ReadFile(out / "edges.csv").find("source,target,type\n"), std::string::npos);
  // Same scenario, same seed: the same bytes.
  const fs::path again = out.string() + "_again";
  fs::remove_all(again);
  options.out_dir = again.string();
  ASSERT_TRUE(runner::RunScenario(*s, options).ok());
  EXPECT_EQ(ReadFile(again / "summary.json"), summary);
  EXPECT_EQ(ReadFile(again / "heights.csv"), heights);
  fs::remove_all(out);
  fs::remove_all(again);
}

TEST(TendermintScenario, PartitionOfMoreThanAThirdStopsCommitsUntilTheHeal) {
  const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/tendermint-partition.yaml";
  auto s = LoadScenario(path, {"network.nodes=60", "groups.north.nodes=12", "groups.south.nodes=8",
                               "stop.time=4 min"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  runner::RunOptions options;
  auto ran = runner::RunScenario(*s, options);
  ASSERT_TRUE(ran.ok()) << ran.status().message();
  ASSERT_TRUE(ran->safety.ok()) << ran->safety.message();
  // The partition lasts from 1 min to 3 min: nothing commits then, and commits resume after.
  auto built = tendermint::Simulation::Build(s->tendermint, nullptr);
  ASSERT_TRUE(built.ok());
  ASSERT_TRUE((*built)->Run().ok());
  const tendermint::RunReport& r = (*built)->report();
  bool before = false, after = false;
  for (const tendermint::HeightRow& h : r.heights) {
    if (h.first_commit_at < 0) continue;
    const TimeNs t = h.first_commit_at;
    EXPECT_FALSE(t > 61 * kSecond && t < 180 * kSecond) << "height " << h.height << " at " << t;
    before = before || t < 60 * kSecond;
    after = after || t > 180 * kSecond;
  }
  EXPECT_TRUE(before);
  EXPECT_TRUE(after);
  EXPECT_TRUE(r.safety_violation.empty());
  // The partition's report: its sides' power, and liveness after the heal (the first commit
  // after 3 min, measured from the heal), as summary.json `partitions[0]` gives them.
  ASSERT_EQ(r.partitions.size(), 1u);
  const tendermint::PartitionRow& p = r.partitions[0];
  EXPECT_EQ(p.at, 60 * kSecond);
  ASSERT_TRUE(p.healed_at.has_value());
  EXPECT_EQ(*p.healed_at, 180 * kSecond);
  ASSERT_EQ(p.sides.size(), 2u);
  EXPECT_EQ(p.sides[0].nodes, 8u);
  EXPECT_NEAR(p.sides[0].voting_power, 0.4, 1e-9);
  EXPECT_NEAR(p.sides[1].voting_power, 0.6, 1e-9);
  EXPECT_LE(p.heights_during, 1u);  // at most the height whose votes were in by the cut
  ASSERT_TRUE(p.heal_to_commit.has_value());
  EXPECT_GT(*p.heal_to_commit, 0);
  EXPECT_LT(*p.heal_to_commit, 15 * kSecond);  // within a round's timeouts after the heal
  TimeNs first_after = -1;
  for (const tendermint::HeightRow& h : r.heights) {
    if (h.first_commit_at >= 180 * kSecond && first_after < 0) first_after = h.first_commit_at;
  }
  EXPECT_EQ(*p.heal_to_commit, first_after - 180 * kSecond);
}

}  // namespace
}  // namespace peerlab::scenario
