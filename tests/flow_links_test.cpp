// network.link_model: flow: TCP windows and max-min shares (sim/flow_links.hpp), on their own
// and inside a run.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "link_model_runs.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/sim/flow_links.hpp"
#include "peerlab/sim/link_model.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::sim {
namespace {

using link_runs::RunToEnd;
using link_runs::SmallFlood;

constexpr std::uint32_t kWindow = 14'480;  // 10 segments of 1448 bytes

// One region, 50 ms one way (100 ms round trip) unless given, no jitter; 8 Mbit/s up (1 byte
// per us), 80 Mbit/s down unless nodes are given with other rates.
struct Net {
  LinkModel links;
  FlowLinks flows;
  double latency_ms;
  explicit Net(FlowModelSpec spec = {}, std::vector<std::pair<double, double>> rates = {},
               double one_way_ms = 50)
      : links(OneRegion(one_way_ms), NoJitter(), 1),
        flows((AddNodes(links, rates), links), spec),
        latency_ms(one_way_ms) {}

  static RegionTable OneRegion(double one_way_ms) {
    RegionTable t;
    t.source = "inline";
    t.names = {"a"};
    t.node_share = {1};
    t.latency_ms = {one_way_ms};
    t.upload_bps = {8e6};
    t.download_bps = {80e6};
    return t;
  }
  static JitterSpec NoJitter() {
    JitterSpec j;
    j.kind = JitterKind::kNone;
    return j;
  }
  static void AddNodes(LinkModel& links, std::vector<std::pair<double, double>> rates) {
    if (rates.empty()) rates.assign(4, {8e6, 80e6});
    for (const auto& [up, down] : rates) links.AddNode(0, up, down);
  }

  // Runs every flow event in time order up to `until`; returns (message id, time its last
  // byte left the sender's uplink).
  std::vector<std::pair<std::uint32_t, TimeNs>> RunUntil(TimeNs until) {
    std::vector<std::pair<std::uint32_t, TimeNs>> out;
    for (;;) {
      flows.DrainWakes(0, [&](const FlowLinks::Wake& w) { pending.push_back(w); });  // one shard
      if (pending.empty()) break;
      auto first = std::min_element(pending.begin(), pending.end(),
                                    [](const auto& a, const auto& b) { return a.at < b.at; });
      const FlowLinks::Wake w = *first;
      if (w.at > until) break;
      pending.erase(first);
      std::vector<FlowLinks::Delivery> done;
      if (FlowLinks::IsSignal(w.flight)) {
        signals.push_back(w);
        flows.OnSignal(w.at, w.node, w.flight, w.serial, w.value);
      } else if (w.flight != FlowLinks::kNoFlight) {
        flows.OnFlight(w.at, w.node, w.flight, w.serial, done);
      } else if (flows.TakeEvent(w.node, w.at)) {
        flows.OnEvent(w.at, w.node, done);
      }
      // Arrival minus the latency: when the last byte left (bursts included).
      const auto latency = static_cast<TimeNs>(latency_ms * 1e6);
      for (const auto& d : done) {
        const TimeNs arrival = links.Arrive(d.departure);
        if (d.deliver) out.emplace_back(d.item.message, arrival - latency);
      }
    }
    return out;
  }
  // Returns the arrival of a burst, or kTimeNever when the message became a transfer.
  TimeNs Send(TimeNs now, std::uint32_t from, std::uint32_t slot, std::uint32_t to,
              std::uint32_t id, std::uint32_t bytes) {
    std::vector<FlowLinks::Delivery> out;
    flows.Send(now, from, slot, 0, FlowLinks::Item{to, 0, id, 0, bytes}, out);
    TimeNs arrival = kTimeNever;
    for (const auto& d : out) {
      const TimeNs at = links.Arrive(d.departure);
      if (d.deliver) arrival = at;
    }
    return arrival;
  }
  std::vector<FlowLinks::Wake> pending;
  std::vector<FlowLinks::Wake> signals;  // count signals, as handled
};

TEST(FlowLinks, AMessageThatFitsTheWindowCostsSerialisationPlusLatency) {
  Net n;
  // 1,000 bytes at 8 Mbit/s: 1 ms, then 50 ms of latency; no flow event.
  EXPECT_EQ(n.Send(0, 0, 0, 1, 7, 1000), 51 * kMillisecond);
  EXPECT_FALSE(n.flows.active(0));
  EXPECT_EQ(n.flows.cwnd(0, 0), kWindow);  // a small burst does not grow the window
}

TEST(FlowLinks, ALargeMessageTakesRoundsOfSlowStart) {
  Net n;
  // 3 windows: round 1 sends 14,480 bytes (14.48 ms) and waits for the round trip (100 ms);
  // round 2, with the window doubled, sends the other 28,960 bytes in 28.96 ms.
  EXPECT_EQ(n.Send(0, 0, 0, 1, 7, 3 * kWindow), kTimeNever);
  const auto done = n.RunUntil(kSecond);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].first, 7u);
  EXPECT_NEAR(static_cast<double>(done[0].second), 128.96e6, 2);
  EXPECT_EQ(n.flows.cwnd(0, 0), 2 * kWindow);
  EXPECT_FALSE(n.flows.active(0));
}

// Sharing without windows in the way: a first flight of one segment (the only part sent FIFO,
// 1.448 ms at 1 byte/us) and a 0.1 ms round trip, far below the time a window of even one
// segment takes to send, so every later round is limited by bandwidth alone. Completion times
// are then the fluid ones to within the flights' FIFO time (at most 2 x 1.448 ms).
FlowModelSpec OneSegmentFlight() {
  FlowModelSpec spec;
  spec.initial_window_segments = 1;
  return spec;
}
constexpr double kFlightSlackNs = 3e6;

TEST(FlowLinks, AMessageJustOverTheWindowTakesOneMoreRoundTrip) {
  Net n;
  // A compact block of 15,300 bytes: the first flight of 14,480 bytes leaves at once; the
  // other 820 bytes wait for its acknowledgements (one round trip, 100 ms) and leave as a
  // burst: the last byte leaves at 100.82 ms, where a FIFO pipe would send it at 15.3 ms.
  EXPECT_EQ(n.Send(0, 0, 0, 1, 7, 15'300), kTimeNever);
  const auto done = n.RunUntil(kSecond);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].second, 100'820 * kMicrosecond);
  EXPECT_EQ(n.flows.cwnd(0, 0), 2 * kWindow);
}

TEST(FlowLinks, ConcurrentTransfersShareTheUplinkEqually) {
  Net n(OneSegmentFlight(), {}, 0.05);
  EXPECT_EQ(n.Send(0, 0, 0, 1, 10, 1'000'000), kTimeNever);
  EXPECT_EQ(n.Send(0, 0, 1, 2, 11, 1'000'000), kTimeNever);
  const auto done = n.RunUntil(10 * kSecond);
  ASSERT_EQ(done.size(), 2u);
  // FIFO would end one at 1 s and the other at 2 s.
  EXPECT_NEAR(static_cast<double>(done[0].second), 2e9, kFlightSlackNs);
  EXPECT_NEAR(static_cast<double>(done[1].second), 2e9, kFlightSlackNs);
}

TEST(FlowLinks, ASlowDownlinkCapsItsTransferAndTheOthersTakeTheRest) {
  // Node 1 downloads at 2 Mbit/s (0.25 byte/us), node 2 at 80 Mbit/s; node 0 uploads 1 byte/us.
  Net n(OneSegmentFlight(), {{8e6, 80e6}, {8e6, 2e6}, {8e6, 80e6}}, 0.05);
  n.Send(0, 0, 0, 1, 10, 1'000'000);
  n.Send(0, 0, 1, 2, 11, 1'000'000);
  const auto done = n.RunUntil(10 * kSecond);
  ASSERT_EQ(done.size(), 2u);
  // Max-min: 0.25 to node 1, the remaining 0.75 to node 2 (not an equal 0.5 each).
  EXPECT_EQ(done[0].first, 11u);
  EXPECT_NEAR(static_cast<double>(done[0].second), 1e6 / 0.75 * 1e3, kFlightSlackNs);
  EXPECT_EQ(done[1].first, 10u);
  EXPECT_NEAR(static_cast<double>(done[1].second), 4e9, 4 * kFlightSlackNs);  // at 1/4 the rate
}

TEST(FlowLinks, TransfersIntoOneReceiverSplitItsDownlink) {
  // Nodes 0 and 1 upload 8 Mbit/s each into node 2, whose downlink is 8 Mbit/s too.
  Net n(OneSegmentFlight(), {{8e6, 80e6}, {8e6, 80e6}, {8e6, 8e6}}, 0.05);
  n.Send(0, 0, 0, 2, 10, 1'000'000);
  n.Send(0, 1, 0, 2, 11, 1'000'000);
  const auto done = n.RunUntil(10 * kSecond);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_NEAR(static_cast<double>(done[0].second), 2e9, 2 * kFlightSlackNs);
  EXPECT_NEAR(static_cast<double>(done[1].second), 2e9, 2 * kFlightSlackNs);
}

TEST(FlowLinks, SendersLearnHowManyShareADownlinkFromTheReceiverARoundTripLate) {
  // Nodes 0 and 1 start 1 MB transfers into node 2 at time 0 (50 ms one way). Their first
  // flights use the whole window; at the round's end (100 ms) each starts sending the doubled
  // window. Neither touches node 2's state: each signals it (arriving at 150 ms), and node 2
  // tells its senders the new count one latency later (200 ms). Until told, a sender takes
  // the whole downlink as its own.
  Net n({}, {{8e6, 80e6}, {8e6, 80e6}, {8e6, 8e6}});
  n.Send(0, 0, 0, 2, 10, 1'000'000);
  n.Send(0, 1, 0, 2, 11, 1'000'000);
  n.RunUntil(200 * kMillisecond);
  using W = FlowLinks::Wake;
  std::vector<W> up, down;
  for (const W& w : n.signals) (w.flight == FlowLinks::kToReceiver ? up : down).push_back(w);
  ASSERT_EQ(up.size(), 2u);
  for (std::uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(up[i].node, 2u);
    EXPECT_EQ(up[i].serial, i);    // from nodes 0 and 1
    EXPECT_EQ(up[i].source(), i);  // the sender's event made it
    EXPECT_EQ(up[i].value, 1u);    // started sending
    EXPECT_EQ(up[i].at, 150 * kMillisecond);
  }
  // Node 2 answered "1" to node 0 after the first signal, then "2" to both.
  ASSERT_EQ(down.size(), 3u);
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> told = {
      {down[0].node, down[0].value}, {down[1].node, down[1].value}, {down[2].node, down[2].value}};
  EXPECT_EQ(told, (std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 1}, {0, 2}, {1, 2}}));
  for (const W& w : down) {
    EXPECT_EQ(w.at, 200 * kMillisecond);
    EXPECT_EQ(w.source(), 2u);
  }
}

TEST(FlowLinks, TheWindowRestartsAfterAnIdleRto) {
  for (const bool restart : {true, false}) {
    FlowModelSpec spec;
    spec.slow_start_after_idle = restart;
    Net n(spec);
    n.Send(0, 0, 0, 1, 7, 3 * kWindow);
    n.RunUntil(kSecond);
    ASSERT_EQ(n.flows.cwnd(0, 0), 2 * kWindow);
    // 150 ms later: idle for less than one RTO (100 ms + 200 ms): the window is kept.
    n.Send(129 * kMillisecond + 150 * kMillisecond, 0, 0, 1, 8, 100);
    EXPECT_EQ(n.flows.cwnd(0, 0), 2 * kWindow);
    // 2 s later: the window is back to the initial one (unless restarts are off, as in ns-3).
    n.Send(2300 * kMillisecond, 0, 0, 1, 9, 100);
    EXPECT_EQ(n.flows.cwnd(0, 0), restart ? kWindow : 2 * kWindow) << restart;
  }
}

TEST(FlowLinks, AReusedSlotStartsWithAFreshWindow) {
  Net n;
  n.Send(0, 0, 0, 1, 7, 3 * kWindow);
  n.RunUntil(kSecond);
  ASSERT_EQ(n.flows.cwnd(0, 0), 2 * kWindow);
  std::vector<FlowLinks::Delivery> out;
  n.flows.Send(kSecond, 0, 0, /*slot_generation=*/1, FlowLinks::Item{1, 0, 8, 0, 100}, out);
  EXPECT_EQ(n.flows.cwnd(0, 0), kWindow);
}

TEST(FlowLinks, MessagesOfOneConnectionStayInOrder) {
  Net n;
  n.Send(0, 0, 0, 1, 7, 3 * kWindow);
  // Small, but behind the transfer on the same connection: it waits for it.
  EXPECT_EQ(n.Send(kMillisecond, 0, 0, 1, 8, 100), kTimeNever);
  const auto done = n.RunUntil(kSecond);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].first, 7u);
  EXPECT_EQ(done[1].first, 8u);
  EXPECT_GE(done[1].second, done[0].second);
}

TEST(FlowLinks, AClosedConnectionDiscardsItsQueueAndFreesItsShare) {
  Net n(OneSegmentFlight(), {}, 0.05);
  n.Send(0, 0, 0, 1, 10, 1'000'000);
  n.Send(0, 0, 1, 2, 11, 1'000'000);
  n.Send(0, 0, 1, 2, 12, 100);
  n.RunUntil(kSecond);  // about 500 kB of each sent
  std::vector<FlowLinks::Item> dropped;
  n.flows.DropConnection(kSecond, 0, 1, dropped);
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].message, 11u);
  EXPECT_EQ(dropped[1].message, 12u);
  const auto done = n.RunUntil(10 * kSecond);
  ASSERT_EQ(done.size(), 1u);
  // The other 500 kB alone at the full 1 byte/us.
  EXPECT_NEAR(static_cast<double>(done[0].second), 1.5e9, kFlightSlackNs);
}

TEST(FlowLinks, BlocksReachEveryNodeLaterThanOverFifoPipesAndDeterministically) {
  for (const auto relay : {bitcoin::RelayMode::kLegacy, bitcoin::RelayMode::kCompact}) {
    const SimReport fifo = RunToEnd(SmallFlood(LinkModelKind::kFifo, relay));
    const SimReport flow = RunToEnd(SmallFlood(LinkModelKind::kFlow, relay));
    ASSERT_EQ(flow.blocks_mined, 4u);
    ASSERT_EQ(fifo.blocks.size(), flow.blocks.size());
    for (std::size_t i = 0; i < flow.blocks.size(); ++i) {
      ASSERT_TRUE(fifo.blocks[i].reach_s[3].has_value() && flow.blocks[i].reach_s[3].has_value())
          << "block " << i;
      // Windows and shared uplinks only add time: the median node hears of it later.
      EXPECT_GT(*flow.blocks[i].reach_s[1], *fifo.blocks[i].reach_s[1]) << "block " << i;
    }
    const SimReport again = RunToEnd(SmallFlood(LinkModelKind::kFlow, relay));
    ASSERT_EQ(again.blocks.size(), flow.blocks.size());
    for (std::size_t i = 0; i < flow.blocks.size(); ++i) {
      EXPECT_EQ(again.blocks[i].reach_s, flow.blocks[i].reach_s);
    }
    EXPECT_EQ(again.events, flow.events);
  }
}

// Churn takes nodes offline with transfers in progress on their connections: both ends' unsent
// data goes with the connection (a reused slot must start clean; FlowLinks asserts it).
TEST(FlowLinks, NodesGoingOfflineDropTheirTransfers) {
  // Seed 3 of the shipped scenario reuses such a slot (it aborted before the fix).
  for (const char* model : {"flow", "shared"}) {
    const std::string where =
        std::string("seed=3 scenario=scenarios/churn.yaml network.link_model=") + model;
    auto s = scenario::LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/churn.yaml",
                                    {std::string("network.link_model=") + model, "seed=3"});
    ASSERT_TRUE(s.ok()) << s.status().message();
    auto sim = Simulation::Build(s->sim);
    ASSERT_TRUE(sim.ok()) << sim.status().message();
    (*sim)->Run();
    const SimReport r = (*sim)->Report();
    EXPECT_GT(r.blocks_mined, 0u) << where;
    ASSERT_TRUE(r.churn.has_value()) << where;
    EXPECT_GT(r.churn->departures, 10u) << where;
  }
}

}  // namespace
}  // namespace peerlab::sim
