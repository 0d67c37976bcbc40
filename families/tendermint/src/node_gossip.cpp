// Node: what each peer is sent (CometBFT's consensus reactor gossip routines,
// internal/consensus/reactor.go at cometbft/cometbft commit 64293d1b, rewritten here as
// event-driven routines with the same choices and the same sleeps).
#include <algorithm>
#include <bit>

#include "peerlab/tendermint/node.hpp"
#include "peerlab/tendermint/wire.hpp"

namespace peerlab::tendermint {

void Node::SendTo(PeerSlot slot, const EnvelopePtr& envelope) {
  out_->sends.push_back({slot, envelope});
}

void Node::Broadcast(const EnvelopePtr& envelope) {
  for (const auto& [slot, peer] : peers_) out_->sends.push_back({slot, envelope});
}

EnvelopePtr Node::NewRoundStepEnvelope() const {
  NewRoundStep m;
  m.height = consensus_->height();
  m.round = consensus_->round();
  m.step = static_cast<RoundStep>(consensus_->step());
  m.seconds_since_start_time = 0;
  m.last_commit_round = last_commit_round_;
  return cache_->RoundStep(m);
}

void Node::BroadcastNewRoundStep() {
  if (peers_.empty()) return;
  Broadcast(NewRoundStepEnvelope());
}

// A routine that sleeps looks again at its next tick: ticks fall every peer_gossip_sleep from
// the moment it went to sleep, so a poke waits for the tick, never less, never longer.
void Node::Poke(PeerSlot slot, const Peer& peer, Routine& routine, NodeTimer::Kind kind) {
  if (routine.wake_pending) return;
  const DurationNs period = config_.peer_gossip_sleep;
  TimeNs at = routine.sleep_anchor + period;
  if (at < now_ && period > 0) at += ((now_ - at + period - 1) / period) * period;
  if (at < now_) at = now_;
  routine.wake_pending = true;
  NodeTimer t;
  t.kind = kind;
  t.slot = slot;
  t.generation = peer.generation;
  out_->timers.push_back({at, t});
}

void Node::PokeData(PeerSlot slot) {
  Peer& peer = peers_.At(slot);
  Poke(slot, peer, peer.data, NodeTimer::Kind::kGossipData);
}

void Node::PokeVotes(PeerSlot slot) {
  Peer& peer = peers_.At(slot);
  Poke(slot, peer, peer.votes, NodeTimer::Kind::kGossipVotes);
}

void Node::PokeAllData() {
  for (const auto& [slot, peer] : peers_) {
    Poke(slot, peer, peer.data, NodeTimer::Kind::kGossipData);
  }
}

void Node::PokeAllVotes() {
  for (const auto& [slot, peer] : peers_) {
    Poke(slot, peer, peer.votes, NodeTimer::Kind::kGossipVotes);
  }
}

void Node::PokeAll() {
  for (const auto& [slot, peer] : peers_) {
    Poke(slot, peer, peer.data, NodeTimer::Kind::kGossipData);
    Poke(slot, peer, peer.votes, NodeTimer::Kind::kGossipVotes);
  }
}

// Sends every part of `content` the peer lacks (and, when `have` is given, that we hold), each
// marked as the peer's at its height and round.
void Node::SendBlockParts(PeerSlot slot, Peer& peer, const BlockContent& content,
                          const Bits* have) {
  const PeerRoundState& prs = peer.state.prs();
  for (std::uint32_t i = 0; i < content.parts; ++i) {
    if (prs.parts.Get(i) || (have != nullptr && !have->Get(i))) continue;
    SendTo(slot, cache_->Part(content, prs.height, prs.round, i));
    peer.state.SetHasPart(prs.height, prs.round, i);
  }
}

// gossipDataRoutine: parts of the block we collect or hold when the peer collects the same
// one; the committed block of a height the peer is still at; our proposal if the peer is at
// our height and round and lacks it. Everything found is sent now; then the routine sleeps.
void Node::RunDataRoutine(PeerSlot slot) {
  Peer& peer = peers_.At(slot);
  const PeerRoundState& prs = peer.state.prs();
  const Height height = consensus_->height();
  if (parts_.active && prs.parts_known && prs.parts_header == parts_.block_id.part_set_header) {
    if (const BlockContent* content = registry_->Find(parts_.block_id)) {
      SendBlockParts(slot, peer, *content, &parts_.have);
    }
  } else if (prs.height > 0 && prs.height < height &&
             static_cast<std::size_t>(prs.height) <= chain_.size()) {
    const CommittedBlock& block = chain_[static_cast<std::size_t>(prs.height - 1)];
    if (!prs.parts_known) peer.state.InitParts(block.block_id.part_set_header);
    if (peer.state.prs().parts_header == block.block_id.part_set_header) {
      SendBlockParts(slot, peer, *block.content, nullptr);
    }
  }
  const auto own = proposals_.find(consensus_->round());
  if (prs.height == height && prs.round == consensus_->round() && !prs.has_proposal &&
      own != proposals_.end()) {
    const Proposal& p = own->second;
    SendTo(slot, proposal_envelope_.at(p.round));
    peer.state.SetHasProposal(p);
    if (p.pol_round >= 0) {
      ProposalPol pol;
      pol.height = height;
      pol.proposal_pol_round = p.pol_round;
      // Every prevote of the POL round we hold (CometBFT sends the vote set's bit array).
      const VoteSet* pv = consensus_->votes().Prevotes(p.pol_round);
      pol.proposal_pol = pv != nullptr ? pv->VotedBits() : Bits(validator_count_).ToWire();
      SendTo(slot, MakeConsensusEnvelope(Channel::kData, pol));
    }
    // The peer now knows the header: its parts follow in the same wake-up.
    RunDataRoutine(slot);
    return;
  }
  peer.data.sleep_anchor = now_;
}

void Node::SendMissingVotes(PeerSlot slot, Peer& peer, const VoteSet* votes) {
  if (votes == nullptr || votes->height() != consensus_->height()) return;
  HeldVotes* held = FindHeld(votes->round(), votes->type());
  if (held == nullptr) return;
  peer.state.EnsureVoteBits(votes->height(), validator_count_);
  const Bits* has = peer.state.VoteBits(votes->height(), votes->round(), votes->type());
  if (has == nullptr) return;
  const std::span<const std::uint64_t> ours = held->bits.words();
  for (std::size_t w = 0; w < ours.size(); ++w) {
    std::uint64_t missing = ours[w] & ~(w < has->words().size() ? has->words()[w] : 0);
    while (missing != 0) {
      const auto i = static_cast<ValidatorIndex>(w * 64 + static_cast<std::size_t>(std::countr_zero(missing)));
      missing &= missing - 1;
      // The set's vote of validator i is its first and never changes: its envelope is made
      // (or found in the shared cache) once, and the set's (height, round, type, i) are its.
      if (held->envelopes.empty()) held->envelopes.resize(validator_count_);
      EnvelopePtr& envelope = held->envelopes[static_cast<std::size_t>(i)];
      if (!envelope) {
        const Vote* v = votes->VoteOf(i);
        if (v == nullptr) continue;
        envelope = cache_->VoteOf(*v);
      }
      SendTo(slot, envelope);
      peer.state.SetHasVote(votes->height(), votes->round(), votes->type(), i);
      has = peer.state.VoteBits(votes->height(), votes->round(), votes->type());
    }
  }
}

void Node::SendMissingVotes(PeerSlot slot, Peer& peer, const CommitVotes& commit,
                            Height height, Round round) {
  if (!commit || commit->empty()) return;
  const std::vector<Vote>& votes = *commit;
  const Bits* has = peer.state.VoteBits(height, round, SignedMsgType::kPrecommit);
  if (has == nullptr) return;
  for (const Vote& v : votes) {
    if (has->Get(static_cast<std::uint32_t>(v.validator_index))) continue;
    SendTo(slot, cache_->VoteOf(v));
    peer.state.SetHasVote(v.height, v.round, v.type, v.validator_index);
    has = peer.state.VoteBits(height, round, SignedMsgType::kPrecommit);
  }
}

// gossipVotesRoutine with pickVoteToSend's order: the last commit to a peer starting our
// height, POL prevotes, prevotes and precommits of the peer's round, then the catch-up of a
// peer one height behind (our last commit) or further (the commit of its height).
void Node::RunVoteRoutine(PeerSlot slot) {
  Peer& peer = peers_.At(slot);
  const Height height = consensus_->height();
  const Round round = consensus_->round();
  const HeightVoteSet& votes = consensus_->votes();
  const PeerRoundState& prs = peer.state.prs();
  if (prs.height == height) {
    peer.state.EnsureVoteBits(height - 1, validator_count_);
    if (prs.step == RoundStep::kNewHeight) {
      SendMissingVotes(slot, peer, last_commit_, height - 1, last_commit_round_);
    }
    const Round pr = prs.round;
    if (pr != -1 && pr <= round) {
      if (prs.step <= RoundStep::kPropose && prs.proposal_pol_round != -1) {
        SendMissingVotes(slot, peer, votes.Prevotes(prs.proposal_pol_round));
      }
      if (prs.step <= RoundStep::kPrevoteWait) SendMissingVotes(slot, peer, votes.Prevotes(pr));
      if (prs.step <= RoundStep::kPrecommitWait) {
        SendMissingVotes(slot, peer, votes.Precommits(pr));
      }
      SendMissingVotes(slot, peer, votes.Prevotes(pr));
    }
    if (prs.proposal_pol_round != -1) {
      SendMissingVotes(slot, peer, votes.Prevotes(prs.proposal_pol_round));
    }
  } else if (prs.height != 0 && height == prs.height + 1) {
    // Our last commit is a commit: track it as the peer's catch-up commit (CometBFT's
    // PickVoteToSend does so for every commit it sends).
    peer.state.EnsureCatchupCommitRound(prs.height, last_commit_round_, validator_count_);
    peer.state.EnsureVoteBits(prs.height, validator_count_);
    SendMissingVotes(slot, peer, last_commit_, height - 1, last_commit_round_);
  } else if (prs.height != 0 && height >= prs.height + 2 &&
             static_cast<std::size_t>(prs.height) <= chain_.size()) {
    const CommittedBlock& block = chain_[static_cast<std::size_t>(prs.height - 1)];
    peer.state.EnsureCatchupCommitRound(prs.height, block.round, validator_count_);
    peer.state.EnsureVoteBits(prs.height, validator_count_);
    SendMissingVotes(slot, peer, block.precommits, prs.height, block.round);
  }
  peer.votes.sleep_anchor = now_;
}

Bits Node::VotesFor(const VoteSet* votes, const BlockId& id) const {
  Bits out(validator_count_);
  if (votes == nullptr) return out;
  for (ValidatorIndex i = 0; i < static_cast<ValidatorIndex>(validator_count_); ++i) {
    const Vote* v = votes->VoteOf(i);
    if (v != nullptr && v->block_id == id) out.Set(static_cast<std::uint32_t>(i));
  }
  return out;
}

void Node::AnswerMaj23(PeerSlot slot, const VoteSetMaj23& query) {
  if (query.height != consensus_->height()) return;
  const HeightVoteSet& votes = consensus_->votes();
  const VoteSet* set = query.type == SignedMsgType::kPrevote ? votes.Prevotes(query.round)
                                                             : votes.Precommits(query.round);
  VoteSetBits answer;
  answer.height = query.height;
  answer.round = query.round;
  answer.type = query.type;
  answer.block_id = query.block_id;
  answer.votes = VotesFor(set, query.block_id).ToWire();
  SendTo(slot, MakeConsensusEnvelope(Channel::kVoteSetBits, answer));
}

// queryMaj23Routine: every peer_query_maj23_sleep, tell the peer of one +2/3 majority we know
// at its height and round (prevotes, precommits, its POL round), in turn.
void Node::RunMaj23Query(PeerSlot slot) {
  Peer& peer = peers_.At(slot);
  const PeerRoundState& prs = peer.state.prs();
  const HeightVoteSet& votes = consensus_->votes();
  if (prs.catchup_commit_round != -1 && prs.height > 0 &&
      static_cast<std::size_t>(prs.height) <= chain_.size()) {
    // A peer we help catch up: claim the commit of its height, so that its votes count.
    const CommittedBlock& block = chain_[static_cast<std::size_t>(prs.height - 1)];
    SendTo(slot, MakeConsensusEnvelope(Channel::kState,
                                       VoteSetMaj23{prs.height, block.round,
                                                    SignedMsgType::kPrecommit, block.block_id}));
  } else if (prs.height == consensus_->height() && prs.round >= 0) {
    for (int tries = 0; tries < 3; ++tries) {
      const std::uint8_t which = peer.maj23_cursor;
      peer.maj23_cursor = static_cast<std::uint8_t>((peer.maj23_cursor + 1) % 3);
      const Round r = which == 2 ? prs.proposal_pol_round : prs.round;
      if (r < 0) continue;
      const SignedMsgType type = which == 1 ? SignedMsgType::kPrecommit : SignedMsgType::kPrevote;
      const VoteSet* set = type == SignedMsgType::kPrevote ? votes.Prevotes(r) : votes.Precommits(r);
      if (set == nullptr) continue;
      const auto maj = set->TwoThirdsMajority();
      if (!maj) continue;
      SendTo(slot, MakeConsensusEnvelope(Channel::kState,
                                         VoteSetMaj23{prs.height, r, type, *maj}));
      break;
    }
  }
  NodeTimer q;
  q.kind = NodeTimer::Kind::kQueryMaj23;
  q.slot = slot;
  q.generation = peer.generation;
  out_->timers.push_back({now_ + config_.peer_query_maj23_sleep, q});
}

}  // namespace peerlab::tendermint
