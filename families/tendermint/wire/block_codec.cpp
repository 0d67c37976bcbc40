// Blocks, the evidence and mempool channels' messages, and vote sign bytes (wire.hpp).
#include "peerlab/tendermint/wire.hpp"
#include "proto_convert.hpp"
#include "tendermint/mempool/types.pb.h"
#include "tendermint/types/canonical.pb.h"

namespace peerlab::tendermint {
namespace {

using namespace wire_detail;  // NOLINT: the codec's own internals
namespace tpb = ::tendermint::types;
namespace mpb = ::tendermint::mempool;

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

void ToProtoList(const std::vector<DuplicateVoteEvidence>& list, tpb::EvidenceList& out) {
  for (const DuplicateVoteEvidence& e : list) ToProto(e, *out.add_evidence()->mutable_duplicate_vote_evidence());
}

Status FromProtoList(const tpb::EvidenceList& in, const Where& w, std::vector<DuplicateVoteEvidence>& out) {
  out.resize(static_cast<std::size_t>(in.evidence_size()));
  for (int i = 0; i < in.evidence_size(); ++i) {
    const auto& e = in.evidence(i);
    const std::string field = "evidence[" + std::to_string(i) + "]";
    if (!e.has_duplicate_vote_evidence()) {
      return w.Bad(field, "not duplicate-vote evidence (the only kind peerlab models)");
    }
    const Where dw = w.In(field).In("duplicate_vote_evidence");
    if (Status s = FromProto(e.duplicate_vote_evidence(), dw, out[i]); !s.ok()) return s;
  }
  return Status::Ok();
}

tpb::Block ToProtoBlock(const Block& block) {
  tpb::Block out;
  ToProto(block.header, *out.mutable_header());
  auto& data = *out.mutable_data();
  for (const std::uint32_t size : block.tx_sizes) data.add_txs()->assign(size, '\0');
  ToProtoList(block.evidence, *out.mutable_evidence());
  ToProto(block.last_commit, *out.mutable_last_commit());
  return out;
}

mpb::Message ToProtoMempool(const MempoolTxs& txs) {
  mpb::Message out;
  auto& o = *out.mutable_txs();
  for (const std::uint32_t size : txs.tx_sizes) o.add_txs()->assign(size, '\0');
  return out;
}

void AppendVarint(std::uint64_t v, std::vector<std::uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

std::vector<std::uint8_t> EncodeBlock(const Block& block) { return Serialize(ToProtoBlock(block)); }

std::size_t WireSize(const Block& block) { return ToProtoBlock(block).ByteSizeLong(); }

std::uint32_t PartCount(std::size_t block_bytes) {
  return static_cast<std::uint32_t>((block_bytes + kBlockPartBytes - 1) / kBlockPartBytes);
}

Result<Block> DecodeBlock(std::span<const std::uint8_t> bytes) {
  tpb::Block in;
  if (Status s = ParseChecked(bytes, static_cast<std::size_t>(kMaxBlockSizeBytes), in); !s.ok()) return s;
  const Where w(in.GetDescriptor()->full_name());
  Block out;
  if (Status s = FromProto(in.header(), w.In("header"), out.header); !s.ok()) return s;
  out.tx_sizes.reserve(static_cast<std::size_t>(in.data().txs_size()));
  for (const std::string& tx : in.data().txs()) out.tx_sizes.push_back(static_cast<std::uint32_t>(tx.size()));
  if (Status s = FromProtoList(in.evidence(), w.In("evidence"), out.evidence); !s.ok()) return s;
  if (in.has_last_commit()) {
    if (Status s = FromProto(in.last_commit(), w.In("last_commit"), out.last_commit); !s.ok()) return s;
  }
  if (out.last_commit.height != out.header.height - 1) {
    return w.In("last_commit").Bad("height", "must be the block's height - 1 (" +
                                                 std::to_string(out.header.height - 1) + "), got " +
                                                 std::to_string(out.last_commit.height));
  }
  return out;
}

std::vector<std::uint8_t> EncodeEvidence(const EvidenceList& list) {
  tpb::EvidenceList out;
  ToProtoList(list.evidence, out);
  return Serialize(out);
}

std::size_t WireSize(const EvidenceList& list) {
  tpb::EvidenceList out;
  ToProtoList(list.evidence, out);
  return out.ByteSizeLong();
}

Result<EvidenceList> DecodeEvidence(std::span<const std::uint8_t> bytes) {
  tpb::EvidenceList in;
  if (Status s = ParseChecked(bytes, kMaxEvidenceMessageBytes, in); !s.ok()) return s;
  EvidenceList out;
  if (Status s = FromProtoList(in, Where(in.GetDescriptor()->full_name()), out.evidence); !s.ok()) return s;
  return out;
}

std::vector<std::uint8_t> EncodeMempool(const MempoolTxs& txs) { return Serialize(ToProtoMempool(txs)); }

std::size_t WireSize(const MempoolTxs& txs) { return ToProtoMempool(txs).ByteSizeLong(); }

std::size_t MaxMempoolMessageBytes() {
  // Sized once through the .proto, so the limit follows the field list.
  static const std::size_t bytes = ToProtoMempool(MempoolTxs{{kMaxTxBytes}}).ByteSizeLong();
  return bytes;
}

Result<MempoolTxs> DecodeMempool(std::span<const std::uint8_t> bytes) {
  mpb::Message in;
  if (Status s = ParseChecked(bytes, MaxMempoolMessageBytes(), in); !s.ok()) return s;
  const Where w(in.GetDescriptor()->full_name());
  if (!in.has_txs()) return w.Bad("sum", "no known message in the envelope");
  // CometBFT's mempool reactor refuses a batch without transactions.
  if (in.txs().txs_size() == 0) return w.In("txs").Bad("txs", "empty transaction batch");
  MempoolTxs out;
  out.tx_sizes.reserve(static_cast<std::size_t>(in.txs().txs_size()));
  for (const std::string& tx : in.txs().txs()) out.tx_sizes.push_back(static_cast<std::uint32_t>(tx.size()));
  return out;
}

WireTimestamp ToWireTimestamp(std::int64_t unix_ns) {
  // Floor division: a time before 1970 has negative seconds and non-negative nanos.
  std::int64_t seconds = unix_ns / kNanosPerSecond;
  std::int64_t nanos = unix_ns % kNanosPerSecond;
  if (nanos < 0) {
    seconds -= 1;
    nanos += kNanosPerSecond;
  }
  return WireTimestamp{seconds, static_cast<std::int32_t>(nanos)};
}

std::vector<std::uint8_t> VoteSignBytes(std::string_view chain_id, const Vote& vote) {
  return VoteSignBytes(chain_id, vote.type, vote.height, vote.round, vote.block_id,
                       ToWireTimestamp(vote.timestamp_ns));
}

std::vector<std::uint8_t> VoteSignBytes(std::string_view chain_id, SignedMsgType type, Height height,
                                        Round round, const BlockId& block_id, WireTimestamp timestamp) {
  tpb::CanonicalVote cv;
  cv.set_type(static_cast<tpb::SignedMsgType>(type));
  cv.set_height(height);
  cv.set_round(round);
  if (!block_id.IsNil()) {
    auto& id = *cv.mutable_block_id();
    id.set_hash(HashBytes(block_id.hash));
    id.mutable_part_set_header()->set_total(block_id.part_set_header.total);
    id.mutable_part_set_header()->set_hash(HashBytes(block_id.part_set_header.hash));
  }
  cv.mutable_timestamp()->set_seconds(timestamp.seconds);
  cv.mutable_timestamp()->set_nanos(timestamp.nanos);
  cv.set_chain_id(std::string(chain_id));
  const std::vector<std::uint8_t> body = Serialize(cv);
  std::vector<std::uint8_t> out;
  out.reserve(body.size() + 10);
  AppendVarint(body.size(), out);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace peerlab::tendermint
