// The validator set of one height and CometBFT's proposer selection (weighted round robin by
// proposer priority).
//
// The rules are CometBFT's, restated here in our own code:
//   - spec/consensus/proposer-selection.md (cometbft/cometbft at commit
//     13222ce9ddb2db2b74c8feaf56b7d0471515b1ed): each run adds every validator's voting power
//     to its priority, the largest priority proposes and loses the total power; before the runs
//     the priorities are scaled so that max - min <= 2 x total power and centred on their mean.
//   - types/validator_set.go (cometbft/cometbft at commit
//     00c35fdba4497fcd82a3c223ac2e717c34fa9549): MaxTotalVotingPower = MaxInt64 / 8,
//     PriorityWindowSizeFactor = 2, the rescale divides by ceil(diff / (2 x total)) only when
//     diff exceeds the window, rescale and centring happen once per IncrementProposerPriority
//     call (not once per run), additions and subtractions clip at the int64 limits, the
//     validators are kept sorted by voting power (descending) then address (ascending), a new
//     set is incremented once at creation (NewValidatorSet), and ties between equal priorities
//     go to the smaller address (types/validator.go, CompareProposerPriority).
//   - The mean used for centring is Go's big.Int Div, a Euclidean division: for a positive
//     divisor it rounds towards minus infinity, so we use floor division.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "peerlab/tendermint/types.hpp"

namespace peerlab::tendermint {

// CometBFT's MaxTotalVotingPower: small enough that priority arithmetic cannot overflow.
inline constexpr VotingPower kMaxTotalVotingPower = INT64_MAX / 8;
// CometBFT's PriorityWindowSizeFactor: priorities spread at most this times the total power.
inline constexpr std::int64_t kPriorityWindowSizeFactor = 2;

class ValidatorSet {
 public:
  ValidatorSet() = default;

  // A new set as CometBFT's NewValidatorSet makes it: sorted (power descending, address
  // ascending), priorities as given (0 for a fresh genesis), then incremented once. nullopt if
  // the list is empty, has a duplicate address, a power <= 0, or a total above
  // kMaxTotalVotingPower.
  static std::optional<ValidatorSet> Make(std::vector<Validator> validators);
  // The same without the initial increment: the priorities are taken exactly as given (for
  // replaying a state, and for the spec's worked examples).
  static std::optional<ValidatorSet> FromState(std::vector<Validator> validators);

  // `times` runs of the selection (times >= 1): rescale and centre once, then `times` runs.
  void IncrementProposerPriority(std::int32_t times);
  ValidatorSet CopyIncrementProposerPriority(std::int32_t times) const;

  // The steps IncrementProposerPriority is made of, public for the tests and the spec's
  // examples: scale priorities so that max - min <= diff_max; subtract the (floor) mean.
  void RescalePriorities(std::int64_t diff_max);
  void CentreOnMean();

  const Validator& Proposer() const { return validators_[proposer_]; }
  ValidatorIndex ProposerIndex() const { return proposer_; }

  std::span<const Validator> Validators() const { return validators_; }
  std::int32_t Size() const { return static_cast<std::int32_t>(validators_.size()); }
  const Validator& At(ValidatorIndex i) const;
  // -1 if the address is not in the set.
  ValidatorIndex IndexOf(const Address& address) const;
  VotingPower TotalVotingPower() const { return total_; }

  // Quorum thresholds on voting power: more than 2/3 of the total (power*3 > total*2) and more
  // than 1/3 ("f+1": power*3 > total). No overflow: total <= MaxInt64 / 8.
  bool IsTwoThirds(VotingPower power) const { return power * 3 > total_ * 2; }
  bool IsOneThird(VotingPower power) const { return power * 3 > total_; }

 private:
  // One run: add powers (clipped), the largest priority (ties: smaller address) proposes and
  // loses the total power (clipped). Returns the proposer's index.
  ValidatorIndex IncrementOnce();
  ValidatorIndex MostPriority() const;
  static std::optional<ValidatorSet> Build(std::vector<Validator> validators);

  std::vector<Validator> validators_;
  VotingPower total_ = 0;
  ValidatorIndex proposer_ = 0;
};

}  // namespace peerlab::tendermint
