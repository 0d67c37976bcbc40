// BlockStore: real header ids, work from compact targets, ancestors and common ancestors.
#include <gtest/gtest.h>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::bitcoin {
namespace {

BlockHeader Genesis() {
  BlockHeader h;
  h.version = 1;
  // Bitcoin's genesis merkle root (display order 4a5e1e4b...a33b), stored reversed.
  const char* hex = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
  for (int i = 0; i < 32; ++i) {
    h.merkle_root.bytes[31 - i] = static_cast<std::uint8_t>(std::stoi(std::string(hex + 2 * i, 2), nullptr, 16));
  }
  h.time = 1296688602;
  h.bits = 0x207fffff;
  h.nonce = 2;
  return h;
}

TEST(BlockHeader, RegtestGenesisHasItsRealId) {
  // Bitcoin Core chainparams.cpp, CRegTestParams: consensus.hashGenesisBlock.
  EXPECT_EQ(Genesis().Id().ToHex(),
            "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
  BlockHeader mainnet = Genesis();
  mainnet.time = 1231006505;
  mainnet.bits = 0x1d00ffff;
  mainnet.nonce = 2083236893;
  EXPECT_EQ(mainnet.Id().ToHex(),
            "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
}

TEST(BlockHeader, WorkFromCompactBitsMatchesBitcoin) {
  EXPECT_EQ(WorkFromCompactBits(0x207fffff), 2u);            // regtest
  EXPECT_EQ(WorkFromCompactBits(0x1d00ffff), 4295032833u);   // mainnet genesis, 0x100010001
  EXPECT_FALSE(WorkFromCompactBits(0x17034219).has_value()); // 2020s mainnet: beyond 64 bits
  EXPECT_FALSE(WorkFromCompactBits(0x20800000).has_value()); // negative
  EXPECT_FALSE(WorkFromCompactBits(0).has_value());
}

class ChainTest : public ::testing::Test {
 protected:
  ChainTest() : store(Genesis(), 285) {}
  BlockHandle Extend(BlockHandle parent, std::uint32_t nonce) {
    BlockHeader h;
    h.prev = store.Get(parent).id;
    h.bits = 0x207fffff;
    h.nonce = nonce;
    return store.Add(parent, h, 1000, 1, 0, 0);
  }
  BlockStore store;
};

TEST_F(ChainTest, AncestorsOnALongChainUseSkipPointers) {
  std::vector<BlockHandle> chain = {kGenesis};
  for (std::uint32_t i = 1; i <= 5000; ++i) chain.push_back(Extend(chain.back(), i));
  const BlockHandle tip = chain.back();
  EXPECT_EQ(store.Get(tip).height, 5000u);
  EXPECT_EQ(store.Get(tip).chain_work, 5001u * 2);
  for (std::uint32_t h : {0u, 1u, 2u, 255u, 256u, 4095u, 4999u, 5000u}) {
    EXPECT_EQ(store.Ancestor(tip, h), chain[h]) << h;
  }
  EXPECT_EQ(store.Ancestor(chain[10], 11), kNoBlock);
  EXPECT_EQ(store.Find(store.Get(chain[1234]).id), chain[1234]);
}

TEST_F(ChainTest, LastCommonAncestorOfForks) {
  BlockHandle a = kGenesis;
  for (std::uint32_t i = 1; i <= 10; ++i) a = Extend(a, i);
  const BlockHandle fork = store.Ancestor(a, 6);
  BlockHandle b = fork;
  for (std::uint32_t i = 100; i < 107; ++i) b = Extend(b, i);
  EXPECT_EQ(store.LastCommonAncestor(a, b), fork);
  EXPECT_EQ(store.LastCommonAncestor(b, a), fork);
  EXPECT_EQ(store.LastCommonAncestor(a, fork), fork);
  EXPECT_TRUE(store.IsAncestor(fork, b));
  EXPECT_FALSE(store.IsAncestor(a, b));
  EXPECT_GT(store.Get(b).chain_work, store.Get(a).chain_work);  // 13 vs 10 blocks
}

}  // namespace
}  // namespace peerlab::bitcoin
