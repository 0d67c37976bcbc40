// Nodes going offline and coming back: the Restart input on MiniNet (exact exchanges), then
// scheduled outages in the fast engine (nothing reaches an offline node, connecting to it
// fails, it catches up and goes back to its anchors).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "mini_net.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::bitcoin {
namespace {

using peerlab::testing::MiniNet;

constexpr NetAddress kSeedSource = 0x01020304;

// Node 0 with a full-relay peer (node 1, slot 0) and a block-relay-only one (node 2, slot 1),
// every node's address in its tables, node 3 connected to 1 and 2; one block mined and a
// transaction in every mempool.
void BuildRestartNet(MiniNet& net) {
  net.config().target_outbound = 1;
  net.config().target_block_relay_only = 1;
  for (std::uint32_t i = 1; i < 4; ++i) {
    const NetAddress a = MiniNet::AddressOf(i);
    net.Inject(0, SeedAddresses{{&a, 1}, kSeedSource + (i << 16)});
  }
  net.Connect(0, 1);
  net.ConnectBlockRelayOnly(0, 2);
  net.Connect(3, 1);
  net.Connect(3, 2);
  net.RunUntil(net.now() + kSecond);
  net.Mine(1);
  net.SubmitTx(0, 250, 5000);
  net.RunUntil(net.now() + 20 * kSecond);
}

TEST(Restart, KeepsChainMempoolAndAddressesForgetsPeersAndTriesAnchorsFirst) {
  MiniNet net(4, RelayMode::kHeaders, 50 * kMillisecond, /*tx_relay=*/true);
  BuildRestartNet(net);
  Node& node = net.node(0);
  const BlockHandle tip = node.tip();
  ASSERT_NE(tip, kGenesis);
  ASSERT_EQ(node.mempool_count(), 1u);
  ASSERT_TRUE(node.IsEstablished(0));
  ASSERT_TRUE(node.IsEstablished(1));
  const std::size_t known = node.addrman().size();
  const std::size_t tried = node.addrman().tried_count();
  ASSERT_GE(tried, 2u);  // its two peers
  // A block is found while a headers announcement to node 0 is still on its way when it
  // restarts: the old connection is gone, so node 0 must not take it.
  net.Mine(1);
  const BlockHandle missed = net.node(1).tip();
  net.Inject(0, Restart{});
  EXPECT_EQ(node.connected_peers(), 0u);
  EXPECT_FALSE(node.IsEstablished(0));
  EXPECT_FALSE(node.IsEstablished(1));
  EXPECT_EQ(node.tip(), tip);
  EXPECT_TRUE(node.HasBlock(tip));
  EXPECT_EQ(node.mempool_count(), 1u);
  EXPECT_EQ(node.addrman().size(), known);
  EXPECT_EQ(node.addrman().tried_count(), tried);
  EXPECT_EQ(node.anchors(), std::vector<NetAddress>{MiniNet::AddressOf(2)});
  const std::size_t before = net.connect_requests().size();
  net.RunUntil(net.now() + 400 * kMillisecond);
  EXPECT_FALSE(node.HasBlock(missed)) << "an announcement from a forgotten connection was taken";
  EXPECT_EQ(net.connect_requests().size(), before);  // Core's 500 ms pace
  net.RunUntil(net.now() + 200 * kMillisecond);
  ASSERT_EQ(net.connect_requests().size(), before + 1);
  const auto [who, first] = net.connect_requests().back();
  EXPECT_EQ(who, 0u);
  EXPECT_EQ(first.address, MiniNet::AddressOf(2));
  EXPECT_EQ(first.kind, ConnectionKind::kBlockRelayOnly);
  EXPECT_TRUE(node.anchors().empty());
  // The anchor accepts; then the full-relay slot is filled from the address manager, and the
  // node asks its new outbound peers for headers although it had a chain.
  net.ConnectBlockRelayOnly(0, 2);  // node 0's slot 2
  net.RunUntil(net.now() + 600 * kMillisecond);
  ASSERT_EQ(net.connect_requests().size(), before + 2);
  const Outbox::Connect second = net.connect_requests().back().second;
  EXPECT_EQ(second.kind, ConnectionKind::kFullRelay);
  EXPECT_NE(second.address, MiniNet::AddressOf(2));  // in use
  const std::uint32_t peer = second.address == MiniNet::AddressOf(1) ? 1 : 3;
  net.Connect(0, peer);
  net.RunUntil(net.now() + 2 * kSecond);
  EXPECT_EQ(node.tip(), missed) << "caught up through getheaders after the restart";
  EXPECT_EQ(node.connected_peers(), 2u);
}

TEST(Restart, WithoutAnchorsTheFirstConnectionIsFullRelay) {
  MiniNet net(4, RelayMode::kHeaders, 50 * kMillisecond, /*tx_relay=*/true);
  net.config().countermeasures.anchors = false;
  BuildRestartNet(net);
  const std::size_t before = net.connect_requests().size();
  net.Inject(0, Restart{});
  EXPECT_TRUE(net.node(0).anchors().empty());
  net.RunUntil(net.now() + 600 * kMillisecond);
  ASSERT_EQ(net.connect_requests().size(), before + 1);
  EXPECT_EQ(net.connect_requests().back().second.kind, ConnectionKind::kFullRelay);
}

}  // namespace
}  // namespace peerlab::bitcoin

namespace peerlab::sim {
namespace {

constexpr const char* kScenario = "scenario=(SimConfig in restart_test.cpp)";

SimConfig OutageNetwork(std::uint32_t nodes, std::uint64_t seed) {
  SimConfig c;
  c.seed = seed;
  c.nodes = nodes;
  c.regions = *BuiltinRegionTable("simblock-2019");
  c.topology.kind = TopologyKind::kOutboundChoice;
  c.node.validation_fixed = 10 * kMillisecond;
  c.node.block_size_bytes = 100'000;
  c.block_interval = 120 * kSecond;  // many blocks while the node is away
  c.groups = {GroupSpec::Fixed("pools", 5, 1.0), GroupSpec::Rest("relays", 0.0)};
  return c;
}

std::unique_ptr<Simulation> RunTo(SimConfig c, TimeNs stop) {
  c.stop.time = stop;
  auto sim = Simulation::Build(c);
  if (!sim.ok()) ADD_FAILURE() << sim.status().message();
  PEERLAB_ASSERT(sim.ok());
  (*sim)->Run();
  return std::move(sim).value();
}

// A relay node (group 1) of the simulation, the first by index.
std::uint32_t SomeRelay(const Simulation& sim) {
  for (std::uint32_t i = 0;; ++i) {
    if (sim.node_group()[i] == 1) return i;
  }
}

std::set<bitcoin::NetAddress> BlockRelayPeers(const Simulation& sim, std::uint32_t node) {
  std::set<bitcoin::NetAddress> out;
  for (bitcoin::PeerId p = 0; p < sim.connection_slots(node); ++p) {
    if (sim.node(node).IsOutbound(p) && sim.node(node).IsEstablished(p) &&
        sim.node(node).IsBlockRelayOnly(p)) {
      out.insert(sim.node(node).peer_address(p));
    }
  }
  return out;
}

TEST(Outage, OfflineNodeGetsNothingAndConnectingToItFails) {
  constexpr std::uint64_t kSeed = 61;
  constexpr TimeNs kDown = 30 * kMinute;
  // A small dense network: a node's peers have few other addresses to replace it with.
  SimConfig c = OutageNetwork(12, kSeed);
  c.topology.outbound = 3;
  c.topology.restricted_outbound = 1;
  const SimConfig all_online = c;
  const std::uint32_t x = SomeRelay(*RunTo(c, kSecond));
  c.outages = {{x, kDown, 2 * kHour}};
  const auto sim = RunTo(c, kDown + kHour);  // in the middle of the outage
  const auto baseline = RunTo(all_online, kDown + kHour);
  EXPECT_FALSE(sim->IsOnline(x));
  EXPECT_EQ(sim->open_connections(x), 0u) << "seed=" << kSeed << " " << kScenario;
  for (std::uint32_t i = 0; i < sim->node_count(); ++i) {
    for (bitcoin::PeerId p = 0; p < sim->connection_slots(i); ++p) {
      if (!sim->node(i).IsEstablished(p)) continue;
      EXPECT_NE(sim->node(i).peer_address(p), Simulation::AddressOf(x))
          << "seed=" << kSeed << " " << kScenario << " node " << i
          << " still connected to the offline node";
    }
  }
  // Blocks found after it went down never reached it; those before did.
  std::uint32_t after = 0;
  for (bitcoin::BlockHandle h = 1; h < sim->store().size(); ++h) {
    const bool later = sim->store().Get(h).found_at > kDown + kSecond;
    after += later;
    if (later) {
      EXPECT_FALSE(sim->node(x).HasBlock(h))
          << "seed=" << kSeed << " " << kScenario << " block " << h;
    }
    if (sim->store().Get(h).found_at < kDown - kMinute) {
      EXPECT_TRUE(sim->node(x).HasBlock(h))
          << "seed=" << kSeed << " " << kScenario << " block " << h;
    }
  }
  EXPECT_GE(after, 10u) << "seed=" << kSeed << " " << kScenario;  // measured 31
  // Its former peers replace it from their address managers, where it still is: those
  // attempts fail after the connect timeout. With everyone online nothing fails.
  const SimReport r = sim->Report();
  EXPECT_EQ(baseline->Report().failed_connections, 0u) << "seed=" << kSeed << " " << kScenario;
  EXPECT_GT(r.failed_connections, 0u) << "seed=" << kSeed << " " << kScenario;  // measured 25
  EXPECT_EQ(r.punishments, 0u) << "seed=" << kSeed << " " << kScenario;
}

TEST(Outage, BackOnlineTheNodeCatchesUpAndReturnsToItsAnchors) {
  constexpr std::uint64_t kSeed = 62;
  constexpr TimeNs kDown = 40 * kMinute;
  constexpr DurationNs kAway = 20 * kMinute;
  SimConfig c = OutageNetwork(60, kSeed);
  const std::uint32_t x = SomeRelay(*RunTo(c, kSecond));
  c.outages = {{x, kDown, kAway}};
  const auto before = RunTo(c, kDown - kSecond);
  const std::set<bitcoin::NetAddress> anchors = BlockRelayPeers(*before, x);
  ASSERT_EQ(anchors.size(), 2u) << "seed=" << kSeed << " " << kScenario;
  const std::size_t known = before->node(x).addrman().size();
  const bitcoin::BlockHandle old_tip = before->node(x).tip();

  const auto after = RunTo(c, kDown + kAway + 10 * kMinute);
  const bitcoin::Node& node = after->node(x);
  EXPECT_TRUE(after->IsOnline(x));
  EXPECT_EQ(BlockRelayPeers(*after, x), anchors) << "seed=" << kSeed << " " << kScenario;
  std::uint32_t full = 0;
  for (bitcoin::PeerId p = 0; p < after->connection_slots(x); ++p) {
    full += node.IsOutbound(p) && node.IsEstablished(p) && !node.IsBlockRelayOnly(p);
  }
  EXPECT_EQ(full, 8u) << "seed=" << kSeed << " " << kScenario;
  EXPECT_TRUE(node.HasBlock(old_tip));
  EXPECT_GE(node.addrman().size(), known) << "seed=" << kSeed << " " << kScenario;
  // It holds every block found up to a minute before the end (the rest may be in flight).
  for (bitcoin::BlockHandle h = 1; h < after->store().size(); ++h) {
    if (after->store().Get(h).found_at > kDown + kAway + 9 * kMinute) continue;
    EXPECT_TRUE(node.HasBlock(h)) << "seed=" << kSeed << " " << kScenario << " block " << h;
  }

  c.node.countermeasures.anchors = false;
  const auto no_anchors = RunTo(c, kDown + kAway + 10 * kMinute);
  EXPECT_EQ(BlockRelayPeers(*no_anchors, x).size(), 2u) << "seed=" << kSeed << " " << kScenario;
  // Two picks among 59 addresses: the same two again would be a coincidence (measured: none).
  EXPECT_NE(BlockRelayPeers(*no_anchors, x), anchors) << "seed=" << kSeed << " " << kScenario;
}

TEST(Outage, OverlappingOutagesAreRejected) {
  SimConfig c = OutageNetwork(30, 1);
  c.stop.time = kHour;
  c.outages = {{3, 10 * kMinute, 10 * kMinute}, {3, 15 * kMinute, kMinute}};
  auto sim = Simulation::Build(c);
  ASSERT_FALSE(sim.ok());
  EXPECT_EQ(sim.status().message(), "outages of node 3 overlap");
}

}  // namespace
}  // namespace peerlab::sim
