// Open mode end to end in one process: two nodes with their own BlockStores on
// litecoin-regtest (and bitcoin-regtest), connected only through ByteSeams (one node's output bytes are the other's
// input). Node A mines real blocks; node B learns headers and blocks from bytes alone.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>

#include "peerlab/bitcoin/byte_seam.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"
#include "peerlab/bitcoin/node.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"

namespace peerlab::bitcoin {
namespace {

constexpr std::uint32_t kClock = 1'700'000'000;  // the daemon's wall clock, Unix seconds

// One daemon: its own store, node and the seam of its single connection (peer 0).
struct Daemon {
  Daemon(std::uint32_t index, const NodeConfig& config,
         const ChainParams& chain = LitecoinRegtestChain())
      : store(chain),
        outbox(pool),
        node(index, config, store, txs, 7, 0x0A000001u + index),
        seam(ByteSeam::Open(0, store, txs)) {}

  BlockStore store;
  TxStore txs;
  MessagePool pool;
  Outbox outbox;
  Node node;
  ByteSeam seam;
  std::multimap<TimeNs, Timer> timers;
  int malformed = 0;
  int disconnects = 0;
  std::vector<std::string> sent;  // commands, in order

  void Handle(TimeNs now, const Input& in) {
    if (std::holds_alternative<MalformedMessage>(in)) ++malformed;
    outbox.Clear();
    node.Handle(now, in, outbox);
    for (const auto& s : outbox.sends) {
      sent.emplace_back(CommandName(pool.Get(s.message).type));
      seam.Send(pool.Get(s.message));
      pool.Release(s.message);
    }
    for (const auto& t : outbox.timers) timers.emplace(t.at, t.timer);
    disconnects += static_cast<int>(outbox.disconnects.size());
  }
  // Feeds `bytes` to this daemon's seam as if read from its socket.
  void Receive(TimeNs now, std::span<const std::uint8_t> bytes) {
    seam.Receive(bytes, [&](const Input& in) { Handle(now, in); });
  }
};

class OpenSeam : public ::testing::TestWithParam<const ChainParams*> {
 protected:
  OpenSeam() {
    config_.addr_gossip = AddrGossip::kOff;
    config_.feeler_interval = 0;
    config_.validation_fixed = kMillisecond;
    a_ = std::make_unique<Daemon>(0, config_, *GetParam());
    b_ = std::make_unique<Daemon>(1, config_, *GetParam());
  }

  void Connect() {
    b_->Handle(now_, PeerConnected{0, false, false, 0x0A000001u});  // B dials A
    a_->Handle(now_, PeerConnected{0, true, false, 0x0A000002u});
    Settle();
  }

  // Moves bytes both ways and fires timers until nothing is left to do.
  void Settle() {
    for (int round = 0; round < 100000; ++round) {
      bool moved = false;
      for (auto [from, to] : {std::pair{a_.get(), b_.get()}, std::pair{b_.get(), a_.get()}}) {
        const auto bytes = from->seam.BytesToSend();
        if (bytes.empty()) continue;
        const std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
        from->seam.MarkBytesSent(copy.size());
        to->Receive(now_, copy);
        moved = true;
      }
      if (moved) continue;
      Daemon* next = nullptr;
      for (Daemon* d : {a_.get(), b_.get()}) {
        if (!d->timers.empty() && (next == nullptr || d->timers.begin()->first < next->timers.begin()->first)) {
          next = d;
        }
      }
      if (next == nullptr) return;
      const auto [at, timer] = *next->timers.begin();
      next->timers.erase(next->timers.begin());
      now_ = std::max(now_, at);
      next->Handle(now_, TimerFired{timer});
    }
    FAIL() << "did not settle";
  }

  void MineOnA(std::uint32_t clock) {
    a_->Handle(now_, BlockFound{clock});
    Settle();
  }

  std::vector<std::uint8_t> Frame(const wire::Message& m) {
    std::vector<std::uint8_t> out;
    wire::EncodeFrame(GetParam()->magic, m, out);
    return out;
  }

  NodeConfig config_;
  std::unique_ptr<Daemon> a_, b_;
  TimeNs now_ = 0;
};

TEST_P(OpenSeam, NodeSyncsTwentyRealBlocksFromBytesAlone) {
  // Ten blocks before B connects (B syncs them with getheaders), ten after (announced).
  for (std::uint32_t i = 0; i < 10; ++i) MineOnA(kClock);  // one clock second: MTP decides
  Connect();
  for (std::uint32_t i = 10; i < 20; ++i) MineOnA(kClock + 60 * i);
  const BlockRecord& tip_a = a_->store.Get(a_->node.tip());
  ASSERT_EQ(tip_a.height, 20u);
  EXPECT_GE(a_->node.pow_tries(), 20u);
  ASSERT_EQ(b_->store.Get(b_->node.tip()).id, tip_a.id);
  EXPECT_EQ(b_->store.Get(b_->node.tip()).chain_work, tip_a.chain_work);
  // Every block of the chain: same bytes in both stores, and valid on the chain.
  for (BlockHandle h = a_->node.tip(); h != kGenesis; h = a_->store.Get(h).parent) {
    const auto in_b = b_->store.Find(a_->store.Get(h).id);
    ASSERT_TRUE(in_b.has_value());
    ASSERT_NE(b_->store.BlockData(*in_b), nullptr);
    EXPECT_EQ(*b_->store.BlockData(*in_b), *a_->store.BlockData(h));
    EXPECT_TRUE(CheckProofOfWork(a_->store.Get(h).header, *GetParam()));
    EXPECT_GT(a_->store.Get(h).header.time, a_->store.MedianTimePast(a_->store.Get(h).parent));
  }
  EXPECT_EQ(a_->malformed + b_->malformed, 0);
  EXPECT_EQ(a_->disconnects + b_->disconnects, 0);
  // B fetched its blocks with MSG_WITNESS_BLOCK (the chain has segwit).
  EXPECT_NE(std::find(b_->sent.begin(), b_->sent.end(), "getdata"), b_->sent.end());
}

TEST_P(OpenSeam, UnknownInvAndUnconnectingHeadersAskForHeaders) {
  Connect();
  b_->sent.clear();
  // A block B has never heard of, announced by inv: normal, answered with getheaders.
  Hash256 unknown;
  unknown.bytes[5] = 9;
  b_->Receive(now_, Frame(wire::Inv{{{wire::kMsgBlock, unknown}}}));
  // A header whose parent B does not know: unconnecting, answered with getheaders too.
  RealBlockRequest r;
  r.parent = unknown;
  r.height = 5;
  r.time = kClock;
  auto orphan = MineRealBlock(*GetParam(), r);
  ASSERT_TRUE(orphan.ok());
  b_->Receive(now_, Frame(wire::Headers{{orphan->block.header}}));
  EXPECT_EQ(b_->sent, (std::vector<std::string>{"getheaders", "getheaders"}));
  EXPECT_EQ(b_->malformed, 0);
  EXPECT_EQ(b_->store.size(), 1u);
  // Messages the node does not model (feefilter, a transaction) are dropped quietly.
  b_->Receive(now_, Frame(wire::FeeFilter{1000}));
  EXPECT_EQ(b_->malformed, 0);
}

Result<RealBlock> BlockOne(const ChainParams& chain) {
  RealBlockRequest r;
  r.parent = chain.genesis_id();
  r.height = 1;
  r.time = kClock;
  return MineRealBlock(chain, r);
}

TEST_P(OpenSeam, BadProofOfWorkIsMalformed) {
  Connect();
  auto good = BlockOne(*GetParam());
  ASSERT_TRUE(good.ok());
  BlockHeader bad = good->block.header;
  do {
    ++bad.nonce;
  } while (CheckProofOfWork(bad, *GetParam()));
  b_->Receive(now_, Frame(wire::Headers{{bad}}));
  EXPECT_EQ(b_->malformed, 1);
  EXPECT_EQ(b_->disconnects, 1);  // Core: high-hash scores 100
  EXPECT_EQ(b_->store.size(), 1u);
}

TEST_P(OpenSeam, MerkleMismatchIsMalformedAndKeepsNoData) {
  Connect();
  auto good = BlockOne(*GetParam());
  ASSERT_TRUE(good.ok());
  wire::Block bad = good->block;
  bad.txs[0].outputs[0].value = 1;  // header unchanged: its merkle root no longer fits
  b_->Receive(now_, Frame(wire::BlockMsg{bad}));
  EXPECT_EQ(b_->malformed, 1);
  EXPECT_EQ(b_->disconnects, 1);
  const auto h = b_->store.Find(good->block.Id());
  ASSERT_TRUE(h.has_value());  // the header itself was valid and is kept, the bytes are not
  EXPECT_EQ(b_->store.BlockData(*h), nullptr);

  // The genuine block is accepted afterwards (from any peer).
  Message m;
  auto r = FromWireOpen(wire::BlockMsg{good->block}, b_->store, b_->txs, m);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(*r);
  EXPECT_EQ(m.type, MsgType::kBlock);
  EXPECT_EQ(m.block, *h);
  ASSERT_NE(b_->store.BlockData(*h), nullptr);
  EXPECT_EQ(*b_->store.BlockData(*h), good->bytes);
}

INSTANTIATE_TEST_SUITE_P(Chains, OpenSeam,
                         ::testing::Values(&LitecoinRegtestChain(), &BitcoinRegtestChain()),
                         [](const auto& info) {
                           return info.param->pow == PowKind::kScrypt ? "Litecoin" : "Bitcoin";
                         });

}  // namespace
}  // namespace peerlab::bitcoin

namespace peerlab::bitcoin {
namespace {

// A driver on real sockets gives version messages its clock and the peer's address (the node
// has neither); without that they stay zero, as the simulation's bytes always were.
TEST(OpenWire, VersionCarriesTheDriversClockAndPeerAddress) {
  BlockStore open(LitecoinRegtestChain());
  TxStore txs;
  ByteSeam seam = ByteSeam::Open(0, open, txs);
  Message version;
  version.type = MsgType::kVersion;
  version.value = 42;
  seam.Send(version);
  wire::NetAddr to;
  to.ip[10] = to.ip[11] = 0xff;
  to.ip[12] = 127;
  to.ip[15] = 1;
  to.port = 19444;
  seam.SetVersionContext(1'700'000'000, to);
  seam.Send(version);
  wire::FrameDecoder decoder(LitecoinRegtestChain().magic);
  std::span<const std::uint8_t> bytes = seam.BytesToSend();
  std::vector<wire::Version> sent;
  while (decoder.ReceivedBytes(bytes) && decoder.FrameComplete()) {
    wire::Message m;
    ASSERT_TRUE(wire::DecodeInto(decoder.frame().command, decoder.frame().payload, m).ok());
    ASSERT_TRUE(std::holds_alternative<wire::Version>(m));
    sent.push_back(std::get<wire::Version>(m));
    decoder.NextFrame();
  }
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].timestamp, 0);
  EXPECT_EQ(sent[0].addr_recv, wire::NetAddr{});
  EXPECT_EQ(sent[1].timestamp, 1'700'000'000);
  EXPECT_EQ(sent[1].addr_recv, to);
  EXPECT_EQ(sent[1].nonce, 42u);
}

TEST(OpenWire, GetDataAsksForWitnessBlocksAndBlocksGoOutAsStored) {
  BlockStore open(LitecoinRegtestChain());
  TxStore txs;
  RealBlockRequest r;
  r.parent = LitecoinRegtestChain().genesis_id();
  r.height = 1;
  r.time = kClock;
  auto mined = MineRealBlock(LitecoinRegtestChain(), r);
  ASSERT_TRUE(mined.ok());
  auto h = open.AddHeader(mined->block.header, LitecoinRegtestChain());
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(open.SetBlockData(*h, mined->bytes).ok());

  Message get;
  get.type = MsgType::kGetData;
  get.SetBlocks().push_back(*h);
  const auto w = ToWire(get, open, txs);
  ASSERT_TRUE(std::holds_alternative<wire::GetData>(w));
  EXPECT_EQ(std::get<wire::GetData>(w).items.at(0).type, wire::kMsgWitnessBlock);

  Message block;
  block.type = MsgType::kBlock;
  block.block = *h;
  EXPECT_EQ(wire::Encode(ToWire(block, open, txs)), mined->bytes);
  EXPECT_EQ(WireSize(block, open, txs), kFrameHeaderBytes + mined->bytes.size());

  // The simulation's store (not open) keeps asking with MSG_BLOCK.
  BlockStore sim(PeerlabSimChain().genesis, 285);
  Message sim_get;
  sim_get.type = MsgType::kGetData;
  sim_get.SetBlocks().push_back(kGenesis);
  EXPECT_EQ(std::get<wire::GetData>(ToWire(sim_get, sim, txs)).items.at(0).type, wire::kMsgBlock);
}

}  // namespace
}  // namespace peerlab::bitcoin

#include "fuzz/wire_mutator.hpp"
#include "peerlab/bitcoin/block_check.hpp"

namespace peerlab::bitcoin {
namespace {

// Hostile input in open mode: random messages of every type, and real headers, blocks and
// inventories of a 20-block chain with random damage. FromWireOpen must never crash, whatever
// it stores must be valid, and whatever it hands the node must render back to the wire.
TEST(OpenWire, HostileMessagesNeverCrashAndStoreOnlyValidBlocks) {
  const ChainParams& c = LitecoinRegtestChain();
  BlockStore source(c);
  std::vector<wire::Block> chain;
  for (std::uint32_t i = 1; i <= 20; ++i) {
    RealBlockRequest r;
    r.parent = chain.empty() ? c.genesis_id() : chain.back().Id();
    r.height = i;
    r.time = kClock + i;
    auto b = MineRealBlock(c, r);
    ASSERT_TRUE(b.ok());
    chain.push_back(b->block);
  }
  BlockStore store(c);
  TxStore txs;
  Rng rng(77);
  wire_fuzz::Generator g(rng);
  int delivered = 0, rejected = 0, dropped = 0;
  for (int round = 0; round < 4000; ++round) {
    wire::Message m;
    const std::size_t pick = g.Below(8);
    const wire::Block& real = chain[g.Below(chain.size())];
    if (pick == 0) {
      m = g.Message(g.Below(wire_fuzz::Generator::kTypes));
    } else if (pick <= 3) {
      wire::Headers h;
      const std::size_t from = g.Below(chain.size());
      for (std::size_t i = from; i < chain.size() && h.headers.size() < 1 + g.Below(6); ++i) {
        h.headers.push_back(chain[i].header);
      }
      if (g.Chance(3)) h.headers[g.Below(h.headers.size())].nonce ^= 1u << g.Below(32);
      if (g.Chance(4)) h.headers[g.Below(h.headers.size())].time = static_cast<std::uint32_t>(g.Below(2'000'000'000));
      m = h;
    } else if (pick <= 5) {
      wire::Block b = real;
      if (g.Chance(3)) b.txs[0].outputs[0].value ^= 1;
      if (g.Chance(4)) b.txs.push_back(b.txs[0]);
      if (g.Chance(5)) b.txs[0].inputs[0].witness = {std::vector<std::uint8_t>(32, 0)};
      m = wire::BlockMsg{b};
    } else if (pick == 6) {
      wire::Inv inv;
      inv.items.push_back({wire::kMsgWitnessBlock, real.Id()});
      inv.items.push_back({wire::kMsgTx, g.Hash()});
      inv.items.push_back({wire::kMsgBlock, g.Hash()});
      m = inv;
    } else {
      wire::GetHeaders gh;
      gh.locator = {g.Hash(), real.Id(), c.genesis_id()};
      gh.hash_stop = g.Chance(2) ? g.Hash() : real.Id();
      m = gh;
    }
    Message out;
    auto r = FromWireOpen(m, store, txs, out);
    if (!r.ok()) {
      ++rejected;
      continue;
    }
    if (!*r) {
      ++dropped;
      continue;
    }
    ++delivered;
    if (out.type != MsgType::kVersion && out.type != MsgType::kAddr) {
      (void)wire::Encode(ToWire(out, store, txs));
    }
  }
  EXPECT_GT(delivered, 500);
  EXPECT_GT(rejected, 500);
  EXPECT_GT(dropped, 10);
  // Everything stored is valid: damaged headers get in only when they are valid headers in
  // their own right (a regtest proof of work is cheap: a changed time or nonce passes half the
  // time), damaged blocks never; a real block's bytes are exactly the real ones.
  EXPECT_GT(store.size(), 10u);
  std::size_t with_data = 0;
  for (BlockHandle h = 1; h < store.size(); ++h) {
    const BlockRecord& rec = store.Get(h);
    ASSERT_TRUE(CheckProofOfWork(rec.header, c));
    EXPECT_EQ(rec.header.prev, store.Get(rec.parent).id);
    EXPECT_GT(rec.header.time, store.MedianTimePast(rec.parent));
    const auto* data = store.BlockData(h);
    if (data == nullptr) continue;
    ++with_data;
    wire::Reader reader(*data);
    wire::Block parsed;
    ASSERT_TRUE(parsed.Deserialize(reader));
    EXPECT_TRUE(CheckBlockBody(parsed, true).ok());
    const wire::Block& real = chain[rec.height - 1];
    ASSERT_EQ(rec.id, real.Id());  // only real blocks have a body that matches a header
    std::vector<std::uint8_t> bytes;
    wire::Writer w(bytes);
    real.Serialize(w);
    EXPECT_EQ(*data, bytes);
  }
  EXPECT_GT(with_data, 5u);
}

}  // namespace
}  // namespace peerlab::bitcoin
