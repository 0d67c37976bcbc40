// Node: input dispatch, the consensus core, proposals and block parts, commits.
#include "peerlab/tendermint/node.hpp"

#include <algorithm>
#include <tuple>

#include "peerlab/tendermint/wire.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {

Node::Node(ValidatorSet validators, NodeConfig config, BlockRegistry* registry,
           EnvelopeCache* cache, ConsensusHooks* hooks)
    : config_(std::move(config)),
      registry_(registry),
      own_cache_(cache == nullptr ? std::make_unique<EnvelopeCache>() : nullptr),
      cache_(cache == nullptr ? own_cache_.get() : cache),
      signs_twice_(hooks != nullptr) {
  validator_count_ = static_cast<std::uint32_t>(validators.Size());
  consensus_ = std::make_unique<ConsensusState>(
      std::move(validators), config_.consensus,
      [this](Height h, Round r) { return BuildProposalBlock(h, r); }, hooks);
}

Node::Peer& Node::PeerTable::At(PeerSlot s) {
  Peer* p = Find(s);
  PEERLAB_ASSERT(p != nullptr);
  return *p;
}

Node::Peer& Node::PeerTable::Open(PeerSlot s) {
  if (s >= peers_.size()) {
    peers_.resize(s + 1);
    is_open_.resize(s + 1, false);
  }
  if (!is_open_[s]) {
    is_open_[s] = true;
    open_.insert(std::lower_bound(open_.begin(), open_.end(), s), s);
  }
  peers_[s] = Peer{};
  return peers_[s];
}

void Node::PeerTable::Close(PeerSlot s) {
  if (s >= is_open_.size() || !is_open_[s]) return;
  is_open_[s] = false;
  open_.erase(std::lower_bound(open_.begin(), open_.end(), s));
  peers_[s] = Peer{};  // its bit arrays go, as the map's erase freed them
}

void Node::Handle(TimeNs now, const NodeInput& input, Outbox& out) {
  PEERLAB_ASSERT(now >= now_);
  now_ = now;
  out_ = &out;
  std::visit(
      [this](const auto& in) {
        using T = std::decay_t<decltype(in)>;
        if constexpr (std::is_same_v<T, node_in::Start>) {
          OnStart();
        } else if constexpr (std::is_same_v<T, node_in::PeerUp>) {
          OnPeerUp(in.slot);
        } else if constexpr (std::is_same_v<T, node_in::PeerDown>) {
          OnPeerDown(in.slot);
        } else if constexpr (std::is_same_v<T, node_in::Receive>) {
          OnReceive(in.slot, in.envelope);
        } else if constexpr (std::is_same_v<T, node_in::TimerFired>) {
          OnTimer(in.timer);
        } else if constexpr (std::is_same_v<T, node_in::SubmitTx>) {
          AddTx(in.id, in.bytes, std::nullopt);
        } else {
          OnRestart();
        }
      },
      input);
  out_ = nullptr;
}

void Node::OnStart() {
  Feed(in::Start{1});
}

void Node::OnRestart() {
  peers_.clear();
  cpu_queue_.clear();
  cpu_free_at_ = now_;
  cpu_timer_set_ = false;
  mempool_.clear();
  mempool_order_.clear();
  mempool_bytes_ = 0;
  Feed(in::Resume{});
}

// ---- the core ---------------------------------------------------------------------------------

void Node::Feed(const Input& input) {
  core_out_.clear();
  consensus_->Handle(now_, input, core_out_);
  ApplyConsensusOutputs();
}

void Node::ApplyConsensusOutputs() {
  // Handling an output may feed the core again (a block we already hold for a new proposal);
  // take this batch out first.
  std::vector<Output> batch;
  if (!spare_batches_.empty()) {
    batch = std::move(spare_batches_.back());
    spare_batches_.pop_back();
  }
  batch.clear();
  batch.swap(core_out_);
  for (const Output& o : batch) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, out::BroadcastProposal>) {
            OnOwnProposal(x.proposal);
          } else if constexpr (std::is_same_v<T, out::BroadcastVote>) {
            const VoteSet* set = x.vote.type == SignedMsgType::kPrevote
                                     ? consensus_->votes().Prevotes(x.vote.round)
                                     : consensus_->votes().Precommits(x.vote.round);
            const Vote* counted =
                set == nullptr ? nullptr : set->VoteOf(x.vote.validator_index);
            if (counted != nullptr && !(counted->block_id == x.vote.block_id)) {
              // Our key already has another vote counted: a twin's (honest code sharing our
              // key) drops its own, as CometBFT's tryAddVote rejects a conflicting vote from
              // ourselves; an equivocating validator's hooks send their second vote straight
              // to every other peer (the gossip carries the counted one).
              if (!signs_twice_) return;
              bool odd = false;
              for (const auto& [slot, peer] : peers_) {
                if (odd) SendTo(slot, cache_->VoteOf(x.vote));
                odd = !odd;
              }
              return;
            }
            // Our own vote is in the core's vote set already: announce it and gossip it.
            MarkHeld(x.vote, counted != nullptr);
            Broadcast(cache_->HasVoteOf(x.vote));
            PokeAllVotes();
          } else if constexpr (std::is_same_v<T, out::ScheduleTimeout>) {
            NodeTimer t;
            t.kind = NodeTimer::Kind::kConsensus;
            t.height = x.height;
            t.round = x.round;
            t.step = x.step;
            out_->timers.push_back({x.at, t});
          } else if constexpr (std::is_same_v<T, out::Commit>) {
            OnCommit(x);
          } else if constexpr (std::is_same_v<T, out::Evidence>) {
            DuplicateVoteEvidence e;
            e.vote_a = x.pair.first;
            e.vote_b = x.pair.second;
            const ValidatorSet& set = consensus_->validators();
            e.total_voting_power = set.TotalVotingPower();
            if (x.pair.first.validator_index >= 0 &&
                x.pair.first.validator_index < set.Size()) {
              e.validator_power = set.At(x.pair.first.validator_index).voting_power;
            }
            e.timestamp_ns = now_;
            out_->observations.push_back(
                observe::EquivocationSeen{x.pair.first.height, x.pair.first.validator_index});
            AddEvidence(e, std::nullopt);
          } else if constexpr (std::is_same_v<T, out::StepChanged>) {
            if (x.step == RoundStep::kNewRound || x.step == RoundStep::kPropose) {
              out_->observations.push_back(observe::RoundEntered{x.height, x.round});
            }
            BroadcastNewRoundStep();
            PokeAll();
          } else if constexpr (std::is_same_v<T, out::CryptoWork>) {
            // Signing occupies this node's CPU; checking was charged when the message queued.
            cpu_free_at_ = std::max(cpu_free_at_, now_) + config_.sign_time * x.signed_messages;
          }
        },
        o);
  }
  batch.clear();
  spare_batches_.push_back(std::move(batch));
  // The core's valid value (a block with +2/3 prevotes) must be fetched if we lack it.
  const std::optional<BlockId>& valid = consensus_->valid_value();
  if (valid && (!last_valid_ || !(*valid == *last_valid_))) {
    last_valid_ = valid;
    if (!HoldsBlock(*valid)) CollectParts(*valid, false);
  }
}

BlockId Node::BuildProposalBlock(Height height, Round round) {
  Block block;
  block.header.chain_id = config_.chain_id;
  block.header.height = height;
  block.header.time_ns = now_;
  block.header.proposer_address = config_.consensus.self;
  if (!chain_.empty()) {
    const CommittedBlock& last = chain_.back();
    block.header.last_block_id = last.block_id;
    block.last_commit.height = height - 1;
    block.last_commit.round = last.round;
    block.last_commit.block_id = last.block_id;
    const ValidatorSet& set = consensus_->validators();
    block.last_commit.signatures.resize(static_cast<std::size_t>(set.Size()));
    for (const Vote& v : *last.precommits) {
      if (v.validator_index < 0 || v.validator_index >= set.Size()) continue;
      CommitSig& sig = block.last_commit.signatures[static_cast<std::size_t>(v.validator_index)];
      sig.flag = BlockIdFlag::kCommit;
      sig.validator_address = v.validator_address;
      sig.timestamp_ns = v.timestamp_ns;
      sig.signature = v.signature;
    }
  }
  // Evidence first (bounded by max_evidence_bytes), then transactions in mempool order until
  // the block would pass max_block_bytes.
  std::uint32_t evidence_bytes = 0;
  for (const auto& [key, e] : evidence_pending_) {
    const std::uint32_t size = static_cast<std::uint32_t>(WireSize(EvidenceList{{e}}));
    if (evidence_bytes + size > config_.max_evidence_bytes) break;
    evidence_bytes += size;
    block.evidence.push_back(e);
  }
  const std::uint32_t base = static_cast<std::uint32_t>(WireSize(block));
  std::uint64_t total = base;
  std::vector<TxId> txs;
  for (TxId id : mempool_order_) {
    auto it = mempool_.find(id);
    if (it == mempool_.end()) continue;
    if (config_.proposal_filter != nullptr && config_.proposal_filter->LeaveOut(id)) continue;
    const std::uint64_t with = total + it->second.bytes + 6;  // field tag and length prefix
    if (with > config_.max_block_bytes) break;
    total = with;
    txs.push_back(id);
    block.tx_sizes.push_back(it->second.bytes);
  }
  const BlockContent& content =
      registry_->Add(std::move(block), round, consensus_->my_index(), std::move(txs));
  held_.insert(content.id);
  out_->observations.push_back(observe::Proposed{height, round, content.id, content.bytes});
  return content.id;
}

void Node::OnOwnProposal(const Proposal& proposal) {
  // A twin's proposal (our key, this round) came first: it stays, as CometBFT's setProposal
  // keeps the first proposal of a round, and ours goes nowhere.
  if (auto it = proposal_signer_.find(proposal.round);
      it != proposal_signer_.end() && it->second == consensus_->my_index()) {
    return;
  }
  proposals_[proposal.round] = proposal;
  proposal_signer_[proposal.round] = consensus_->my_index();
  proposal_envelope_[proposal.round] =
      MakeConsensusEnvelope(Channel::kData, ProposalMessage{proposal}, consensus_->my_index());
  // We hold every part of our own block.
  parts_.active = true;
  parts_.height = proposal.height;
  parts_.round = proposal.round;
  parts_.block_id = proposal.block_id;
  parts_.have = Bits(proposal.block_id.part_set_header.total);
  for (std::uint32_t i = 0; i < parts_.have.size(); ++i) parts_.have.Set(i);
  PokeAllData();
}

bool Node::HoldsBlock(const BlockId& id) const { return held_.count(id) != 0; }

void Node::CollectParts(const BlockId& id, bool is_commit) {
  if (parts_.active && parts_.block_id == id) return;
  // A block with +2/3 precommits is the height's decision: once it is being collected nothing
  // else replaces it (CometBFT's commit step keeps its ProposalBlockParts).
  if (parts_.active && parts_.for_commit && !is_commit) return;
  parts_.for_commit = is_commit;
  parts_.active = true;
  parts_.height = consensus_->height();
  parts_.round = consensus_->round();
  parts_.block_id = id;
  parts_.have = Bits(id.part_set_header.total);
  NewValidBlock m;
  m.height = consensus_->height();
  m.round = consensus_->round();
  m.block_part_set_header = id.part_set_header;
  m.block_parts = parts_.have.ToWire();
  m.is_commit = is_commit;
  Broadcast(MakeConsensusEnvelope(Channel::kState, m));
  PokeAllData();
}

void Node::MaybeFetchMajority(Round round) {
  const HeightVoteSet& votes = consensus_->votes();
  if (const VoteSet* pc = votes.Precommits(round)) {
    if (auto maj = pc->TwoThirdsMajority(); maj && !maj->IsNil() && !HoldsBlock(*maj)) {
      CollectParts(*maj, true);
      return;
    }
  }
  if (const VoteSet* pv = votes.Prevotes(round)) {
    if (auto maj = pv->TwoThirdsMajority(); maj && !maj->IsNil() && !HoldsBlock(*maj) &&
        round >= consensus_->round()) {
      CollectParts(*maj, false);
    }
  }
}

void Node::BlockCompleted(const BlockId& id) {
  held_.insert(id);
  const BlockContent* content = registry_->Find(id);
  // A block whose content nobody registered cannot be valid (parts that hash to nothing).
  Feed(in::FullBlockReceived{consensus_->height(), id, content != nullptr});
}

// ---- messages ---------------------------------------------------------------------------------

void Node::OnPeerUp(PeerSlot slot) {
  Peer& peer = peers_.Open(slot);
  peer.generation = next_generation_++;
  peer.data.sleep_anchor = now_;
  peer.votes.sleep_anchor = now_;
  SendTo(slot, NewRoundStepEnvelope());
  NodeTimer q;
  q.kind = NodeTimer::Kind::kQueryMaj23;
  q.slot = slot;
  q.generation = peer.generation;
  out_->timers.push_back({now_ + config_.peer_query_maj23_sleep, q});
  // The mempool routine starts from the front of the mempool.
  for (TxId id : mempool_order_) {
    auto it = mempool_.find(id);
    if (it == mempool_.end()) continue;
    SendTo(slot, cache_->Tx(id, it->second.bytes));
  }
  for (const auto& [key, e] : evidence_pending_) SendTo(slot, MakeEvidenceEnvelope({{e}}));
}

void Node::OnPeerDown(PeerSlot slot) { peers_.Close(slot); }

void Node::OnReceive(PeerSlot slot, const EnvelopePtr& envelope) {
  Peer* found = peers_.Find(slot);
  if (found == nullptr) return;  // a message still in flight when the connection closed
  Peer& peer = *found;
  if (const auto* m = std::get_if<ConsensusMessage>(&envelope->body)) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, NewRoundStep>) {
            peer.state.ApplyNewRoundStep(x);
            PokeData(slot);
            PokeVotes(slot);
          } else if constexpr (std::is_same_v<T, NewValidBlock>) {
            peer.state.ApplyNewValidBlock(x);
            PokeData(slot);
          } else if constexpr (std::is_same_v<T, HasVote>) {
            peer.state.ApplyHasVote(x);
          } else if constexpr (std::is_same_v<T, HasProposalBlockPart>) {
            peer.state.ApplyHasProposalBlockPart(x);
          } else if constexpr (std::is_same_v<T, VoteSetMaj23>) {
            // The peer claims +2/3 for a block: a conflicting vote for it then counts
            // (CometBFT's SetPeerMaj23), and we answer with the votes we have for it.
            if (x.height == consensus_->height()) {
              Feed(in::PeerMaj23{x.height, x.round, x.type, x.block_id, slot});
            }
            AnswerMaj23(slot, x);
          } else if constexpr (std::is_same_v<T, VoteSetBits>) {
            const HeightVoteSet& votes = consensus_->votes();
            if (x.height == consensus_->height()) {
              const VoteSet* set = x.type == SignedMsgType::kPrevote ? votes.Prevotes(x.round)
                                                                     : votes.Precommits(x.round);
              const Bits ours = VotesFor(set, x.block_id);
              peer.state.ApplyVoteSetBits(x, &ours);
            } else {
              peer.state.ApplyVoteSetBits(x, nullptr);
            }
            PokeVotes(slot);
          } else if constexpr (std::is_same_v<T, ProposalMessage>) {
            peer.state.SetHasProposal(x.proposal);
            EnqueueCheck(slot, envelope);
          } else if constexpr (std::is_same_v<T, ProposalPol>) {
            peer.state.ApplyProposalPol(x, validator_count_);
          } else if constexpr (std::is_same_v<T, BlockPart>) {
            peer.state.SetHasPart(x.height, x.round, x.index);
            EnqueueCheck(slot, envelope);  // in order behind the proposal that announced it
          } else if constexpr (std::is_same_v<T, VoteMessage>) {
            peer.state.SetHasVoteFromPeer(x.vote, consensus_->height(), validator_count_);
            EnqueueCheck(slot, envelope);
          }
        },
        *m);
  } else if (std::holds_alternative<MempoolTxs>(envelope->body)) {
    OnTxs(slot, *envelope);
  } else {
    OnEvidence(slot, std::get<EvidenceList>(envelope->body));
  }
}

void Node::EnqueueCheck(PeerSlot slot, EnvelopePtr envelope) {
  cpu_queue_.push_back({slot, std::move(envelope)});
  RunCpu();
}

// The consensus state handles proposals, block parts and votes one at a time in arrival order
// (CometBFT's receiveRoutine): a signed message first takes verify_time of this node's CPU,
// which signing also uses; a part's Merkle proof is not charged.
void Node::RunCpu() {
  while (!cpu_queue_.empty() && !cpu_timer_set_) {
    const auto& head = std::get<ConsensusMessage>(cpu_queue_.front().envelope->body);
    const DurationNs cost = std::holds_alternative<BlockPart>(head) ? 0 : config_.verify_time;
    const TimeNs start = std::max(now_, cpu_free_at_);
    const TimeNs done = start + cost;
    cpu_free_at_ = done;
    if (done > now_) {
      NodeTimer t;
      t.kind = NodeTimer::Kind::kCpu;
      out_->timers.push_back({done, t});
      cpu_timer_set_ = true;
      return;
    }
    PendingCheck next = std::move(cpu_queue_.front());
    cpu_queue_.pop_front();
    Process(next);
  }
}

void Node::Process(const PendingCheck& next) {
  const auto& m = std::get<ConsensusMessage>(next.envelope->body);
  if (std::holds_alternative<ProposalMessage>(m)) {
    OnProposal(next.slot, *next.envelope);
  } else if (const auto* part = std::get_if<BlockPart>(&m)) {
    OnBlockPart(next.slot, *part);
  } else if (const auto* v = std::get_if<VoteMessage>(&m)) {
    OnVote(next.slot, v->vote);
  }
}

void Node::OnProposal(PeerSlot slot, const Envelope& envelope) {
  const Proposal& p = std::get<ProposalMessage>(std::get<ConsensusMessage>(envelope.body)).proposal;
  if (p.height != consensus_->height()) return;
  if (!proposals_.count(p.round)) {
    proposals_[p.round] = p;
    proposal_signer_[p.round] = envelope.signer;
    proposal_envelope_[p.round] = MakeConsensusEnvelope(Channel::kData, ProposalMessage{p}, envelope.signer);
  }
  Feed(in::ProposalReceived{p, envelope.signer, slot});
  // Collect the proposal's block unless a +2/3 majority already named another one.
  if (p.round == consensus_->round() && !HoldsBlock(p.block_id) && !parts_.for_commit &&
      (!parts_.active || parts_.height != p.height || parts_.round != p.round)) {
    parts_.active = true;
    parts_.height = p.height;
    parts_.round = p.round;
    parts_.block_id = p.block_id;
    parts_.have = Bits(p.block_id.part_set_header.total);
  }
  if (HoldsBlock(p.block_id)) Feed(in::FullBlockReceived{p.height, p.block_id, true});
  PokeAllData();
}

void Node::OnBlockPart(PeerSlot slot, const BlockPart& part) {
  (void)slot;
  if (!parts_.active || part.height != parts_.height || part.height != consensus_->height()) return;
  // A part of another block than the one collected fails its proof against our header.
  if (part.proof.leaf_hash != parts_.block_id.part_set_header.hash ||
      part.proof.total != parts_.block_id.part_set_header.total) {
    return;
  }
  if (part.index >= parts_.have.size() || parts_.have.Get(part.index)) return;
  parts_.have.Set(part.index);
  Broadcast(cache_->HasPart(part.height, part.round, part.index));
  PokeAllData();
  if (parts_.have.All()) BlockCompleted(parts_.block_id);
}

void Node::OnVote(PeerSlot slot, const Vote& vote) {
  // The same vote again, known from the node's own record (the core's set agrees: see
  // HeldVotes): nothing to do.
  if (vote.height == consensus_->height() && vote.validator_index >= 0) {
    if (const HeldVotes* h = FindHeld(vote.round, vote.type);
        h != nullptr && h->for_block.Get(static_cast<std::uint32_t>(vote.validator_index)) &&
        SameBlockId(h->block, vote.block_id)) {
      return;
    }
  }
  const HeightVoteSet& votes = consensus_->votes();
  // The vote set of this vote's (round, type) at our height, if there is one.
  auto set_of = [&]() -> const VoteSet* {
    if (vote.height != consensus_->height()) return nullptr;
    return vote.type == SignedMsgType::kPrevote ? votes.Prevotes(vote.round)
                                                : votes.Precommits(vote.round);
  };
  const VoteSet* set = set_of();
  // The same vote again (another peer relayed it too) changes nothing: skip the core. A
  // different vote of that validator goes in: it is evidence.
  if (set != nullptr && set->FirstVoteFor(vote.validator_index, vote.block_id)) return;
  const bool had = set != nullptr && set->HasVote(vote.validator_index);
  const Height height = consensus_->height();
  Feed(in::VoteReceived{vote, slot});
  if (consensus_->height() != height) return;  // the vote committed the height
  set = set_of();  // the core may have made the set (a catch-up round)
  if (!had && set != nullptr && set->HasVote(vote.validator_index)) {
    MarkHeld(vote, set->FirstVoteFor(vote.validator_index, vote.block_id));
    Broadcast(cache_->HasVoteOf(vote));
    PokeAllVotes();
    MaybeFetchMajority(vote.round);
  }
}

Node::HeldVotes* Node::FindHeld(Round round, SignedMsgType type) {
  for (HeldVotes& h : held_votes_) {
    if (h.round == round && h.type == type) return &h;
  }
  return nullptr;
}

void Node::MarkHeld(const Vote& vote, bool first_is_this) {
  if (vote.height != consensus_->height() || vote.validator_index < 0) return;
  HeldVotes* held = FindHeld(vote.round, vote.type);
  if (held == nullptr) {
    held = &held_votes_.emplace_back(
        HeldVotes{vote.round, vote.type, Bits(validator_count_), {}, vote.block_id, {}});
  }
  const auto i = static_cast<std::uint32_t>(vote.validator_index);
  held->bits.Set(i);
  if (first_is_this && SameBlockId(held->block, vote.block_id)) {
    if (held->for_block.empty()) held->for_block = Bits(validator_count_);
    held->for_block.Set(i);
  }
}

void Node::OnCommit(const out::Commit& commit) {
  PEERLAB_ASSERT(commit.height == static_cast<Height>(chain_.size()) + 1);
  const BlockContent* content = registry_->Find(commit.block_id);
  PEERLAB_ASSERT(content != nullptr);
  // Peers one height behind get this node's own precommits (CometBFT's LastCommit); the
  // history keeps the block's commit as the next block records it, the same at every node
  // (CometBFT's LoadBlockCommit), so one copy per height serves all nodes.
  last_commit_ = std::make_shared<const std::vector<Vote>>(commit.precommits);
  chain_.push_back({commit.block_id, commit.round, content,
                    registry_->RecordCommit(commit.block_id, commit.precommits)});
  last_commit_round_ = commit.round;
  RemoveCommitted(*content);
  out_->observations.push_back(observe::Committed{
      commit.height, commit.round, commit.block_id,
      static_cast<std::uint32_t>(content->txs.size()),
      static_cast<std::uint32_t>(content->evidence.size())});
  // A new height: nothing collected, nothing held, no proposals yet.
  proposals_.clear();
  proposal_signer_.clear();
  proposal_envelope_.clear();
  held_votes_.clear();
  held_.clear();
  parts_ = PartSet{};
  last_valid_.reset();
}

void Node::OnTimer(const NodeTimer& timer) {
  switch (timer.kind) {
    case NodeTimer::Kind::kConsensus: {
      // Counted only when it acted (moved the step, the round or the height): a timeout the
      // node had already passed does nothing.
      const auto before = std::make_tuple(consensus_->height(), consensus_->round(),
                                          consensus_->step());
      Feed(in::TimeoutFired{timer.height, timer.round, timer.step});
      if (std::make_tuple(consensus_->height(), consensus_->round(), consensus_->step()) != before &&
          timer.step != TimeoutStep::kNewHeight) {
        out_->observations.push_back(observe::TimeoutFired{timer.height, timer.round, timer.step});
      }
      return;
    }
    case NodeTimer::Kind::kCpu:
      cpu_timer_set_ = false;
      if (!cpu_queue_.empty()) {
        PendingCheck next = std::move(cpu_queue_.front());
        cpu_queue_.pop_front();
        Process(next);
      }
      RunCpu();
      return;
    case NodeTimer::Kind::kGossipData:
    case NodeTimer::Kind::kGossipVotes:
    case NodeTimer::Kind::kQueryMaj23: {
      Peer* peer = peers_.Find(timer.slot);
      if (peer == nullptr || peer->generation != timer.generation) return;
      if (timer.kind == NodeTimer::Kind::kGossipData) {
        peer->data.wake_pending = false;
        RunDataRoutine(timer.slot);
      } else if (timer.kind == NodeTimer::Kind::kGossipVotes) {
        peer->votes.wake_pending = false;
        RunVoteRoutine(timer.slot);
      } else {
        RunMaj23Query(timer.slot);
      }
      return;
    }
  }
}

}  // namespace peerlab::tendermint
