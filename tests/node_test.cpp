// The sans-IO node: relay exchanges, validation delay, reorgs, first-seen ties, late sync.
#include <gtest/gtest.h>

#include <algorithm>

#include "mini_net.hpp"

namespace peerlab::testing {
namespace {

using bitcoin::Observation;
using bitcoin::RelayMode;

// MiniNet's validation model: 1 ms + 10 ms per MB.
DurationNs Validation(const MiniNet& net, bitcoin::BlockHandle h) {
  const double mb = static_cast<double>(net.store().Get(h).size_bytes) / 1e6;
  return kMillisecond + static_cast<DurationNs>(static_cast<double>(10 * kMillisecond) * mb);
}

std::vector<std::string> Without(const std::vector<std::string>& log, const std::string& cmd) {
  std::vector<std::string> out;
  for (const auto& l : log) {
    if (l.find(":" + cmd) == std::string::npos) out.push_back(l);
  }
  return out;
}

TEST(Node, HeadersRelayIsHeadersGetdataBlock) {
  MiniNet net(2, RelayMode::kHeaders);
  net.Connect(0, 1);
  net.Settle();
  const TimeNs start = net.now();
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(Without(net.log(), "sendheaders"),
            (std::vector<std::string>{"0>1:headers", "1>0:getdata", "0>1:block"}));
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_NE(net.node(0).tip(), bitcoin::kGenesis);
  // 1.5 round trips of 50 ms, then validation of the (about 1 MB) block.
  EXPECT_EQ(net.last_activity(), start + 150 * kMillisecond + Validation(net, net.node(0).tip()));
}

TEST(Node, LegacyRelayIsInvGetdataBlock) {
  MiniNet net(2, RelayMode::kLegacy);
  net.Connect(0, 1);
  net.Settle();
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.log(), (std::vector<std::string>{"0>1:inv", "1>0:getdata", "0>1:block"}));
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
}

TEST(Node, LateConnectionSyncsWithGetHeaders) {
  // A node that already has a chain asks a new outbound peer for headers; the peer's longer
  // chain wins.
  MiniNet net(2, RelayMode::kHeaders);
  net.Mine(0);
  net.Mine(1);
  net.Mine(1);
  net.Connect(0, 1);  // node 0 syncs from node 1 with getheaders
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip());
  EXPECT_NE(std::find(net.log().begin(), net.log().end(), "0>1:getheaders"), net.log().end());
}

TEST(Node, LegacyRelayAcrossAGapFetchesMissingHeaders) {
  MiniNet net(2, RelayMode::kLegacy);
  net.Mine(0);
  net.Mine(0);
  net.Mine(0);
  net.Connect(1, 0);  // node 1 knows nothing; node 0 will announce only its next tip
  net.Settle();
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 4u);
}

TEST(Node, BlocksTravelAlongALineAndAreNotSentBack) {
  MiniNet net(4);
  net.Connect(0, 1);
  net.Connect(1, 2);
  net.Connect(2, 3);
  net.Settle();
  net.Mine(0);
  net.Settle();
  for (std::uint32_t i = 1; i < 4; ++i) EXPECT_EQ(net.node(i).tip(), net.node(0).tip());
  const auto blocks = std::count_if(net.log().begin(), net.log().end(),
                                    [](const std::string& l) { return l.ends_with(":block"); });
  EXPECT_EQ(blocks, 3);  // exactly one transfer per hop
}

TEST(Node, ReorgsToTheChainWithMoreWork) {
  MiniNet net(2);
  net.Mine(0);  // not connected yet: two competing chains
  net.Mine(0);
  net.Mine(1);
  const auto old_tip = net.node(1).tip();
  net.Connect(1, 0);  // node 1 has a chain, so it syncs headers from its outbound peer
  net.Settle();
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 2u);
  const auto& obs = net.observations();
  auto reorg = std::find_if(obs.begin(), obs.end(), [](const auto& o) {
    return o.first == 1 && o.second.kind == Observation::Kind::kTipChanged &&
           o.second.reorg_depth > 0;
  });
  ASSERT_NE(reorg, obs.end());
  EXPECT_EQ(reorg->second.reorg_depth, 1u);
  EXPECT_EQ(reorg->second.previous, old_tip);
  // Node 0 keeps its longer chain.
  EXPECT_EQ(net.store().Get(net.node(0).tip()).height, 2u);
}

TEST(Node, FirstSeenBlockWinsATie) {
  MiniNet net(2);
  net.Mine(0);
  net.Mine(1);
  const auto tip0 = net.node(0).tip();
  const auto tip1 = net.node(1).tip();
  net.Connect(0, 1);
  net.Connect(1, 0);
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), tip0);
  EXPECT_EQ(net.node(1).tip(), tip1);
  // Equal work is downloaded (Core's block download), once each way, but not adopted.
  EXPECT_EQ(std::count(net.log().begin(), net.log().end(), "0>1:block"), 1);
  EXPECT_EQ(std::count(net.log().begin(), net.log().end(), "1>0:block"), 1);
  EXPECT_TRUE(net.node(0).HasBlock(tip1));
  EXPECT_TRUE(net.node(1).HasBlock(tip0));
  // The next block on either side resolves the tie for both.
  net.Mine(1);
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip());
  EXPECT_EQ(net.store().Get(net.node(0).tip()).height, 2u);
}

TEST(Node, ValidationIsAQueueOfBlocks) {
  MiniNet net(2);
  net.Connect(0, 1);
  net.Settle();
  const TimeNs start = net.now();
  net.Mine(0);
  net.Mine(0);
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 3u);
  // Three headers arrive together, the blocks come in one batch at start + 150 ms, and are
  // validated back to back.
  EXPECT_EQ(net.last_activity(),
            start + 150 * kMillisecond + 3 * Validation(net, net.node(0).tip()));
}

TEST(Node, MinedBlocksHaveRealLinkedHeaders) {
  MiniNet net(1);
  net.Mine(0);
  net.Mine(0);
  const auto& tip = net.store().Get(net.node(0).tip());
  const auto& parent = net.store().Get(tip.parent);
  EXPECT_EQ(tip.header.prev, parent.id);
  EXPECT_EQ(tip.id, tip.header.Id());
  EXPECT_EQ(tip.header.bits, 0x207fffffu);
  EXPECT_NE(tip.id, parent.id);
}

}  // namespace
}  // namespace peerlab::testing

namespace peerlab::testing {
namespace {

using bitcoin::RelayMode;

TEST(NodeCompact, FirstBlockGoesLowBandwidthThenPeerIsPromoted) {
  MiniNet net(2, RelayMode::kCompact);
  net.Connect(0, 1);
  net.Settle();
  net.Mine(0);
  net.Settle();
  // Low bandwidth: headers, getdata(cmpct), cmpctblock (no transactions to fetch); node 1 then
  // asks node 0 for high-bandwidth pushes.
  std::vector<std::string> expected = {"0>1:headers", "1>0:getdata", "0>1:cmpctblock",
                                       "1>0:sendcmpct(1)"};
  std::vector<std::string> tail(net.log().end() - 4, net.log().end());
  EXPECT_EQ(tail, expected);
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.node(1).high_bandwidth_peers(), 1u);
  // High bandwidth: the next block is pushed at once, half a round trip.
  const TimeNs start = net.now();
  net.Mine(0);
  net.Settle();
  std::vector<std::string> last(net.log().end() - 1, net.log().end());
  EXPECT_EQ(last, std::vector<std::string>{"0>1:cmpctblock"});
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.now(), start + 50 * kMillisecond + Validation(net, net.node(0).tip()));
}

TEST(NodeCompact, AtMostThreeHighBandwidthPeersOldestDropped) {
  MiniNet net(5, RelayMode::kCompact);
  for (std::uint32_t i = 1; i < 5; ++i) net.Connect(0, i);
  net.Settle();
  for (std::uint32_t miner = 1; miner < 5; ++miner) {
    net.Mine(miner);
    net.Settle();
  }
  EXPECT_EQ(net.node(0).high_bandwidth_peers(), 3u);
  const auto& log = net.log();
  // Node 0 asked nodes 1..4 in turn and told its first choice to stop when it took the fourth.
  for (const char* entry : {"0>1:sendcmpct(1)", "0>2:sendcmpct(1)", "0>3:sendcmpct(1)",
                            "0>4:sendcmpct(1)", "0>1:sendcmpct(0)"}) {
    EXPECT_NE(std::find(log.begin(), log.end(), std::string(entry)), log.end()) << entry;
  }
}

TEST(NodeCompact, MissingTransactionsAreFetchedWithGetblocktxn) {
  MiniNet net(2, RelayMode::kCompact, 50 * kMillisecond, /*tx_relay=*/true);
  net.Connect(1, 0);
  net.Settle();
  // Mined before the trickle timer announces them: node 1 lacks both transactions.
  const auto t1 = net.SubmitTx(0, 250, 2500);
  const auto t2 = net.SubmitTx(0, 300, 600);
  net.Mine(0);
  net.Settle();
  const auto& log = net.log();
  EXPECT_NE(std::find(log.begin(), log.end(), "1>0:getblocktxn"), log.end());
  EXPECT_NE(std::find(log.begin(), log.end(), "0>1:blocktxn"), log.end());
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  const auto& tip = net.store().Get(net.node(0).tip());
  ASSERT_EQ(tip.txs.size(), 2u);
  EXPECT_EQ(tip.txs[0], t1);  // higher fee rate first
  EXPECT_EQ(tip.txs[1], t2);
  EXPECT_EQ(tip.size_bytes, 80u + 1 + bitcoin::kCoinbaseBytes + 250 + 300);
  EXPECT_TRUE(net.node(1).KnowsTx(t1));
  EXPECT_EQ(net.node(0).mempool_count(), 0u);
}

TEST(NodeTx, TransactionsTrickleAcrossALineAndAreMined) {
  MiniNet net(3, RelayMode::kCompact, 50 * kMillisecond, /*tx_relay=*/true);
  net.Connect(0, 1);
  net.Connect(1, 2);
  net.Settle();
  const auto t = net.SubmitTx(0, 250, 1000);
  net.Settle();
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(net.node(i).KnowsTx(t)) << i;
    EXPECT_EQ(net.node(i).mempool_count(), 1u) << i;
  }
  // inv, getdata, tx per hop; never announced back to where it came from.
  const auto count = [&](const std::string& entry) {
    return std::count(net.log().begin(), net.log().end(), entry);
  };
  EXPECT_EQ(count("0>1:inv"), 1);
  EXPECT_EQ(count("1>2:inv"), 1);
  EXPECT_EQ(count("1>0:inv"), 0);
  EXPECT_EQ(count("2>1:inv"), 0);
  // Node 2 mines it; the compact block reconstructs everywhere from mempools.
  net.Mine(2);
  net.Settle();
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(net.node(i).tip(), net.node(2).tip()) << i;
    EXPECT_EQ(net.node(i).mempool_count(), 0u) << i;
  }
  EXPECT_EQ(count("1>2:getblocktxn") + count("0>1:getblocktxn"), 0);
}

TEST(NodeTx, MempoolCapEvictsLowestFeeRate) {
  MiniNet net(1, RelayMode::kHeaders, 50 * kMillisecond, true);
  // The default cap is 300 MB; fill it with 100 kB transactions of rising fee rate, then one
  // cheap one that must not stay.
  for (int i = 0; i < 3000; ++i) net.SubmitTx(0, 100'000, 100'000ull * (10 + i));
  EXPECT_EQ(net.node(0).mempool_bytes(), 300'000'000u);
  const auto cheap = net.SubmitTx(0, 100'000, 1);
  EXPECT_EQ(net.node(0).mempool_bytes(), 300'000'000u);
  EXPECT_EQ(net.node(0).mempool_count(), 3000u);
  net.Mine(0);
  const auto& block = net.store().Get(net.node(0).tip());
  EXPECT_EQ(std::count(block.txs.begin(), block.txs.end(), cheap), 0);
  // 1 MB block: 9 transactions of 100 kB fit after header and coinbase; the best-paying ones.
  EXPECT_EQ(block.txs.size(), 9u);
  EXPECT_EQ(block.txs.front(), 2999u);
}

}  // namespace
}  // namespace peerlab::testing

namespace peerlab::testing {
namespace {

using bitcoin::Observation;
using bitcoin::RelayMode;

std::uint32_t Punishments(const MiniNet& net, std::uint32_t node) {
  std::uint32_t score = 0;
  for (const auto& [n, o] : net.observations()) {
    if (n == node && o.kind == Observation::Kind::kPeerPunished) score = o.score;
  }
  return score;
}

TEST(NodePeers, HandshakeComesBeforeRelay) {
  MiniNet net(2, RelayMode::kHeaders);
  net.Connect(0, 1);
  EXPECT_FALSE(net.node(0).IsEstablished(0));
  // version -> version + verack -> verack: the opener is ready after one round trip, the
  // other side half a round trip later.
  net.RunUntil(100 * kMillisecond);
  EXPECT_TRUE(net.node(0).IsEstablished(0));
  EXPECT_FALSE(net.node(1).IsEstablished(0));
  net.RunUntil(150 * kMillisecond);
  EXPECT_TRUE(net.node(1).IsEstablished(0));
  net.Settle();
  EXPECT_EQ(net.node(0).connected_peers(), 1u);
  EXPECT_EQ(Punishments(net, 0) + Punishments(net, 1), 0u);
}

TEST(NodePeers, ConnectingToItselfIsDetectedByTheNonce) {
  MiniNet net(1);
  net.Connect(0, 0);  // slot 0 outbound, slot 1 inbound, both ends on node 0
  net.Settle();
  EXPECT_FALSE(net.node(0).IsEstablished(0));
  EXPECT_FALSE(net.node(0).IsEstablished(1));
  EXPECT_NE(std::find(net.log().begin(), net.log().end(), "0>0:disconnect"), net.log().end());
}

TEST(NodePeers, MalformedBytesGetThePeerDisconnectedAndTheNodeKeepsWorking) {
  MiniNet net(3);
  net.Connect(0, 1);
  net.Connect(2, 1);
  net.Settle();
  net.Inject(1, bitcoin::MalformedMessage{0});  // node 1's slot 0 is node 0
  net.Settle();
  EXPECT_EQ(Punishments(net, 1), 100u);
  EXPECT_FALSE(net.node(1).IsEstablished(0));
  EXPECT_FALSE(net.node(0).IsEstablished(0));  // node 0 learnt of the disconnect
  net.Mine(2);
  net.Settle();
  EXPECT_EQ(net.node(1).tip(), net.node(2).tip());  // still relaying with node 2
  EXPECT_NE(net.node(0).tip(), net.node(2).tip());  // cut off
}

TEST(NodePeers, RepeatedUnconnectingHeadersAreMisbehaviour) {
  MiniNet net(2);
  net.Connect(0, 1);
  net.Settle();
  // Build a chain node 1 cannot connect to: blocks 2..3 of a chain whose block 1 it lacks.
  net.Mine(0);
  net.Mine(0);
  const auto tip = net.node(0).tip();
  bitcoin::Message headers;
  headers.type = bitcoin::MsgType::kHeaders;
  headers.SetBlocks() = {tip};  // its parent is unknown to node 1 until node 0's announcement
  // Node 1 has not heard of either block yet (nothing was settled since mining).
  for (int i = 0; i < 10; ++i) net.Inject(1, bitcoin::MessageReceived{0, &headers});
  EXPECT_EQ(Punishments(net, 1), 20u);
  EXPECT_TRUE(net.node(1).IsEstablished(0));  // 20 < 100: still connected
}

TEST(NodePeers, PingsMeasureRoundTripTime) {
  MiniNet net(2);
  net.config().ping_interval = 2 * kMinute;
  net.Connect(0, 1);
  net.RunUntil(2 * kMinute + kSecond);
  EXPECT_EQ(net.node(0).last_rtt(0), 100 * kMillisecond);
  EXPECT_EQ(net.node(1).last_rtt(0), 100 * kMillisecond);
}

}  // namespace
}  // namespace peerlab::testing

namespace peerlab::testing {
namespace {

TEST(NodePeers, BlockRelayOnlyConnectionsCarryBlocksButNoTransactions) {
  MiniNet net(2, bitcoin::RelayMode::kCompact, 50 * kMillisecond, /*tx_relay=*/true);
  net.ConnectBlockRelayOnly(0, 1);
  net.Settle();
  const auto t = net.SubmitTx(1, 250, 1000);
  net.Settle();
  EXPECT_FALSE(net.node(0).KnowsTx(t));  // never announced across
  net.Mine(1);
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip());  // the block still arrives
  EXPECT_TRUE(net.node(0).KnowsTx(t));              // via getblocktxn, as part of the block
  // A transaction inv on such a connection breaks the agreement: disconnect.
  bitcoin::Message inv;
  inv.type = bitcoin::MsgType::kInv;
  inv.SetTxs() = {t};
  net.Inject(0, bitcoin::MessageReceived{0, &inv});
  EXPECT_EQ(net.node(0).misbehavior(0), 100u);
  EXPECT_FALSE(net.node(0).IsEstablished(0));
}

}  // namespace
}  // namespace peerlab::testing
