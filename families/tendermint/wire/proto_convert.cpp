// Value conversions shared by the codecs (proto_convert.hpp). The range rules follow CometBFT's
// ValidateBasic checks for the same types (types/vote.go, proposal.go, block.go, part_set.go,
// evidence.go): where CometBFT allows a range and peerlab models a fixed size (signatures are
// Ed25519's 64 bytes, hashes SHA-256's 32), the fixed size is required.
#include "proto_convert.hpp"

#include <algorithm>
#include <limits>

namespace peerlab::tendermint::wire_detail {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::size_t kMaxChainIdLength = 50;  // CometBFT types/genesis.go MaxChainIDLen

std::string Got(std::size_t n) { return "got " + std::to_string(n); }

}  // namespace

Status ParseChecked(std::span<const std::uint8_t> bytes, std::size_t max_bytes,
                    google::protobuf::Message& out) {
  const std::string& name = out.GetDescriptor()->full_name();
  if (bytes.size() > max_bytes) {
    return Status::Error(name + ": " + std::to_string(bytes.size()) +
                         " bytes exceeds the channel's maximum of " + std::to_string(max_bytes));
  }
  if (Status s = CheckWireStructure(*out.GetDescriptor(), bytes); !s.ok()) return s;
  if (!out.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Error(name + ": refused by the protobuf parser");
  }
  return Status::Ok();
}

std::vector<std::uint8_t> Serialize(const google::protobuf::Message& message) {
  std::vector<std::uint8_t> bytes(message.ByteSizeLong());
  PEERLAB_ASSERT(message.SerializeToArray(bytes.data(), static_cast<int>(bytes.size())));
  return bytes;
}

std::string HashBytes(const Hash256& hash) {
  if (hash == Hash256{}) return {};
  return std::string(hash.bytes.begin(), hash.bytes.end());
}

Status HashFrom(const std::string& bytes, const Where& where, std::string_view field, Hash256& out) {
  out = Hash256{};
  if (bytes.empty()) return Status::Ok();
  if (bytes.size() != out.bytes.size()) {
    return where.Bad(field, "hash must be empty or 32 bytes, " + Got(bytes.size()));
  }
  std::copy(bytes.begin(), bytes.end(), out.bytes.begin());
  return Status::Ok();
}

Status AddressFrom(const std::string& bytes, const Where& where, std::string_view field, Address& out) {
  if (bytes.size() != out.size()) return where.Bad(field, "address must be 20 bytes, " + Got(bytes.size()));
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::Ok();
}

Status SignatureFrom(const std::string& bytes, const Where& where, std::string_view field,
                     Signature& out) {
  if (bytes.size() != out.size()) return where.Bad(field, "signature must be 64 bytes, " + Got(bytes.size()));
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return Status::Ok();
}

void ToProto(std::int64_t unix_ns, google::protobuf::Timestamp& out) {
  const WireTimestamp ts = ToWireTimestamp(unix_ns);
  out.set_seconds(ts.seconds);
  out.set_nanos(ts.nanos);
}

Status TimeFrom(const google::protobuf::Timestamp& ts, const Where& where, std::string_view field,
                std::int64_t& unix_ns) {
  if (ts.nanos() < 0 || ts.nanos() >= kNanosPerSecond) {
    return where.Bad(field, "nanos must be in [0, 999999999], got " + std::to_string(ts.nanos()));
  }
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(ts.seconds(), kNanosPerSecond, &ns) ||
      __builtin_add_overflow(ns, ts.nanos(), &ns)) {
    return where.Bad(field, "time " + std::to_string(ts.seconds()) +
                                " s is outside the years 1677-2262 that peerlab represents");
  }
  unix_ns = ns;
  return Status::Ok();
}

Status HeightFrom(std::int64_t height, bool allow_zero, const Where& where, std::string_view field,
                  Height& out) {
  if (height < 0 || (height == 0 && !allow_zero)) {
    return where.Bad(field, std::string(allow_zero ? "height must not be negative"
                                                   : "height must be positive") +
                                ", got " + std::to_string(height));
  }
  out = height;
  return Status::Ok();
}

Status RoundFrom(std::int32_t round, Round min, const Where& where, std::string_view field, Round& out) {
  if (round < min) {
    return where.Bad(field, "round must be at least " + std::to_string(min) + ", got " +
                                std::to_string(round));
  }
  out = round;
  return Status::Ok();
}

Status VoteTypeFrom(int type, const Where& where, std::string_view field, SignedMsgType& out) {
  if (type != static_cast<int>(SignedMsgType::kPrevote) &&
      type != static_cast<int>(SignedMsgType::kPrecommit)) {
    return where.Bad(field, "vote type must be prevote (1) or precommit (2), got " + std::to_string(type));
  }
  out = static_cast<SignedMsgType>(type);
  return Status::Ok();
}

void ToProto(const PartSetHeader& header, pb::types::PartSetHeader& out) {
  out.set_total(header.total);
  out.set_hash(HashBytes(header.hash));
}

Status FromProto(const pb::types::PartSetHeader& in, const Where& where, PartSetHeader& out) {
  if (in.total() > kMaxBlockPartsCount) {
    return where.Bad("total", "part count " + std::to_string(in.total()) + " exceeds " +
                                  std::to_string(kMaxBlockPartsCount));
  }
  out.total = in.total();
  return HashFrom(in.hash(), where, "hash", out.hash);
}

void ToProto(const BlockId& id, pb::types::BlockID& out) {
  out.set_hash(HashBytes(id.hash));
  ToProto(id.part_set_header, *out.mutable_part_set_header());
}

Status FromProto(const pb::types::BlockID& in, const Where& where, BlockId& out) {
  if (Status s = HashFrom(in.hash(), where, "hash", out.hash); !s.ok()) return s;
  return FromProto(in.part_set_header(), where.In("part_set_header"), out.part_set_header);
}

void ToProto(const BitArray& bits, pb::libs::bits::BitArray& out) {
  out.set_bits(bits.bits);
  out.mutable_elems()->Assign(bits.elems.begin(), bits.elems.end());
}

Status FromProto(const pb::libs::bits::BitArray& in, std::int64_t max_bits, const Where& where,
                 BitArray& out) {
  if (in.bits() < 0 || in.bits() > max_bits) {
    return where.Bad("bits", "bit count must be in [0, " + std::to_string(max_bits) + "], got " +
                                 std::to_string(in.bits()));
  }
  const auto words = static_cast<std::size_t>((in.bits() + 63) / 64);
  if (static_cast<std::size_t>(in.elems_size()) != words) {
    return where.Bad("elems", std::to_string(in.bits()) + " bits need " + std::to_string(words) +
                                  " words, " + Got(in.elems_size()));
  }
  out.bits = in.bits();
  out.elems.assign(in.elems().begin(), in.elems().end());
  return Status::Ok();
}

void ToProto(const Vote& vote, pb::types::Vote& out) {
  out.set_type(static_cast<pb::types::SignedMsgType>(vote.type));
  out.set_height(vote.height);
  out.set_round(vote.round);
  ToProto(vote.block_id, *out.mutable_block_id());
  ToProto(vote.timestamp_ns, *out.mutable_timestamp());
  out.set_validator_address(std::string(vote.validator_address.begin(), vote.validator_address.end()));
  out.set_validator_index(vote.validator_index);
  out.set_signature(std::string(vote.signature.begin(), vote.signature.end()));
}

Status FromProto(const pb::types::Vote& in, const Where& where, Vote& out) {
  Status s = VoteTypeFrom(in.type(), where, "type", out.type);
  if (s.ok()) s = HeightFrom(in.height(), false, where, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, where, "round", out.round);
  if (s.ok()) s = FromProto(in.block_id(), where.In("block_id"), out.block_id);
  if (s.ok()) s = TimeFrom(in.timestamp(), where, "timestamp", out.timestamp_ns);
  if (s.ok()) s = AddressFrom(in.validator_address(), where, "validator_address", out.validator_address);
  if (s.ok() && in.validator_index() < 0) {
    s = where.Bad("validator_index", "must not be negative, got " + std::to_string(in.validator_index()));
  }
  out.validator_index = in.validator_index();
  if (s.ok()) s = SignatureFrom(in.signature(), where, "signature", out.signature);
  if (s.ok() && !in.extension().empty()) s = where.Bad("extension", "vote extensions are not modelled");
  if (s.ok() && !in.extension_signature().empty()) {
    s = where.Bad("extension_signature", "vote extensions are not modelled");
  }
  return s;
}

void ToProto(const Proposal& proposal, pb::types::Proposal& out) {
  out.set_type(pb::types::SIGNED_MSG_TYPE_PROPOSAL);
  out.set_height(proposal.height);
  out.set_round(proposal.round);
  out.set_pol_round(proposal.pol_round);
  ToProto(proposal.block_id, *out.mutable_block_id());
  ToProto(proposal.timestamp_ns, *out.mutable_timestamp());
  out.set_signature(std::string(proposal.signature.begin(), proposal.signature.end()));
}

Status FromProto(const pb::types::Proposal& in, const Where& where, Proposal& out) {
  Status s;
  if (in.type() != pb::types::SIGNED_MSG_TYPE_PROPOSAL) {
    s = where.Bad("type", "must be proposal (32), got " + std::to_string(in.type()));
  }
  if (s.ok()) s = HeightFrom(in.height(), false, where, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, where, "round", out.round);
  if (s.ok()) s = RoundFrom(in.pol_round(), -1, where, "pol_round", out.pol_round);
  if (s.ok()) s = FromProto(in.block_id(), where.In("block_id"), out.block_id);
  if (s.ok() && (out.block_id.hash == Hash256{} || out.block_id.part_set_header.total == 0 ||
                 out.block_id.part_set_header.hash == Hash256{})) {
    s = where.Bad("block_id", "a proposal needs a complete block id (hash, part count, part root)");
  }
  if (s.ok()) s = TimeFrom(in.timestamp(), where, "timestamp", out.timestamp_ns);
  if (s.ok()) s = SignatureFrom(in.signature(), where, "signature", out.signature);
  return s;
}

void ToProto(const Commit& commit, pb::types::Commit& out) {
  out.set_height(commit.height);
  out.set_round(commit.round);
  ToProto(commit.block_id, *out.mutable_block_id());
  for (const CommitSig& sig : commit.signatures) {
    pb::types::CommitSig& o = *out.add_signatures();
    o.set_block_id_flag(static_cast<pb::types::BlockIDFlag>(sig.flag));
    if (sig.flag == BlockIdFlag::kAbsent) {
      o.mutable_timestamp()->set_seconds(kGoZeroTime.seconds);
      continue;
    }
    o.set_validator_address(std::string(sig.validator_address.begin(), sig.validator_address.end()));
    ToProto(sig.timestamp_ns, *o.mutable_timestamp());
    o.set_signature(std::string(sig.signature.begin(), sig.signature.end()));
  }
}

namespace {

Status CommitSigFrom(const pb::types::CommitSig& in, const Where& where, CommitSig& out) {
  const int flag = in.block_id_flag();
  if (flag < static_cast<int>(BlockIdFlag::kAbsent) || flag > static_cast<int>(BlockIdFlag::kNil)) {
    return where.Bad("block_id_flag", "must be absent (1), commit (2) or nil (3), got " + std::to_string(flag));
  }
  out = CommitSig{};
  out.flag = static_cast<BlockIdFlag>(flag);
  if (out.flag == BlockIdFlag::kAbsent) {
    if (!in.validator_address().empty()) return where.Bad("validator_address", "must be empty when absent");
    if (!in.signature().empty()) return where.Bad("signature", "must be empty when absent");
    if (in.timestamp().seconds() != kGoZeroTime.seconds || in.timestamp().nanos() != 0) {
      return where.Bad("timestamp", "must be the zero time when absent");
    }
    return Status::Ok();
  }
  Status s = AddressFrom(in.validator_address(), where, "validator_address", out.validator_address);
  if (s.ok()) s = TimeFrom(in.timestamp(), where, "timestamp", out.timestamp_ns);
  if (s.ok()) s = SignatureFrom(in.signature(), where, "signature", out.signature);
  return s;
}

}  // namespace

Status FromProto(const pb::types::Commit& in, const Where& where, Commit& out) {
  Status s = HeightFrom(in.height(), true, where, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, where, "round", out.round);
  if (s.ok()) s = FromProto(in.block_id(), where.In("block_id"), out.block_id);
  if (!s.ok()) return s;
  if (in.signatures_size() > kMaxVotesCount) {
    return where.Bad("signatures", "more than " + std::to_string(kMaxVotesCount) + " signatures");
  }
  // From height 1 on a commit is for a block and holds one slot per validator.
  if (out.height >= 1 && out.block_id.IsNil()) return where.Bad("block_id", "a commit needs a block id");
  if (out.height >= 1 && in.signatures_size() == 0) return where.Bad("signatures", "a commit needs signatures");
  out.signatures.resize(static_cast<std::size_t>(in.signatures_size()));
  for (int i = 0; i < in.signatures_size(); ++i) {
    const Where sig_where = where.In("signatures[" + std::to_string(i) + "]");
    if (Status e = CommitSigFrom(in.signatures(i), sig_where, out.signatures[i]); !e.ok()) return e;
  }
  return Status::Ok();
}

void ToProto(const DuplicateVoteEvidence& evidence, pb::types::DuplicateVoteEvidence& out) {
  ToProto(evidence.vote_a, *out.mutable_vote_a());
  ToProto(evidence.vote_b, *out.mutable_vote_b());
  out.set_total_voting_power(evidence.total_voting_power);
  out.set_validator_power(evidence.validator_power);
  ToProto(evidence.timestamp_ns, *out.mutable_timestamp());
}

Status FromProto(const pb::types::DuplicateVoteEvidence& in, const Where& where,
                 DuplicateVoteEvidence& out) {
  if (!in.has_vote_a()) return where.Bad("vote_a", "missing");
  if (!in.has_vote_b()) return where.Bad("vote_b", "missing");
  Status s = FromProto(in.vote_a(), where.In("vote_a"), out.vote_a);
  if (s.ok()) s = FromProto(in.vote_b(), where.In("vote_b"), out.vote_b);
  if (s.ok() && in.total_voting_power() < 0) s = where.Bad("total_voting_power", "must not be negative");
  if (s.ok() && in.validator_power() < 0) s = where.Bad("validator_power", "must not be negative");
  out.total_voting_power = in.total_voting_power();
  out.validator_power = in.validator_power();
  if (s.ok()) s = TimeFrom(in.timestamp(), where, "timestamp", out.timestamp_ns);
  return s;
}

void ToProto(const BlockHeader& header, pb::types::Header& out) {
  out.mutable_version()->set_block(header.version_block);
  out.mutable_version()->set_app(header.version_app);
  out.set_chain_id(header.chain_id);
  out.set_height(header.height);
  ToProto(header.time_ns, *out.mutable_time());
  ToProto(header.last_block_id, *out.mutable_last_block_id());
  out.set_last_commit_hash(HashBytes(header.last_commit_hash));
  out.set_data_hash(HashBytes(header.data_hash));
  out.set_validators_hash(HashBytes(header.validators_hash));
  out.set_next_validators_hash(HashBytes(header.next_validators_hash));
  out.set_consensus_hash(HashBytes(header.consensus_hash));
  out.set_app_hash(HashBytes(header.app_hash));
  out.set_last_results_hash(HashBytes(header.last_results_hash));
  out.set_evidence_hash(HashBytes(header.evidence_hash));
  out.set_proposer_address(std::string(header.proposer_address.begin(), header.proposer_address.end()));
}

Status FromProto(const pb::types::Header& in, const Where& where, BlockHeader& out) {
  out.version_block = in.version().block();
  out.version_app = in.version().app();
  if (in.chain_id().size() > kMaxChainIdLength) {
    return where.Bad("chain_id", "longer than " + std::to_string(kMaxChainIdLength) + " bytes, " +
                                     Got(in.chain_id().size()));
  }
  out.chain_id = in.chain_id();
  Status s = HeightFrom(in.height(), false, where, "height", out.height);
  if (s.ok()) s = TimeFrom(in.time(), where, "time", out.time_ns);
  if (s.ok()) s = FromProto(in.last_block_id(), where.In("last_block_id"), out.last_block_id);
  if (s.ok()) s = HashFrom(in.last_commit_hash(), where, "last_commit_hash", out.last_commit_hash);
  if (s.ok()) s = HashFrom(in.data_hash(), where, "data_hash", out.data_hash);
  if (s.ok()) s = HashFrom(in.validators_hash(), where, "validators_hash", out.validators_hash);
  if (s.ok()) s = HashFrom(in.next_validators_hash(), where, "next_validators_hash", out.next_validators_hash);
  if (s.ok()) s = HashFrom(in.consensus_hash(), where, "consensus_hash", out.consensus_hash);
  if (s.ok()) s = HashFrom(in.app_hash(), where, "app_hash", out.app_hash);
  if (s.ok()) s = HashFrom(in.last_results_hash(), where, "last_results_hash", out.last_results_hash);
  if (s.ok()) s = HashFrom(in.evidence_hash(), where, "evidence_hash", out.evidence_hash);
  if (s.ok()) s = AddressFrom(in.proposer_address(), where, "proposer_address", out.proposer_address);
  return s;
}

}  // namespace peerlab::tendermint::wire_detail
