// Golden bytes for the Tendermint wire codec, derived by hand from the protobuf encoding
// specification (https://protobuf.dev/programming-guides/encoding/): a record is a tag varint
// (field_number << 3 | wire_type; wire type 0 varint, 1 64-bit, 2 length-delimited) and its
// payload; varints are little-endian base-128 with the high bit as continuation; a negative
// int32 is sign-extended to 64 bits and so takes 10 bytes; proto3 leaves zero scalars out.
// Field numbers are those of families/tendermint/proto (CometBFT's). Sub-messages CometBFT
// always writes (block ids, part set headers, timestamps) appear even when empty.
//
// The vote sign bytes are CometBFT's own published vectors: types/vote_test.go,
// TestVoteSignBytesTestVectors (cometbft/cometbft, read at commit
// 008e79aa91fc2ee05c947e0534288f68c2336515), cases 0-4.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "peerlab/tendermint/wire.hpp"

namespace tdm = peerlab::tendermint;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes Rep(std::uint8_t b, std::size_t n) { return Bytes(n, b); }
peerlab::Hash256 HashOf(std::uint8_t b) {
  peerlab::Hash256 h;
  h.bytes.fill(b);
  return h;
}

void ExpectGolden(const tdm::ConsensusMessage& m, const Bytes& want) {
  EXPECT_EQ(tdm::Encode(m), want);
  EXPECT_EQ(tdm::WireSize(m), want.size());
  auto back = tdm::Decode(want);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_TRUE(*back == m);
}

TEST(TendermintWireGolden, HasVote) {
  const tdm::HasVote m{5, 2, tdm::SignedMsgType::kPrevote, 3};
  ExpectGolden(m, {
                      0x3a, 0x08,  // Message field 7 (has_vote), wire type 2: (7<<3)|2; 8 bytes
                      0x08, 0x05,  // height (1<<3)|0 = 5
                      0x10, 0x02,  // round (2<<3)|0 = 2
                      0x18, 0x01,  // type (3<<3)|0 = prevote (1)
                      0x20, 0x03,  // index (4<<3)|0 = 3
                  });
}

TEST(TendermintWireGolden, NewRoundStep) {
  const tdm::NewRoundStep m{100, 0, tdm::RoundStep::kPropose, 2, -1};
  ExpectGolden(m, {
                      0x0a, 0x11,  // Message field 1 (new_round_step), (1<<3)|2; 17 bytes
                      0x08, 0x64,  // height 100 (one varint byte: 100 < 128)
                                   // round 0: left out (proto3 zero)
                      0x18, 0x03,  // step (3<<3)|0 = propose (3)
                      0x20, 0x02,  // seconds_since_start_time (4<<3)|0 = 2
                      0x28,        // last_commit_round (5<<3)|0 = -1: ten bytes, 64 bits of ones
                      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                  });
}

TEST(TendermintWireGolden, Vote) {
  tdm::Vote v;
  v.type = tdm::SignedMsgType::kPrecommit;
  v.height = 300;
  v.round = 1;
  v.block_id = tdm::BlockId{HashOf(0x11), tdm::PartSetHeader{2, HashOf(0x22)}};
  v.timestamp_ns = 1'500'000'000'250;  // 1500 s and 250 ns after 1970
  v.validator_address.fill(0x33);
  v.validator_index = 4;
  v.signature.fill(0x44);
  // types.Vote body: 2 + 3 + 2 + (2+72) + (2+6) + (2+20) + 2 + (2+64) = 179 = 0xb3 0x01
  // (179 = 0b1_0110011: low seven bits 0x33 with the continuation bit = 0xb3, then 1).
  const Bytes want = Cat({
      {0x32, 0xb6, 0x01},  // Message field 6 (vote), (6<<3)|2; 182 bytes
      {0x0a, 0xb3, 0x01},  // consensus.Vote field 1 (vote), (1<<3)|2; 179 bytes
      {0x08, 0x02},        // type = precommit (2)
      {0x10, 0xac, 0x02},  // height 300 = 0b10_0101100: 0x2c|0x80, then 2
      {0x18, 0x01},        // round 1
      {0x22, 0x48},        // block_id (4<<3)|2; 72 bytes
      {0x0a, 0x20}, Rep(0x11, 32),  // hash (1<<3)|2, 32 bytes
      {0x12, 0x24},                 // part_set_header (2<<3)|2, 36 bytes
      {0x08, 0x02},                 //   total 2
      {0x12, 0x20}, Rep(0x22, 32),  //   hash, 32 bytes
      {0x2a, 0x06},                 // timestamp (5<<3)|2; 6 bytes
      {0x08, 0xdc, 0x0b},           //   seconds 1500 = 0x5dc: 0x5c|0x80, then 0x0b
      {0x10, 0xfa, 0x01},           //   nanos 250 = 0xfa: 0x7a|0x80, then 1
      {0x32, 0x14}, Rep(0x33, 20),  // validator_address (6<<3)|2, 20 bytes
      {0x38, 0x04},                 // validator_index (7<<3)|0 = 4
      {0x42, 0x40}, Rep(0x44, 64),  // signature (8<<3)|2, 64 bytes
  });
  ASSERT_EQ(want.size(), 185u);
  ExpectGolden(tdm::VoteMessage{v}, want);
}

TEST(TendermintWireGolden, Proposal) {
  tdm::Proposal p;
  p.height = 7;
  p.round = 0;
  p.pol_round = -1;
  p.block_id = tdm::BlockId{HashOf(0xaa), tdm::PartSetHeader{1, HashOf(0xbb)}};
  p.timestamp_ns = 0;
  p.signature.fill(0xcc);
  // types.Proposal body: 2 + 2 + 11 + (2+72) + 2 + (2+64) = 157 = 0x9d 0x01.
  const Bytes want = Cat({
      {0x1a, 0xa0, 0x01},  // Message field 3 (proposal), (3<<3)|2; 160 bytes
      {0x0a, 0x9d, 0x01},  // consensus.Proposal field 1, 157 bytes
      {0x08, 0x20},        // type = proposal (32)
      {0x10, 0x07},        // height 7; round 0 left out
      {0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // pol_round -1
      {0x2a, 0x48},                                                         // block_id, 72 bytes
      {0x0a, 0x20}, Rep(0xaa, 32),
      {0x12, 0x24}, {0x08, 0x01}, {0x12, 0x20}, Rep(0xbb, 32),
      {0x32, 0x00},                 // timestamp (6<<3)|2: 1970-01-01 is the empty message
      {0x3a, 0x40}, Rep(0xcc, 64),  // signature (7<<3)|2, 64 bytes
  });
  ASSERT_EQ(want.size(), 163u);
  ExpectGolden(tdm::ProposalMessage{p}, want);
}

TEST(TendermintWireGolden, BlockPart) {
  tdm::BlockPart m;
  m.height = 2;
  m.round = 0;
  m.index = 1;
  m.size_bytes = 3;
  m.proof.total = 2;
  m.proof.index = 1;
  m.proof.leaf_hash = HashOf(0x55);
  m.proof.aunts = {HashOf(0x66)};
  // Proof: 2 + 2 + 34 + 34 = 72; Part: 2 + 5 + (2+72) = 81; BlockPart: 2 + (2+81) = 85.
  const Bytes want = Cat({
      {0x2a, 0x55},                 // Message field 5 (block_part), (5<<3)|2; 85 bytes
      {0x08, 0x02},                 // height 2; round 0 left out
      {0x1a, 0x51},                 // part (3<<3)|2; 81 bytes
      {0x08, 0x01},                 //   index 1
      {0x12, 0x03, 0x00, 0x00, 0x00},  // bytes (2<<3)|2: three (synthetic) zero bytes
      {0x1a, 0x48},                 //   proof (3<<3)|2; 72 bytes
      {0x08, 0x02},                 //     total 2
      {0x10, 0x01},                 //     index 1
      {0x1a, 0x20}, Rep(0x55, 32),  //     leaf_hash (3<<3)|2
      {0x22, 0x20}, Rep(0x66, 32),  //     aunts (4<<3)|2, one entry
  });
  ASSERT_EQ(want.size(), 87u);
  ExpectGolden(m, want);
}

TEST(TendermintWireGolden, VoteSetBits) {
  const tdm::VoteSetBits m{9, 1, tdm::SignedMsgType::kPrecommit, tdm::BlockId{},
                          tdm::BitArray{70, {0x1, 0x20}}};
  ExpectGolden(m, {
                      0x4a, 0x12,              // Message field 9 (vote_set_bits), (9<<3)|2; 18 bytes
                      0x08, 0x09,              // height 9
                      0x10, 0x01,              // round 1
                      0x18, 0x02,              // type precommit
                      0x22, 0x02, 0x12, 0x00,  // block_id (nil): only its always-written empty
                                               // part_set_header (2<<3)|2, length 0
                      0x2a, 0x06,              // votes (5<<3)|2; 6 bytes
                      0x08, 0x46,              //   bits 70
                      0x12, 0x02, 0x01, 0x20,  //   elems, packed (2<<3)|2: words 1 and 0x20
                  });
}

TEST(TendermintWireGolden, MempoolTxs) {
  const tdm::MempoolTxs m{{2, 0}};
  const Bytes want = {
      0x0a, 0x06,              // mempool.Message field 1 (txs), 6 bytes
      0x0a, 0x02, 0x00, 0x00,  // Txs.txs (1<<3)|2: a 2-byte transaction (zero content)
      0x0a, 0x00,              // and an empty one: repeated entries are written even if empty
  };
  EXPECT_EQ(tdm::EncodeMempool(m), want);
  EXPECT_EQ(tdm::WireSize(m), want.size());
  auto back = tdm::DecodeMempool(want);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, m);
}

// CometBFT types/vote_test.go TestVoteSignBytesTestVectors. Go's zero time.Time is
// 0001-01-01T00:00:00Z = -62135596800 s, the varint 80 92 b8 c3 98 fe ff ff ff 01.
TEST(TendermintWireGolden, CometBftVoteSignBytesVectors) {
  const Bytes zero_time = {0x2a, 0x0b, 0x08, 0x80, 0x92, 0xb8, 0xc3, 0x98, 0xfe, 0xff, 0xff, 0xff, 0x01};
  const Bytes one_one = {0x11, 0x01, 0, 0, 0, 0, 0, 0, 0,   // height sfixed64 1
                         0x19, 0x01, 0, 0, 0, 0, 0, 0, 0};  // round sfixed64 1
  const auto sign = [](const char* chain, tdm::SignedMsgType type, tdm::Height h, tdm::Round r) {
    return tdm::VoteSignBytes(chain, type, h, r, tdm::BlockId{}, tdm::kGoZeroTime);
  };
  // 0: an empty vote: height and round are zero and so left out.
  EXPECT_EQ(sign("", tdm::SignedMsgType::kUnknown, 0, 0), Cat({{0x0d}, zero_time}));
  // 1, 2: precommit and prevote at height 1, round 1.
  EXPECT_EQ(sign("", tdm::SignedMsgType::kPrecommit, 1, 1), Cat({{0x21, 0x08, 0x02}, one_one, zero_time}));
  EXPECT_EQ(sign("", tdm::SignedMsgType::kPrevote, 1, 1), Cat({{0x21, 0x08, 0x01}, one_one, zero_time}));
  // 3: no type.
  EXPECT_EQ(sign("", tdm::SignedMsgType::kUnknown, 1, 1), Cat({{0x1f}, one_one, zero_time}));
  // 4: with a chain id.
  EXPECT_EQ(sign("test_chain_id", tdm::SignedMsgType::kUnknown, 1, 1),
            Cat({{0x2e}, one_one, zero_time,
                 {0x32, 0x0d, 0x74, 0x65, 0x73, 0x74, 0x5f, 0x63, 0x68, 0x61, 0x69, 0x6e, 0x5f, 0x69, 0x64}}));
}

// A vote for a block carries the canonical block id (field 4) between round and timestamp.
TEST(TendermintWireGolden, VoteSignBytesWithBlockId) {
  tdm::Vote v;
  v.type = tdm::SignedMsgType::kPrevote;
  v.height = 2;
  v.round = 0;
  v.block_id = tdm::BlockId{HashOf(0x01), tdm::PartSetHeader{1, HashOf(0x02)}};
  v.timestamp_ns = 3'000'000'000;  // 3 s
  const Bytes want = Cat({
      {0x5c},                       // length 92 = 2 + 9 + 2 + 72 + 2 + 2 + 3
      {0x08, 0x01},                 // type prevote
      {0x11, 0x02, 0, 0, 0, 0, 0, 0, 0},  // height sfixed64 2; round 0 left out
      {0x22, 0x48},                 // block_id (4<<3)|2; 72 bytes
      {0x0a, 0x20}, Rep(0x01, 32),
      {0x12, 0x24}, {0x08, 0x01}, {0x12, 0x20}, Rep(0x02, 32),
      {0x2a, 0x02, 0x08, 0x03},     // timestamp: seconds 3
      {0x32, 0x01, 0x63},           // chain_id "c"
  });
  EXPECT_EQ(tdm::VoteSignBytes("c", v), want);
}

}  // namespace
