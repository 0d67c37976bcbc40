// The Tendermint state machine. "Line N" cites Algorithm 1 of Buchman, Kwon and Milosevic,
// "The latest gossip on BFT consensus", arXiv:1807.04938 (v3), by its line number.
//
// Where we follow CometBFT rather than the paper's letter:
//   - Between heights, CometBFT's NewHeight step: after a decision the node moves to height+1
//     and waits timeout_commit before StartRound(0), tallying votes meanwhile.
//   - valid(v) and "the proposal's value" are known only once the driver reports the proposal's
//     block complete (FullBlockReceived); CometBFT likewise prevotes once the proposal's parts
//     are all here, or on timeout_propose. A decision (line 49) needs the decided block
//     complete and valid, found by its BlockId (CometBFT fetches the committed block's parts
//     from the commit's PartSetHeader even without the proposal).
//   - Every node, the proposer included, schedules timeout_propose on entering a round
//     (CometBFT's enterPropose); the paper schedules it only at non-proposers (line 21).
//   - The proposer of round r is the height's round-0 set incremented r times in one call
//     (CopyIncrementProposerPriority(r)), the same at every node whatever rounds it skipped.
//     CometBFT increments from the node's previous round; the two differ only if a priority
//     rescale triggers between rounds.
//   - Line 55 counts the distinct validators with any vote (prevote or precommit) in the later
//     round, as the paper does; CometBFT skips on +2/3 of prevotes or precommits for anything.
#include "peerlab/tendermint/consensus.hpp"

#include <algorithm>
#include <utility>

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {
namespace {

// How many rounds ahead of the current one a proposal is kept (the reactor re-sends later
// ones when we get there); keeps the proposal store bounded.
constexpr Round kProposalLookahead = 2;
// Blocks a height remembers (the driver reports one per proposal it assembled).
constexpr std::size_t kMaxBlocksPerHeight = 64;

}  // namespace

ConsensusState::ConsensusState(ValidatorSet validators, ConsensusConfig config,
                               BlockSource source, ConsensusHooks* hooks)
    : config_(config),
      source_(std::move(source)),
      hooks_(hooks),
      height_set_(std::make_unique<ValidatorSet>(std::move(validators))) {
  PEERLAB_ASSERT(height_set_->Size() > 0);
  my_index_ = height_set_->IndexOf(config_.self);
}

void ConsensusState::Handle(TimeNs now, const Input& input, std::vector<Output>& out) {
  now_ = now;
  out_ = &out;
  signed_now_ = 0;
  verified_now_ = 0;
  std::visit(
      [this](const auto& i) {
        using T = std::decay_t<decltype(i)>;
        if constexpr (std::is_same_v<T, in::Start>) {
          OnStart(i);
        } else if constexpr (std::is_same_v<T, in::ProposalReceived>) {
          OnProposal(i);
        } else if constexpr (std::is_same_v<T, in::FullBlockReceived>) {
          OnBlock(i);
        } else if constexpr (std::is_same_v<T, in::VoteReceived>) {
          OnVote(i);
        } else if constexpr (std::is_same_v<T, in::PeerMaj23>) {
          OnPeerMaj23(i);
        } else if constexpr (std::is_same_v<T, in::TimeoutFired>) {
          OnTimeout(i);
        } else {
          OnResume();
        }
      },
      input);
  if (started_) Evaluate();
  if (signed_now_ != 0 || verified_now_ != 0) {
    out.push_back(out::CryptoWork{signed_now_, verified_now_});
    signed_total_ += signed_now_;
    verified_total_ += verified_now_;
  }
  out_ = nullptr;
}

ValidatorIndex ConsensusState::ProposerOf(Round round) const {
  PEERLAB_ASSERT(round >= 0);
  if (round == 0) return height_set_->ProposerIndex();
  if (round_set_round_ != round) {
    round_set_ = std::make_unique<ValidatorSet>(height_set_->CopyIncrementProposerPriority(round));
    round_set_round_ = round;
  }
  return round_set_->ProposerIndex();
}

const Proposal* ConsensusState::ProposalOf(Round round) const {
  auto it = proposals_.find(round);
  return it == proposals_.end() ? nullptr : &it->second;
}

ConsensusState::BlockStatus ConsensusState::StatusOf(const BlockId& id) const {
  for (const auto& [block, valid] : blocks_) {
    if (block == id) return valid ? BlockStatus::kValid : BlockStatus::kInvalid;
  }
  return BlockStatus::kMissing;
}

void ConsensusState::SetStep(RoundStep step) {
  step_ = step;
  out_->push_back(out::StepChanged{height_, round_, step_});
}

void ConsensusState::Schedule(TimeoutStep step, DurationNs after) {
  out_->push_back(out::ScheduleTimeout{height_, round_, step, SaturatingAdd(now_, after)});
}

// --- inputs -----------------------------------------------------------------------------

void ConsensusState::OnStart(const in::Start& s) {
  if (started_ || s.height < 1) return;
  started_ = true;
  // The set of height h is the genesis set advanced one run per earlier height (CometBFT's
  // state update calls IncrementProposerPriority(1) once per height).
  for (Height h = 1; h < s.height; ++h) height_set_->IncrementProposerPriority(1);
  EnterHeight(s.height);
  StartRound(0);  // line 10
}

void ConsensusState::OnProposal(const in::ProposalReceived& p) {
  const Proposal& proposal = p.proposal;
  if (!started_ || proposal.height != height_) return;
  if (proposal.round < round_ || proposal.round > round_ + kProposalLookahead) return;
  // A proof-of-lock round must be earlier than the proposal's round (or -1).
  if (proposal.pol_round < -1 || proposal.pol_round >= proposal.round) return;
  if (proposal.block_id.IsNil()) return;
  if (proposals_.contains(proposal.round)) return;  // the first one wins, as in CometBFT
  ++verified_now_;
  if (p.signer != ProposerOf(proposal.round)) return;  // not from proposer(h, r)
  proposals_.emplace(proposal.round, proposal);
}

void ConsensusState::OnBlock(const in::FullBlockReceived& b) {
  if (!started_ || b.height != height_ || b.block_id.IsNil()) return;
  RememberBlock(b.block_id, b.valid);
}

void ConsensusState::RememberBlock(const BlockId& id, bool valid) {
  if (StatusOf(id) != BlockStatus::kMissing) return;
  if (blocks_.size() >= kMaxBlocksPerHeight) {
    // Forget the oldest block that is neither the locked nor the valid value.
    auto it = std::find_if(blocks_.begin(), blocks_.end(), [this](const auto& b) {
      return b.first != locked_value_ && b.first != valid_value_;
    });
    PEERLAB_ASSERT(it != blocks_.end());
    blocks_.erase(it);
  }
  blocks_.emplace_back(id, valid);
}

void ConsensusState::OnVote(const in::VoteReceived& v) {
  if (!started_ || v.vote.height != height_) return;
  std::optional<DoubleSign> evidence;
  const AddVoteResult r = votes_->Add(v.vote, v.from, &evidence);
  if (r == AddVoteResult::kAdded || r == AddVoteResult::kConflict) ++verified_now_;
  // A conflicting vote of our own key (a twin's, or our own second one relayed back) is not
  // reported: CometBFT's tryAddVote logs it ("found conflicting vote from ourselves") instead.
  if (evidence && !(IsValidator() && v.vote.validator_index == my_index_)) {
    out_->push_back(out::Evidence{*evidence});
  }
}

void ConsensusState::OnPeerMaj23(const in::PeerMaj23& m) {
  if (!started_ || m.height != height_) return;
  votes_->SetPeerMaj23(m.round, m.type, m.from, m.block_id);
}

void ConsensusState::OnTimeout(const in::TimeoutFired& t) {
  if (!started_ || t.height != height_) return;
  switch (t.step) {
    case TimeoutStep::kNewHeight:
      if (step_ == RoundStep::kNewHeight) StartRound(0);
      break;
    case TimeoutStep::kPropose:  // lines 57-60
      if (t.round == round_ && step_ == RoundStep::kPropose) {
        SignAndSendVote(SignedMsgType::kPrevote, BlockId{});
        SetStep(RoundStep::kPrevote);
      }
      break;
    case TimeoutStep::kPrevote:  // lines 61-64
      if (t.round == round_ && InPrevoteStep()) {
        SignAndSendVote(SignedMsgType::kPrecommit, BlockId{});
        SetStep(RoundStep::kPrecommit);
      }
      break;
    case TimeoutStep::kPrecommit:  // lines 65-67
      if (t.round == round_ && step_ != RoundStep::kNewHeight) StartRound(round_ + 1);
      break;
  }
}

// --- rounds and heights -------------------------------------------------------------------

void ConsensusState::EnterHeight(Height height) {
  height_ = height;
  round_ = 0;
  step_ = RoundStep::kNewHeight;
  // Line 53: reset the locks and the message log.
  locked_value_.reset();
  locked_round_ = -1;
  valid_value_.reset();
  valid_round_ = -1;
  prevote_wait_done_ = lock_rule_done_ = precommit_wait_done_ = false;
  proposals_.clear();
  blocks_.clear();
  round_set_.reset();
  round_set_round_ = -1;
  votes_ = std::make_unique<HeightVoteSet>(height_, height_set_.get());
}

void ConsensusState::StartRound(Round round) {  // lines 11-21
  PEERLAB_ASSERT(round >= round_);
  round_ = round;
  votes_->SetRound(round);
  prevote_wait_done_ = lock_rule_done_ = precommit_wait_done_ = false;
  std::erase_if(proposals_, [round](const auto& kv) { return kv.first < round; });
  SetStep(RoundStep::kPropose);
  if (IsValidator() && ProposerOf(round) == my_index_) {
    BlockId value;
    if (valid_value_) {
      value = *valid_value_;  // line 16
    } else {
      PEERLAB_ASSERT(source_ != nullptr);  // a validator needs a block source
      value = source_(height_, round);     // line 18, getValue()
      PEERLAB_ASSERT(!value.IsNil());
      RememberBlock(value, true);
    }
    const Proposal honest{height_, round, valid_round_, value, now_, Signature{}};
    proposal_buf_.clear();
    Hooks()->SignProposal(honest, proposal_buf_);  // line 19
    for (const Proposal& p : proposal_buf_) {
      ++signed_now_;
      out_->push_back(out::BroadcastProposal{p});
    }
    if (!proposal_buf_.empty() && !proposals_.contains(round)) {
      proposals_.emplace(round, proposal_buf_.front());
    }
  }
  Schedule(TimeoutStep::kPropose, config_.Propose(round));  // line 21 (at every node)
}

void ConsensusState::OnResume() {
  if (!started_) return;
  // The timeout each step waits on, as it was armed on entering the step (or on +2/3 of any
  // votes for the wait steps); a timeout that fires in a step it no longer applies to is
  // ignored (OnTimeout), so arming one again is harmless.
  switch (step_) {
    case RoundStep::kNewHeight:
      Schedule(TimeoutStep::kNewHeight, config_.timeout_commit);
      break;
    case RoundStep::kPropose:
      Schedule(TimeoutStep::kPropose, config_.Propose(round_));
      break;
    default:
      if (prevote_wait_done_ && InPrevoteStep()) Schedule(TimeoutStep::kPrevote, config_.Prevote(round_));
      if (precommit_wait_done_) Schedule(TimeoutStep::kPrecommit, config_.Precommit(round_));
      break;
  }
}

void ConsensusState::Decide(Round round, const BlockId& id) {  // lines 49-54
  const VoteSet* precommits = votes_->Precommits(round);
  PEERLAB_ASSERT(precommits != nullptr);
  out_->push_back(out::Commit{height_, round, id, precommits->VotesFor(id)});
  out_->push_back(out::StepChanged{height_, round, RoundStep::kCommit});
  // CometBFT's state update advances the priorities one run per height.
  height_set_->IncrementProposerPriority(1);
  EnterHeight(height_ + 1);
  out_->push_back(out::StepChanged{height_, round_, RoundStep::kNewHeight});
  Schedule(TimeoutStep::kNewHeight, config_.timeout_commit);
}

void ConsensusState::SignAndSendVote(SignedMsgType type, const BlockId& id) {
  if (!IsValidator()) return;  // a full node follows, never votes
  const Vote honest{type,   height_, round_, id, now_, height_set_->At(my_index_).address,
                    my_index_, Signature{}};
  vote_buf_.clear();
  Hooks()->SignVote(honest, vote_buf_);
  for (const Vote& v : vote_buf_) {
    ++signed_now_;
    out_->push_back(out::BroadcastVote{v});
  }
  if (!vote_buf_.empty()) {
    std::optional<DoubleSign> ignored;
    votes_->Add(vote_buf_.front(), kSelfPeer, &ignored);
  }
}

// --- the upon-rules -------------------------------------------------------------------------

void ConsensusState::Evaluate() {
  // Each firing changes the step, a guard, the round or the height, so a handful suffice; the
  // bound turns a livelock bug into a loud stop.
  for (int i = 0; i < 10'000; ++i) {
    if (!EvaluateOnce()) return;
  }
  PEERLAB_ASSERT(!"upon-rules did not settle");
}

bool ConsensusState::EvaluateOnce() {
  // Line 49: +2/3 precommits for id(v) in any round r, with v complete and valid: decide. It
  // holds in the commit wait too: CometBFT's addVote enters the precommits' round from the
  // NewHeight step and commits (consensus/state.go, addVote), which is how a node that fell
  // behind catches up faster than one height per timeout_commit.
  // Line 55: f+1 of the power sent messages of a later round: go to the highest such round.
  Round decide_round = -1;
  BlockId decide_id;
  Round skip_to = -1;
  votes_->ForEachRound([&](Round r, const VoteSet&, const VoteSet& precommits, VotingPower any) {
    const std::optional<BlockId>& maj = precommits.TwoThirdsMajority();
    if (decide_round < 0 && maj && !maj->IsNil() && StatusOf(*maj) == BlockStatus::kValid) {
      decide_round = r;
      decide_id = *maj;
    }
    if (r > round_ && height_set_->IsOneThird(any)) skip_to = r;
  });
  if (decide_round >= 0) {
    Decide(decide_round, decide_id);
    return true;
  }
  if (step_ == RoundStep::kNewHeight) return false;  // commit wait: otherwise tally only
  if (skip_to > round_) {
    StartRound(skip_to);
    return true;
  }

  const Proposal* proposal = ProposalOf(round_);
  const BlockStatus status = proposal ? StatusOf(proposal->block_id) : BlockStatus::kMissing;
  const VoteSet* prevotes = votes_->Prevotes(round_);
  PEERLAB_ASSERT(prevotes != nullptr);

  if (step_ == RoundStep::kPropose && proposal != nullptr && status != BlockStatus::kMissing) {
    const bool valid = status == BlockStatus::kValid;
    const BlockId& v = proposal->block_id;
    const Round vr = proposal->pol_round;
    if (vr == -1) {  // lines 22-27
      const bool ok = valid && (locked_round_ == -1 || locked_value_ == v);
      SignAndSendVote(SignedMsgType::kPrevote, ok ? v : BlockId{});
      SetStep(RoundStep::kPrevote);
      return true;
    }
    const VoteSet* pol = votes_->Prevotes(vr);  // lines 28-33, vr < round_ (OnProposal checks)
    if (pol != nullptr && pol->TwoThirdsMajority() == v) {
      const bool ok = valid && (locked_round_ <= vr || locked_value_ == v);
      SignAndSendVote(SignedMsgType::kPrevote, ok ? v : BlockId{});
      SetStep(RoundStep::kPrevote);
      return true;
    }
  }

  // Lines 34-35: +2/3 prevotes for anything in the prevote step, for the first time.
  if (InPrevoteStep() && !prevote_wait_done_ && prevotes->HasTwoThirdsAny()) {
    prevote_wait_done_ = true;
    Schedule(TimeoutStep::kPrevote, config_.Prevote(round_));
    SetStep(RoundStep::kPrevoteWait);
    return true;
  }

  // Lines 36-43: the proposal's v is valid and has +2/3 prevotes, step >= prevote, first time.
  const std::optional<BlockId> prevote_maj = prevotes->TwoThirdsMajority();
  if (!lock_rule_done_ && step_ >= RoundStep::kPrevote && proposal != nullptr &&
      status == BlockStatus::kValid && prevote_maj == proposal->block_id) {
    lock_rule_done_ = true;
    if (InPrevoteStep()) {
      locked_value_ = proposal->block_id;
      locked_round_ = round_;
      SignAndSendVote(SignedMsgType::kPrecommit, proposal->block_id);
      SetStep(RoundStep::kPrecommit);
    }
    valid_value_ = proposal->block_id;
    valid_round_ = round_;
    return true;
  }

  // Lines 44-46: +2/3 prevotes for nil in the prevote step.
  if (InPrevoteStep() && prevote_maj && prevote_maj->IsNil()) {
    SignAndSendVote(SignedMsgType::kPrecommit, BlockId{});
    SetStep(RoundStep::kPrecommit);
    return true;
  }

  // Lines 47-48: +2/3 precommits for anything in this round, for the first time.
  if (!precommit_wait_done_ && votes_->Precommits(round_)->HasTwoThirdsAny()) {
    precommit_wait_done_ = true;
    Schedule(TimeoutStep::kPrecommit, config_.Precommit(round_));
    if (step_ == RoundStep::kPrecommit) SetStep(RoundStep::kPrecommitWait);
    return true;
  }
  return false;
}

}  // namespace peerlab::tendermint
