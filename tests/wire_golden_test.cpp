// Golden vectors from real Bitcoin data (sources in fuzz/wire_corpus.hpp and
// docs/wire-format.md): decode, check ids, re-encode to identical bytes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fuzz/wire_corpus.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/wire_json/json.hpp"

namespace {

namespace wire = peerlab::bitcoin::wire;
using peerlab::Hash256;

std::vector<std::uint8_t> Unhex(const char* hex) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(wire::FromHex(hex, out));
  return out;
}

wire::Block DecodeBlock(const std::vector<std::uint8_t>& bytes) {
  auto m = wire::Decode("block", bytes);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return std::get<wire::BlockMsg>(*m).block;
}

TEST(WireGolden, GenesisBlockRoundTripsWithRealIds) {
  const auto bytes = Unhex(peerlab::wire_corpus::kGenesisBlockHex);
  ASSERT_EQ(bytes.size(), 285u);
  const wire::Block block = DecodeBlock(bytes);
  EXPECT_EQ(block.Id().ToHex(), "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f");
  EXPECT_EQ(block.header.version, 1);
  EXPECT_EQ(block.header.time, 1231006505u);
  EXPECT_EQ(block.header.bits, 0x1d00ffffu);
  EXPECT_EQ(block.header.nonce, 2083236893u);
  EXPECT_EQ(block.header.prev, Hash256{});
  ASSERT_EQ(block.txs.size(), 1u);
  const wire::Transaction& coinbase = block.txs[0];
  EXPECT_EQ(coinbase.Txid().ToHex(), "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b");
  EXPECT_EQ(coinbase.Wtxid(), coinbase.Txid());
  EXPECT_EQ(block.header.merkle_root, coinbase.Txid());  // one transaction: root = txid
  ASSERT_EQ(coinbase.inputs.size(), 1u);
  const std::string script(coinbase.inputs[0].script_sig.begin(), coinbase.inputs[0].script_sig.end());
  EXPECT_NE(script.find("The Times 03/Jan/2009 Chancellor on brink of second bailout for banks"), std::string::npos);
  ASSERT_EQ(coinbase.outputs.size(), 1u);
  EXPECT_EQ(coinbase.outputs[0].value, 50 * 100'000'000LL);
  EXPECT_EQ(wire::Encode(wire::BlockMsg{block}), bytes);
}

TEST(WireGolden, Block170HeaderAndFirstTransfer) {
  const auto bytes = Unhex(peerlab::wire_corpus::kBlock170Hex);
  ASSERT_EQ(bytes.size(), 490u);
  const wire::Block block = DecodeBlock(bytes);
  EXPECT_EQ(block.Id().ToHex(), "00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee");
  EXPECT_EQ(block.header.prev.ToHex(), "000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55");
  EXPECT_EQ(block.header.merkle_root.ToHex(), "7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff");
  EXPECT_EQ(block.header.time, 1231731025u);
  ASSERT_EQ(block.txs.size(), 2u);
  const wire::Transaction& transfer = block.txs[1];
  EXPECT_EQ(transfer.Txid().ToHex(), "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16");
  ASSERT_EQ(transfer.inputs.size(), 1u);
  // Spends the coinbase of block 9.
  EXPECT_EQ(transfer.inputs[0].prevout.txid.ToHex(), "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9");
  EXPECT_EQ(transfer.inputs[0].prevout.index, 0u);
  ASSERT_EQ(transfer.outputs.size(), 2u);
  EXPECT_EQ(transfer.outputs[0].value, 10 * 100'000'000LL);  // 10 BTC to Hal Finney
  EXPECT_EQ(transfer.outputs[1].value, 40 * 100'000'000LL);  // change
  EXPECT_EQ(wire::Encode(wire::BlockMsg{block}), bytes);

  // The same transaction as a `tx` message, and the header alone in a `headers` message.
  std::vector<std::uint8_t> tx_bytes;
  wire::Writer w(tx_bytes);
  transfer.Serialize(w);
  EXPECT_EQ(tx_bytes.size(), 275u);
  EXPECT_TRUE(std::equal(tx_bytes.begin(), tx_bytes.end(), bytes.end() - 275));
  auto tx = wire::Decode("tx", tx_bytes);
  ASSERT_TRUE(tx.ok()) << tx.status().message();
  EXPECT_EQ(std::get<wire::TxMsg>(*tx).tx, transfer);

  std::vector<std::uint8_t> headers(bytes.begin(), bytes.begin() + 80);
  headers.insert(headers.begin(), 1);  // count
  headers.push_back(0);                // tx count
  auto h = wire::Decode("headers", headers);
  ASSERT_TRUE(h.ok()) << h.status().message();
  ASSERT_EQ(std::get<wire::Headers>(*h).headers.size(), 1u);
  EXPECT_EQ(std::get<wire::Headers>(*h).headers[0].Id(), block.Id());
  EXPECT_EQ(wire::Encode(*h), headers);
}

TEST(WireGolden, Bip143SegwitTransaction) {
  const auto bytes = Unhex(peerlab::wire_corpus::kBip143SignedTxHex);
  auto m = wire::Decode("tx", bytes);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const wire::Transaction& tx = std::get<wire::TxMsg>(*m).tx;
  EXPECT_TRUE(tx.HasWitness());
  ASSERT_EQ(tx.inputs.size(), 2u);
  EXPECT_TRUE(tx.inputs[0].witness.empty());
  ASSERT_EQ(tx.inputs[1].witness.size(), 2u);  // signature, public key
  EXPECT_EQ(tx.inputs[1].witness[1].size(), 33u);
  EXPECT_EQ(tx.lock_time, 17u);
  EXPECT_EQ(tx.Txid().ToHex(), "e8151a2af31c368a35053ddd4bdb285a8595c769a3ad83e0fa02314a602d4609");
  EXPECT_EQ(tx.Wtxid().ToHex(), "c36c38370907df2324d9ce9d149d191192f338b37665a82e78e76a12c909b762");
  EXPECT_EQ(wire::Encode(*m), bytes);
  EXPECT_EQ(tx.SerializedSize(true), bytes.size());
  EXPECT_EQ(tx.SerializedSize(false), bytes.size() - 2 - 1 - 1 - 1 - 71 - 1 - 33);
}

TEST(WireGolden, FramedGenesisOnEveryNetwork) {
  const auto payload = Unhex(peerlab::wire_corpus::kGenesisBlockHex);
  for (const auto& magic : {wire::kMagicMainnet, wire::kMagicTestnet3, wire::kMagicRegtest}) {
    std::vector<std::uint8_t> frame;
    wire::EncodeFrame(magic, "block", payload, frame);
    ASSERT_EQ(frame.size(), 24u + 285u);
    EXPECT_TRUE(std::equal(magic.begin(), magic.end(), frame.begin()));
    EXPECT_EQ(std::string(frame.begin() + 4, frame.begin() + 16), std::string("block\0\0\0\0\0\0\0", 12));
    EXPECT_EQ(frame[16] | (frame[17] << 8), 285);
    const Hash256 sum = peerlab::DoubleSha256(payload);
    EXPECT_TRUE(std::equal(frame.begin() + 20, frame.begin() + 24, sum.bytes.begin()));
    wire::FrameDecoder dec(magic);
    std::span<const std::uint8_t> in(frame);
    ASSERT_TRUE(dec.ReceivedBytes(in));
    ASSERT_TRUE(dec.FrameComplete());
    EXPECT_TRUE(dec.frame().checksum_ok);
    EXPECT_EQ(dec.frame().command, "block");
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), dec.frame().payload.begin()));
  }
  EXPECT_EQ(*wire::ParseMagic("f9beb4d9"), wire::kMagicMainnet);
  EXPECT_EQ(*wire::ParseMagic("testnet3"), wire::kMagicTestnet3);
  EXPECT_EQ(*wire::ParseMagic("regtest"), wire::kMagicRegtest);
  EXPECT_FALSE(wire::ParseMagic("f9beb4").has_value());
}

TEST(WireGolden, JsonFormOfGenesisRoundTrips) {
  const auto bytes = Unhex(peerlab::wire_corpus::kGenesisBlockHex);
  auto m = wire::Decode("block", bytes);
  ASSERT_TRUE(m.ok());
  const std::string json = wire::MessageToJson(*m);
  EXPECT_NE(json.find("\"hash\":\"000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\""), std::string::npos);
  EXPECT_NE(json.find("\"txid\":\"4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b\""), std::string::npos);
  EXPECT_NE(json.find("\"value\":5000000000"), std::string::npos);
  auto back = wire::MessageFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(wire::Encode(*back), bytes);
}

}  // namespace
