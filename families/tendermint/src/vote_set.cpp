#include "peerlab/tendermint/vote_set.hpp"

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {

VoteSet::VoteSet(Height height, Round round, SignedMsgType type, const ValidatorSet* validators)
    : height_(height), round_(round), type_(type), validators_(validators) {
  PEERLAB_ASSERT(validators_ != nullptr && validators_->Size() > 0);
  PEERLAB_ASSERT(type == SignedMsgType::kPrevote || type == SignedMsgType::kPrecommit);
  const auto n = static_cast<std::size_t>(validators_->Size());
  votes_.resize(n);
  first_tally_.assign(n, kNoTally);
  conflict_reported_.assign(n, false);
}

AddVoteResult VoteSet::Add(const Vote& vote, std::optional<DoubleSign>* evidence) {
  if (vote.height != height_ || vote.round != round_ || vote.type != type_) {
    return AddVoteResult::kInvalid;
  }
  const ValidatorIndex index = vote.validator_index;
  if (index < 0 || index >= validators_->Size()) return AddVoteResult::kInvalid;
  const Validator& validator = validators_->At(index);
  if (validator.address != vote.validator_address) return AddVoteResult::kInvalid;

  auto& slot = votes_[static_cast<std::size_t>(index)];
  if (slot) {
    if (SameBlockId(slot->block_id, vote.block_id)) return AddVoteResult::kDuplicate;
    if (!conflict_reported_[static_cast<std::size_t>(index)]) {
      conflict_reported_[static_cast<std::size_t>(index)] = true;
      if (evidence != nullptr) *evidence = DoubleSign{*slot, vote};
    }
    // Counted only towards a BlockId a peer claimed +2/3 for, once per validator.
    for (BlockVotes& b : tally_) {
      if (b.id == vote.block_id && b.peer_maj23 && !b.voted[static_cast<std::size_t>(index)]) {
        b.extra.push_back(vote);
        Count(b, index);
      }
    }
    return AddVoteResult::kConflict;
  }
  slot = vote;
  sum_ += validator.voting_power;
  PEERLAB_ASSERT(sum_ <= validators_->TotalVotingPower());
  BlockVotes& b = Tally(vote.block_id);
  first_tally_[static_cast<std::size_t>(index)] = static_cast<std::uint16_t>(&b - tally_.data());
  Count(b, index);
  return AddVoteResult::kAdded;
}

VoteSet::BlockVotes& VoteSet::Tally(const BlockId& id) {
  for (BlockVotes& b : tally_) {
    if (SameBlockId(b.id, id)) return b;
  }
  PEERLAB_ASSERT(tally_.size() < kNoTally);
  BlockVotes& b = tally_.emplace_back();
  b.id = id;
  b.voted.assign(votes_.size(), false);
  return b;
}

void VoteSet::Count(BlockVotes& b, ValidatorIndex index) {
  b.voted[static_cast<std::size_t>(index)] = true;
  b.power += validators_->At(index).voting_power;
  // The first BlockId past 2/3 stays the majority (with < 1/3 Byzantine power no other can
  // pass it).
  if (!maj23_ && validators_->IsTwoThirds(b.power)) maj23_ = b.id;
}

bool VoteSet::SetPeerMaj23(PeerId peer, const BlockId& id) {
  for (const auto& [p, claimed] : peer_claims_) {
    if (p == peer) return claimed == id;
  }
  peer_claims_.emplace_back(peer, id);
  Tally(id).peer_maj23 = true;
  return true;
}

VotingPower VoteSet::PowerFor(const BlockId& id) const {
  for (const BlockVotes& b : tally_) {
    if (b.id == id) return b.power;
  }
  return 0;
}

const Vote* VoteSet::VoteOf(ValidatorIndex index) const {
  if (index < 0 || index >= validators_->Size()) return nullptr;
  const auto& slot = votes_[static_cast<std::size_t>(index)];
  return slot ? &*slot : nullptr;
}

std::vector<Vote> VoteSet::VotesFor(const BlockId& id) const {
  std::vector<Vote> out;
  for (const auto& slot : votes_) {
    if (slot && slot->block_id == id) out.push_back(*slot);
  }
  for (const BlockVotes& b : tally_) {
    if (b.id == id) out.insert(out.end(), b.extra.begin(), b.extra.end());
  }
  return out;
}

BitArray VoteSet::VotedBits() const {
  BitArray bits;
  bits.bits = static_cast<std::int64_t>(votes_.size());
  bits.elems.assign((votes_.size() + 63) / 64, 0);
  for (std::size_t i = 0; i < votes_.size(); ++i) {
    if (votes_[i]) bits.elems[i / 64] |= std::uint64_t{1} << (i % 64);
  }
  return bits;
}

HeightVoteSet::HeightVoteSet(Height height, const ValidatorSet* validators)
    : height_(height), validators_(validators) {
  PEERLAB_ASSERT(validators_ != nullptr);
  AddRound(0);
}

HeightVoteSet::RoundVotes& HeightVoteSet::AddRound(Round round) {
  PEERLAB_ASSERT(round >= 0 && !rounds_.contains(round));
  auto [it, inserted] = rounds_.emplace(
      round, RoundVotes{VoteSet(height_, round, SignedMsgType::kPrevote, validators_),
                        VoteSet(height_, round, SignedMsgType::kPrecommit, validators_),
                        std::vector<bool>(static_cast<std::size_t>(validators_->Size()), false),
                        0});
  PEERLAB_ASSERT(inserted);
  if (round < kIndexedRounds) {
    const auto r = static_cast<std::size_t>(round);
    if (by_round_.size() <= r) by_round_.resize(r + 1, nullptr);
    by_round_[r] = &it->second;
  }
  return it->second;
}

void HeightVoteSet::SetRound(Round round) {
  PEERLAB_ASSERT(round >= round_);
  for (Round r = round_; r <= round; ++r) {
    if (!rounds_.contains(r)) AddRound(r);  // may exist already as a catch-up round
  }
  round_ = round;
}

AddVoteResult HeightVoteSet::Add(const Vote& vote, PeerId peer,
                                 std::optional<DoubleSign>* evidence) {
  if (vote.height != height_ || vote.round < 0) return AddVoteResult::kInvalid;
  if (vote.type != SignedMsgType::kPrevote && vote.type != SignedMsgType::kPrecommit) {
    return AddVoteResult::kInvalid;
  }
  auto* found = const_cast<RoundVotes*>(Find(vote.round));
  if (found == nullptr) {
    // Only rounds above round_ can be missing (SetRound fills 0..round_).
    std::vector<Round>& used = catchup_rounds_[peer];
    if (used.size() >= kCatchupRoundsPerPeer) return AddVoteResult::kUnwantedRound;
    used.push_back(vote.round);
    found = &AddRound(vote.round);
  }
  RoundVotes& rv = *found;
  VoteSet& set = vote.type == SignedMsgType::kPrevote ? rv.prevotes : rv.precommits;
  const AddVoteResult result = set.Add(vote, evidence);
  if (result == AddVoteResult::kAdded) {
    const auto i = static_cast<std::size_t>(vote.validator_index);
    if (!rv.voted_any[i]) {
      rv.voted_any[i] = true;
      rv.any_power += validators_->At(vote.validator_index).voting_power;
    }
  }
  return result;
}

void HeightVoteSet::SetPeerMaj23(Round round, SignedMsgType type, PeerId peer,
                                 const BlockId& id) {
  auto it = rounds_.find(round);
  if (it == rounds_.end()) return;
  if (type == SignedMsgType::kPrevote) it->second.prevotes.SetPeerMaj23(peer, id);
  if (type == SignedMsgType::kPrecommit) it->second.precommits.SetPeerMaj23(peer, id);
}

VotingPower HeightVoteSet::AnyPower(Round round) const {
  auto it = rounds_.find(round);
  return it == rounds_.end() ? 0 : it->second.any_power;
}

std::vector<Round> HeightVoteSet::Rounds() const {
  std::vector<Round> out;
  out.reserve(rounds_.size());
  for (const auto& [r, rv] : rounds_) out.push_back(r);
  return out;
}

}  // namespace peerlab::tendermint
