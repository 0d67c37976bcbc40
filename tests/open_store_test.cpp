// The open-mode BlockStore (a daemon's own store) and real mining: headers from the network
// are checked before they are stored, block bytes against their header.
#include <gtest/gtest.h>

#include <vector>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"

namespace peerlab::bitcoin {
namespace {

constexpr std::uint32_t kTime = 1'700'000'000;

RealBlock Mine(const BlockStore& store, BlockHandle parent, std::uint32_t time,
               std::uint32_t extra = 0) {
  RealBlockRequest r;
  r.parent = store.Get(parent).id;
  r.height = store.Get(parent).height + 1;
  r.time = time;
  r.extra_nonce = extra;
  auto mined = MineRealBlock(*store.chain(), r);
  EXPECT_TRUE(mined.ok());
  return std::move(mined).value();
}

TEST(OpenStore, StartsWithTheChainsGenesisAndItsBytes) {
  BlockStore store(LitecoinRegtestChain());
  EXPECT_EQ(store.Get(kGenesis).id, LitecoinRegtestChain().genesis_id());
  ASSERT_NE(store.BlockData(kGenesis), nullptr);
  EXPECT_EQ(*store.BlockData(kGenesis), LitecoinRegtestChain().genesis_block);
  EXPECT_EQ(store.chain(), &LitecoinRegtestChain());
}

TEST(OpenStore, AddHeaderComputesHeightAndWorkAndDeduplicates) {
  BlockStore store(LitecoinRegtestChain());
  const RealBlock b = Mine(store, kGenesis, kTime);
  auto h = store.AddHeader(b.block.header, LitecoinRegtestChain());
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(store.Get(*h).height, 1u);
  EXPECT_EQ(store.Get(*h).chain_work, 4u);  // 2 per block at 0x207fffff, as litecoind says
  EXPECT_EQ(store.Get(*h).size_bytes, 0u);  // no data yet
  EXPECT_EQ(store.BlockData(*h), nullptr);
  auto again = store.AddHeader(b.block.header, LitecoinRegtestChain());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *h);
  EXPECT_EQ(store.size(), 2u);
}

TEST(OpenStore, AddHeaderRejectsUnknownParentBadPowBitsAndTime) {
  const ChainParams& c = LitecoinRegtestChain();
  BlockStore store(c);
  BlockHeader h = Mine(store, kGenesis, kTime).block.header;

  BlockHeader orphan = h;
  orphan.prev.bytes[0] ^= 1;
  auto r = store.AddHeader(orphan, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown parent"), std::string::npos);

  BlockHeader bad_pow = h;
  do {
    ++bad_pow.nonce;
  } while (CheckProofOfWork(bad_pow, c));
  r = store.AddHeader(bad_pow, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("high-hash"), std::string::npos);

  BlockHeader bits = h;
  bits.bits = 0x207ffffe;
  r = store.AddHeader(bits, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bad-diffbits"), std::string::npos);

  // Genesis's time is its median time past: a child must be later.
  const RealBlock early = Mine(store, kGenesis, c.genesis.time);
  r = store.AddHeader(early.block.header, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("time-too-old"), std::string::npos);
  EXPECT_EQ(store.size(), 1u);  // nothing was added
}

TEST(OpenStore, RejectsHeadersWhoseWorkDoesNotFit) {
  // A chain with a target below 2^192: one block's work exceeds 2^64, which the store's
  // 64-bit chain work cannot hold. The header is refused before any hashing.
  ChainParams hard = BitcoinRegtestChain();
  hard.bits = 0x177fffff;
  BlockStore store(BitcoinRegtestChain());
  BlockHeader h;
  h.prev = store.Get(kGenesis).id;
  h.time = kTime;
  h.bits = hard.bits;
  auto r = store.AddHeader(h, hard);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("does not fit in 64 bits"), std::string::npos);
}

TEST(OpenStore, SetBlockDataChecksTheMerkleRoot) {
  const ChainParams& c = LitecoinRegtestChain();
  BlockStore store(c);
  const RealBlock b = Mine(store, kGenesis, kTime);
  auto h = store.AddHeader(b.block.header, c);
  ASSERT_TRUE(h.ok());

  // Same header, another coinbase: the merkle root does not match.
  wire::Block other = b.block;
  other.txs[0].outputs[0].value -= 1;
  std::vector<std::uint8_t> bytes;
  wire::Writer w(bytes);
  other.Serialize(w);
  Status s = store.SetBlockData(*h, bytes);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad-txnmrklroot"), std::string::npos);
  EXPECT_EQ(store.BlockData(*h), nullptr);

  // Bytes of another block entirely.
  s = store.SetBlockData(*h, c.genesis_block);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("another header"), std::string::npos);
  // Garbage.
  EXPECT_FALSE(store.SetBlockData(*h, {1, 2, 3}).ok());

  ASSERT_TRUE(store.SetBlockData(*h, b.bytes).ok());
  ASSERT_NE(store.BlockData(*h), nullptr);
  EXPECT_EQ(*store.BlockData(*h), b.bytes);
  EXPECT_EQ(store.Get(*h).size_bytes, b.bytes.size());
  EXPECT_EQ(store.Get(*h).tx_count, 1u);
}

TEST(Mining, HeightPushIsCoresScriptNumber) {
  using V = std::vector<std::uint8_t>;
  EXPECT_EQ(HeightPush(0), V{0x00});
  EXPECT_EQ(HeightPush(1), V{0x51});
  EXPECT_EQ(HeightPush(16), V{0x60});
  EXPECT_EQ(HeightPush(17), (V{0x01, 0x11}));
  EXPECT_EQ(HeightPush(127), (V{0x01, 0x7f}));
  EXPECT_EQ(HeightPush(128), (V{0x02, 0x80, 0x00}));  // sign bit kept clear
  EXPECT_EQ(HeightPush(500), (V{0x02, 0xf4, 0x01}));
  EXPECT_EQ(HeightPush(70000), (V{0x03, 0x70, 0x11, 0x01}));
}

// Issue 24, defect 9: regtest proof of work is free, so headers without their blocks are
// capped; a header that comes with its block (ours, or a peer's `block`) is not.
TEST(OpenStore, BlocklessHeadersAreCappedButBlocksStillTaken) {
  const ChainParams& c = BitcoinRegtestChain();
  BlockStore store(c);
  store.set_max_blockless_headers(3);
  BlockHandle tip = kGenesis;
  std::vector<RealBlock> mined;
  for (std::uint32_t i = 0; i < 3; ++i) {
    mined.push_back(Mine(store, tip, kTime + i));
    auto h = store.AddHeader(mined.back().block.header, c);
    ASSERT_TRUE(h.ok()) << h.status().message();
    tip = *h;
  }
  EXPECT_EQ(store.blockless_headers(), 3u);
  const RealBlock next = Mine(store, tip, kTime + 3);
  auto refused = store.AddHeader(next.block.header, c);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("(header limit)"), std::string::npos);
  EXPECT_EQ(store.size(), 4u);
  EXPECT_EQ(store.headers_refused(), 1u);
  // With its block: taken, and it does not count once its bytes are stored.
  auto with_block = store.AddHeader(next.block.header, c, UINT32_MAX, 0, /*with_block=*/true);
  ASSERT_TRUE(with_block.ok());
  ASSERT_TRUE(store.SetBlockData(*with_block, next.bytes).ok());
  EXPECT_EQ(store.blockless_headers(), 3u);
  // A block's bytes free a place for one more header.
  ASSERT_TRUE(store.SetBlockData(1, mined[0].bytes).ok());
  EXPECT_EQ(store.blockless_headers(), 2u);
  EXPECT_TRUE(store.AddHeader(Mine(store, *with_block, kTime + 4).block.header, c).ok());
  EXPECT_EQ(store.blockless_headers(), 3u);
}

TEST(Mining, RealBlockPassesChecksAndPaysTheSubsidy) {
  for (const ChainParams* c : {&LitecoinRegtestChain(), &BitcoinRegtestChain()}) {
    BlockStore store(*c);
    BlockHandle tip = kGenesis;
    std::uint64_t tries = 0;
    for (std::uint32_t i = 0; i < 8; ++i) {
      RealBlock b = Mine(store, tip, kTime + i, i);
      tries += b.tries;
      EXPECT_TRUE(CheckProofOfWork(b.block.header, *c));
      EXPECT_TRUE(CheckBlockBody(b.block, c->segwit).ok());
      const auto& cb = b.block.txs[0];
      const std::vector<std::uint8_t> height = HeightPush(i + 1);
      EXPECT_TRUE(std::equal(height.begin(), height.end(), cb.inputs[0].script_sig.begin()));
      EXPECT_EQ(cb.outputs[0].value, 5'000'000'000);
      EXPECT_EQ(cb.outputs[0].script_pubkey, std::vector<std::uint8_t>{kOpTrue});
      auto h = store.AddHeader(b.block.header, *c);
      ASSERT_TRUE(h.ok()) << h.status().message();
      ASSERT_TRUE(store.SetBlockData(*h, b.bytes).ok());
      tip = *h;
    }
    EXPECT_GE(tries, 8u);  // about 2 per block on average at regtest's target
    EXPECT_LT(tries, 200u);
  }
}

TEST(Mining, SubsidyHalvesAtHeight150) {
  const ChainParams& c = BitcoinRegtestChain();
  RealBlockRequest r;
  r.height = 150;
  r.time = kTime;
  const std::uint8_t script[] = {0x6a};
  r.output_script = script;
  auto b = MineRealBlock(c, r);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->block.txs[0].outputs[0].value, 2'500'000'000);
  EXPECT_EQ(b->block.txs[0].outputs[0].script_pubkey, std::vector<std::uint8_t>{0x6a});
}

}  // namespace
}  // namespace peerlab::bitcoin
