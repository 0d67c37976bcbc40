// Core's peer timeouts (Node::OnPeerTimeouts): a block download without progress for one block
// interval (plus half of one per other peer downloading) drops the peer and the block is asked
// of another; a handshake not done in 60 s and a ping not answered in 20 min drop the peer.
// Without them a message lost on a connection that stays up was never asked for again (open
// defect D1 of `peerlab explore`, docs/testing.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "mini_net.hpp"

namespace peerlab::testing {
namespace {

using bitcoin::RelayMode;

bool Logged(const MiniNet& net, const std::string& entry) {
  return std::find(net.log().begin(), net.log().end(), entry) != net.log().end();
}

class BlockDownloadTimeout : public ::testing::TestWithParam<RelayMode> {};

// Node 0 mines; its answer to node 1's request is lost. Node 2 has the block too and told node
// 1, which waits for node 0 (the block is in flight from it) until the timeout drops node 0.
TEST_P(BlockDownloadTimeout, ALostBlockIsAskedOfAnotherPeer) {
  const RelayMode relay = GetParam();
  MiniNet net(3, relay);
  net.config().block_interval = 10 * kMinute;
  net.Connect(0, 1);
  net.Connect(0, 2);
  net.Connect(2, 1);
  net.Settle();
  // Legacy and headers relay answer with `block`; compact relay's first block is fetched with
  // getdata(cmpct) and answered with `cmpctblock`.
  net.LoseNext(0, 1, relay == RelayMode::kCompact ? "cmpctblock" : "block");
  const TimeNs mined_at = net.now();
  net.Mine(0);
  const bitcoin::BlockHandle block = net.node(0).tip();
  net.RunUntil(mined_at + 10 * kMinute - kSecond);
  EXPECT_TRUE(net.node(2).HasBlock(block));
  EXPECT_FALSE(net.node(1).HasBlock(block)) << "node 1 asked node 2 before the timeout";
  net.RunUntil(mined_at + 10 * kMinute + 10 * kSecond);
  EXPECT_TRUE(Logged(net, "1>0:disconnect"));
  EXPECT_TRUE(net.node(1).HasBlock(block));
  EXPECT_EQ(net.node(1).tip(), block);
  EXPECT_FALSE(net.node(1).IsEstablished(0));
}

// A download that makes progress keeps its peer: blocks arriving one by one restart the clock.
TEST_P(BlockDownloadTimeout, ADownloadThatArrivesIsNotDropped) {
  MiniNet net(2, GetParam(), 50 * kMillisecond);
  net.config().block_interval = kMinute;
  net.Connect(0, 1);
  net.Settle();
  for (int i = 0; i < 5; ++i) {
    net.Mine(0);
    net.Settle();
  }
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_FALSE(Logged(net, "1>0:disconnect"));
  EXPECT_TRUE(net.node(1).IsEstablished(0));
}

INSTANTIATE_TEST_SUITE_P(Relays, BlockDownloadTimeout,
                         ::testing::Values(RelayMode::kLegacy, RelayMode::kHeaders,
                                           RelayMode::kCompact),
                         [](const ::testing::TestParamInfo<RelayMode>& info) {
                           return std::string(bitcoin::RelayModeName(info.param));
                         });

// The verack of node 1 is lost: node 0's handshake never completes and it drops the
// connection 60 s after it opened (Core's DEFAULT_PEER_CONNECT_TIMEOUT), not before.
TEST(PeerTimeouts, AHandshakeNotDoneIn60SecondsIsDropped) {
  MiniNet net(2);
  net.LoseNext(1, 0, "verack");
  net.Connect(0, 1);
  net.RunUntil(59 * kSecond);
  EXPECT_FALSE(Logged(net, "0>1:disconnect"));
  EXPECT_FALSE(net.node(0).IsEstablished(0));
  net.RunUntil(61 * kSecond);
  EXPECT_TRUE(Logged(net, "0>1:disconnect"));
}

// With pings on, a pong that never comes drops the peer 20 min after the ping (Core's
// TIMEOUT_INTERVAL); answered pings keep it.
TEST(PeerTimeouts, APingUnansweredFor20MinutesDropsThePeer) {
  MiniNet net(2);
  net.config().ping_interval = 2 * kMinute;
  net.Connect(0, 1);
  net.RunUntil(9 * kMinute);
  EXPECT_FALSE(Logged(net, "0>1:disconnect"));
  net.LoseNext(1, 0, "pong");  // the answer to the ping of 10 min
  net.RunUntil(30 * kMinute - kSecond);
  EXPECT_FALSE(Logged(net, "0>1:disconnect"));
  net.RunUntil(30 * kMinute + kSecond);
  EXPECT_TRUE(Logged(net, "0>1:disconnect"));
}

}  // namespace
}  // namespace peerlab::testing
