// The fast engine end to end on a SimConfig: a 100-node run, determinism, stop conditions,
// topologies.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "peerlab/sim/regions.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/sim/rng_purposes.hpp"

namespace peerlab::sim {
namespace {

SimConfig SmallNetwork(std::uint32_t nodes, std::uint32_t blocks, std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.nodes = nodes;
  c.regions = *BuiltinRegionTable("simblock-2019");
  c.topology.kind = TopologyKind::kOutboundChoice;
  c.topology.outbound = 8;
  c.node.validation_fixed = 10 * kMillisecond;
  c.node.validation_per_mb = 50 * kMillisecond;
  c.block_interval = 600 * kSecond;
  c.groups = {GroupSpec::Fixed("pools", 10, 0.9), GroupSpec::Rest("others", 0.1)};
  c.stop.blocks = blocks;
  return c;
}

std::string Describe(const SimReport& r) {
  std::string s = std::to_string(r.events) + "|" + std::to_string(r.sim_time);
  for (const auto& b : r.blocks) {
    s += "|" + b.id_hex + "," + std::to_string(b.main_chain);
    for (const auto& t : b.reach_s) s += "," + (t ? std::to_string(*t) : "-");
  }
  return s;
}

TEST(Simulation, HundredNodesMineAndAgree) {
  auto sim = Simulation::Build(SmallNetwork(100, 30, 1));
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  (*sim)->Run();
  const SimReport r = (*sim)->Report();
  EXPECT_EQ(r.blocks_mined, 30u);
  EXPECT_EQ(r.blocks.size(), 30u);
  EXPECT_EQ(r.blocks_main + r.blocks_stale, 30u);
  EXPECT_GE(r.blocks_main, 27u);  // 600 s blocks: stale blocks are rare
  EXPECT_EQ(r.main_tip_height, r.blocks_main);
  // Every node ends on the same tip once the last block has propagated.
  const auto tip = (*sim)->node(0).tip();
  for (std::uint32_t i = 1; i < 100; ++i) ASSERT_EQ((*sim)->node(i).tip(), tip) << i;
  // Main-chain blocks reach every node; propagation of 1 MB blocks takes seconds, not hours.
  for (const auto& b : r.blocks) {
    if (b.main_chain) {
      ASSERT_TRUE(b.reach_s[3].has_value());
      EXPECT_LE(*b.reach_s[0], *b.reach_s[1]);
      EXPECT_LE(*b.reach_s[1], *b.reach_s[3]);
    }
  }
  ASSERT_TRUE(r.propagation_p50_s && r.propagation_p90_s && r.propagation_p99_s);
  EXPECT_GT(*r.propagation_p50_s, 0.5);
  EXPECT_LT(*r.propagation_p90_s, 30.0);
  // Hashrate 0.9 over 10 pool nodes: pools find most blocks.
  EXPECT_GT(r.groups[0].blocks_mined, r.groups[1].blocks_mined);
  EXPECT_EQ(r.groups[0].nodes, 10u);
  EXPECT_EQ(r.groups[1].nodes, 90u);
}

TEST(Simulation, SameSeedSameRunDifferentSeedDifferentRun) {
  auto run = [](std::uint64_t seed) {
    auto sim = Simulation::Build(SmallNetwork(100, 15, seed));
    (*sim)->Run();
    return Describe((*sim)->Report());
  };
  const std::string a = run(5);
  EXPECT_EQ(a, run(5));
  EXPECT_NE(a, run(6));
}

TEST(Simulation, StopTimeEndsTheRunWithoutABlockLimit) {
  SimConfig c = SmallNetwork(50, 0, 2);
  c.stop.blocks.reset();
  c.stop.time = 2 * kHour;
  auto sim = Simulation::Build(c);
  (*sim)->Run();
  const SimReport r = (*sim)->Report();
  EXPECT_EQ(r.sim_time, 2 * kHour);
  // About 12 blocks expected in two hours; Poisson, so a wide but finite band.
  EXPECT_GE(r.blocks_mined, 3u);
  EXPECT_LE(r.blocks_mined, 25u);
}

TEST(Simulation, FastBlocksCauseStaleBlocksAndReorgs) {
  SimConfig c = SmallNetwork(200, 200, 3);
  c.block_interval = 2 * kSecond;  // far below propagation time
  auto sim = Simulation::Build(c);
  (*sim)->Run();
  const SimReport r = (*sim)->Report();
  EXPECT_GT(r.blocks_stale, 20u);
  EXPECT_GT(r.reorgs, 0u);
  EXPECT_GE(r.max_reorg_depth, 1u);
  EXPECT_EQ(r.blocks_main + r.blocks_stale, 200u);
}

TEST(Topology, BitcoinRespectsOutboundAndInboundLimits) {
  Rng rng(1, 0, sim::rng_purpose::kTopology);
  auto edges = OutboundTopology(1000, 8, 20, rng);
  ASSERT_TRUE(edges.ok());
  EXPECT_EQ(edges->size(), 8000u);
  std::vector<int> out(1000), in(1000);
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (const Edge& e : *edges) {
    ++out[e.from];
    ++in[e.to];
    EXPECT_NE(e.from, e.to);
    EXPECT_TRUE(seen.insert({std::min(e.from, e.to), std::max(e.from, e.to)}).second);
  }
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(out[i], 8);
    EXPECT_LE(in[i], 20);
  }
  Rng rng2(1, 0, sim::rng_purpose::kTopology);
  EXPECT_FALSE(OutboundTopology(10, 8, 2, rng2).ok());  // 80 outbound, 20 inbound slots
}

TEST(Topology, RandomRegularIsSimpleAndRegular) {
  Rng rng(4, 0, rng_purpose::kTopology);
  auto edges = RandomRegularTopology(501, 7, rng);
  ASSERT_FALSE(edges.ok());  // 501 * 7 is odd
  auto even = RandomRegularTopology(500, 8, rng);
  ASSERT_TRUE(even.ok());
  std::vector<int> degree(500);
  std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
  for (const Edge& e : *even) {
    ++degree[e.from];
    ++degree[e.to];
    EXPECT_NE(e.from, e.to);
    EXPECT_TRUE(seen.insert({e.from, e.to}).second);
  }
  for (int d : degree) EXPECT_EQ(d, 8);
}

TEST(Topology, EdgeListReadsFileAndReportsBadLines) {
  const std::string path = ::testing::TempDir() + "/edges.txt";
  {
    std::ofstream(path) << "# a square\n0 1\n1 2\n\n2 3  # comment\n3,0\n";
  }
  auto ok = EdgeListTopology(path, 4);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->size(), 4u);
  {
    std::ofstream(path) << "0 1\n1 7\n";
  }
  auto bad = EdgeListTopology(path, 4);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            path + ":2:3: node index `7` out of range (network has 4 nodes, indices 0..3)");
  {
    std::ofstream(path) << "0 1\n1 0\n";
  }
  EXPECT_EQ(EdgeListTopology(path, 4).status().message(),
            path + ":2:1: duplicate connection (line 1 already connects these nodes)");
  {
    std::ofstream(path) << "0 x\n";
  }
  EXPECT_EQ(EdgeListTopology(path, 4).status().message(),
            path + ":1:3: expected a node index (an integer from 0), got `x`");
}

}  // namespace
}  // namespace peerlab::sim

namespace peerlab::sim {
namespace {

TEST(Connections, DroppedOutboundConnectionsAreReplacedAndTheNetworkKeepsAgreeing) {
  SimConfig c = SmallNetwork(200, 10, 8);
  c.node.feeler_interval = 0;  // feelers close their connections too: count only the cuts
  auto built = Simulation::Build(c);
  ASSERT_TRUE(built.ok());
  Simulation& sim = **built;
  // Cut every outbound connection (8 full-relay, 2 block-relay-only) of the first 20 nodes
  // before anything runs.
  for (std::uint32_t node = 0; node < 20; ++node) {
    ASSERT_EQ(sim.open_outbound(node), 10u);
    for (bitcoin::PeerId p = 0; p < sim.connection_slots(node); ++p) {
      if (sim.IsOpenOutbound(node, p)) {
        EXPECT_TRUE(sim.Disconnect(node, p));
      }
    }
    EXPECT_EQ(sim.open_outbound(node), 0u);
  }
  EXPECT_FALSE(sim.Disconnect(0, 0));  // node 0's first slot is outbound: already closed
  sim.Run();
  std::uint32_t replacements = 0, tried = 0;
  for (std::uint32_t node = 0; node < 20; ++node) {
    EXPECT_EQ(sim.open_outbound(node), 10u) << "seed=8 node=" << node;
    EXPECT_EQ(sim.node(node).connected_peers(), sim.open_connections(node)) << node;
    // The replacements came from the node's address manager and moved to its tried table
    // once they answered (a later tried-table collision may send one back to new).
    for (bitcoin::PeerId p = 0; p < sim.connection_slots(node); ++p) {
      if (!sim.IsOpenOutbound(node, p)) continue;
      const bitcoin::NetAddress a = sim.node(node).peer_address(p);
      EXPECT_TRUE(sim.node(node).addrman().Contains(a)) << "seed=8 node=" << node << " peer=" << p;
      ++replacements;
      tried += sim.node(node).addrman().IsTried(a);
    }
  }
  EXPECT_EQ(replacements, 200u);
  EXPECT_GE(tried, 180u);
  const auto tip = sim.node(0).tip();
  for (std::uint32_t i = 0; i < 200; ++i) ASSERT_EQ(sim.node(i).tip(), tip) << i;
  EXPECT_EQ(sim.store().Get(tip).height, sim.Report().main_tip_height);
  EXPECT_EQ(sim.Report().disconnects, 200u);  // 20 nodes x 10 outbound
  EXPECT_EQ(sim.Report().punishments, 0u);
}

}  // namespace
}  // namespace peerlab::sim
