// The bridge between the engine's messages and the wire codec, and wire-check mode on whole
// simulations: every message the engine charges must encode to exactly that many bytes and
// decode back to itself.
#include <gtest/gtest.h>

#include "mini_net.hpp"
#include "peerlab/bitcoin/byte_seam.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::bitcoin {
namespace {

TEST(SipHash, MatchesTheReferenceVectorFor32Bytes) {
  // SipHash-2-4 reference vectors (Aumasson & Bernstein): key 00..0f, message 00..1f.
  Hash256 message;
  for (int i = 0; i < 32; ++i) message.bytes[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(SipHash24(0x0706050403020100ULL, 0x0F0E0D0C0B0A0908ULL, message),
            0x7127512f72f27cceULL);
}

TEST(WireBridge, SyntheticTransactionsHaveTheirDeclaredSizeAndId) {
  TxStore txs;
  for (std::uint32_t size : {82u, 200u, 334u, 335u, 336u, 337u, 65'620u, 65'621u, 100'000u}) {
    const TxHandle h = txs.Add(size, 1000, 0, 0, 0, size);
    const wire::Transaction tx = TxToWire(h, txs);
    EXPECT_EQ(tx.SerializedSize(), size) << size;
    EXPECT_EQ(tx.Txid(), txs.Get(h).id) << size;
    EXPECT_EQ(txs.Find(txs.Get(h).id), h);
  }
}

TEST(WireBridge, BlocksSerializeToTheirRecordedSize) {
  testing::MiniNet net(1, RelayMode::kCompact, 50 * kMillisecond, /*tx_relay=*/true);
  net.SubmitTx(0, 250, 5000);
  net.SubmitTx(0, 400, 800);
  net.Mine(0);
  const BlockHandle h = net.node(0).tip();
  const wire::Block block = BlockToWire(h, net.store(), net.txs());
  std::vector<std::uint8_t> bytes;
  wire::Writer w(bytes);
  block.Serialize(w);
  EXPECT_EQ(bytes.size(), net.store().Get(h).size_bytes);
  ASSERT_EQ(block.txs.size(), 3u);
  EXPECT_EQ(block.txs[1].Txid(), net.txs().Get(net.store().Get(h).txs[0]).id);
  // The coinbase spends the null outpoint.
  EXPECT_EQ(block.txs[0].inputs[0].prevout.index, 0xffffffffu);
}

sim::SimConfig CheckedNetwork(RelayMode relay, bool transactions) {
  sim::SimConfig c;
  c.seed = 3;
  c.nodes = 60;
  c.regions = *sim::BuiltinRegionTable("bitcoin");
  c.node.relay = relay;
  c.node.block_size_bytes = 40'000;  // keeps the byte-level round trips quick
  c.block_interval = 60 * kSecond;
  c.groups = {sim::GroupSpec::Fixed("pools", 6, 1.0), sim::GroupSpec::Rest("others", 0.0)};
  c.stop.blocks = 12;
  c.wire_check = true;
  if (transactions) c.transactions.rate_per_s = 1.5;
  return c;
}

class WireCheckedRun : public ::testing::TestWithParam<std::tuple<RelayMode, bool>> {};

TEST_P(WireCheckedRun, EveryMessageRoundTripsThroughTheCodec) {
  const auto [relay, transactions] = GetParam();
  auto sim = sim::Simulation::Build(CheckedNetwork(relay, transactions));
  ASSERT_TRUE(sim.ok()) << sim.status().message();
  (*sim)->Run();
  EXPECT_TRUE((*sim)->wire_check_status().ok())
      << "seed=3 relay=" << static_cast<int>(relay) << " transactions=" << transactions << ": "
      << (*sim)->wire_check_status().message();
  EXPECT_EQ((*sim)->Report().blocks_mined, 12u);
  // Feelers open and close connections, so reused slots are checked for stale deliveries too.
  EXPECT_GT((*sim)->Report().feelers, 100u);
}

std::string RunName(const ::testing::TestParamInfo<std::tuple<RelayMode, bool>>& info) {
  const char* names[] = {"headers", "legacy", "compact"};
  return std::string(names[static_cast<int>(std::get<0>(info.param))]) +
         (std::get<1>(info.param) ? "_with_transactions" : "");
}

INSTANTIATE_TEST_SUITE_P(AllRelayModes, WireCheckedRun,
                         ::testing::Values(std::tuple{RelayMode::kLegacy, false},
                                           std::tuple{RelayMode::kHeaders, false},
                                           std::tuple{RelayMode::kCompact, false},
                                           std::tuple{RelayMode::kCompact, true},
                                           std::tuple{RelayMode::kHeaders, true}),
                         RunName);

}  // namespace
}  // namespace peerlab::bitcoin

namespace peerlab::bitcoin {
namespace {

TEST(WireCheck, CatchesAWrongChargedSize) {
  testing::MiniNet net(1, RelayMode::kHeaders);
  net.Mine(0);
  BlockStore& store = const_cast<BlockStore&>(net.store());
  TxStore txs;
  Message m;
  m.type = MsgType::kHeaders;
  m.SetBlocks() = {net.node(0).tip()};
  m.wire_bytes = WireSize(m, store, txs);
  EXPECT_TRUE(WireCheck(m, store, txs).ok());
  m.wire_bytes += 1;
  const Status s = WireCheck(m, store, txs);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "wire check: headers encodes to 106 bytes but the engine charged 107");
}

}  // namespace
}  // namespace peerlab::bitcoin

namespace peerlab::bitcoin {
namespace {

// Two nodes talking bytes through ByteSeams (the seam ns-3 and sockets use): what one node
// sends arrives at the other as the same messages; hostile bytes get the sender disconnected.
class BytePair {
 public:
  BytePair() : net_(2) {
    net_.Connect(0, 1);  // only to create the peers; the traffic below goes through bytes
    net_.Settle();
  }
  testing::MiniNet& net() { return net_; }

  // Feeds `bytes` to node 1 as if sent by node 0 (node 1's slot 0).
  bool FeedNode1(std::span<const std::uint8_t> bytes) {
    return seam_.Receive(bytes, [&](const Input& in) { net_.Inject(1, in); });
  }

 private:
  testing::MiniNet net_;
  ByteSeam seam_{wire::kMagicRegtest, 0, net_.store(), net_.txs()};
};

TEST(ByteSeam, FramedMessagesReachTheNodeInAnySplit) {
  BytePair pair;
  pair.net().Mine(0);  // node 1 does not hear of it through MiniNet: no Settle
  const BlockHandle tip = pair.net().node(0).tip();
  ByteSeam sender(wire::kMagicRegtest, 0, pair.net().store(), pair.net().txs());
  Message headers;
  headers.type = MsgType::kHeaders;
  headers.SetBlocks() = {tip};
  sender.Send(headers);
  const auto bytes = sender.BytesToSend();
  // One byte at a time: the decoder must reassemble the frame.
  for (std::size_t i = 0; i < bytes.size(); ++i) ASSERT_TRUE(pair.FeedNode1(bytes.subspan(i, 1)));
  pair.net().Settle();
  EXPECT_EQ(pair.net().node(1).tip(), tip);  // headers -> getdata -> block over MiniNet
}

TEST(ByteSeam, BadChecksumGetsThePeerDisconnectedAndTheNodeKeepsWorking) {
  BytePair pair;
  ByteSeam sender(wire::kMagicRegtest, 0, pair.net().store(), pair.net().txs());
  Message ping;
  ping.type = MsgType::kPing;
  ping.value = 7;
  sender.Send(ping);
  std::vector<std::uint8_t> bytes(sender.BytesToSend().begin(), sender.BytesToSend().end());
  bytes[20] ^= 0xff;  // checksum
  EXPECT_TRUE(pair.FeedNode1(bytes));  // the stream itself is still framed correctly
  EXPECT_FALSE(pair.net().node(1).IsEstablished(0));
  EXPECT_EQ(pair.net().node(1).misbehavior(0), 100u);
  // Node 1 still mines and works on.
  pair.net().Mine(1);
  EXPECT_EQ(pair.net().store().Get(pair.net().node(1).tip()).height, 1u);
}

TEST(ByteSeam, OversizeLengthEndsTheStream) {
  BytePair pair;
  std::vector<std::uint8_t> header(24, 0);
  std::copy(wire::kMagicRegtest.begin(), wire::kMagicRegtest.end(), header.begin());
  const char command[] = "block";
  std::copy(command, command + 5, header.begin() + 4);
  const std::uint32_t huge = 4'000'001;
  for (int i = 0; i < 4; ++i) header[16 + i] = static_cast<std::uint8_t>(huge >> (8 * i));
  EXPECT_FALSE(pair.FeedNode1(header));
  EXPECT_FALSE(pair.net().node(1).IsEstablished(0));
  EXPECT_FALSE(pair.FeedNode1(header));  // stays closed, and scores only once
  EXPECT_EQ(pair.net().node(1).misbehavior(0), 100u);
}

TEST(ByteSeam, UnknownBlockIdsAreMalformedForTheSimulation) {
  BytePair pair;
  wire::Inv inv;
  Hash256 nowhere;
  nowhere.bytes[0] = 1;
  inv.items.push_back({wire::kMsgBlock, nowhere});
  std::vector<std::uint8_t> bytes;
  wire::EncodeFrame(wire::kMagicRegtest, wire::Message{inv}, bytes);
  EXPECT_TRUE(pair.FeedNode1(bytes));
  EXPECT_FALSE(pair.net().node(1).IsEstablished(0));
}

}  // namespace
}  // namespace peerlab::bitcoin
