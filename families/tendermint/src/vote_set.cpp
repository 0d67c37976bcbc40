#include "peerlab/tendermint/vote_set.hpp"

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {

VoteSet::VoteSet(Height height, Round round, SignedMsgType type, const ValidatorSet* validators)
    : height_(height), round_(round), type_(type), validators_(validators) {
  PEERLAB_ASSERT(validators_ != nullptr && validators_->Size() > 0);
  PEERLAB_ASSERT(type == SignedMsgType::kPrevote || type == SignedMsgType::kPrecommit);
  const auto n = static_cast<std::size_t>(validators_->Size());
  votes_.resize(n);
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
    if (slot->block_id == vote.block_id) return AddVoteResult::kDuplicate;
    if (!conflict_reported_[static_cast<std::size_t>(index)]) {
      conflict_reported_[static_cast<std::size_t>(index)] = true;
      if (evidence != nullptr) *evidence = DoubleSign{*slot, vote};
    }
    return AddVoteResult::kConflict;
  }
  slot = vote;
  sum_ += validator.voting_power;
  VotingPower* power = nullptr;
  for (auto& [id, p] : tally_) {
    if (id == vote.block_id) power = &p;
  }
  if (power == nullptr) {
    tally_.emplace_back(vote.block_id, 0);
    power = &tally_.back().second;
  }
  *power += validator.voting_power;
  // Only one BlockId can pass 2/3 of the power with one vote per validator; it stays.
  if (!maj23_ && validators_->IsTwoThirds(*power)) maj23_ = vote.block_id;
  PEERLAB_ASSERT(sum_ <= validators_->TotalVotingPower());
  return AddVoteResult::kAdded;
}

VotingPower VoteSet::PowerFor(const BlockId& id) const {
  for (const auto& [block, power] : tally_) {
    if (block == id) return power;
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
  auto it = rounds_.find(vote.round);
  if (it == rounds_.end()) {
    // Only rounds above round_ can be missing (SetRound fills 0..round_).
    std::vector<Round>& used = catchup_rounds_[peer];
    if (used.size() >= kCatchupRoundsPerPeer) return AddVoteResult::kUnwantedRound;
    used.push_back(vote.round);
    AddRound(vote.round);
    it = rounds_.find(vote.round);
  }
  RoundVotes& rv = it->second;
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

const VoteSet* HeightVoteSet::Prevotes(Round round) const {
  auto it = rounds_.find(round);
  return it == rounds_.end() ? nullptr : &it->second.prevotes;
}

const VoteSet* HeightVoteSet::Precommits(Round round) const {
  auto it = rounds_.find(round);
  return it == rounds_.end() ? nullptr : &it->second.precommits;
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
