// Bounds on scenario quantities (docs/limits.md, "Scenario quantities"; issue 24 defects 3, 4
// and 14): input that used to overflow simulated time or stall it is refused with one located
// line, every extreme the schema still accepts runs to completion, and the engine saturates
// what no bound can cap (queued transfers, heavy-tailed draws).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/link_model.hpp"

namespace peerlab::scenario {
namespace {

// 12 nodes, two pools with the hashrate; long timers so that runs of decades stay small.
constexpr const char* kTiny =
    "version: 1\n"                                                                    // 1
    "name: bounds\n"                                                                  // 2
    "stop: { blocks: 3 }\n"                                                           // 3
    "network:\n"                                                                      // 4
    "  nodes: 12\n"                                                                   // 5
    "  topology: { kind: bitcoin, outbound: 3, block_relay_only: 1, max_inbound: 11 }\n"  // 6
    "protocol:\n"                                                                     // 7
    "  peers: { feeler_interval: 365 d }\n"                                           // 8
    "groups:\n"                                                                       // 9
    "  pools: { nodes: 2, hashrate: 1.0 }\n"                                          // 10
    "  relays: { nodes: rest, hashrate: 0 }\n";                                       // 11

std::string Error(const std::string& text, const std::vector<std::string>& overrides) {
  auto r = ParseScenario(text, "b.yaml", "", overrides);
  return r.ok() ? "OK" : r.status().message();
}

// ---- defects 3 and 4: the reproductions of issue 24 -----------------------------------------

TEST(ScenarioBounds, OverflowingDurationsAreRefusedWhereTheyAreWritten) {
  EXPECT_EQ(Error(kTiny, {"protocol.validation.fixed=106751 d"}),
            "--set protocol.validation.fixed=106751 d: protocol.validation.fixed: must be at "
            "most 365 d (the longest duration other than a point in time, docs/limits.md), got "
            "`106751 d`");
  EXPECT_EQ(Error(kTiny, {"protocol.validation.per_mb=106751 d"}),
            "--set protocol.validation.per_mb=106751 d: protocol.validation.per_mb: must be at "
            "most 365 d (the longest duration other than a point in time, docs/limits.md), got "
            "`106751 d`");
  const std::string partition =
      std::string(kTiny) +
      "events:\n"
      "  - { at: 1 h, kind: partition, sides: [[nodes: [0, 1]], [rest]], mode: delay, "
      "delay: 106751 d }\n";
  EXPECT_EQ(Error(partition, {}),
            "b.yaml:13:87: events[0].delay: must be at most 365 d (the longest duration other "
            "than a point in time, docs/limits.md), got `106751 d`");
  // Points in time have their own bound, the simulated-time limit.
  EXPECT_EQ(Error(kTiny, {"stop.time=29201 d"}),
            "--set stop.time=29201 d: stop.time: must be at most 29200 d (the simulated-time "
            "limit, 80 years), got `29201 d`");
  EXPECT_EQ(Error(kTiny, {"topology_snapshots=[1 h, 106751 d]"}),
            "--set topology_snapshots=[1 h, 106751 d]: topology_snapshots[1]: must be at most "
            "29200 d (the simulated-time limit, 80 years), got `106751 d`");
}

TEST(ScenarioBounds, OverflowingRatesAndLatenciesAreRefused) {
  EXPECT_EQ(Error(kTiny, {"network.bandwidth.upload=0.000001 bit/s"}),
            "--set network.bandwidth.upload=0.000001 bit/s: network.bandwidth.upload: must be "
            "at least 1 bit/s, got `0.000001 bit/s`");
  EXPECT_EQ(Error(kTiny, {"groups.pools.strategy={kind: selfish-mining, rushing_bandwidth: "
                          "1e-300 bit/s}",
                          "groups.pools.nodes=1", "groups.pools.hashrate=0.4",
                          "groups.honest={nodes: 1, hashrate: 0.6}"}),
            "--set groups.pools.strategy={kind: selfish-mining, rushing_bandwidth: 1e-300 "
            "bit/s}: groups.pools.strategy.rushing_bandwidth: must be at least 1 bit/s, got "
            "`1e-300 bit/s`");
  // An inline region table, under `network` (line 7).
  std::string text = kTiny;
  text.insert(text.find("protocol:"),
              "  regions: {names: [a, b], node_share: [0.5, 0.5], latency_ms: [[5, 1e300], "
              "[5, 5]], upload_mbps: [10, 10], download_mbps: [10, 10]}\n");
  EXPECT_EQ(Error(text, {}),
              "b.yaml:7:69: network.regions.latency_ms[0][1]: must be at most 31536000000 "
              "(365 d), got `1e300`");
  EXPECT_EQ(Error(kTiny, {"network.regions={names: [a], node_share: [1], latency_ms: [[5]], "
                          "upload_mbps: [10], download_mbps: [1e-300]}"}),
            "--set network.regions={names: [a], node_share: [1], latency_ms: [[5]], "
            "upload_mbps: [10], download_mbps: [1e-300]}: network.regions.download_mbps[0]: "
            "must be at least 0.000001 (1 bit/s), got `1e-300`");
}

// ---- defect 14: timers so short that simulated time stands still ---------------------------

TEST(ScenarioBounds, PeriodicTimersAreAtLeastOneSecond) {
  const std::pair<std::string, std::string> cases[] = {
      {"protocol.peers.ping_interval=1 ns",
       "protocol.peers.ping_interval: must be 0 (off) or at least 1 s, got `1 ns`"},
      {"protocol.peers.feeler_interval=999 ms",
       "protocol.peers.feeler_interval: must be 0 (off) or at least 1 s, got `999 ms`"},
      {"protocol.block_interval=999 us",
       "protocol.block_interval: must be at least 1 ms, got `999 us`"},
  };
  for (const auto& [set, message] : cases) {
    EXPECT_EQ(Error(kTiny, {set}), "--set " + set + ": " + message);
  }
  const std::vector<std::string> churn = {"churn={share: 0.5, session: {mean: 1 ns}}"};
  EXPECT_EQ(Error(kTiny, churn), "--set " + churn[0] +
                                     ": churn.session.mean: must be at least 1 s, got `1 ns`");
  const std::vector<std::string> downtime = {"churn={share: 0.5, downtime: {mean: 10 ms}}"};
  EXPECT_EQ(Error(kTiny, downtime),
            "--set " + downtime[0] + ": churn.downtime.mean: must be at least 1 s, got `10 ms`");
  const std::string eclipse =
      "groups.attacker={nodes: 1, hashrate: 0, strategy: {kind: eclipse, victim: 5, ";
  const std::vector<std::string> connect = {eclipse + "connect_interval: 1 ns}}"};
  EXPECT_EQ(Error(kTiny, connect),
            "--set " + connect[0] +
                ": groups.attacker.strategy.connect_interval: must be at least 1 s, got `1 ns`");
  const std::vector<std::string> flood = {eclipse + "addr_interval: 1 ns}}"};
  EXPECT_EQ(Error(kTiny, flood),
            "--set " + flood[0] +
                ": groups.attacker.strategy.addr_interval: must be at least 1 s, got `1 ns`");
}

// ---- the guarantee: every extreme the schema accepts runs ------------------------------------

struct Extreme {
  const char* what;
  std::vector<std::string> overrides;
};

// Each bounded field at the edge of its range (and fields that saturate in the engine at their
// most extreme), on the tiny scenario. Runs that would pass the 80-year limit end there.
const std::vector<Extreme>& Extremes() {
  static const std::vector<Extreme> cases = {
      {"longest spans",
       {"protocol.block_interval=365 d", "protocol.validation.fixed=365 d",
        "protocol.validation.per_mb=365 d", "protocol.block_size=4 MB", "stop.drain=365 d",
        "protocol.peers.ping_interval=365 d"}},
      {"latest time", {"stop.time=29200 d", "stop.blocks=4294967295", "protocol.block_interval=365 d",
                       "topology_snapshots=[29200 d]", "protocol.peers.feeler_interval=0 s"}},
      {"the longest run on blocks alone (40 blocks a year apart)",
       {"stop.blocks=40", "protocol.block_interval=365 d"}},
      {"slowest links",
       {"network.bandwidth.upload=1 bit/s", "network.bandwidth.download=1 bit/s",
        "protocol.block_size=4 MB", "stop.blocks=6", "protocol.block_interval=1 ms"}},
      {"slowest shared uplinks",
       {"network.bandwidth.upload=1 bit/s", "network.uplink=shared", "protocol.block_size=4 MB",
        "stop.blocks=6", "protocol.block_interval=1 ms"}},
      {"slowest inline region, longest latency, heaviest tail",
       {"network.regions={names: [a, b], node_share: [0.5, 0.5], latency_ms: [[31536000000, "
        "0], [0, 31536000000]], upload_mbps: [0.000001, 1e300], download_mbps: [0.000001, "
        "1e300]}",
        "network.latency_jitter={kind: pareto, shape: 1.000000001}", "stop.blocks=10",
        "protocol.block_interval=1 ms"}},
      {"shortest timers",
       {"stop.time=2 min", "protocol.peers.ping_interval=1 s",
        "protocol.peers.feeler_interval=1 s", "protocol.block_interval=1 ms"}},
      {"shortest churn",
       {"stop.time=2 min", "churn={share: 1, session: {kind: weibull, mean: 1 s, shape: 0.1}, "
                           "downtime: {mean: 1 s}, link_failures: {rate: 3600}}"}},
      // 2 days: while all relays are down the pools retry connections every 5 s.
      {"longest heavy-tailed churn, rarest link failures",
       {"stop.time=2 d", "stop.blocks=4294967295", "protocol.block_interval=365 d",
        "churn={share: 1, session: {kind: weibull, mean: 365 d, shape: 0.1}, downtime: {kind: "
        "weibull, mean: 365 d, shape: 0.1}, link_failures: {rate: 1e-300}}"}},
      {"rarest transactions", {"transactions={rate: 1e-300}", "stop.blocks=2"}},
      {"partition: latest, longest delay",
       {"stop.time=29200 d", "stop.blocks=4294967295", "protocol.block_interval=365 d",
        "events=[{at: 0 s, kind: partition, sides: [[nodes: [0, 1, 2]], [rest]], mode: delay, "
        "delay: 365 d}, {at: 29200 d, kind: heal}]"}},
      {"rushing: slowest and longest",
       {"groups.pools.nodes=1", "groups.pools.hashrate=0.4",
        "groups.pools.strategy={kind: selfish-mining, gamma: 1, rushing_latency: 365 d, "
        "rushing_bandwidth: 1 bit/s}",
        "groups.honest={nodes: 1, hashrate: 0.6}", "stop.blocks=8"}},
      {"black hole: longest delay",
       {"groups.hole={nodes: 2, hashrate: 0, strategy: {kind: black-hole, blocks: delay, "
        "delay: 365 d}}",
        "stop.blocks=4"}},
      {"eclipse: shortest timers",
       {"stop.time=2 min",
        "groups.attacker={nodes: 1, hashrate: 0, strategy: {kind: eclipse, victim: 5, "
        "connect_interval: 1 s, addr_interval: 1 s, restart_at: 0 s, downtime: 365 d, "
        "connections: 10000}}"}},
      {"eclipse: latest restart, longest timers",
       {"stop.time=29200 d", "stop.blocks=4294967295", "protocol.block_interval=365 d",
        "groups.attacker={nodes: 1, hashrate: 0, strategy: {kind: eclipse, victim: 5, "
        "connect_interval: 365 d, addr_interval: 365 d, restart_at: 29199 d, downtime: "
        "365 d}}"}},
  };
  return cases;
}

TEST(ScenarioBounds, EveryAcceptedExtremeRunsToCompletion) {
  for (const Extreme& e : Extremes()) {
    SCOPED_TRACE(e.what);
    auto s = ParseScenario(kTiny, "b.yaml", "", e.overrides);
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto out = runner::RunScenario(*s, {});
    ASSERT_TRUE(out.ok()) << out.status().message();
    const sim::SimReport& r = out->report;
    EXPECT_GE(r.sim_time, 0);
    EXPECT_LE(r.sim_time, kTimeLimit);
    EXPECT_GT(r.events, 0u);
  }
}

// A run asked for more blocks than come in 80 years ends at the limit, like at stop.time;
// before the limit existed its clock overflowed (an assertion abort) near 292 years.
TEST(ScenarioBounds, BlocksExpectedBeyondHalfTheTimeLimitAreRefused) {
  auto s = ParseScenario(kTiny, "b.yaml", "", {"stop.blocks=1000", "protocol.block_interval=365 d"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("stop.blocks: 1000 blocks at protocol.block_interval 365 d "
                                      "take about 1000 years"),
            std::string::npos)
      << s.status().message();
  // 40 blocks a year apart are expected to take 40 years: accepted.
  EXPECT_TRUE(ParseScenario(kTiny, "b.yaml", "", {"stop.blocks=40", "protocol.block_interval=365 d"})
                  .ok());
  // With stop.time the blocks are only an upper bound: accepted.
  EXPECT_TRUE(ParseScenario(kTiny, "b.yaml", "",
                            {"stop={blocks: 1000, time: 29200 d}", "protocol.block_interval=365 d"})
                  .ok());
}

TEST(ScenarioBounds, RunsEndAtTheTimeLimit) {
  auto s = ParseScenario(kTiny, "b.yaml", "", {"stop.blocks=40", "protocol.block_interval=365 d"});
  ASSERT_TRUE(s.ok()) << s.status().message();
  // Past what the scenario layer accepts, as a run that is unlucky would be: the engine's limit
  // still ends it.
  s->sim.stop.blocks = 1000;
  auto out = runner::RunScenario(*s, {});
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->report.sim_time, kTimeLimit);
  // About 80 blocks in 80 years (Poisson: sd 9).
  EXPECT_GT(out->report.blocks_mined, 40u);
  EXPECT_LT(out->report.blocks_mined, 130u);
}

}  // namespace
}  // namespace peerlab::scenario

// ---- engine: saturating time arithmetic -----------------------------------------------------

namespace peerlab::sim {
namespace {

TEST(SaturatingTime, EqualsPlainArithmeticBelowTheSaturationPoint) {
  EXPECT_EQ(SaturatingAdd(5, 7), 12);
  EXPECT_EQ(SaturatingAdd(kTimeBeyond - 1, 0), kTimeBeyond - 1);
  EXPECT_EQ(SaturatingAdd(kTimeBeyond - 2, 1), kTimeBeyond - 1);
  EXPECT_EQ(SaturatingAdd(kTimeBeyond - 1, 1), kTimeBeyond);
  EXPECT_EQ(SaturatingAdd(kTimeLimit, INT64_MAX), kTimeBeyond);
  EXPECT_EQ(SaturatingAdd(kTimeBeyond + 5, 1'000), kTimeBeyond + 5);  // never goes back
  EXPECT_EQ(SaturatingNs(1234.9), 1234);
  EXPECT_EQ(SaturatingNs(1e300), kTimeBeyond);
  EXPECT_EQ(SaturatingNs(1.0 / 0.0), kTimeBeyond);
  EXPECT_EQ(SaturatingNs(0.0 / 0.0), kTimeBeyond);
  // Room for a hundred one-year spans added to a saturated time without overflow.
  static_assert(INT64_MAX - kTimeBeyond > 100 * 365 * kDay);
}

// Defect 4: at 1e-6 bit/s a 1 MB message took 8e21 ns, a signed overflow (UBSan:
// link_model.cpp). The link model is also used without the scenario layer, so it saturates:
// such a message arrives after every run's end, and later ones queue behind it safely.
TEST(SaturatingTime, SlowLinksSaturateInsteadOfOverflowing) {
  RegionTable t;
  t.source = "inline";
  t.names = {"a"};
  t.node_share = {1};
  t.latency_ms = {10};
  t.upload_bps = {1e-6};
  t.download_bps = {1e-6};
  JitterSpec none;
  none.kind = JitterKind::kNone;
  LinkModel m(t, none, 1);
  m.AddNode(0, 1e-6, 8e6);
  m.AddNode(0, 8e6, 8e6);
  EXPECT_EQ(LinkModel::TransmitTime(1'000'000, 1e-6), kTimeBeyond);
  EXPECT_EQ(m.Send(0, 0, 1, 1'000'000), kTimeBeyond);
  EXPECT_EQ(m.Send(kSecond, 0, 1, 1'000'000), kTimeBeyond);  // behind the first
  EXPECT_EQ(m.Send(kSecond, 1, 0, 1'000), kSecond + 10 * kMillisecond + kMillisecond);
}

// Heavy tails: Pareto jitter with a shape near 1 draws latencies up to 10^15 times the mean.
TEST(SaturatingTime, HeavyTailedLatenciesSaturate) {
  RegionTable t;
  t.source = "inline";
  t.names = {"a"};
  t.node_share = {1};
  t.latency_ms = {365.0 * 24 * 3600 * 1000};
  t.upload_bps = {8e6};
  t.download_bps = {8e6};
  JitterSpec pareto;
  pareto.kind = JitterKind::kPareto;
  pareto.shape = 1.01;
  LinkModel m(t, pareto, 1);
  m.AddNode(0, 8e6, 8e6);
  m.AddNode(0, 8e6, 8e6);
  TimeNs latest = 0;
  for (int i = 0; i < 200'000; ++i) {
    const TimeNs at = m.Signal(0, 0, 1);
    ASSERT_GE(at, 0);
    ASSERT_LE(at, kTimeBeyond);
    latest = std::max(latest, at);
  }
  EXPECT_EQ(latest, kTimeBeyond);  // the tail reaches past every run's end
}

}  // namespace
}  // namespace peerlab::sim
