// Chain parameters, proof of work (double-SHA256 and scrypt) and context-free block checks,
// against facts measured on the real chains (litecoind 0.21 regtest, Bitcoin Core regtest).
#include <gtest/gtest.h>

#include <string>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::bitcoin {
namespace {

std::vector<std::uint8_t> Unhex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

// Block 4 of a litecoind 0.21 regtest chain (generatetoaddress to a bech32 address): nonces
// 0..2 fail scrypt, 3 passes; its coinbase carries a BIP141 witness commitment.
const std::string kLitecoindBlock4 =
    "00000020a64903f88e883665cc5aa4b9c605f6741b7cb441b78c7c60a9dd79dff1d61c476839c4267dfda36b"
    "490ae7a92f522e19052a09e84c51198b5e1c777b4bda96ad808b076bffff7f20030000000102000000000101"
    "0000000000000000000000000000000000000000000000000000000000000000ffffffff03540101ffffffff"
    "0200f2052a0100000016001433c1d85fa2455069c46e3f358d897ef37c2268bf0000000000000000266a24aa"
    "21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9012000000000000000"
    "0000000000000000000000000000000000000000000000000000000000";

wire::Block ParseBlock(const std::vector<std::uint8_t>& bytes) {
  wire::Reader r(bytes);
  wire::Block b;
  EXPECT_TRUE(b.Deserialize(r) && r.ExpectEnd()) << r.status().message();
  return b;
}

TEST(ChainParams, GenesisIdsAreTheRealOnes) {
  EXPECT_EQ(LitecoinRegtestChain().genesis_id().ToHex(),
            "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9");
  EXPECT_EQ(BitcoinRegtestChain().genesis_id().ToHex(),
            "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
  // The simulation's genesis is Bitcoin regtest's, 285 bytes, as it always was.
  EXPECT_EQ(PeerlabSimChain().genesis_id(), BitcoinRegtestChain().genesis_id());
  EXPECT_EQ(PeerlabSimChain().genesis_block.size(), 285u);
  for (const ChainParams* c : AllChains()) {
    const wire::Block g = ParseBlock(c->genesis_block);
    EXPECT_TRUE(wire::SameHeader(g.header, c->genesis)) << c->name;
    EXPECT_TRUE(CheckBlockBody(g, c->segwit).ok()) << c->name;
    EXPECT_TRUE(CheckProofOfWork(c->genesis, *c)) << c->name;
  }
}

TEST(ChainParams, NetworkFacts) {
  const ChainParams& ltc = LitecoinRegtestChain();
  EXPECT_EQ(ltc.magic, (wire::Magic{0xfa, 0xbf, 0xb5, 0xda}));
  EXPECT_EQ(ltc.default_port, 19444);
  EXPECT_EQ(ltc.protocol_version, 70016);
  EXPECT_EQ(ltc.pow, PowKind::kScrypt);
  EXPECT_EQ(BitcoinRegtestChain().default_port, 18444);
  EXPECT_EQ(BitcoinRegtestChain().pow, PowKind::kSha256d);
}

TEST(ChainParams, FindByNameListsTheValidNames) {
  auto found = FindChainParams("litecoin-regtest");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, &LitecoinRegtestChain());
  auto missing = FindChainParams("dogecoin");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "unknown chain 'dogecoin' (valid: peerlab-sim, litecoin-regtest, bitcoin-regtest)");
}

TEST(ChainParams, SubsidyHalvesEvery150BlocksOnRegtest) {
  const ChainParams& c = LitecoinRegtestChain();
  EXPECT_EQ(BlockSubsidy(c, 1), 5'000'000'000u);
  EXPECT_EQ(BlockSubsidy(c, 149), 5'000'000'000u);
  EXPECT_EQ(BlockSubsidy(c, 150), 2'500'000'000u);
  EXPECT_EQ(BlockSubsidy(c, 300), 1'250'000'000u);
  EXPECT_EQ(BlockSubsidy(c, 150 * 64), 0u);
}

TEST(ProofOfWork, ScryptMatchesRfc7914) {
  // RFC 7914 section 12, the N=1024 vector: scrypt("password", "NaCl", 1024, 8, 16, 64).
  const std::string password = "password", salt = "NaCl";
  std::uint8_t out[64];
  ASSERT_TRUE(Scrypt({reinterpret_cast<const std::uint8_t*>(password.data()), password.size()},
                     {reinterpret_cast<const std::uint8_t*>(salt.data()), salt.size()}, 1024, 8,
                     16, out));
  EXPECT_EQ(Hex(out),
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff1"
            "09279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
  EXPECT_FALSE(Scrypt({}, {}, 1000, 1, 1, out));  // N must be a power of two
}

TEST(ProofOfWork, LitecoinGenesisScryptHash) {
  const ChainParams& c = LitecoinRegtestChain();
  EXPECT_EQ(PowHash(c.genesis, c).ToHex(),
            "5adbca3495032eb0f2344f78ad238a3abb56d335b1680f5c289276e0d25a3479");
  EXPECT_EQ(PowHash(c.genesis, BitcoinRegtestChain()), c.genesis.Id());  // sha256d: the id
}

TEST(ProofOfWork, LitecoindMinedBlockPassesOnlyWithItsNonce) {
  const ChainParams& c = LitecoinRegtestChain();
  const wire::Block b = ParseBlock(Unhex(kLitecoindBlock4));
  EXPECT_EQ(b.Id().ToHex(), "8fc73b3d83ad3a2ade974e6cdce3f519afe1cec7d19f2436ff003893e3f05bcc");
  EXPECT_TRUE(CheckProofOfWork(b.header, c));
  BlockHeader h = b.header;
  for (std::uint32_t nonce = 0; nonce < 3; ++nonce) {
    h.nonce = nonce;
    EXPECT_FALSE(CheckProofOfWork(h, c)) << nonce;  // measured: scrypt hashes above 7fffff..
  }
  h.nonce = 3;
  EXPECT_TRUE(CheckProofOfWork(h, c));
  h.bits = 0x2100ffff;  // easier than the chain's limit
  EXPECT_FALSE(CheckProofOfWork(h, c));
}

TEST(ProofOfWork, CompactTargets) {
  auto t = TargetFromCompactBits(0x207fffff);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->ToHex(), "7fffff0000000000000000000000000000000000000000000000000000000000");
  auto main = TargetFromCompactBits(0x1d00ffff);
  ASSERT_TRUE(main.has_value());
  EXPECT_EQ(main->ToHex(), "00000000ffff0000000000000000000000000000000000000000000000000000");
  EXPECT_FALSE(TargetFromCompactBits(0x20800000).has_value());  // negative
  EXPECT_FALSE(TargetFromCompactBits(0x227fffff).has_value());  // overflows 256 bits
  EXPECT_FALSE(TargetFromCompactBits(0x03000000).has_value());  // zero
}

TEST(BlockCheck, LitecoindBlockWithWitnessCommitment) {
  wire::Block b = ParseBlock(Unhex(kLitecoindBlock4));
  EXPECT_EQ(BlockMerkleRoot(b), b.header.merkle_root);
  EXPECT_TRUE(CheckBlockBody(b, true).ok());
  // Another witness nonce breaks the commitment; no witness at all leaves it unbacked.
  wire::Block bad = b;
  bad.txs[0].inputs[0].witness[0][0] ^= 1;
  EXPECT_NE(CheckBlockBody(bad, true).message().find("bad-witness-merkle-match"), std::string::npos);
  bad = b;
  bad.txs[0].inputs[0].witness.clear();
  EXPECT_NE(CheckBlockBody(bad, true).message().find("bad-witness-nonce-size"), std::string::npos);
  bad = b;
  bad.txs[0].outputs[0].value += 1;  // the txid changes: the merkle root no longer matches
  EXPECT_NE(CheckBlockBody(bad, true).message().find("bad-txnmrklroot"), std::string::npos);
}

TEST(BlockCheck, DuplicatedTransactionsAreAMutation) {
  wire::Block b = ParseBlock(BitcoinRegtestChain().genesis_block);
  wire::Transaction tx1 = b.txs[0], tx2 = b.txs[0];
  tx1.inputs[0].prevout.txid.bytes[0] = 1;  // no longer coinbases
  tx2.inputs[0].prevout.txid.bytes[0] = 2;
  b.txs = {b.txs[0], tx1, tx2, tx2};
  b.header.merkle_root = BlockMerkleRoot(b);
  // [cb, tx1, tx2, tx2] has the root of [cb, tx1, tx2] (CVE-2012-2459): caught as a mutation.
  b.txs.pop_back();
  EXPECT_EQ(BlockMerkleRoot(b), b.header.merkle_root);
  EXPECT_TRUE(CheckBlockBody(b, false).ok());
  b.txs.push_back(tx2);
  const Status s = CheckBlockBody(b, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("bad-txns-duplicate"), std::string::npos);
}

}  // namespace
}  // namespace peerlab::bitcoin
