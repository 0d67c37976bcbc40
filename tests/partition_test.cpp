// Network partitions in the fast engine (SimConfig level): drop closes and heal reopens the
// crossing connections, attempts across sides fail, delay slows crossing blocks, consistency
// after the heal is measured, and the minority side loses what it mined (a statistical test).
// Also the AS draw and how partition sides resolve to nodes.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/bitcoin/sim/plan_input.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::sim {
namespace {

// `nodes` miners in two groups: `minority` (the first `minority_nodes`, 30 % of hashrate) and
// `majority` (the rest, 70 %).
SimConfig Network(std::uint32_t nodes, std::uint64_t seed, std::uint32_t minority_nodes = 60) {
  SimConfig c;
  c.seed = seed;
  c.nodes = nodes;
  c.regions = *BuiltinRegionTable("simblock-2019");
  c.node.validation_fixed = 10 * kMillisecond;
  c.node.validation_per_mb = 50 * kMillisecond;
  c.node.block_size_bytes = 100'000;
  c.groups = {GroupSpec::Fixed("minority", minority_nodes, 0.3), GroupSpec::Rest("majority", 0.7)};
  return c;
}

SideSelector GroupSelector(std::uint32_t group) {
  return {SideSelector::Kind::kGroup, group, {}, 0};
}
SideSelector Rest() { return {SideSelector::Kind::kRest, 0, {}, 0}; }

NetworkEventSpec Partition(TimeNs at, std::vector<PartitionSide> sides,
                           PartitionMode mode = PartitionMode::kDrop) {
  NetworkEventSpec e;
  e.kind = NetworkEventSpec::Kind::kPartition;
  e.at = at;
  e.sides = std::move(sides);
  e.mode = mode;
  return e;
}
NetworkEventSpec Heal(TimeNs at) {
  NetworkEventSpec e;
  e.kind = NetworkEventSpec::Kind::kHeal;
  e.at = at;
  return e;
}

std::unique_ptr<Simulation> RunTo(SimConfig c, TimeNs until) {
  c.stop.blocks.reset();
  c.stop.time = until;
  auto built = Simulation::Build(c);
  if (!built.ok()) ADD_FAILURE() << built.status().message();
  auto sim = std::move(built).value();
  sim->Run();
  return sim;
}

// Open connections between nodes on different sides, counted once (from the opener).
std::uint32_t CrossingConnections(const Simulation& sim, const std::vector<std::uint8_t>& side) {
  std::uint32_t n = 0;
  for (std::uint32_t i = 0; i < sim.node_count(); ++i) {
    for (bitcoin::PeerId p = 0; p < sim.connection_slots(i); ++p) {
      n += sim.IsOpenOutbound(i, p) && side[i] != side[sim.peer_node(i, p)];
    }
  }
  return n;
}

std::vector<std::uint8_t> Sides(const Simulation& sim) {
  std::vector<std::uint8_t> side(sim.node_count());
  for (std::uint32_t i = 0; i < sim.node_count(); ++i) side[i] = sim.partition_side(i);
  return side;
}

TEST(Partition, DropClosesCrossingConnectionsAndHealReopensThemFromTheSameEnd) {
  // A fixed topology: nodes do not replace connections, so only the partition changes them.
  SimConfig c = Network(200, 3);
  c.topology.kind = TopologyKind::kRandomRegular;
  c.events = {Partition(30 * kMinute, {{GroupSelector(0)}, {Rest()}}), Heal(90 * kMinute)};

  auto during = RunTo(c, 30 * kMinute + kSecond);
  const std::vector<std::uint8_t> side = Sides(*during);
  std::uint32_t crossing_edges = 0;
  for (const Edge& e : during->engine().edges()) crossing_edges += side[e.from] != side[e.to];
  ASSERT_GT(crossing_edges, 100u);  // 60 of 200 nodes with degree 8: about 670
  EXPECT_EQ(CrossingConnections(*during, side), 0u);
  EXPECT_EQ(during->Report().disconnects, crossing_edges);

  auto after = RunTo(c, 90 * kMinute + 10 * kSecond);
  EXPECT_EQ(after->partition_side(0), kNoSide);
  EXPECT_EQ(CrossingConnections(*after, side), crossing_edges);
  // Every edge of the topology is open again, opened by the node that opened it first.
  for (const Edge& e : after->engine().edges()) {
    bool open = false;
    for (bitcoin::PeerId p = 0; p < after->connection_slots(e.from); ++p) {
      open = open || (after->IsOpenOutbound(e.from, p) && after->peer_node(e.from, p) == e.to);
    }
    EXPECT_TRUE(open) << e.from << " -> " << e.to;
  }
  for (std::uint32_t i = 0; i < 200; ++i) {
    EXPECT_EQ(after->open_connections(i), 8u) << i;
    EXPECT_EQ(after->node(i).connected_peers(), 8u) << i;
  }
}

// A delay partition from the start holds the handshakes across it past Core's 60 s timeout:
// those connections close. In a fixed topology the end that opened each dials it again every
// minute (Core's added nodes), and once the partition heals every edge is back.
TEST(Partition, AFixedTopologysConnectionsLostToTimeoutsComeBackAfterTheHeal) {
  SimConfig c = Network(200, 4);
  c.topology.kind = TopologyKind::kRandomRegular;
  c.events = {Partition(0, {{GroupSelector(0)}, {Rest()}}, PartitionMode::kDelay),
              Heal(10 * kMinute)};
  c.events[0].delay = 40 * kSecond;
  auto during = RunTo(c, 9 * kMinute);
  EXPECT_GT(during->Report().disconnects, 100u);
  auto after = RunTo(c, 14 * kMinute);
  for (const Edge& e : after->engine().edges()) {
    bool open = false;
    for (bitcoin::PeerId p = 0; p < after->connection_slots(e.from); ++p) {
      open = open || (after->IsOpenOutbound(e.from, p) && after->peer_node(e.from, p) == e.to);
    }
    EXPECT_TRUE(open) << e.from << " -> " << e.to;
  }
  for (std::uint32_t i = 0; i < 200; ++i) EXPECT_EQ(after->node(i).connected_peers(), 8u) << i;
}

TEST(Partition, ConnectionAttemptsAcrossSidesFail) {
  // Nodes that lost their crossing peers look for new ones in their address managers, which
  // mostly hold addresses on the other side: those attempts time out.
  SimConfig c = Network(200, 4);
  c.events = {Partition(10 * kMinute, {{GroupSelector(0)}, {Rest()}})};
  auto sim = RunTo(c, 70 * kMinute);
  const std::vector<std::uint8_t> side = Sides(*sim);
  EXPECT_EQ(CrossingConnections(*sim, side), 0u);
  const SimReport r = sim->Report();
  EXPECT_GT(r.failed_connections, 100u);
  // Each side refilled its outbound connections from within.
  std::uint32_t outbound = 0;
  for (std::uint32_t i = 0; i < 200; ++i) outbound += sim->open_outbound(i);
  EXPECT_GE(outbound, 200u * 9);
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_FALSE(r.partitions[0].healed_at.has_value());
  EXPECT_FALSE(r.partitions[0].time_to_consistency.has_value());
}

TEST(Partition, DelayModeDelaysCrossingBlocksAndKeepsConnections) {
  SimConfig c = Network(200, 5);
  c.topology.kind = TopologyKind::kRandomRegular;
  c.stop.blocks = 12;
  auto base = Simulation::Build(c);
  ASSERT_TRUE(base.ok());
  (*base)->Run();
  const SimReport without = (*base)->Report();

  // From 10 s on, once every handshake is done: a handshake across a 30 s delay takes more than
  // 60 s, and Core's handshake timeout (60 s) would close the connection.
  c.events = {Partition(10 * kSecond, {{GroupSelector(0)}, {Rest()}}, PartitionMode::kDelay)};
  c.events[0].delay = 30 * kSecond;
  auto delayed = Simulation::Build(c);
  ASSERT_TRUE(delayed.ok());
  (*delayed)->Run();
  const SimReport with = (*delayed)->Report();

  EXPECT_EQ(with.disconnects, 0u);
  ASSERT_EQ(with.partitions.size(), 1u);
  EXPECT_EQ(with.partitions[0].mode, PartitionMode::kDelay);
  // Without the partition every block reached every node within seconds. With it, a block
  // reaches the other side after three crossings of 30 s each (headers relay: the
  // announcement, the getdata, the block); the 60 minority nodes with 8 random peers each are
  // not all connected among themselves, so some of them get a minority block only after it
  // has crossed over and back (six crossings).
  for (const BlockRow& b : without.blocks) {
    if (b.reach_s[3]) {
      EXPECT_LT(*b.reach_s[3], 10.0) << b.height;
    }
  }
  std::uint32_t reached = 0;
  for (const BlockRow& b : with.blocks) {
    if (!b.reach_s[3]) continue;
    ++reached;
    EXPECT_GT(*b.reach_s[3], 90.0) << b.height;
    EXPECT_LT(*b.reach_s[3], 190.0) << b.height;
  }
  EXPECT_GE(reached, 10u);
  ASSERT_TRUE(with.propagation_p99_s && without.propagation_p99_s);
  EXPECT_GT(*with.propagation_p99_s, *without.propagation_p99_s + 85.0);
}

TEST(Partition, DelayedMessagesNeverReachAReusedSlotAndHealRestoresPropagation) {
  // Feelers open and close connections all the time, so closed slots are reused. A slot may
  // serve again only once every delayed message to its node has arrived; wire-check mode
  // asserts that no message reaches a reused slot.
  SimConfig c = Network(100, 9, 30);
  c.wire_check = true;
  // Full nodes evict inbound peers for newcomers (feelers), closing connections that still
  // carry delayed transactions towards them. Core protects up to 20 inbound peers from
  // eviction, so nodes need more than that.
  c.topology.outbound = 20;
  c.topology.restricted_outbound = 0;
  c.topology.max_inbound = 23;
  c.node.feeler_interval = 10 * kSecond;
  c.transactions.rate_per_s = 1;
  c.block_interval = 60 * kSecond;
  c.events = {Partition(1 * kMinute, {{GroupSelector(0)}, {Rest()}}, PartitionMode::kDelay),
              Heal(6 * kMinute)};
  auto sim = RunTo(c, 15 * kMinute);
  ASSERT_TRUE(sim->wire_check_status().ok()) << sim->wire_check_status().message();
  const SimReport r = sim->Report();
  EXPECT_GT(r.evictions, 20u);
  ASSERT_EQ(r.partitions.size(), 1u);
  EXPECT_TRUE(r.partitions[0].time_to_consistency.has_value());
  // Once the delayed messages have drained (30 s after the heal), blocks propagate as usual.
  std::uint32_t after = 0;
  for (const BlockRow& b : r.blocks) {
    if (b.found_at < 7 * kMinute || !b.reach_s[3]) continue;
    ++after;
    EXPECT_LT(*b.reach_s[3], 10.0) << b.height;
  }
  EXPECT_GE(after, 5u);
}

TEST(Partition, TimeToConsistencyAndPerSideBlocksAreReported) {
  SimConfig c = Network(200, 6);
  c.block_interval = 60 * kSecond;
  c.events = {Partition(20 * kMinute, {{GroupSelector(0)}, {Rest()}}), Heal(80 * kMinute)};
  auto sim = RunTo(c, 100 * kMinute);
  const SimReport r = sim->Report();
  ASSERT_EQ(r.partitions.size(), 1u);
  const PartitionReport& p = r.partitions[0];
  EXPECT_EQ(p.at, 20 * kMinute);
  EXPECT_EQ(p.healed_at, 80 * kMinute);
  ASSERT_EQ(p.sides.size(), 2u);
  EXPECT_EQ(p.sides[0].nodes, 60u);
  EXPECT_EQ(p.sides[1].nodes, 140u);
  EXPECT_NEAR(p.sides[0].hashrate, 0.3, 1e-12);
  EXPECT_NEAR(p.sides[1].hashrate, 0.7, 1e-12);
  std::uint32_t mined = 0;
  for (const BlockRow& b : r.blocks) mined += b.found_at >= p.at && b.found_at < *p.healed_at;
  EXPECT_EQ(p.sides[0].blocks_mined + p.sides[1].blocks_mined, mined);
  // The minority's branch lost (seed 6): all of it is off the main chain.
  EXPECT_GT(p.sides[0].blocks_mined, 5u);
  EXPECT_EQ(p.sides[0].blocks_orphaned, p.sides[0].blocks_mined);
  // Reconnecting and fetching the winning branch takes seconds, not the 20 min left.
  ASSERT_TRUE(p.time_to_consistency.has_value());
  EXPECT_GT(*p.time_to_consistency, 0);
  EXPECT_LT(*p.time_to_consistency, 2 * kMinute);
  // The switch to the majority branch shows in the reorg depths.
  ASSERT_GT(r.reorg_depth_counts.size(), 3u);
  std::uint64_t reorgs = 0;
  for (std::uint64_t n : r.reorg_depth_counts) reorgs += n;
  EXPECT_EQ(reorgs, r.reorgs);
  EXPECT_EQ(r.reorg_depth_counts.size() - 1, r.max_reorg_depth);
}

TEST(Partition, MinorityLosesWhatItMinedDuringThePartition) {
  // The mining oracle finds blocks as a Poisson process; the minority side (share h = 0.3)
  // mines a Poisson(h T / B) number of blocks during a partition of length T (B: block
  // interval), and with 0.3 against 0.7 of hashrate its branch loses at the heal, so all of
  // them end off the main chain. Summed over 6 seeds: mean m = 6 x 0.3 x 2 h / 60 s = 216,
  // standard deviation sqrt(216) = 14.7; the test allows 3 of them (44).
  constexpr int kSeeds = 6;
  constexpr DurationNs kLength = 2 * kHour;
  constexpr DurationNs kInterval = 60 * kSecond;
  const double expected = kSeeds * 0.3 * static_cast<double>(kLength) / kInterval;
  const double tolerance = 3 * std::sqrt(expected);
  std::uint32_t orphaned = 0, majority_orphaned = 0, majority_mined = 0;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    SimConfig c = Network(150, 100 + seed, 45);
    c.block_interval = kInterval;
    c.node.feeler_interval = 0;
    c.events = {Partition(10 * kMinute, {{GroupSelector(0)}, {Rest()}}),
                Heal(10 * kMinute + kLength)};
    auto sim = RunTo(c, 20 * kMinute + kLength);
    const SimReport r = sim->Report();
    ASSERT_EQ(r.partitions.size(), 1u);
    const auto& sides = r.partitions[0].sides;
    EXPECT_EQ(sides[0].blocks_orphaned, sides[0].blocks_mined) << "seed " << 100 + seed;
    orphaned += sides[0].blocks_orphaned;
    majority_orphaned += sides[1].blocks_orphaned;
    majority_mined += sides[1].blocks_mined;
    EXPECT_TRUE(r.partitions[0].time_to_consistency.has_value()) << "seed " << 100 + seed;
  }
  std::printf("minority blocks orphaned: expected %.1f +- %.1f, observed %u\n", expected,
              tolerance, orphaned);
  EXPECT_NEAR(orphaned, expected, tolerance);
  // The majority loses only ordinary stale blocks (propagation is ~1 s of 60 s).
  EXPECT_LT(majority_orphaned, majority_mined / 10);
}

TEST(Partition, SameSeedSameSummary) {
  auto run = [](std::uint64_t seed) {
    auto s = scenario::LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/partition.yaml",
                                    {"network.nodes=300", "seed=" + std::to_string(seed)});
    EXPECT_TRUE(s.ok()) << s.status().message();
    auto outcome = runner::RunScenario(*s, {});
    EXPECT_TRUE(outcome.ok());
    return outcome->summary_json;
  };
  const std::string a = run(2);
  EXPECT_NE(a.find("\"time_to_consistency_s\""), std::string::npos) << a;
  EXPECT_EQ(a, run(2));
  EXPECT_NE(a, run(3));
}

// ---- placement ------------------------------------------------------------------------------

TEST(AutonomousSystems, FittedZipfPutsThirtyPercentOfNodesInTheLargestThirteen) {
  EXPECT_NEAR(plan::FitZipfExponent(2000, 13, 0.3), 0.904, 0.001);
  SimConfig c = Network(100'000, 7);
  const std::vector<std::uint32_t> as = PlanNetwork(c).as;
  std::uint32_t top = 0;
  for (std::uint32_t a : as) {
    ASSERT_GE(a, 1u);
    ASSERT_LE(a, 2000u);
    top += a <= 13;
  }
  // Binomial(100000, 0.3): standard deviation 0.00145; 4 of them.
  EXPECT_NEAR(top / 100'000.0, 0.30, 0.006);
  c.autonomous_systems.zipf_exponent = 0;  // uniform: 13 of 2000
  top = 0;
  for (std::uint32_t a : PlanNetwork(c).as) top += a <= 13;
  EXPECT_NEAR(top / 100'000.0, 13.0 / 2000, 0.0015);
}

TEST(PartitionSides, SelectorsResolveInOrderAndHashrateTargetsAreMet) {
  SimConfig c = Network(300, 8, 100);  // minority: 100 nodes x 0.003
  c.groups = {GroupSpec::Fixed("pools", 20, 1.0), GroupSpec::Rest("relays", 0.0)};
  SideSelector hashrate{SideSelector::Kind::kWeight, 0, {}, 0.3};
  SideSelector nodes{SideSelector::Kind::kNodes, 0, {0, 1, 2}, 0};
  c.events = {Partition(0, {{nodes, hashrate}, {Rest()}})};
  const plan::PlanInput input = PlanInputOf(c);
  const plan::NetworkPlan placement = plan::ComputePlan(input);
  ASSERT_TRUE(placement.ok());
  ASSERT_EQ(placement.partitions.size(), 1u);
  const std::vector<std::uint8_t>& side = placement.partitions[0].side_of;
  const std::vector<double> share = plan::NodeHashrates(input.groups, placement.group);
  double side_share = 0;
  std::uint32_t side_nodes = 0, relays_taken = 0;
  for (std::uint32_t i = 0; i < 300; ++i) {
    if (side[i] != 0) continue;
    ++side_nodes;
    side_share += share[i];
    relays_taken += share[i] == 0 && i > 2;
  }
  EXPECT_EQ(side[0], 0u);
  EXPECT_EQ(side[1], 0u);
  EXPECT_EQ(side[2], 0u);
  // 20 pools of 0.05: at least 0.3, at most one pool more.
  EXPECT_GE(side_share, 0.3 - 1e-9);
  EXPECT_LT(side_share, 0.35 - 1e-9);
  EXPECT_EQ(relays_taken, 0u);  // the walk takes mining nodes only

  // A node named by two sides.
  c.events = {Partition(0, {{nodes}, {SideSelector{SideSelector::Kind::kNodes, 0, {5, 2}, 0}}})};
  const plan::NetworkPlan twice = PlanNetwork(c);
  ASSERT_EQ(twice.partitions.size(), 1u);
  const std::optional<plan::SideError>& error = twice.partitions[0].error;
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->side, 1u);
  EXPECT_EQ(error->selector, 0u);
  EXPECT_EQ(error->message, "node 2 is on side 0 too (a node may be on one side only)");
}

}  // namespace
}  // namespace peerlab::sim
