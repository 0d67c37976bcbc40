// The consensus reactor's envelope, tendermint.consensus.Message (wire.hpp). Range rules follow
// CometBFT's consensus/msgs.go ValidateBasic checks for each message.
#include <algorithm>

#include "peerlab/tendermint/wire.hpp"
#include "proto_convert.hpp"
#include "tendermint/consensus/types.pb.h"

namespace peerlab::tendermint {
namespace {

using namespace wire_detail;  // NOLINT: the codec's own internals
namespace cpb = ::tendermint::consensus;

void Fill(const NewRoundStep& m, cpb::Message& out) {
  auto& o = *out.mutable_new_round_step();
  o.set_height(m.height);
  o.set_round(m.round);
  o.set_step(static_cast<std::uint32_t>(m.step));
  o.set_seconds_since_start_time(m.seconds_since_start_time);
  o.set_last_commit_round(m.last_commit_round);
}
void Fill(const NewValidBlock& m, cpb::Message& out) {
  auto& o = *out.mutable_new_valid_block();
  o.set_height(m.height);
  o.set_round(m.round);
  ToProto(m.block_part_set_header, *o.mutable_block_part_set_header());
  // This field may be absent in CometBFT, which leaves an empty bit array out.
  if (m.block_parts.bits != 0 || !m.block_parts.elems.empty()) ToProto(m.block_parts, *o.mutable_block_parts());
  o.set_is_commit(m.is_commit);
}
void Fill(const ProposalMessage& m, cpb::Message& out) {
  ToProto(m.proposal, *out.mutable_proposal()->mutable_proposal());
}
void Fill(const ProposalPol& m, cpb::Message& out) {
  auto& o = *out.mutable_proposal_pol();
  o.set_height(m.height);
  o.set_proposal_pol_round(m.proposal_pol_round);
  ToProto(m.proposal_pol, *o.mutable_proposal_pol());
}
void Fill(const BlockPart& m, cpb::Message& out) {
  auto& o = *out.mutable_block_part();
  o.set_height(m.height);
  o.set_round(m.round);
  auto& part = *o.mutable_part();
  part.set_index(m.index);
  part.mutable_bytes()->assign(m.size_bytes, '\0');  // synthetic content, real length
  auto& proof = *part.mutable_proof();
  proof.set_total(m.proof.total);
  proof.set_index(m.proof.index);
  proof.set_leaf_hash(std::string(m.proof.leaf_hash.bytes.begin(), m.proof.leaf_hash.bytes.end()));
  for (const Hash256& aunt : m.proof.aunts) proof.add_aunts(std::string(aunt.bytes.begin(), aunt.bytes.end()));
}
void Fill(const VoteMessage& m, cpb::Message& out) { ToProto(m.vote, *out.mutable_vote()->mutable_vote()); }
void Fill(const HasVote& m, cpb::Message& out) {
  auto& o = *out.mutable_has_vote_message();
  o.set_height(m.height);
  o.set_round(m.round);
  o.set_type(static_cast<::tendermint::types::SignedMsgType>(m.type));
  o.set_index(m.index);
}
void Fill(const VoteSetMaj23& m, cpb::Message& out) {
  auto& o = *out.mutable_vote_set_maj23();
  o.set_height(m.height);
  o.set_round(m.round);
  o.set_type(static_cast<::tendermint::types::SignedMsgType>(m.type));
  ToProto(m.block_id, *o.mutable_block_id());
}
void Fill(const VoteSetBits& m, cpb::Message& out) {
  auto& o = *out.mutable_vote_set_bits();
  o.set_height(m.height);
  o.set_round(m.round);
  o.set_type(static_cast<::tendermint::types::SignedMsgType>(m.type));
  ToProto(m.block_id, *o.mutable_block_id());
  ToProto(m.votes, *o.mutable_votes());
}
void Fill(const HasProposalBlockPart& m, cpb::Message& out) {
  auto& o = *out.mutable_has_proposal_block_part();
  o.set_height(m.height);
  o.set_round(m.round);
  o.set_index(m.index);
}

cpb::Message ToProtoMessage(const ConsensusMessage& message) {
  cpb::Message out;
  std::visit([&out](const auto& m) { Fill(m, out); }, message);
  return out;
}

Status Read(const cpb::NewRoundStep& in, const Where& w, NewRoundStep& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok() && (in.step() < static_cast<std::uint32_t>(RoundStep::kNewHeight) ||
                 in.step() > static_cast<std::uint32_t>(RoundStep::kCommit))) {
    s = w.Bad("step", "must be a round step in [1, 8], got " + std::to_string(in.step()));
  }
  out.step = static_cast<RoundStep>(in.step());
  out.seconds_since_start_time = in.seconds_since_start_time();
  if (s.ok()) s = RoundFrom(in.last_commit_round(), -1, w, "last_commit_round", out.last_commit_round);
  return s;
}

Status Read(const cpb::NewValidBlock& in, const Where& w, NewValidBlock& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok()) s = FromProto(in.block_part_set_header(), w.In("block_part_set_header"), out.block_part_set_header);
  if (s.ok()) s = FromProto(in.block_parts(), kMaxBlockPartsCount, w.In("block_parts"), out.block_parts);
  if (s.ok() && out.block_parts.bits != out.block_part_set_header.total) {
    s = w.Bad("block_parts", "has " + std::to_string(out.block_parts.bits) + " bits for " +
                                 std::to_string(out.block_part_set_header.total) + " parts");
  }
  out.is_commit = in.is_commit();
  return s;
}

Status Read(const cpb::ProposalPOL& in, const Where& w, ProposalPol& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.proposal_pol_round(), 0, w, "proposal_pol_round", out.proposal_pol_round);
  if (s.ok()) s = FromProto(in.proposal_pol(), kMaxVotesCount, w.In("proposal_pol"), out.proposal_pol);
  if (s.ok() && out.proposal_pol.bits == 0) s = w.Bad("proposal_pol", "empty bit array");
  return s;
}

Status Read(const cpb::BlockPart& in, const Where& w, BlockPart& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (!s.ok()) return s;
  const auto& part = in.part();
  const Where pw = w.In("part");
  if (part.bytes().size() > kBlockPartBytes) {
    return pw.Bad("bytes", "part of " + std::to_string(part.bytes().size()) + " bytes exceeds " +
                               std::to_string(kBlockPartBytes));
  }
  out.index = part.index();
  out.size_bytes = static_cast<std::uint32_t>(part.bytes().size());
  const auto& proof = part.proof();
  const Where prw = pw.In("proof");
  if (proof.total() < 1 || proof.total() > kMaxBlockPartsCount) {
    return prw.Bad("total", "part count must be in [1, " + std::to_string(kMaxBlockPartsCount) +
                                "], got " + std::to_string(proof.total()));
  }
  if (proof.index() < 0 || proof.index() >= proof.total()) {
    return prw.Bad("index", "part index " + std::to_string(proof.index()) + " is not below the total " +
                                std::to_string(proof.total()));
  }
  if (proof.index() != part.index()) {
    return pw.Bad("index", "part index " + std::to_string(part.index()) + " differs from its proof's " +
                               std::to_string(proof.index()));
  }
  out.proof.total = proof.total();
  out.proof.index = proof.index();
  if (proof.leaf_hash().size() != 32) {
    return prw.Bad("leaf_hash", "hash must be 32 bytes, got " + std::to_string(proof.leaf_hash().size()));
  }
  std::copy(proof.leaf_hash().begin(), proof.leaf_hash().end(), out.proof.leaf_hash.bytes.begin());
  if (static_cast<std::size_t>(proof.aunts_size()) > kMaxMerkleAunts) {
    return prw.Bad("aunts", "more than " + std::to_string(kMaxMerkleAunts) + " aunts");
  }
  out.proof.aunts.resize(static_cast<std::size_t>(proof.aunts_size()));
  for (int i = 0; i < proof.aunts_size(); ++i) {
    if (proof.aunts(i).size() != 32) {
      return prw.Bad("aunts[" + std::to_string(i) + "]",
                     "hash must be 32 bytes, got " + std::to_string(proof.aunts(i).size()));
    }
    std::copy(proof.aunts(i).begin(), proof.aunts(i).end(), out.proof.aunts[i].bytes.begin());
  }
  return Status::Ok();
}

Status Read(const cpb::HasVote& in, const Where& w, HasVote& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok()) s = VoteTypeFrom(in.type(), w, "type", out.type);
  if (s.ok() && in.index() < 0) s = w.Bad("index", "must not be negative, got " + std::to_string(in.index()));
  out.index = in.index();
  return s;
}

Status Read(const cpb::VoteSetMaj23& in, const Where& w, VoteSetMaj23& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok()) s = VoteTypeFrom(in.type(), w, "type", out.type);
  if (s.ok()) s = FromProto(in.block_id(), w.In("block_id"), out.block_id);
  return s;
}

Status Read(const cpb::VoteSetBits& in, const Where& w, VoteSetBits& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok()) s = VoteTypeFrom(in.type(), w, "type", out.type);
  if (s.ok()) s = FromProto(in.block_id(), w.In("block_id"), out.block_id);
  if (s.ok()) s = FromProto(in.votes(), kMaxVotesCount, w.In("votes"), out.votes);
  return s;
}

Status Read(const cpb::HasProposalBlockPart& in, const Where& w, HasProposalBlockPart& out) {
  Status s = HeightFrom(in.height(), true, w, "height", out.height);
  if (s.ok()) s = RoundFrom(in.round(), 0, w, "round", out.round);
  if (s.ok() && in.index() >= kMaxBlockPartsCount) {
    s = w.Bad("index", "part index " + std::to_string(in.index()) + " is not below the maximum part count " +
                           std::to_string(kMaxBlockPartsCount));
  }
  out.index = in.index();
  return s;
}

// Reads the one message set in the envelope into alternative T.
template <class T, class P>
Result<ConsensusMessage> ReadAs(const P& in, const Where& where) {
  T out;
  if (Status s = Read(in, where, out); !s.ok()) return s;
  return ConsensusMessage(std::move(out));
}

}  // namespace

std::vector<std::uint8_t> Encode(const ConsensusMessage& message) { return Serialize(ToProtoMessage(message)); }

std::size_t WireSize(const ConsensusMessage& message) { return ToProtoMessage(message).ByteSizeLong(); }

Result<ConsensusMessage> Decode(std::span<const std::uint8_t> bytes) {
  cpb::Message in;
  if (Status s = ParseChecked(bytes, kMaxConsensusMessageBytes, in); !s.ok()) return s;
  const Where w(in.GetDescriptor()->full_name());
  switch (in.sum_case()) {
    case cpb::Message::kNewRoundStep: return ReadAs<NewRoundStep>(in.new_round_step(), w.In("new_round_step"));
    case cpb::Message::kNewValidBlock:
      return ReadAs<NewValidBlock>(in.new_valid_block(), w.In("new_valid_block"));
    case cpb::Message::kProposal: {
      ProposalMessage out;
      if (!in.proposal().has_proposal()) return w.In("proposal").Bad("proposal", "missing");
      if (Status s = FromProto(in.proposal().proposal(), w.In("proposal").In("proposal"), out.proposal); !s.ok()) {
        return s;
      }
      return ConsensusMessage(out);
    }
    case cpb::Message::kProposalPol: return ReadAs<ProposalPol>(in.proposal_pol(), w.In("proposal_pol"));
    case cpb::Message::kBlockPart: return ReadAs<BlockPart>(in.block_part(), w.In("block_part"));
    case cpb::Message::kVote: {
      VoteMessage out;
      if (!in.vote().has_vote()) return w.In("vote").Bad("vote", "missing");
      if (Status s = FromProto(in.vote().vote(), w.In("vote").In("vote"), out.vote); !s.ok()) return s;
      return ConsensusMessage(out);
    }
    case cpb::Message::kHasVoteMessage: return ReadAs<HasVote>(in.has_vote_message(), w.In("has_vote_message"));
    case cpb::Message::kVoteSetMaj23: return ReadAs<VoteSetMaj23>(in.vote_set_maj23(), w.In("vote_set_maj23"));
    case cpb::Message::kVoteSetBits: return ReadAs<VoteSetBits>(in.vote_set_bits(), w.In("vote_set_bits"));
    case cpb::Message::kHasProposalBlockPart:
      return ReadAs<HasProposalBlockPart>(in.has_proposal_block_part(), w.In("has_proposal_block_part"));
    case cpb::Message::SUM_NOT_SET: break;
  }
  return w.Bad("sum", "no known message in the envelope");
}

}  // namespace peerlab::tendermint
