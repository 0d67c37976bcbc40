#include "peerlab/tendermint/peer_state.hpp"

#include <bit>

namespace peerlab::tendermint {

std::uint32_t Bits::Count() const {
  std::uint32_t n = 0;
  for (std::uint64_t w : words()) n += static_cast<std::uint32_t>(std::popcount(w));
  return n;
}

BitArray Bits::ToWire() const {
  BitArray out;
  out.bits = size_;
  const std::span<const std::uint64_t> w = words();
  out.elems.assign(w.begin(), w.end());
  return out;
}

Bits Bits::FromWire(const BitArray& wire, std::uint32_t size) {
  Bits out(size);
  std::uint64_t* words = out.data();
  const std::uint32_t n = out.WordCount();
  for (std::size_t w = 0; w < n && w < wire.elems.size(); ++w) words[w] = wire.elems[w];
  if (size % 64 != 0 && n > 0) {
    words[n - 1] &= (std::uint64_t{1} << (size % 64)) - 1;  // no bits beyond `size`
  }
  return out;
}

void Bits::Or(const Bits& other) {
  std::uint64_t* words = data();
  const std::uint32_t n = WordCount();
  const std::span<const std::uint64_t> theirs = other.words();
  for (std::size_t w = 0; w < n && w < theirs.size(); ++w) words[w] |= theirs[w];
  if (size_ % 64 != 0 && n > 0) words[n - 1] &= (std::uint64_t{1} << (size_ % 64)) - 1;
}

namespace {

// CometBFT's CompareHRS: order by height, then round, then step.
int CompareHrs(Height h1, Round r1, RoundStep s1, Height h2, Round r2, RoundStep s2) {
  if (h1 != h2) return h1 < h2 ? -1 : 1;
  if (r1 != r2) return r1 < r2 ? -1 : 1;
  if (s1 != s2) return s1 < s2 ? -1 : 1;
  return 0;
}

}  // namespace

void PeerState::ApplyNewRoundStep(const NewRoundStep& m) {
  if (CompareHrs(m.height, m.round, m.step, prs_.height, prs_.round, prs_.step) <= 0) return;
  const Height old_height = prs_.height;
  const Round old_round = prs_.round;
  const Round old_catchup_round = prs_.catchup_commit_round;
  Bits old_catchup = prs_.catchup_commit;
  Bits old_precommits = prs_.precommits;
  prs_.height = m.height;
  prs_.round = m.round;
  prs_.step = m.step;
  if (old_height != m.height || old_round != m.round) {
    prs_.has_proposal = false;
    prs_.parts_header = {};
    prs_.parts_known = false;
    prs_.parts = {};
    prs_.proposal_pol_round = -1;
    prs_.proposal_pol = {};
    prs_.prevotes = {};
    prs_.precommits = {};
  }
  if (old_height == m.height && old_round != m.round && m.round == old_catchup_round) {
    prs_.precommits = old_catchup;  // the peer reached the round of the commit it was sent
  }
  if (old_height != m.height) {
    prs_.last_commit_round = m.last_commit_round;
    if (old_height + 1 == m.height && old_round == m.last_commit_round) {
      prs_.last_commit = std::move(old_precommits);
    } else {
      prs_.last_commit = {};
    }
    prs_.catchup_commit_round = -1;
    prs_.catchup_commit = {};
  }
}

void PeerState::ApplyNewValidBlock(const NewValidBlock& m) {
  if (prs_.height != m.height) return;
  if (prs_.round != m.round && !m.is_commit) return;
  prs_.parts_header = m.block_part_set_header;
  prs_.parts = Bits::FromWire(m.block_parts, m.block_part_set_header.total);
  prs_.parts_known = true;
}

void PeerState::ApplyProposalPol(const ProposalPol& m, std::uint32_t validators) {
  if (prs_.height != m.height || prs_.proposal_pol_round != m.proposal_pol_round) return;
  prs_.proposal_pol = Bits::FromWire(m.proposal_pol, validators);
}

void PeerState::ApplyHasVote(const HasVote& m) {
  if (prs_.height != m.height) return;
  SetHasVote(m.height, m.round, m.type, m.index);
}

void PeerState::ApplyHasProposalBlockPart(const HasProposalBlockPart& m) {
  if (prs_.height != m.height) return;
  SetHasPart(m.height, m.round, m.index);
}

void PeerState::ApplyVoteSetBits(const VoteSetBits& m, const Bits* ours) {
  Bits* votes = MutableVoteBits(m.height, m.round, m.type);
  if (votes == nullptr) return;
  const Bits claimed = Bits::FromWire(m.votes, votes->size());
  if (ours == nullptr) {
    *votes = claimed;
    return;
  }
  // Keep what the peer has beyond our votes for this block id, and take its word for ours.
  Bits kept(votes->size());
  for (std::uint32_t i = 0; i < votes->size(); ++i) {
    if (votes->Get(i) && !ours->Get(i)) kept.Set(i);
  }
  kept.Or(claimed);
  *votes = std::move(kept);
}

void PeerState::SetHasProposal(const Proposal& p) {
  if (prs_.height != p.height || prs_.round != p.round || prs_.has_proposal) return;
  prs_.has_proposal = true;
  if (prs_.parts_known) return;  // set by NewValidBlock already
  prs_.parts_header = p.block_id.part_set_header;
  prs_.parts = Bits(p.block_id.part_set_header.total);
  prs_.parts_known = true;
  prs_.proposal_pol_round = p.pol_round;
  prs_.proposal_pol = {};
}

void PeerState::SetHasPart(Height height, Round round, std::uint32_t index) {
  if (prs_.height != height || prs_.round != round || !prs_.parts_known) return;
  prs_.parts.Set(index);
}

void PeerState::SetHasVote(Height height, Round round, SignedMsgType type, ValidatorIndex index) {
  if (Bits* bits = MutableVoteBits(height, round, type); bits != nullptr && index >= 0) {
    bits->Set(static_cast<std::uint32_t>(index));
  }
}

void PeerState::SetHasVoteFromPeer(const Vote& vote, Height our_height, std::uint32_t validators) {
  EnsureVoteBits(our_height, validators);
  EnsureVoteBits(our_height - 1, validators);
  SetHasVote(vote.height, vote.round, vote.type, vote.validator_index);
}

void PeerState::InitParts(const PartSetHeader& header) {
  if (prs_.parts_known) return;
  prs_.parts_header = header;
  prs_.parts = Bits(header.total);
  prs_.parts_known = true;
}

void PeerState::EnsureCatchupCommitRound(Height height, Round round, std::uint32_t validators) {
  if (prs_.height != height || prs_.catchup_commit_round == round) return;
  prs_.catchup_commit_round = round;
  if (round == prs_.round) {
    if (prs_.precommits.empty()) prs_.precommits = Bits(validators);
    prs_.catchup_commit = prs_.precommits;
  } else {
    prs_.catchup_commit = Bits(validators);
  }
}

void PeerState::EnsureVoteBits(Height height, std::uint32_t validators) {
  if (prs_.height == height) {
    if (prs_.prevotes.empty()) prs_.prevotes = Bits(validators);
    if (prs_.precommits.empty()) prs_.precommits = Bits(validators);
    if (prs_.catchup_commit.empty()) prs_.catchup_commit = Bits(validators);
    if (prs_.proposal_pol.empty()) prs_.proposal_pol = Bits(validators);
  } else if (prs_.height == height + 1) {
    if (prs_.last_commit.empty()) prs_.last_commit = Bits(validators);
  }
}

const Bits* PeerState::VoteBits(Height height, Round round, SignedMsgType type) const {
  return const_cast<PeerState*>(this)->MutableVoteBits(height, round, type);
}

Bits* PeerState::MutableVoteBits(Height height, Round round, SignedMsgType type) {
  const bool prevote = type == SignedMsgType::kPrevote;
  const bool precommit = type == SignedMsgType::kPrecommit;
  if (!prevote && !precommit) return nullptr;
  auto present = [](Bits& b) { return b.empty() ? nullptr : &b; };
  if (prs_.height == height) {
    if (prs_.round == round) return present(prevote ? prs_.prevotes : prs_.precommits);
    if (prs_.catchup_commit_round == round) return precommit ? present(prs_.catchup_commit) : nullptr;
    if (prs_.proposal_pol_round == round) return prevote ? present(prs_.proposal_pol) : nullptr;
    return nullptr;
  }
  if (prs_.height == height + 1 && prs_.last_commit_round == round) {
    return precommit ? present(prs_.last_commit) : nullptr;
  }
  return nullptr;
}

}  // namespace peerlab::tendermint
