// Message faults (`network.faults`; sim/message_faults.hpp, docs/network-model.md, "Message
// faults"): the per-message decisions against their shares and bounds, what they do to a run
// (lost, duplicated and delayed messages), that a fault which matches nothing changes nothing,
// and the scenario checks. Thread-count independence with faults is in parallel_engine_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/message_faults.hpp"

namespace peerlab::scenario {
namespace {

using sim::MessageFaults;
using sim::MessageFaultSpec;

MessageFaults Faults(const MessageFaultSpec& f, sim::MessageFaultNodes nodes = {{{}}, {{}}}) {
  return MessageFaults(7, {f}, std::move(nodes));
}

TEST(MessageFaults, DecisionsFollowTheirSharesAndBounds) {
  MessageFaultSpec f;
  f.drop = 0.3;
  f.duplicate = 0.2;
  f.delay = 50 * kMillisecond;
  f.reorder = 100 * kMillisecond;
  const MessageFaults faults = Faults(f);
  constexpr int kMessages = 20000;
  int dropped = 0, duplicated = 0;
  DurationNs min_delay = kTimeNever, max_delay = 0;
  for (int i = 0; i < kMessages; ++i) {
    const auto from = static_cast<std::uint32_t>(i % 50);
    const auto sequence = static_cast<std::uint32_t>(i / 50);
    const MessageFaults::Outcome out = faults.Decide(from, 3, sequence, kSecond);
    // A pure function of its inputs.
    const MessageFaults::Outcome again = faults.Decide(from, 3, sequence, kSecond);
    ASSERT_EQ(out.drop, again.drop);
    ASSERT_EQ(out.duplicate, again.duplicate);
    ASSERT_EQ(out.delay, again.delay);
    ASSERT_TRUE(out.touched);
    ASSERT_FALSE(out.drop && out.duplicate);
    dropped += out.drop;
    duplicated += out.duplicate;
    min_delay = std::min(min_delay, out.delay);
    max_delay = std::max(max_delay, out.delay);
  }
  // Binomial: sd sqrt(20000 x 0.3 x 0.7) = 65 messages; 5 sd allowed.
  EXPECT_NEAR(dropped, 0.3 * kMessages, 5 * 65);
  // Duplicates among those not dropped: 0.2 x 0.7 = 0.14, sd 49.
  EXPECT_NEAR(duplicated, 0.14 * kMessages, 5 * 49);
  EXPECT_GE(min_delay, f.delay);
  EXPECT_LT(max_delay, f.delay + f.reorder);
  EXPECT_LT(min_delay, f.delay + f.reorder / 100);  // the reorder draw spans its range
  EXPECT_GT(max_delay, f.delay + f.reorder * 99 / 100);
}

TEST(MessageFaults, OnlyNamedSendersAndReceiversWithinTheirTime) {
  MessageFaultSpec f;
  f.drop = 1;
  f.start = 10 * kSecond;
  f.end = 20 * kSecond;
  // Senders 0 and 1 of 4 nodes; receivers: node 3.
  const MessageFaults faults = Faults(f, {{{1, 1, 0, 0}}, {{0, 0, 0, 1}}});
  EXPECT_TRUE(faults.Decide(0, 3, 0, 10 * kSecond).drop);
  EXPECT_TRUE(faults.Decide(1, 3, 5, 20 * kSecond - 1).drop);
  EXPECT_FALSE(faults.Decide(0, 3, 0, 10 * kSecond - 1).touched);  // before start
  EXPECT_FALSE(faults.Decide(0, 3, 0, 20 * kSecond).touched);      // end is exclusive
  EXPECT_FALSE(faults.Decide(2, 3, 0, 15 * kSecond).touched);      // not a named sender
  EXPECT_FALSE(faults.Decide(0, 2, 0, 15 * kSecond).touched);      // not a named receiver
}

// 120 nodes, 6 blocks of 100 kB; every message faults act on is a family message.
constexpr const char* kSmall =
    "version: 1\n"
    "name: faults\n"
    "seed: 4\n"
    "stop: {blocks: 6}\n"
    "network: {nodes: 120, regions: bitcoin, topology: {kind: bitcoin}}\n"
    "protocol: {block_interval: 600 s, block_size: 100 kB, relay: compact}\n"
    "groups:\n"
    "  pools: {nodes: 10, hashrate: 1.0}\n"
    "  relays: {nodes: rest, hashrate: 0}\n";

runner::RunOutcome RunSmall(const std::vector<std::string>& overrides) {
  auto s = ParseScenario(kSmall, "faults.yaml", "", overrides);
  if (!s.ok()) ADD_FAILURE() << s.status().message();
  PEERLAB_ASSERT(s.ok());
  auto outcome = runner::RunScenario(*s, {});
  if (!outcome.ok()) ADD_FAILURE() << outcome.status().message();
  PEERLAB_ASSERT(outcome.ok());
  return std::move(outcome).value();
}

std::string WithoutFaultCounts(std::string summary) {
  const std::size_t at = summary.find(",\n  \"network_faults\"");
  if (at == std::string::npos) return summary;
  return summary.substr(0, at) + "\n" + summary.substr(summary.rfind('}'));
}

TEST(MessageFaults, AFaultThatMatchesNothingChangesNothing) {
  const runner::RunOutcome plain = RunSmall({});
  EXPECT_EQ(plain.summary_json.find("network_faults"), std::string::npos);
  // After the last block (6 blocks take about an hour), and from a group that sends nothing.
  for (const char* fault :
       {"network.faults=[{start: 400 d, drop: 100 %, duplicate: 50 %, delay: 1 s}]",
        "network.faults=[{from: [nodes: [5]], to: [nodes: [5]], drop: 100 %}]"}) {
    const runner::RunOutcome faulted = RunSmall({fault});
    ASSERT_TRUE(faulted.report.network_faults.has_value()) << fault;
    EXPECT_EQ(faulted.report.network_faults->dropped, 0u) << fault;
    EXPECT_EQ(faulted.report.network_faults->duplicated, 0u) << fault;
    EXPECT_EQ(faulted.report.network_faults->delayed, 0u) << fault;
    EXPECT_NE(faulted.summary_json.find("\"network_faults\": {\n    \"dropped\": 0,"),
              std::string::npos)
        << faulted.summary_json;
    EXPECT_EQ(WithoutFaultCounts(faulted.summary_json), plain.summary_json) << fault;
  }
}

TEST(MessageFaults, DelaysSlowPropagationAndDuplicatesAreHarmless) {
  const runner::RunOutcome plain = RunSmall({});
  ASSERT_TRUE(plain.report.propagation_p50_s.has_value());
  // Every message 2 s later: a block needs at least two messages per hop (compact relay: the
  // cmpctblock, or headers then getdata), so the median node gets it 2 s later at least.
  const runner::RunOutcome delayed = RunSmall({"network.faults=[{delay: 2 s}]"});
  ASSERT_TRUE(delayed.report.propagation_p50_s.has_value());
  EXPECT_GT(*delayed.report.propagation_p50_s, *plain.report.propagation_p50_s + 2.0);
  EXPECT_GT(delayed.report.network_faults->delayed, 1000u);
  EXPECT_EQ(delayed.report.network_faults->dropped, 0u);
  // Every message twice: the nodes ignore what they already have; every block gets everywhere.
  const runner::RunOutcome doubled = RunSmall({"network.faults=[{duplicate: 100 %}]"});
  EXPECT_GT(doubled.report.network_faults->duplicated, 1000u);
  EXPECT_EQ(doubled.report.blocks_mined, plain.report.blocks_mined);
  for (const sim::BlockRow& b : doubled.report.blocks) {
    EXPECT_TRUE(!b.main_chain || b.reach_s[3].has_value()) << "block " << b.id_hex;
  }
}

TEST(MessageFaults, LostMessagesStopBlocksFromSpreading) {
  // Everything the pools send is lost: their blocks never leave them.
  const runner::RunOutcome lost = RunSmall({"network.faults=[{from: [group: pools], drop: 100 %}]"});
  ASSERT_TRUE(lost.report.network_faults.has_value());
  EXPECT_GT(lost.report.network_faults->dropped, 0u);
  for (const sim::BlockRow& b : lost.report.blocks) {
    EXPECT_FALSE(b.reach_s[0].has_value()) << "block " << b.id_hex << " reached 50 %";
  }
  // Half of everything lost: blocks still spread (the nodes ask other peers), more slowly.
  const runner::RunOutcome half = RunSmall({"network.faults=[{drop: 50 %}]"});
  EXPECT_GT(half.report.network_faults->dropped, 1000u);
}

TEST(MessageFaults, SameSeedSameRun) {
  const std::vector<std::string> faults = {
      "network.faults=[{from: [region: europe], drop: 10 %, duplicate: 10 %, reorder: 500 ms}, "
      "{to: [group: pools], delay: 100 ms}]"};
  EXPECT_EQ(RunSmall(faults).summary_json, RunSmall(faults).summary_json) << "seed=4 scenario=faults.yaml";
}

// The BFT family under faults it tolerates: duplicates, reordering and a few lost messages
// leave agreement intact, and every height is committed.
TEST(MessageFaults, TendermintKeepsAgreementUnderDuplicatesReorderingAndLoss) {
  // Losses for the first 20 s only: over TCP each loss leaves a hole that closes its
  // connection by the keep-alive (docs/tendermint.md, "Connections"), so a loss that never
  // ends breaks every connection again and again.
  auto s = LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/tendermint.yaml",
                        {"stop.heights=8", "stop.time=10 min", "network.nodes=40",
                         "groups.validators.nodes=10",
                         "network.faults=[{duplicate: 50 %, reorder: 200 ms}, "
                         "{drop: 5 %, end: 20 s}]"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto outcome = runner::RunScenario(*s, {});
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  const std::string where = "seed=1 scenario=scenarios/tendermint.yaml (faults)";
  EXPECT_TRUE(outcome->safety.ok()) << where << ": " << outcome->safety.message();
  const std::string& summary = outcome->summary_json;
  EXPECT_NE(summary.find("\"heights_committed\": 8,"), std::string::npos) << where << summary;
  EXPECT_NE(summary.find("\"safety_violation\": null"), std::string::npos) << where;
  const std::size_t at = summary.find("\"network_faults\"");
  ASSERT_NE(at, std::string::npos) << where;
  EXPECT_EQ(summary.find("\"duplicated\": 0", at), std::string::npos) << where;
  EXPECT_EQ(summary.find("\"dropped\": 0", at), std::string::npos) << where;
  // The network windows decide every message as the plain queue does (as for Bitcoin below).
  s->tendermint.network_window = sim::NetworkSpec::kWindowFloor;
  auto windowed = runner::RunScenario(*s, {});
  ASSERT_TRUE(windowed.ok());
  EXPECT_EQ(windowed->summary_json, summary) << where;
}

// The parallel engine's windows (one shard here; several threads in parallel_engine_test.cpp)
// decide every message as the plain queue does.
TEST(MessageFaults, WindowsChangeNothing) {
  for (const char* fault : {"network.faults=[{reorder: 300 ms}]",
                            "network.faults=[{drop: 10 %, duplicate: 20 %, delay: 30 ms}]"}) {
    auto s = ParseScenario(kSmall, "faults.yaml", "", {fault});
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto plain = runner::RunScenario(*s, {});
    s->sim.network_window = sim::NetworkSpec::kWindowFloor;
    auto windowed = runner::RunScenario(*s, {});
    ASSERT_TRUE(plain.ok() && windowed.ok());
    EXPECT_EQ(plain->summary_json, windowed->summary_json) << "seed=4 scenario=faults.yaml " << fault;
  }
}

TEST(MessageFaults, BadFaultsAreRefusedWithTheirPlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"network.faults=[{drop: 5 %, from: [hashrate: 0.3]}]", "network.faults[0].from[0]: "},
      {"network.faults=[{from: [group: nobody], drop: 5 %}]",
       "network.faults[0].from[0].group: unknown group `nobody`"},
      {"network.faults=[{to: [region: mars], drop: 5 %}]", "network.faults[0].to[0].region:"},
      {"network.faults=[{to: [nodes: [120]], drop: 5 %}]", "network.faults[0].to[0].nodes[0]:"},
      {"network.faults=[{start: 1 h}]", "network.faults[0]: does nothing"},
      {"network.faults=[{start: 1 h, end: 1 h, drop: 5 %}]", "network.faults[0].end: must be after"},
      {"network.faults=[{drop: 150 %}]", "network.faults[0].drop:"},
      {"network.faults=[{delay: -1 s}]", "network.faults[0].delay:"},
      {"network.faults=[{drop: 5 %, every: 3}]", "network.faults[0].every: unknown key"},
      {"network.faults={drop: 5 %}", "network.faults: expected a list of faults"},
      {"network.faults=[{from: [], drop: 5 %}]", "network.faults[0].from: expected a non-empty"},
  };
  for (const auto& [override, expected] : cases) {
    auto s = ParseScenario(kSmall, "faults.yaml", "", {override});
    ASSERT_FALSE(s.ok()) << override;
    EXPECT_NE(s.status().message().find(expected), std::string::npos)
        << override << " gave: " << s.status().message();
  }
  EXPECT_TRUE(
      ParseScenario(kSmall, "faults.yaml", "", {"network.faults=[{to: [group: relays], drop: 1 %}]"})
          .ok());
}

}  // namespace
}  // namespace peerlab::scenario
