// Vote sets: the votes of one (height, round, type) tallied by voting power per BlockId, and
// the vote sets of every round of one height.
//
// One vote per validator per set. A second vote from the same validator for a different
// BlockId is not counted; the pair (first, second) is returned as evidence of double signing,
// once per validator per set, and the second vote is not stored. The one exception is
// CometBFT's (types/vote_set.go, SetPeerMaj23): once a peer claims +2/3 for a BlockId
// (VoteSetMaj23), a conflicting vote for that BlockId is counted towards it (still reported),
// so that an equivocator's first-arrived vote cannot hide a real +2/3 from us forever. Memory
// stays bounded: one canonical vote per validator, one claim per peer, and per claimed BlockId
// at most one extra vote per validator.
#pragma once

#include <cstdint>
#include <map>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "peerlab/tendermint/types.hpp"
#include "peerlab/tendermint/validator_set.hpp"

namespace peerlab::tendermint {

// BlockId equality as word compares: the defaulted operator== calls memcmp twice (the block
// hash, then the part-set header), and the node compares block ids on every vote it receives.
// A BlockId is 68 bytes of plain value (no padding), so comparing its bytes is comparing it.
static_assert(sizeof(BlockId) == 68 && std::has_unique_object_representations_v<BlockId>);
inline bool SameBlockId(const BlockId& a, const BlockId& b) {
  const auto* x = reinterpret_cast<const unsigned char*>(&a);
  const auto* y = reinterpret_cast<const unsigned char*>(&b);
  std::uint64_t diff = 0;
  for (std::size_t i = 0; i < 64; i += 8) {
    std::uint64_t u, v;
    std::memcpy(&u, x + i, 8);
    std::memcpy(&v, y + i, 8);
    diff |= u ^ v;
  }
  std::uint32_t u4, v4;
  std::memcpy(&u4, x + 64, 4);
  std::memcpy(&v4, y + 64, 4);
  return (diff | (u4 ^ v4)) == 0;
}

// Who delivered a vote, as the driver names its peers; kSelfPeer for the node's own votes.
using PeerId = std::uint64_t;
inline constexpr PeerId kSelfPeer = ~PeerId{0};

enum class AddVoteResult : std::uint8_t {
  kAdded,          // counted
  kDuplicate,      // the same vote again: ignored
  kConflict,       // a different vote from a validator that already voted: not counted
  kInvalid,        // wrong height/round/type, unknown index, address not the index's
  kUnwantedRound,  // a future round the peer may not make us allocate (HeightVoteSet)
};

// Two votes of one validator for one (height, round, type) with different BlockIds.
struct DoubleSign {
  Vote first;
  Vote second;
  bool operator==(const DoubleSign&) const = default;
};

class VoteSet {
 public:
  VoteSet(Height height, Round round, SignedMsgType type, const ValidatorSet* validators);

  // Adds `vote`; on kConflict reported for the first time for that validator, sets *evidence.
  AddVoteResult Add(const Vote& vote, std::optional<DoubleSign>* evidence);
  // A peer claims +2/3 for `id` here. False if that peer already claimed a different BlockId
  // (CometBFT's "setPeerMaj23: Received conflicting blockID").
  bool SetPeerMaj23(PeerId peer, const BlockId& id);

  // The BlockId (nil included) with more than 2/3 of the total power, if any.
  const std::optional<BlockId>& TwoThirdsMajority() const { return maj23_; }
  // More than 2/3 (more than 1/3) of the total power voted, for anything.
  bool HasTwoThirdsAny() const { return validators_->IsTwoThirds(sum_); }
  bool HasOneThirdAny() const { return validators_->IsOneThird(sum_); }
  bool HasAll() const { return sum_ == validators_->TotalVotingPower(); }

  VotingPower Sum() const { return sum_; }
  VotingPower PowerFor(const BlockId& id) const;
  const Vote* VoteOf(ValidatorIndex index) const;
  // VoteOf(index) != nullptr, and VoteOf(index)->block_id == id, without touching the stored
  // vote: the node asks these of every vote it receives, most of them copies it holds, and the
  // compact per-validator index below stays in cache where the 200-byte votes do not.
  bool HasVote(ValidatorIndex index) const {
    return index >= 0 && static_cast<std::size_t>(index) < first_tally_.size() &&
           first_tally_[static_cast<std::size_t>(index)] != kNoTally;
  }
  bool FirstVoteFor(ValidatorIndex index, const BlockId& id) const {
    return HasVote(index) &&
           SameBlockId(tally_[first_tally_[static_cast<std::size_t>(index)]].id, id);
  }
  // The counted votes for `id`, by validator index (a commit's signatures).
  std::vector<Vote> VotesFor(const BlockId& id) const;
  // Which validators have a counted vote (for HasVote / VoteSetBits gossip).
  BitArray VotedBits() const;

  Height height() const { return height_; }
  Round round() const { return round_; }
  SignedMsgType type() const { return type_; }

 private:
  Height height_;
  Round round_;
  SignedMsgType type_;
  const ValidatorSet* validators_;
  struct BlockVotes {
    BlockId id;
    VotingPower power = 0;
    bool peer_maj23 = false;
    std::vector<bool> voted;   // by validator index: counted for this BlockId
    std::vector<Vote> extra;   // conflicting votes counted because of a peer's claim
  };
  BlockVotes& Tally(const BlockId& id);
  void Count(BlockVotes& b, ValidatorIndex index);

  std::vector<std::optional<Vote>> votes_;  // by validator index: the first vote
  // By validator index: the tally_ entry its first vote counts for (its block id), or kNoTally.
  static constexpr std::uint16_t kNoTally = 0xFFFF;
  std::vector<std::uint16_t> first_tally_;
  std::vector<bool> conflict_reported_;     // by validator index
  std::vector<BlockVotes> tally_;  // one entry per BlockId voted for or claimed
  std::vector<std::pair<PeerId, BlockId>> peer_claims_;
  VotingPower sum_ = 0;
  std::optional<BlockId> maj23_;
};

// CometBFT's HeightVoteSet (consensus/types/height_vote_set.go, cometbft/cometbft at commit
// 2576ed5dd91ba5af13eba96c1cf0161a6eca5093): vote sets for rounds 0..Round() (SetRound makes
// them), and beyond that at most 2 "catch-up" rounds per peer ("one for their LastCommit round,
// and another for the official commit round"); a vote for a further round from a peer that has
// used its two is kUnwantedRound (CometBFT's ErrGotVoteFromUnwantedRound). The node's own votes
// (kSelfPeer) are always for a round it has entered.
class HeightVoteSet {
 public:
  static constexpr std::size_t kCatchupRoundsPerPeer = 2;

  HeightVoteSet(Height height, const ValidatorSet* validators);
  // by_round_ points into rounds_: no copies.
  HeightVoteSet(const HeightVoteSet&) = delete;
  HeightVoteSet& operator=(const HeightVoteSet&) = delete;

  // Creates the sets of every round up to `round` (never decreases).
  void SetRound(Round round);
  AddVoteResult Add(const Vote& vote, PeerId peer, std::optional<DoubleSign>* evidence);
  // A peer's VoteSetMaj23 claim; ignored for a round we have no sets for (as CometBFT does).
  void SetPeerMaj23(Round round, SignedMsgType type, PeerId peer, const BlockId& id);

  const VoteSet* Prevotes(Round round) const {
    const RoundVotes* rv = Find(round);
    return rv == nullptr ? nullptr : &rv->prevotes;
  }
  const VoteSet* Precommits(Round round) const {
    const RoundVotes* rv = Find(round);
    return rv == nullptr ? nullptr : &rv->precommits;
  }
  // Voting power of the distinct validators with any counted vote (prevote or precommit) in
  // `round`: the paper's "f+1 <*, h, round, *, *>" (Algorithm 1 line 55).
  VotingPower AnyPower(Round round) const;
  // The rounds that have vote sets, ascending (0..Round() and the catch-up rounds).
  std::vector<Round> Rounds() const;
  // f(round, prevotes, precommits, any_power) for each of them, ascending, without allocating.
  template <class F>
  void ForEachRound(F&& f) const {
    for (const auto& [r, rv] : rounds_) f(r, rv.prevotes, rv.precommits, rv.any_power);
  }

  Height height() const { return height_; }
  Round round() const { return round_; }

 private:
  struct RoundVotes {
    VoteSet prevotes;
    VoteSet precommits;
    std::vector<bool> voted_any;  // by validator index
    VotingPower any_power = 0;
  };
  RoundVotes& AddRound(Round round);
  // The round's sets: rounds below kIndexedRounds by index (every vote lookup asks; a map
  // walk per vote showed in profiles), the rest (far catch-up rounds) in the map.
  const RoundVotes* Find(Round round) const {
    if (round >= 0 && round < kIndexedRounds) {
      const auto r = static_cast<std::size_t>(round);
      return r < by_round_.size() ? by_round_[r] : nullptr;
    }
    auto it = rounds_.find(round);
    return it == rounds_.end() ? nullptr : &it->second;
  }
  static constexpr Round kIndexedRounds = 64;

  Height height_;
  const ValidatorSet* validators_;
  Round round_ = 0;
  std::map<Round, RoundVotes> rounds_;
  std::vector<const RoundVotes*> by_round_;  // rounds_'s nodes (which stay put) by round
  std::map<PeerId, std::vector<Round>> catchup_rounds_;
};

}  // namespace peerlab::tendermint
