// Link-model arithmetic: transmit times, pipe queueing, cut-through, in-order delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "peerlab/sim/link_model.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::sim {
namespace {

RegionTable TwoRegions() {
  RegionTable t;
  t.source = "inline";
  t.names = {"a", "b"};
  t.node_share = {0.5, 0.5};
  t.latency_ms = {10, 100, 100, 10};
  t.upload_bps = {8e6, 8e6};
  t.download_bps = {16e6, 16e6};
  return t;
}

JitterSpec NoJitter() {
  JitterSpec j;
  j.kind = JitterKind::kNone;
  return j;
}

TEST(LinkModel, TransmitTimeIsBitsOverBandwidthRoundedUp) {
  EXPECT_EQ(LinkModel::TransmitTime(1'000'000, 8e6), kSecond);
  EXPECT_EQ(LinkModel::TransmitTime(1, 3e9), 3);  // 8/3 ns -> 3
  EXPECT_EQ(LinkModel::TransmitTime(0, 1e6), 0);
}

// TransmitTime rounds up without libm's ceil: the same as SaturatingNs(ceil(bytes * 8e9 / bps))
// for whole, fractional, huge and saturating products.
TEST(LinkModel, TransmitTimeEqualsTheCeilingOfTheProduct) {
  const auto by_ceil = [](std::uint32_t bytes, double bps) {
    return SaturatingNs(std::ceil(bytes * (8e9 / bps)));
  };
  Rng rng(7, 0, RngPurpose{1});
  for (int i = 0; i < 200000; ++i) {
    const auto bytes = static_cast<std::uint32_t>(rng.Below(1u << 31));
    // Bandwidths from 10^-3 to 10^13 bit/s, log-uniform: products from below 1 ns to past
    // kTimeBeyond.
    const double bps = std::pow(10.0, -3.0 + 16.0 * rng.Uniform());
    ASSERT_EQ(LinkModel::TransmitTime(bytes, bps), by_ceil(bytes, bps)) << bytes << " B at " << bps;
  }
  for (const double bps : {8e9, 4e9, 1.6e10, 1e-300, 1e300}) {
    for (const std::uint32_t bytes : {0u, 1u, 3u, 1448u, 1u << 20, 0xffffffffu}) {
      EXPECT_EQ(LinkModel::TransmitTime(bytes, bps), by_ceil(bytes, bps)) << bytes << " B at " << bps;
    }
  }
}

TEST(LinkModel, IdlePathCostsLatencyPlusSlowestPipe) {
  LinkModel m(TwoRegions(), NoJitter(), 1);
  m.AddNode(0, 8e6, 16e6);
  m.AddNode(1, 8e6, 16e6);
  // 1 MB: uplink 1 s (8 Mbit/s), downlink 0.5 s overlapped, + 100 ms latency.
  EXPECT_EQ(m.Send(0, 0, 1, 1'000'000), kSecond + 100 * kMillisecond);
}

TEST(LinkModel, SlowDownlinkIsTheBottleneck) {
  LinkModel m(TwoRegions(), NoJitter(), 1);
  m.AddNode(0, 16e6, 16e6);
  m.AddNode(1, 16e6, 4e6);
  // Downlink starts after latency (100 ms) and takes 2 s at 4 Mbit/s.
  EXPECT_EQ(m.Send(0, 0, 1, 1'000'000), 100 * kMillisecond + 2 * kSecond);
}

TEST(LinkModel, UplinkQueuesMessagesFifo) {
  LinkModel m(TwoRegions(), NoJitter(), 1);
  m.AddNode(0, 8e6, 16e6);
  m.AddNode(0, 8e6, 16e6);
  m.AddNode(0, 8e6, 16e6);
  // Two 1 MB messages from node 0 to two peers in its own region (10 ms): the second waits
  // for the first to leave the uplink.
  EXPECT_EQ(m.Send(0, 0, 1, 1'000'000), kSecond + 10 * kMillisecond);
  EXPECT_EQ(m.Send(0, 0, 2, 1'000'000), 2 * kSecond + 10 * kMillisecond);
  // Later, after the pipe drained, no queueing.
  EXPECT_EQ(m.Send(5 * kSecond, 0, 1, 1000), 5 * kSecond + 1 * kMillisecond + 10 * kMillisecond);
}

TEST(LinkModel, DownlinkIsSharedBetweenSenders) {
  LinkModel m(TwoRegions(), NoJitter(), 1);
  m.AddNode(0, 80e6, 80e6);
  m.AddNode(0, 80e6, 80e6);
  m.AddNode(0, 80e6, 8e6);  // receiver with a slow downlink
  const TimeNs first = m.Send(0, 0, 2, 1'000'000);   // 10 ms + 1 s
  const TimeNs second = m.Send(0, 1, 2, 1'000'000);  // queued behind the first
  EXPECT_EQ(first, 10 * kMillisecond + kSecond);
  EXPECT_EQ(second, first + kSecond);
}

TEST(LinkModel, JitteredMessagesStayInOrderPerReceiver) {
  JitterSpec pareto;  // default: heavy-tailed Pareto
  LinkModel m(TwoRegions(), pareto, 9);
  m.AddNode(0, 8e9, 8e9);
  m.AddNode(1, 8e9, 8e9);
  TimeNs last = 0;
  for (int i = 0; i < 10000; ++i) {
    const TimeNs at = m.Send(i * kMicrosecond, 0, 1, 100);
    ASSERT_GE(at, last);
    last = at;
  }
}

TEST(Regions, BuiltinTablesAreCompleteAndNormalised) {
  for (const auto& name : BuiltinRegionTableNames()) {
    const auto t = BuiltinRegionTable(name);
    ASSERT_TRUE(t.has_value()) << name;
    const std::size_t n = t->size();
    EXPECT_EQ(n, 6u);
    EXPECT_EQ(t->latency_ms.size(), n * n);
    EXPECT_EQ(t->upload_bps.size(), n);
    EXPECT_EQ(t->download_bps.size(), n);
    double share = 0;
    for (double s : t->node_share) share += s;
    EXPECT_NEAR(share, 1.0, 1e-3) << name;
  }
  EXPECT_EQ(BuiltinRegionTable("simblock-2019")->LatencyMs(0, 1), 124);
  EXPECT_EQ(BuiltinRegionTable("simblock-2015")->LatencyMs(5, 1), 350);
  EXPECT_FALSE(BuiltinRegionTable("mars").has_value());
}

TEST(LinkModel, EachSenderDrawsItsJitterFromItsOwnStream) {
  // Node 0's latencies are the same whether or not node 2 sends in between: what one node
  // sends never depends on how other nodes' sends interleave (the parallel engine's premise).
  JitterSpec pareto;  // the default: Pareto, shape 5
  auto draws = [&](bool interleave) {
    LinkModel m(TwoRegions(), pareto, 11);
    for (int i = 0; i < 3; ++i) m.AddNode(i == 1 ? 1 : 0, 8e6, 16e6);
    std::vector<TimeNs> out;
    for (int k = 0; k < 20; ++k) {
      const TimeNs t = k * kSecond;
      if (interleave) m.Signal(t, 2, 1);
      out.push_back(m.Signal(t, 0, 1) - t);
    }
    return out;
  };
  const std::vector<TimeNs> alone = draws(false);
  EXPECT_EQ(alone, draws(true));
  // And they are draws: not all equal, none below the Pareto minimum (80 % of the 100 ms mean).
  EXPECT_NE(*std::min_element(alone.begin(), alone.end()),
            *std::max_element(alone.begin(), alone.end()));
  EXPECT_GE(*std::min_element(alone.begin(), alone.end()), 80 * kMillisecond);
}

}  // namespace
}  // namespace peerlab::sim
