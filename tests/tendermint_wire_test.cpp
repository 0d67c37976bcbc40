// The Tendermint wire codec (peerlab/tendermint/wire.hpp): round trips over random values of
// every message kind, WireSize == Encode().size(), every decode error path naming its field,
// the public headers free of protobuf, and a short deterministic fuzz run (the long run is the
// tendermint_wire_fuzz target). Golden bytes are in tendermint_wire_golden_test.cpp.
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/tendermint_wire_mutator.hpp"
#include "peerlab/tendermint/wire.hpp"

namespace tdm = peerlab::tendermint;
namespace fz = peerlab::tendermint_fuzz;

namespace {

using Bytes = std::vector<std::uint8_t>;

// A minimal protobuf writer for hand-made (often invalid) inputs, independent of the codec.
class Pb {
 public:
  Pb& Varint(int field, std::uint64_t v) {
    Tag(field, 0);
    Raw(v);
    return *this;
  }
  Pb& Signed(int field, std::int64_t v) { return Varint(field, static_cast<std::uint64_t>(v)); }
  Pb& Bytes(int field, std::size_t n, std::uint8_t fill = 0x01) {
    Tag(field, 2);
    Raw(n);
    b_.insert(b_.end(), n, fill);
    return *this;
  }
  Pb& Msg(int field, const Pb& m) {
    Tag(field, 2);
    Raw(m.b_.size());
    b_.insert(b_.end(), m.b_.begin(), m.b_.end());
    return *this;
  }
  Pb& Append(std::initializer_list<std::uint8_t> raw) {
    b_.insert(b_.end(), raw);
    return *this;
  }
  const std::vector<std::uint8_t>& bytes() const { return b_; }

 private:
  void Tag(int field, int wire_type) { Raw(static_cast<std::uint64_t>(field) << 3 | wire_type); }
  void Raw(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) b_.push_back(static_cast<std::uint8_t>(v | 0x80));
    b_.push_back(static_cast<std::uint8_t>(v));
  }
  std::vector<std::uint8_t> b_;
};

// A valid types.Vote as Pb, with the lengths of its byte fields chosen by the caller.
Pb VotePb(std::size_t address_bytes = 20, std::size_t signature_bytes = 64, std::size_t hash_bytes = 32) {
  Pb psh;
  psh.Varint(1, 1).Bytes(2, 32);
  Pb block_id;
  block_id.Bytes(1, hash_bytes).Msg(2, psh);
  Pb ts;
  ts.Varint(1, 1000);
  Pb vote;
  vote.Varint(1, 2).Varint(2, 10).Varint(3, 0).Msg(4, block_id).Msg(5, ts);
  vote.Bytes(6, address_bytes).Varint(7, 3).Bytes(8, signature_bytes);
  return vote;
}
Bytes VoteEnvelope(const Pb& vote) { return Pb().Msg(6, Pb().Msg(1, vote)).bytes(); }

// Decoding `bytes` fails with a message containing every one of `parts`.
void ExpectError(const Bytes& bytes, std::initializer_list<const char*> parts) {
  auto r = tdm::Decode(bytes);
  ASSERT_FALSE(r.ok()) << "decoded unexpectedly";
  for (const char* p : parts) EXPECT_NE(r.status().message().find(p), std::string::npos) << r.status().message();
}

template <class T>
Bytes EncodeOne(const T& m) {
  return tdm::Encode(tdm::ConsensusMessage(m));
}

TEST(TendermintWire, RoundTripsEveryConsensusKind) {
  peerlab::Rng rng(11);
  fz::Generator g(rng);
  for (std::size_t kind = 0; kind < std::variant_size_v<tdm::ConsensusMessage>; ++kind) {
    for (int i = 0; i < 300; ++i) {
      const tdm::ConsensusMessage m = g.Consensus(kind);
      ASSERT_EQ(m.index(), kind);
      const Bytes bytes = tdm::Encode(m);
      ASSERT_EQ(tdm::WireSize(m), bytes.size()) << "kind " << kind;
      auto back = tdm::Decode(bytes);
      ASSERT_TRUE(back.ok()) << "kind " << kind << ": " << back.status().message();
      ASSERT_TRUE(*back == m) << "kind " << kind;
      EXPECT_EQ(tdm::Encode(*back), bytes);
    }
  }
}

TEST(TendermintWire, RoundTripsMempoolEvidenceAndBlocks) {
  peerlab::Rng rng(12);
  fz::Generator g(rng);
  for (int i = 0; i < 200; ++i) {
    const tdm::MempoolTxs txs = g.Mempool();
    const Bytes tb = tdm::EncodeMempool(txs);
    ASSERT_EQ(tdm::WireSize(txs), tb.size());
    auto tback = tdm::DecodeMempool(tb);
    ASSERT_TRUE(tback.ok()) << tback.status().message();
    EXPECT_EQ(*tback, txs);

    const tdm::EvidenceList list = g.EvidenceMessage();
    const Bytes eb = tdm::EncodeEvidence(list);
    ASSERT_EQ(tdm::WireSize(list), eb.size());
    auto eback = tdm::DecodeEvidence(eb);
    ASSERT_TRUE(eback.ok()) << eback.status().message();
    EXPECT_EQ(*eback, list);

    const tdm::Block block = g.Block();
    const Bytes bb = tdm::EncodeBlock(block);
    ASSERT_EQ(tdm::WireSize(block), bb.size());
    auto bback = tdm::DecodeBlock(bb);
    ASSERT_TRUE(bback.ok()) << bback.status().message();
    EXPECT_TRUE(*bback == block);
  }
}

// A block's part count comes from its encoded size: transactions count with their length
// prefixes, and the header, commit and evidence add their own bytes.
TEST(TendermintWire, BlockSizeDrivesPartCount) {
  tdm::Block block;
  block.header.height = 1;
  block.header.proposer_address.fill(7);
  const std::size_t empty = tdm::WireSize(block);
  EXPECT_EQ(tdm::PartCount(empty), 1u);
  block.tx_sizes.assign(300, 250);  // 300 transactions of 250 bytes: each 1 + 2 + 250 bytes
  EXPECT_EQ(tdm::WireSize(block), empty + 300 * 253 + 2);  // Data's length grows to 3 bytes
  block.tx_sizes.assign(1000, 1000);
  const std::size_t big = tdm::WireSize(block);
  EXPECT_GT(big, 1'000'000u);
  EXPECT_EQ(tdm::PartCount(big), (big + 65535) / 65536);
  EXPECT_EQ(tdm::PartCount(65536), 1u);
  EXPECT_EQ(tdm::PartCount(65537), 2u);
}

TEST(TendermintWire, MempoolLimitIsOneMaximalTransaction) {
  // One transaction of 1 MiB: 1 + 3 + 1048576 inside Txs, then 1 + 3 + that in Message.
  EXPECT_EQ(tdm::MaxMempoolMessageBytes(), 1048576u + 8u);
  Bytes big(tdm::MaxMempoolMessageBytes() + 1, 0);
  auto r = tdm::DecodeMempool(big);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tendermint.mempool.Message"), std::string::npos);
  EXPECT_NE(r.status().message().find("exceeds the channel's maximum"), std::string::npos);
}

TEST(TendermintWire, TimestampsBeforeAndAfter1970) {
  EXPECT_EQ(tdm::ToWireTimestamp(0), (tdm::WireTimestamp{0, 0}));
  EXPECT_EQ(tdm::ToWireTimestamp(1'500'000'000'250), (tdm::WireTimestamp{1500, 250}));
  EXPECT_EQ(tdm::ToWireTimestamp(-1), (tdm::WireTimestamp{-1, 999'999'999}));
  tdm::Vote v;
  v.type = tdm::SignedMsgType::kPrevote;
  v.height = 1;
  v.timestamp_ns = -1'000'000'001;
  auto back = tdm::Decode(EncodeOne(tdm::VoteMessage{v}));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(std::get<tdm::VoteMessage>(*back).vote.timestamp_ns, -1'000'000'001);
}

// ---- decode errors: each names the message and the field ----

TEST(TendermintWireErrors, Structure) {
  ExpectError({}, {"tendermint.consensus.Message", "sum", "no known message"});
  ExpectError(Bytes(tdm::kMaxConsensusMessageBytes + 1, 0), {"tendermint.consensus.Message", "exceeds"});
  // Field 7 (has_vote) sent as a varint.
  ExpectError({0x38, 0x05}, {"has_vote_message", "wire type varint (0), expected length-delimited"});
  // HasVote.height sent length-delimited.
  ExpectError(Pb().Msg(7, Pb().Bytes(1, 2)).bytes(), {"has_vote_message.height", "wire type length-delimited"});
  // A length past the end.
  ExpectError({0x3a, 0x08, 0x08, 0x05}, {"has_vote_message", "length 8 exceeds the 2 bytes left"});
  // A varint cut short, and one of eleven bytes.
  ExpectError({0x3a, 0x01, 0x08}, {"has_vote_message.height", "truncated varint"});
  ExpectError({0x3a, 0x0c, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
              {"has_vote_message.height", "malformed varint"});
  ExpectError({0x3a, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
              {"has_vote_message.height", "over 64 bits"});
  // A round of 2^40 does not fit int32; a step above 2^32 does not fit uint32.
  ExpectError(Pb().Msg(7, Pb().Varint(2, 1ull << 40)).bytes(), {"has_vote_message.round", "does not fit int32"});
  ExpectError(Pb().Msg(1, Pb().Varint(3, 1ull << 33)).bytes(), {"new_round_step.step", "does not fit uint32"});
  // A bool of 2.
  ExpectError(Pb().Msg(2, Pb().Varint(5, 2)).bytes(), {"new_valid_block.is_commit", "bool must be 0 or 1"});
  // Field number 0, and a group (wire type 3).
  ExpectError({0x00, 0x01}, {"tendermint.consensus.Message", "invalid field number 0"});
  ExpectError({0x3a, 0x02, 0x4b, 0x00}, {"has_vote_message.field 9", "unsupported wire type group"});
  // A fixed64 cut short inside an unknown field.
  ExpectError({0x3a, 0x03, 0x49, 0x00, 0x00}, {"has_vote_message.field 9", "truncated 64-bit value"});
}

// proto3 skips unknown fields; a nested one is skipped whole, however deep, without parsing.
TEST(TendermintWire, UnknownFieldsAreSkipped) {
  Pb inner;
  for (int i = 0; i < 40; ++i) inner = Pb().Msg(15, inner);
  Pb has_vote;
  has_vote.Varint(1, 4).Varint(3, 2).Msg(15, inner).Append({0x59, 1, 2, 3, 4, 5, 6, 7, 8});  // field 11, 64-bit
  auto r = tdm::Decode(Pb().Msg(7, has_vote).Msg(12, Pb()).bytes());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(std::get<tdm::HasVote>(*r), (tdm::HasVote{4, 0, tdm::SignedMsgType::kPrecommit, 0}));
}

TEST(TendermintWireErrors, Heights) {
  ExpectError(EncodeOne(tdm::HasVote{-1, 0, tdm::SignedMsgType::kPrevote, 0}),
              {"has_vote_message.height", "must not be negative, got -1"});
  tdm::Vote v;
  v.type = tdm::SignedMsgType::kPrevote;
  v.height = 0;
  ExpectError(EncodeOne(tdm::VoteMessage{v}), {"vote.vote.height", "must be positive"});
}

TEST(TendermintWireErrors, Rounds) {
  ExpectError(EncodeOne(tdm::NewRoundStep{1, 0, tdm::RoundStep::kPropose, 0, -2}),
              {"new_round_step.last_commit_round", "at least -1, got -2"});
  ExpectError(EncodeOne(tdm::HasProposalBlockPart{1, -1, 0}), {"has_proposal_block_part.round", "at least 0"});
  tdm::Proposal p;
  p.height = 1;
  p.round = 1;
  p.pol_round = -2;
  p.block_id = tdm::BlockId{peerlab::Hash256{{1}}, tdm::PartSetHeader{1, peerlab::Hash256{{2}}}};
  ExpectError(EncodeOne(tdm::ProposalMessage{p}), {"proposal.proposal.pol_round", "at least -1"});
}

TEST(TendermintWireErrors, FixedSizes) {
  ExpectError(VoteEnvelope(VotePb(20, 3)), {"vote.vote.signature", "must be 64 bytes, got 3"});
  ExpectError(VoteEnvelope(VotePb(19)), {"vote.vote.validator_address", "must be 20 bytes, got 19"});
  ExpectError(VoteEnvelope(VotePb(20, 64, 31)), {"vote.vote.block_id.hash", "empty or 32 bytes, got 31"});
  ASSERT_TRUE(tdm::Decode(VoteEnvelope(VotePb())).ok()) << "the unmodified vote must decode";
  ExpectError(Pb().Msg(6, Pb()).bytes(), {"vote.vote", "missing"});
  ExpectError(VoteEnvelope(VotePb().Bytes(9, 4)), {"vote.vote.extension", "not modelled"});
}

TEST(TendermintWireErrors, EnumsAndSteps) {
  ExpectError(EncodeOne(tdm::HasVote{1, 0, tdm::SignedMsgType::kProposal, 0}),
              {"has_vote_message.type", "prevote (1) or precommit (2), got 32"});
  ExpectError(EncodeOne(tdm::NewRoundStep{1, 0, static_cast<tdm::RoundStep>(9), 0, -1}),
              {"new_round_step.step", "[1, 8], got 9"});
  ExpectError(EncodeOne(tdm::HasVote{1, 0, tdm::SignedMsgType::kPrevote, -4}), {"has_vote_message.index", "negative"});
}

TEST(TendermintWireErrors, BitArrays) {
  const tdm::BlockId nil;
  ExpectError(EncodeOne(tdm::VoteSetBits{1, 0, tdm::SignedMsgType::kPrevote, nil, tdm::BitArray{70, {1}}}),
              {"vote_set_bits.votes.elems", "70 bits need 2 words, got 1"});
  ExpectError(EncodeOne(tdm::VoteSetBits{1, 0, tdm::SignedMsgType::kPrevote, nil, tdm::BitArray{-1, {}}}),
              {"vote_set_bits.votes.bits", "got -1"});
  ExpectError(EncodeOne(tdm::VoteSetBits{1, 0, tdm::SignedMsgType::kPrevote, nil,
                                        tdm::BitArray{tdm::kMaxVotesCount + 1, {}}}),
              {"vote_set_bits.votes.bits", "[0, 10000]"});
  ExpectError(EncodeOne(tdm::NewValidBlock{1, 0, tdm::PartSetHeader{3, {}}, tdm::BitArray{2, {3}}, false}),
              {"new_valid_block.block_parts", "2 bits for 3 parts"});
  ExpectError(EncodeOne(tdm::ProposalPol{1, 0, tdm::BitArray{}}), {"proposal_pol.proposal_pol", "empty"});
}

TEST(TendermintWireErrors, BlockParts) {
  tdm::BlockPart m{1, 0, 2, 10, {2, 2, peerlab::Hash256{{1}}, {}}};
  ExpectError(EncodeOne(m), {"block_part.part.proof.index", "part index 2 is not below the total 2"});
  m.proof = {2, 1, peerlab::Hash256{{1}}, {}};
  ExpectError(EncodeOne(m), {"block_part.part.index", "differs from its proof's 1"});
  m.index = 1;
  m.size_bytes = tdm::kBlockPartBytes + 1;
  ExpectError(EncodeOne(m), {"block_part.part.bytes", "65537 bytes exceeds 65536"});
  m.size_bytes = 10;
  m.proof.total = tdm::kMaxBlockPartsCount + 1;
  ExpectError(EncodeOne(m), {"block_part.part.proof.total", "[1, 1601]"});
  m.proof.total = 2;
  m.proof.aunts.resize(tdm::kMaxMerkleAunts + 1);
  ExpectError(EncodeOne(m), {"block_part.part.proof.aunts", "more than 100"});
  // Hand-made: a leaf hash of 5 bytes and an aunt of 33.
  const auto part = [](std::size_t leaf, std::size_t aunt) {
    Pb proof;
    proof.Varint(1, 2).Varint(2, 1).Bytes(3, leaf).Bytes(4, aunt);
    Pb p;
    p.Varint(1, 1).Bytes(2, 4).Msg(3, proof);
    return Pb().Msg(5, Pb().Varint(1, 1).Msg(3, p)).bytes();
  };
  ASSERT_TRUE(tdm::Decode(part(32, 32)).ok());
  ExpectError(part(5, 32), {"block_part.part.proof.leaf_hash", "32 bytes, got 5"});
  ExpectError(part(32, 33), {"block_part.part.proof.aunts[0]", "32 bytes, got 33"});
  ExpectError(EncodeOne(tdm::HasProposalBlockPart{1, 0, tdm::kMaxBlockPartsCount}),
              {"has_proposal_block_part.index", "not below the maximum part count"});
  ExpectError(EncodeOne(tdm::NewValidBlock{1, 0, tdm::PartSetHeader{tdm::kMaxBlockPartsCount + 1, {}}, {}, false}),
              {"new_valid_block.block_part_set_header.total", "exceeds 1601"});
}

TEST(TendermintWireErrors, ProposalsAndTimes) {
  tdm::Proposal p;
  p.height = 1;
  ExpectError(EncodeOne(tdm::ProposalMessage{p}), {"proposal.proposal.block_id", "complete block id"});
  // Proposal type must be 32; timestamp nanos within a second; seconds within int64 nanoseconds.
  Pb ts_bad_nanos;
  ts_bad_nanos.Varint(2, 1'000'000'000);
  ExpectError(VoteEnvelope(VotePb().Msg(5, ts_bad_nanos)), {"vote.vote.timestamp", "nanos must be in"});
  Pb ts_far;
  ts_far.Signed(1, tdm::kGoZeroTime.seconds);
  ExpectError(VoteEnvelope(VotePb().Msg(5, ts_far)), {"vote.vote.timestamp", "outside the years"});
  Pb wrong_type;
  wrong_type.Varint(1, 1).Varint(2, 1);
  ExpectError(Pb().Msg(3, Pb().Msg(1, wrong_type)).bytes(), {"proposal.proposal.type", "must be proposal (32), got 1"});
}

TEST(TendermintWireErrors, Mempool) {
  auto empty = tdm::DecodeMempool(Pb().Msg(1, Pb()).bytes());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("tendermint.mempool.Message: txs.txs: empty transaction batch"),
            std::string::npos)
      << empty.status().message();
  auto none = tdm::DecodeMempool(Bytes{});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("sum"), std::string::npos);
  auto wire = tdm::DecodeMempool(Bytes{0x0a, 0x02, 0x08, 0x01});  // Txs.txs as a varint
  ASSERT_FALSE(wire.ok());
  EXPECT_NE(wire.status().message().find("txs.txs: wire type varint"), std::string::npos) << wire.status().message();
}

// A valid block with one evidence and a commit of three slots, then single faults.
tdm::Block SampleBlock() {
  peerlab::Rng rng(3);
  fz::Generator g(rng);
  tdm::Block b = g.Block();
  b.header.height = 5;
  b.header.last_block_id = tdm::BlockId{g.Hash(), g.PartSet()};
  b.last_commit = g.CommitFor(4);
  b.last_commit.signatures.resize(3);
  b.last_commit.signatures[0] = tdm::CommitSig{};  // absent
  b.evidence.resize(1);
  b.evidence[0].vote_a = g.Vote();
  b.evidence[0].vote_b = b.evidence[0].vote_a;
  return b;
}

void ExpectBlockError(const tdm::Block& b, std::initializer_list<const char*> parts) {
  auto r = tdm::DecodeBlock(tdm::EncodeBlock(b));
  ASSERT_FALSE(r.ok()) << "decoded unexpectedly";
  for (const char* p : parts) EXPECT_NE(r.status().message().find(p), std::string::npos) << r.status().message();
}

TEST(TendermintWireErrors, Blocks) {
  const tdm::Block good = SampleBlock();
  auto ok = tdm::DecodeBlock(tdm::EncodeBlock(good));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_TRUE(*ok == good);

  tdm::Block b = good;
  b.header.height = 0;
  ExpectBlockError(b, {"tendermint.types.Block: header.height", "must be positive"});
  b = good;
  b.header.chain_id = std::string(51, 'c');
  ExpectBlockError(b, {"header.chain_id", "longer than 50"});
  b = good;
  b.last_commit.height = 3;
  ExpectBlockError(b, {"last_commit.height", "block's height - 1 (4), got 3"});
  b = good;
  b.last_commit.block_id = tdm::BlockId{};
  ExpectBlockError(b, {"last_commit.block_id", "needs a block id"});
  b = good;
  b.last_commit.signatures.clear();
  ExpectBlockError(b, {"last_commit.signatures", "needs signatures"});
  b = good;
  b.last_commit.signatures[1].flag = static_cast<tdm::BlockIdFlag>(4);
  ExpectBlockError(b, {"last_commit.signatures[1].block_id_flag", "got 4"});
  b = good;
  b.evidence[0].vote_b.round = -3;
  ExpectBlockError(b, {"evidence.evidence[0].duplicate_vote_evidence.vote_b.round", "at least 0"});
  b = good;
  b.evidence[0].validator_power = -1;
  ExpectBlockError(b, {"duplicate_vote_evidence.validator_power", "negative"});

  // Hand-made faults the encoder cannot produce: an absent slot with a signature, a header
  // without a proposer address, light-client attack evidence (Evidence field 2).
  const auto with_commit_sig = [](const Pb& sig) {
    Pb header;
    header.Varint(3, 2).Bytes(14, 20);
    Pb psh;
    psh.Varint(1, 1).Bytes(2, 32);
    Pb block_id;
    block_id.Bytes(1, 32).Msg(2, psh);
    Pb commit;
    commit.Varint(1, 1).Msg(3, block_id).Msg(4, sig);
    return Pb().Msg(1, header).Msg(4, commit).bytes();
  };
  Pb go_zero;
  go_zero.Signed(1, tdm::kGoZeroTime.seconds);
  Pb absent;
  absent.Varint(1, 1).Msg(3, go_zero);
  ASSERT_TRUE(tdm::DecodeBlock(with_commit_sig(absent)).ok()) << tdm::DecodeBlock(with_commit_sig(absent)).status().message();
  Pb absent_signed = absent;
  absent_signed.Bytes(4, 64);
  auto r = tdm::DecodeBlock(with_commit_sig(absent_signed));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("last_commit.signatures[0].signature: must be empty when absent"),
            std::string::npos) << r.status().message();
  Pb absent_timed;
  absent_timed.Varint(1, 1).Msg(3, Pb().Varint(1, 5));
  r = tdm::DecodeBlock(with_commit_sig(absent_timed));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("signatures[0].timestamp: must be the zero time"), std::string::npos);

  r = tdm::DecodeBlock(Pb().Msg(1, Pb().Append({0x12, 0x02, 0xc3, 0x28})).bytes());  // chain_id
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("header.chain_id: string is not valid UTF-8"), std::string::npos)
      << r.status().message();
  r = tdm::DecodeBlock(Pb().Msg(1, Pb().Varint(3, 1)).bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("header.proposer_address: address must be 20 bytes, got 0"), std::string::npos)
      << r.status().message();
  Pb header;
  header.Varint(3, 1).Bytes(14, 20);
  r = tdm::DecodeBlock(Pb().Msg(1, header).Msg(3, Pb().Msg(1, Pb().Msg(2, Pb()))).bytes());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("evidence.evidence[0]: not duplicate-vote evidence"), std::string::npos)
      << r.status().message();
}

TEST(TendermintWireErrors, EvidenceChannel) {
  auto big = tdm::DecodeEvidence(Bytes(tdm::kMaxEvidenceMessageBytes + 1, 0));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("tendermint.types.EvidenceList: 1048577 bytes exceeds"), std::string::npos)
      << big.status().message();
  auto light = tdm::DecodeEvidence(Pb().Msg(1, Pb().Msg(2, Pb())).bytes());  // light-client attack
  ASSERT_FALSE(light.ok());
  EXPECT_NE(light.status().message().find("tendermint.types.EvidenceList: evidence[0]: not duplicate-vote"),
            std::string::npos)
      << light.status().message();
  tdm::EvidenceList list;
  list.evidence.resize(1);  // votes of height 0
  auto bad = tdm::DecodeEvidence(tdm::EncodeEvidence(list));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("evidence[0].duplicate_vote_evidence.vote_a.type"), std::string::npos)
      << bad.status().message();
}

// The public headers expose peerlab types only: the generated code stays inside the library.
TEST(TendermintWire, PublicHeadersIncludeNoProtobuf) {
  for (const char* name : {"wire.hpp", "messages.hpp", "types.hpp"}) {
    const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/families/tendermint/include/peerlab/tendermint/" + name;
    std::ifstream in(path);
    ASSERT_TRUE(in.good()) << path;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str().find("#include <google/"), std::string::npos) << name;
    EXPECT_EQ(text.str().find(".pb.h"), std::string::npos) << name;
  }
}

// A short deterministic run of the fuzz driver, about 2 s optimised (tendermint_wire_fuzz runs
// 10^6 and more).
TEST(TendermintWireFuzz, MutatedAndRandomInputsNeverBreakTheCodec) {
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
  constexpr std::uint64_t kCases = 300'000;
#else
  constexpr std::uint64_t kCases = 30'000;
#endif
  const auto stats = fz::RunCases(kCases, 20261206);
  EXPECT_EQ(stats.cases, kCases);
  // The mix must reach both the decoders' success and their error paths.
  EXPECT_GT(stats.decoded, kCases / 20);
  EXPECT_GT(stats.decode_errors, kCases / 4);
}

TEST(TendermintWireFuzz, ArbitraryBytes) {
  peerlab::Rng rng(9);
  Bytes data;
  for (int i = 0; i < 5000; ++i) {
    data.resize(rng.Below(120));
    for (auto& b : data) b = static_cast<std::uint8_t>(rng.Next());
    fz::CheckArbitraryBytes(data);
  }
}

}  // namespace
