// network.uplink: shared: processor sharing of a node's upload among its connections
// (sim/shared_uplink.hpp), on its own and inside a run.
#include <gtest/gtest.h>

#include <vector>

#include "peerlab/sim/regions.hpp"
#include "peerlab/sim/shared_uplink.hpp"
#include "link_model_runs.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::sim {
namespace {

using link_runs::RunToEnd;
using link_runs::SmallFlood;

constexpr double kNsPerByte = 1000.0;  // 8 Mbit/s: 1 kB per millisecond

SharedUplinks::Item Msg(std::uint32_t to, std::uint32_t id, std::uint32_t bytes) {
  return {to, 0, id, 0, bytes};
}

// Runs the uplink of node 0 to completion; returns (message id, completion time) in order.
std::vector<std::pair<std::uint32_t, TimeNs>> Drain(SharedUplinks& u) {
  std::vector<std::pair<std::uint32_t, TimeNs>> out;
  std::vector<SharedUplinks::Item> done;
  while (u.active(0)) {
    const TimeNs at = u.next_completion(0);
    done.clear();
    u.Complete(at, 0, kNsPerByte, done);
    EXPECT_FALSE(done.empty()) << "an uplink event at " << at << " finished nothing";
    for (const auto& d : done) out.emplace_back(d.message, at);
  }
  return out;
}

TEST(SharedUplinks, EqualTransfersOnTwoConnectionsFinishTogether) {
  SharedUplinks u(1);
  EXPECT_TRUE(u.Enqueue(0, 0, /*flow=*/1, Msg(1, 10, 1000), kNsPerByte));
  EXPECT_EQ(u.next_completion(0), kMillisecond);  // alone: the whole bandwidth
  EXPECT_TRUE(u.Enqueue(0, 0, /*flow=*/2, Msg(2, 11, 1000), kNsPerByte));
  EXPECT_EQ(u.next_completion(0), 2 * kMillisecond);  // FIFO would finish one at 1 ms
  const auto done = Drain(u);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].second, 2 * kMillisecond);
  EXPECT_EQ(done[1].second, 2 * kMillisecond);
}

TEST(SharedUplinks, ALaterTransferSlowsTheOneInProgress) {
  SharedUplinks u(1);
  u.Enqueue(0, 0, 1, Msg(1, 10, 1000), kNsPerByte);
  const std::uint32_t before = u.generation(0);
  // Half-way (500 bytes sent), a second connection starts a 200-byte message: both get half
  // the bandwidth, the short one ends after 400 us, then the first has 300 bytes alone.
  EXPECT_TRUE(u.Enqueue(500 * kMicrosecond, 0, 2, Msg(2, 11, 200), kNsPerByte));
  EXPECT_NE(u.generation(0), before);  // the pending event of the old schedule is stale
  const auto done = Drain(u);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0], (std::pair<std::uint32_t, TimeNs>{11, 900 * kMicrosecond}));
  EXPECT_EQ(done[1], (std::pair<std::uint32_t, TimeNs>{10, 1200 * kMicrosecond}));
}

TEST(SharedUplinks, MessagesOfOneConnectionStayInOrderAndDoNotShare) {
  SharedUplinks u(1);
  u.Enqueue(0, 0, 1, Msg(1, 10, 1000), kNsPerByte);
  // Behind the head on the same connection: the schedule does not move.
  EXPECT_FALSE(u.Enqueue(0, 0, 1, Msg(1, 11, 1000), kNsPerByte));
  EXPECT_FALSE(u.Enqueue(0, 0, 1, Msg(1, 12, 0), kNsPerByte));
  const auto done = Drain(u);
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0], (std::pair<std::uint32_t, TimeNs>{10, kMillisecond}));
  EXPECT_EQ(done[1], (std::pair<std::uint32_t, TimeNs>{11, 2 * kMillisecond}));
  EXPECT_EQ(done[2], (std::pair<std::uint32_t, TimeNs>{12, 2 * kMillisecond}));  // zero bytes
}

TEST(SharedUplinks, DroppedConnectionFreesItsShare) {
  SharedUplinks u(1);
  u.Enqueue(0, 0, 1, Msg(1, 10, 1000), kNsPerByte);
  u.Enqueue(0, 0, 2, Msg(2, 11, 1000), kNsPerByte);
  u.Enqueue(0, 0, 2, Msg(2, 12, 1000), kNsPerByte);
  std::vector<SharedUplinks::Item> dropped;
  // At 1 ms each has 500 bytes sent; connection 2 closes, its two messages are discarded.
  EXPECT_TRUE(u.DropFlow(kMillisecond, 0, 2, kNsPerByte, dropped));
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0].message, 11u);
  EXPECT_EQ(dropped[1].message, 12u);
  EXPECT_FALSE(u.DropFlow(kMillisecond, 0, 7, kNsPerByte, dropped));  // no such connection
  const auto done = Drain(u);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], (std::pair<std::uint32_t, TimeNs>{10, 1500 * kMicrosecond}));
}

TEST(SharedUplinks, FullBlockRelayIsSlowerThanWithFifoUplinksAndStillReachesEveryone) {
  const SimReport fifo = RunToEnd(SmallFlood(LinkModelKind::kFifo, bitcoin::RelayMode::kLegacy));
  const SimReport shared = RunToEnd(SmallFlood(LinkModelKind::kShared, bitcoin::RelayMode::kLegacy));
  ASSERT_EQ(fifo.blocks.size(), shared.blocks.size());
  ASSERT_EQ(shared.blocks_mined, 4u);
  for (std::size_t i = 0; i < shared.blocks.size(); ++i) {
    const BlockRow& f = fifo.blocks[i];
    const BlockRow& s = shared.blocks[i];
    ASSERT_TRUE(f.reach_s[3].has_value() && s.reach_s[3].has_value()) << "block " << i;
    // The same work through the same pipes, but every upload of a block now finishes as late
    // as the last of its concurrent ones: the median node waits longer.
    EXPECT_GT(*s.reach_s[1], *f.reach_s[1]) << "block " << i;
  }
  // Deterministic: the same seed gives the same report.
  const SimReport again = RunToEnd(SmallFlood(LinkModelKind::kShared, bitcoin::RelayMode::kLegacy));
  ASSERT_EQ(again.blocks.size(), shared.blocks.size());
  for (std::size_t i = 0; i < shared.blocks.size(); ++i) {
    EXPECT_EQ(again.blocks[i].reach_s, shared.blocks[i].reach_s);
  }
  EXPECT_EQ(again.events, shared.events);
}

}  // namespace
}  // namespace peerlab::sim
