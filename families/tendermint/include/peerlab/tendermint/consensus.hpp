// The Tendermint consensus algorithm as a sans-IO state machine.
//
// Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus"
// (arXiv:1807.04938), as CometBFT runs it: heights and rounds, steps propose / prevote /
// precommit, lockedValue/lockedRound and validValue/validRound, every upon-rule of the paper
// (the .cpp cites each by its line number), timeouts that grow with the round, and CometBFT's
// NewHeight step (the commit wait, timeout_commit) between heights.
//
// Contract: `ConsensusState::Handle(now, input, out)` is the only mutating entry point. It never
// reads a clock, a socket or a global RNG and never throws; the driver carries out what it
// appends to `out` (broadcasts, timeouts) and feeds back proposals, completed blocks, votes
// and fired timeouts. The core sees blocks only as BlockIds: the driver builds a block to
// propose (BlockSource), gossips its parts, and reports FullBlockReceived once all parts of a
// proposal's block are here and the block is valid. The core does not sign or verify: it counts
// where it would (out::CryptoWork after each Handle), so the driver can charge CPU time. A node
// whose address is not in the validator set follows: it tallies votes and commits, never
// votes or proposes. Byzantine behaviour lives outside the core, in ConsensusHooks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "peerlab/tendermint/types.hpp"
#include "peerlab/tendermint/validator_set.hpp"
#include "peerlab/tendermint/vote_set.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::tendermint {


// Which timeout fired.
enum class TimeoutStep : std::uint8_t { kNewHeight, kPropose, kPrevote, kPrecommit };

// Timeouts: CometBFT's DefaultConsensusConfig (config/config.go, cometbft/cometbft at commit
// 033a7e8716c9e338c8dbe0ceeede2d8e82ca9660): timeout_propose 3 s + 0.5 s per round,
// timeout_prevote and timeout_precommit 1 s + 0.5 s per round, timeout_commit 1 s.
struct ConsensusConfig {
  Address self{};  // not in the validator set: a full node
  DurationNs timeout_propose = 3000 * kMillisecond;
  DurationNs timeout_propose_delta = 500 * kMillisecond;
  DurationNs timeout_prevote = 1000 * kMillisecond;
  DurationNs timeout_prevote_delta = 500 * kMillisecond;
  DurationNs timeout_precommit = 1000 * kMillisecond;
  DurationNs timeout_precommit_delta = 500 * kMillisecond;
  DurationNs timeout_commit = 1000 * kMillisecond;

  DurationNs Propose(Round r) const { return timeout_propose + timeout_propose_delta * r; }
  DurationNs Prevote(Round r) const { return timeout_prevote + timeout_prevote_delta * r; }
  DurationNs Precommit(Round r) const { return timeout_precommit + timeout_precommit_delta * r; }
};

namespace in {
struct Start {  // begin `height` at round 0 (no commit wait)
  Height height = 1;
};
struct ProposalReceived {
  Proposal proposal;
  ValidatorIndex signer = -1;  // whose (stand-in) signature it carries
  PeerId from = 0;
};
// All parts of the block with this id are here and it was checked (`valid`), or found invalid.
struct FullBlockReceived {
  Height height = 0;
  BlockId block_id;
  bool valid = true;
};
struct VoteReceived {
  Vote vote;
  PeerId from = 0;
};
// A peer's VoteSetMaj23: it has +2/3 for `block_id` in (height, round, type). Lets a
// conflicting vote for that BlockId count (vote_set.hpp); the reactor sends these claims
// (CometBFT's queryMaj23Routine) and then gossips the votes.
struct PeerMaj23 {
  Height height = 0;
  Round round = 0;
  SignedMsgType type = SignedMsgType::kPrevote;
  BlockId block_id;
  PeerId from = 0;
};
struct TimeoutFired {
  Height height = 0;
  Round round = 0;
  TimeoutStep step = TimeoutStep::kPropose;
};
// The node restarted with this state (CometBFT replays its write-ahead log to it); the
// timeouts it had armed died with the process, so the current step's is armed again.
struct Resume {};
}  // namespace in
using Input = std::variant<in::Start, in::ProposalReceived, in::FullBlockReceived,
                           in::VoteReceived, in::PeerMaj23, in::TimeoutFired, in::Resume>;

namespace out {
struct BroadcastProposal {
  Proposal proposal;
};
struct BroadcastVote {
  Vote vote;
};
struct ScheduleTimeout {
  Height height = 0;
  Round round = 0;
  TimeoutStep step = TimeoutStep::kPropose;
  TimeNs at = 0;
};
struct Commit {
  Height height = 0;
  Round round = 0;
  BlockId block_id;
  std::vector<Vote> precommits;  // the +2/3 precommits for block_id in `round`
};
struct Evidence {
  DoubleSign pair;
};
struct StepChanged {  // for NewRoundStep gossip
  Height height = 0;
  Round round = 0;
  RoundStep step = RoundStep::kNewHeight;
};
// Signatures this Handle call would have made and checked (one per proposal or vote signed,
// one per proposal or vote from another validator that was counted or found conflicting).
struct CryptoWork {
  std::int32_t signed_messages = 0;
  std::int32_t verified_messages = 0;
};
}  // namespace out
using Output = std::variant<out::BroadcastProposal, out::BroadcastVote, out::ScheduleTimeout,
                            out::Commit, out::Evidence, out::StepChanged, out::CryptoWork>;

// The block to propose at (height, round) when there is no validValue: the driver builds it and
// returns its BlockId (never nil); the core treats its own block as received and valid.
using BlockSource = std::function<BlockId(Height, Round)>;

// Where a Byzantine validator departs from the protocol. The defaults are honest: sign and send
// exactly what the algorithm decided. A hook appends the messages actually sent (none for a
// silent validator, two different ones for an equivocator); the core counts the first as its
// own vote or proposal.
class ConsensusHooks {
 public:
  virtual ~ConsensusHooks() = default;
  virtual void SignVote(const Vote& honest, std::vector<Vote>& sent) { sent.push_back(honest); }
  virtual void SignProposal(const Proposal& honest, std::vector<Proposal>& sent) {
    sent.push_back(honest);
  }
};

class ConsensusState {
 public:
  // `validators` is the set of height 1 (as ValidatorSet::Make returns it); the set does not
  // change between heights (no validator updates), its priorities advance one run per height
  // as CometBFT's state update does. `hooks` may be null (honest); it must outlive the state.
  ConsensusState(ValidatorSet validators, ConsensusConfig config, BlockSource source,
                 ConsensusHooks* hooks = nullptr);

  void Handle(TimeNs now, const Input& input, std::vector<Output>& out);

  Height height() const { return height_; }
  Round round() const { return round_; }
  RoundStep step() const { return step_; }
  bool started() const { return started_; }
  bool IsValidator() const { return my_index_ >= 0; }
  ValidatorIndex my_index() const { return my_index_; }
  const std::optional<BlockId>& locked_value() const { return locked_value_; }
  Round locked_round() const { return locked_round_; }
  const std::optional<BlockId>& valid_value() const { return valid_value_; }
  Round valid_round() const { return valid_round_; }
  // The validator set at round 0 of the current height, and the proposer of (height, round).
  const ValidatorSet& validators() const { return *height_set_; }
  ValidatorIndex ProposerOf(Round round) const;
  const HeightVoteSet& votes() const { return *votes_; }
  const Proposal* ProposalOf(Round round) const;
  const ConsensusConfig& config() const { return config_; }
  std::int64_t signed_total() const { return signed_total_; }
  std::int64_t verified_total() const { return verified_total_; }

 private:
  enum class BlockStatus : std::uint8_t { kMissing, kValid, kInvalid };

  void OnStart(const in::Start& s);
  void OnProposal(const in::ProposalReceived& p);
  void OnBlock(const in::FullBlockReceived& b);
  void OnVote(const in::VoteReceived& v);
  void OnPeerMaj23(const in::PeerMaj23& m);
  void OnTimeout(const in::TimeoutFired& t);
  void OnResume();

  void EnterHeight(Height height);
  void StartRound(Round round);
  void Decide(Round round, const BlockId& id);
  // Runs the upon-rules until none fires.
  void Evaluate();
  bool EvaluateOnce();
  void SignAndSendVote(SignedMsgType type, const BlockId& id);
  void SetStep(RoundStep step);
  void Schedule(TimeoutStep step, DurationNs after);
  BlockStatus StatusOf(const BlockId& id) const;
  void RememberBlock(const BlockId& id, bool valid);
  bool InPrevoteStep() const {
    return step_ == RoundStep::kPrevote || step_ == RoundStep::kPrevoteWait;
  }

  ConsensusConfig config_;
  BlockSource source_;
  // Null: the honest defaults (resolved per call, so a moved state never points into the
  // moved-from one).
  ConsensusHooks* Hooks() { return hooks_ != nullptr ? hooks_ : &default_hooks_; }
  ConsensusHooks default_hooks_;
  ConsensusHooks* hooks_;

  // Heap-held so that the vote sets' pointers to them survive moves of the state.
  std::unique_ptr<ValidatorSet> height_set_;
  mutable std::unique_ptr<ValidatorSet> round_set_;  // cache for ProposerOf(round_set_round_)
  mutable Round round_set_round_ = -1;
  std::unique_ptr<HeightVoteSet> votes_;
  ValidatorIndex my_index_ = -1;

  bool started_ = false;
  Height height_ = 0;
  Round round_ = 0;
  RoundStep step_ = RoundStep::kNewHeight;
  std::optional<BlockId> locked_value_;
  Round locked_round_ = -1;
  std::optional<BlockId> valid_value_;
  Round valid_round_ = -1;
  // "For the first time" guards of the current round (lines 34, 36, 47).
  bool prevote_wait_done_ = false;
  bool lock_rule_done_ = false;
  bool precommit_wait_done_ = false;

  std::map<Round, Proposal> proposals_;  // the first proposal per round, rounds >= round_
  std::vector<std::pair<BlockId, bool>> blocks_;  // blocks of this height: id, valid

  TimeNs now_ = 0;
  std::vector<Output>* out_ = nullptr;
  std::int32_t signed_now_ = 0;
  std::int32_t verified_now_ = 0;
  std::int64_t signed_total_ = 0;
  std::int64_t verified_total_ = 0;
  std::vector<Vote> vote_buf_;
  std::vector<Proposal> proposal_buf_;
};

}  // namespace peerlab::tendermint
