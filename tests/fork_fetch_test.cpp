// A competing branch with as much work as our tip is downloaded as soon as its headers are
// known, as Bitcoin Core does (FindNextBlocksToDownload skips a peer only when its best block
// has less work; HeadersDirectFetchBlocks fetches a branch ending with at least as much work),
// though first seen still keeps our tip. Without it, a node on the losing side of a tie fetched
// the whole winning branch only when the next block on it arrived (seen on ns-3: the winning
// height-1 block reached nodes holding the losing one only when height 3 was mined).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "mini_net.hpp"

namespace peerlab::testing {
namespace {

using bitcoin::RelayMode;

// Block transfers (full or compact) from `from` to `to` in log entries [begin, end).
long Transfers(const MiniNet& net, std::size_t begin, const std::string& from,
               const std::string& to) {
  const auto& log = net.log();
  return std::count_if(log.begin() + static_cast<long>(begin), log.end(), [&](const std::string& l) {
    return l == from + ">" + to + ":block" || l == from + ">" + to + ":cmpctblock";
  });
}

class ForkFetch : public ::testing::TestWithParam<RelayMode> {};

// Two equal-work chains meet on a new connection: each side downloads the other's branch at
// once but keeps its own tip; the next block on the other branch then costs one transfer.
TEST_P(ForkFetch, EqualWorkBranchIsDownloadedWhenItsHeadersArrive) {
  MiniNet net(3, GetParam());
  net.Connect(2, 0);
  net.Settle();
  net.Mine(0);  // branch A, relayed to node 2
  net.Mine(0);
  net.Settle();
  net.Mine(1);  // branch B, on the unconnected node 1, as much work
  net.Mine(1);
  const bitcoin::BlockHandle a2 = net.node(0).tip();
  const bitcoin::BlockHandle b2 = net.node(1).tip();
  ASSERT_EQ(net.node(2).tip(), a2);
  net.Connect(2, 1);  // both sides have a chain: headers both ways
  net.Settle();
  EXPECT_EQ(net.node(2).tip(), a2);  // first seen wins the tie
  EXPECT_TRUE(net.node(2).HasBlock(b2)) << "the equal-work branch was not downloaded";
  EXPECT_EQ(Transfers(net, 0, "1", "2"), 2);
  EXPECT_EQ(net.node(1).tip(), b2);
  EXPECT_TRUE(net.node(1).HasBlock(a2));

  const std::size_t before = net.log().size();
  net.Mine(1);  // B3 breaks the tie
  net.Settle();
  EXPECT_EQ(net.node(2).tip(), net.node(1).tip());
  EXPECT_EQ(net.store().Get(net.node(2).tip()).height, 3u);
  EXPECT_EQ(Transfers(net, before, "1", "2"), 1) << "only B3 was left to fetch";
}

INSTANTIATE_TEST_SUITE_P(Relays, ForkFetch,
                         ::testing::Values(RelayMode::kLegacy, RelayMode::kHeaders,
                                           RelayMode::kCompact),
                         [](const auto& info) { return std::string(bitcoin::RelayModeName(info.param)); });

// The ns-3 observation's path under legacy relay. Line A-miner(0) - X(2) - R(3) - B-miner(1),
// 50 ms per hop. A1 reaches R before B1, so R never announces B1 and X never hears of it. A2
// reaches X; then R switches to B2 and announces it to X, whose tip A2 has as much work: X
// fetches B2, cannot connect it, asks R for headers and learns B1 and B2. X must then download
// B1 and B2 at once, so that B3 needs one transfer and X follows it one relay hop later.
TEST(ForkFetchLegacy, UnconnectingAnnouncementOfAnEqualWorkBranchFetchesItsParent) {
  MiniNet net(4, RelayMode::kLegacy);
  net.Connect(2, 0);
  net.Connect(2, 3);
  net.Connect(3, 1);
  net.Settle();
  const TimeNs start = net.now();
  net.Mine(0);  // A1
  net.RunUntil(start + 200 * kMillisecond);
  net.Mine(1);  // B1: reaches R after A1 did, so R stays on A1 and does not announce B1
  net.RunUntil(start + 1000 * kMillisecond);
  const bitcoin::BlockHandle b1 = net.node(1).tip();
  ASSERT_EQ(net.node(3).tip(), net.node(0).tip());
  ASSERT_EQ(net.node(2).best_header(), net.node(0).tip()) << "X must not know B1 yet";
  net.Mine(0);  // A2
  net.RunUntil(start + 1100 * kMillisecond);
  net.Mine(1);  // B2: R reorgs to it and announces it to X, which holds A2 by then
  const bitcoin::BlockHandle a2 = net.node(0).tip();
  const bitcoin::BlockHandle b2 = net.node(1).tip();
  net.RunUntil(start + 3000 * kMillisecond);
  ASSERT_EQ(net.node(3).tip(), b2);
  EXPECT_EQ(net.node(2).tip(), a2);  // first seen wins the tie
  ASSERT_EQ(net.store().Get(b2).parent, b1);
  EXPECT_TRUE(net.node(2).HasBlock(b1)) << "X learned of B1 with B2 but did not download it";
  EXPECT_TRUE(net.node(2).HasBlock(b2));

  const std::size_t before = net.log().size();
  net.Mine(1);  // B3
  net.Settle();
  EXPECT_EQ(net.node(2).tip(), net.node(1).tip());
  EXPECT_EQ(Transfers(net, before, "3", "2"), 1) << "only B3 was left to fetch";
}

// Compact relay: a high-bandwidth peer pushes a block with as much work as our tip, which is not
// worth reconstructing (Core's "we know something better"); its header is known, so the block
// is fetched whole, as Core's block download does for any peer with at least as much work.
TEST(ForkFetchCompact, PushedEqualWorkBlockIsFetchedWhole) {
  MiniNet net(3, RelayMode::kCompact);
  net.Connect(2, 0);
  net.Connect(2, 1);
  net.Settle();
  net.Mine(0);  // delivered to node 2 by node 0, which becomes its high-bandwidth peer
  net.Settle();
  net.Mine(1);  // likewise node 1
  net.Settle();
  ASSERT_EQ(net.node(2).high_bandwidth_peers(), 2u);
  const TimeNs start = net.now();
  net.Mine(0);  // A3: pushed to node 2, valid there 61 ms later
  const bitcoin::BlockHandle a3 = net.node(0).tip();
  net.RunUntil(start + 100 * kMillisecond);
  net.Mine(1);  // B3 on the same parent (node 1 is still validating A3), pushed at once
  const bitcoin::BlockHandle b3 = net.node(1).tip();
  ASSERT_NE(a3, b3);
  const std::size_t before = net.log().size();
  net.Settle();
  EXPECT_EQ(net.node(2).tip(), a3);  // first seen wins the tie
  EXPECT_TRUE(net.node(2).HasBlock(b3)) << "the pushed equal-work block was dropped";
  const auto& log = net.log();
  EXPECT_NE(std::find(log.begin() + static_cast<long>(before), log.end(), "2>1:getdata"), log.end());
}

// A high-bandwidth peer pushes a compact block before validating it (Core's NewPoWValidBlock);
// a receiver whose tip has as much work asks it for the whole block at once. Core serves that
// getdata (and a getblocktxn) from the block it just pushed (most_recent_block; the block is on
// disk before ConnectBlock), so the answer never waits for validation. Ignoring the request left
// the block in flight from that peer for good: the receiver could connect nothing built on it
// (seen in selfish-mining runs under the flow link model: nodes stuck on a stale tip for days).
// Line V(0) - R(2) - B-miner(1); validation takes 1 s, links 50 ms.
TEST(ForkFetchCompact, PeerServesTheBlockItPushedWhileStillValidatingIt) {
  MiniNet net(3, RelayMode::kCompact);
  net.Connect(0, 2);
  net.Connect(2, 1);
  net.Settle();
  net.Mine(1);  // relayed 1 > R > V: R becomes V's high-bandwidth peer, node 1 R's
  net.Settle();
  ASSERT_EQ(net.node(0).high_bandwidth_peers(), 1u);
  ASSERT_EQ(net.node(2).high_bandwidth_peers(), 1u);
  net.config().validation_fixed = 1000 * kMillisecond;
  const std::size_t before = net.log().size();
  net.Mine(1);  // B1: pushed to R, which pushes it on to V and validates it until 1.05 s
  net.Mine(0);  // A1 on the same parent: V's own tip, so B1 reaches V with equal work
  const bitcoin::BlockHandle b1 = net.node(1).tip();
  const bitcoin::BlockHandle a1 = net.node(0).tip();
  ASSERT_NE(a1, b1);
  ASSERT_EQ(net.store().Get(a1).parent, net.store().Get(b1).parent);
  const TimeNs start = net.now();
  net.RunUntil(start + 300 * kMillisecond);
  ASSERT_EQ(net.node(0).tip(), a1);
  const auto& log = net.log();
  const auto from = log.begin() + static_cast<long>(before);
  ASSERT_NE(std::find(from, log.end(), "0>2:getdata"), log.end())
      << "V did not ask R for the equal-work block";
  ASSERT_FALSE(net.node(2).HasBlock(b1)) << "R must still be validating B1";
  EXPECT_NE(std::find(from, log.end(), "2>0:block"), log.end())
      << "R ignored the getdata while validating B1";
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), a1);  // first seen wins the tie
  EXPECT_TRUE(net.node(0).HasBlock(b1));
  net.Mine(1);  // B2 breaks the tie
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip()) << "V cannot connect B2 without B1";
}

}  // namespace
}  // namespace peerlab::testing
