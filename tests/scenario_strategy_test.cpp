// Scenario errors and defaults of `groups.<name>.strategy`: every bad attack parameter gets
// one line naming file:line:col and the field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

constexpr const char* kBase =
    "version: 1\n"                                        // 1
    "name: attack\n"                                      // 2
    "stop: { blocks: 20 }\n"                              // 3
    "network: { nodes: 100 }\n"                           // 4
    "groups:\n"                                           // 5
    "  honest: { nodes: 10, hashrate: 0.7 }\n"            // 6
    "  attacker:\n"                                       // 7
    "    nodes: 1\n"                                      // 8
    "    hashrate: 0.3\n"                                 // 9
    "    strategy: { kind: selfish-mining, gamma: 0.5 }\n"  // 10
    "  relays: { nodes: rest, hashrate: 0 }\n";           // 11

std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto r = ParseScenario(text, "a.yaml", "", overrides);
  return r.ok() ? "OK" : r.status().message();
}

std::string With(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(StrategyScenario, DefaultsAndKindSwitches) {
  auto s = ParseScenario(kBase, "a.yaml", "", {});
  ASSERT_TRUE(s.ok()) << s.status().message();
  const sim::GroupSpec& g = s->sim.groups[1];
  EXPECT_EQ(g.strategy.kind, bitcoin::StrategyKind::kSelfishMining);
  EXPECT_EQ(g.strategy_name, "selfish-mining");
  EXPECT_DOUBLE_EQ(g.rushing.honest_share, 0.5);
  EXPECT_EQ(g.rushing.latency, kMillisecond);
  EXPECT_FALSE(g.strategy.lead_stubborn);
  EXPECT_TRUE(s->sim.groups[0].honest());

  auto t = ParseScenario(kBase, "a.yaml", "", {"groups.attacker.strategy.kind=trail-stubborn"});
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->sim.groups[1].strategy.trail_stubborn, 1u);
  auto l = ParseScenario(kBase, "a.yaml", "",
                         {"groups.attacker.strategy={kind: lead-stubborn, equal_fork_stubborn: true}"});
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_TRUE(l->sim.groups[1].strategy.lead_stubborn);
  EXPECT_TRUE(l->sim.groups[1].strategy.equal_fork_stubborn);

  auto d = ParseScenario(kBase, "a.yaml", "",
                         {"groups.attacker.strategy={kind: double-spend, confirmations: 3}"});
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->sim.groups[1].strategy.confirmations, 3u);
  EXPECT_EQ(d->sim.groups[1].strategy.max_deficit, 6u);
  EXPECT_FALSE(d->sim.groups[1].strategy.premine);
}

TEST(StrategyScenario, ResolvedJsonKeepsTheStrategy) {
  auto s = ParseScenario(kBase, "a.yaml", "", {"groups.attacker.strategy.kind=lead-stubborn"});
  ASSERT_TRUE(s.ok());
  auto again = ParseScenario(s->resolved_json, "resolved.json", "", {});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->resolved_json, s->resolved_json);
  EXPECT_TRUE(again->sim.groups[1].strategy.lead_stubborn);
}

TEST(StrategyScenario, Errors) {
  EXPECT_EQ(Error(With("kind: selfish-mining", "kind: selfish")),
            "a.yaml:10:23: groups.attacker.strategy.kind: unknown value `selfish` (expected one of: "
            "selfish-mining, lead-stubborn, equal-fork-stubborn, trail-stubborn, double-spend, "
            "censor, black-hole, eclipse, optimal-selfish, silent, equivocate, target-proposer, twins)");
  EXPECT_EQ(Error(kBase, {"groups.attacker.hashrate=0.5"}),
            "a.yaml:6:3: groups: hashrates sum to 1.2, must sum to 1");
  EXPECT_EQ(Error(kBase, {"groups.attacker.hashrate=130 %"}),
            "--set groups.attacker.hashrate=130 %: groups.attacker.hashrate: must be at most 100 %, "
            "got `130 %`");
  EXPECT_EQ(Error(With("gamma: 0.5", "gamma: 1.5")),
            "a.yaml:10:46: groups.attacker.strategy.gamma: `1.5` is more than 1; write a share in "
            "[0, 1] or a percentage like `30 %`");
  EXPECT_EQ(Error(With("gamma: 0.5", "confirmations: 3")),
            "a.yaml:10:39: groups.attacker.strategy.confirmations: unknown key for kind "
            "`selfish-mining` (expected one of: kind, gamma, rushing_latency, rushing_bandwidth, "
            "lead_stubborn, equal_fork_stubborn, trail_stubborn)");
  EXPECT_EQ(Error(With("    nodes: 1\n", "    nodes: 3\n")),
            "a.yaml:8:12: groups.attacker.nodes: a `selfish-mining` group must be one node (a pool): "
            "nodes of a group do not coordinate");
  EXPECT_EQ(Error(kBase, {"groups.honest.hashrate=0", "groups.attacker.hashrate=1"}),
            "a.yaml:10:46: groups.attacker.strategy.gamma: rushing links need honest miners, but no "
            "group without a strategy has hashrate");
  EXPECT_EQ(Error(kBase, {"groups.attacker.strategy={kind: censor, class: flagged}"}),
            "--set groups.attacker.strategy={kind: censor, class: flagged}: "
            "groups.attacker.strategy.class: censoring needs transactions (set `transactions.rate`)");
  EXPECT_EQ(Error(std::string(kBase) + "transactions: { rate: 1, classes: { a: 0.5, b: 0.5 } }\n",
                  {"groups.attacker.strategy={kind: censor, class: flagged}"}),
            "--set groups.attacker.strategy={kind: censor, class: flagged}: "
            "groups.attacker.strategy.class: unknown transaction class `flagged` (expected one "
            "of: a, b)");
  EXPECT_EQ(Error(kBase, {"groups.attacker.strategy={kind: black-hole, blocks: lose}"}),
            "--set groups.attacker.strategy={kind: black-hole, blocks: lose}: "
            "groups.attacker.strategy.blocks: unknown value `lose` (expected one of: relay, drop, "
            "delay)");
  EXPECT_EQ(Error(kBase, {"groups.attacker.strategy={kind: black-hole, txs: delay}"}),
            "--set groups.attacker.strategy={kind: black-hole, txs: delay}: "
            "groups.attacker.strategy.txs: unknown value `delay` (expected one of: relay, drop)");
  EXPECT_EQ(Error(kBase, {"groups.attacker.strategy.trail_stubborn=-1"}),
            "--set groups.attacker.strategy.trail_stubborn=-1: "
            "groups.attacker.strategy.trail_stubborn: must not be negative, got `-1`");
  EXPECT_EQ(Error(kBase, {"groups.attacker.strategy={kind: double-spend, confirmations: 0}"}),
            "--set groups.attacker.strategy={kind: double-spend, confirmations: 0}: "
            "groups.attacker.strategy.confirmations: must be at least 1, got `0`");
}

TEST(StrategyScenario, BlackHolesMayBeManyNodesWithoutHashrate) {
  auto s = ParseScenario(kBase, "a.yaml", "",
                         {"groups.relays.strategy={kind: black-hole, blocks: delay, delay: 1 min}",
                          "groups.attacker.strategy={kind: double-spend}"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->sim.groups[2].strategy.blocks, bitcoin::RelayAction::kDelay);
  EXPECT_EQ(s->sim.groups[2].strategy.block_delay, kMinute);
  EXPECT_EQ(s->sim.groups[2].strategy.txs, bitcoin::RelayAction::kDrop);
}

}  // namespace
}  // namespace peerlab::scenario
