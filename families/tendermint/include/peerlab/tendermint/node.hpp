// A Tendermint (CometBFT) node as a sans-IO state machine: the consensus algorithm
// (consensus.hpp) behind CometBFT's consensus reactor, with its mempool and evidence pool.
//
// Contract: `Handle(now, input, out)` is the only mutating call. It never reads a clock, a
// socket or a global RNG and never throws; what the node wants done (sends, timers) and what it
// saw (commits, timeouts) is appended to `out`. Inputs must come in non-decreasing time.
// The node trusts the envelopes' decoded values (a driver decodes and rejects bad bytes before
// they get here) but not their sender: a message about a height or round it is not at is
// ignored, as CometBFT ignores it.
//
// What it models (docs/tendermint.md): the consensus reactor's gossip as CometBFT runs it, one
// data and one vote routine per peer that send what the peer lacks and otherwise sleep
// `peer_gossip_sleep` (100 ms) between looks, NewRoundStep on every step, HasVote and
// HasProposalBlockPart to every peer for every vote and part added, NewValidBlock when a block
// gets +2/3 of prevotes or precommits, VoteSetMaj23 queries every `peer_query_maj23_sleep` and
// VoteSetBits answers, catch-up of peers one or more heights behind (the committed block's parts
// and its commit); a mempool that floods each transaction to every peer that did not send it; an
// evidence pool that gossips each double sign it learns of and hands pending evidence to its own
// proposals. Signature work is modelled CPU time: a node checks one message at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "peerlab/tendermint/block_registry.hpp"
#include "peerlab/tendermint/consensus.hpp"
#include "peerlab/tendermint/envelope_cache.hpp"
#include "peerlab/tendermint/node_io.hpp"
#include "peerlab/tendermint/peer_state.hpp"
#include "peerlab/tendermint/validator_set.hpp"

namespace peerlab::tendermint {

// What a proposer leaves out of its proposals. CometBFT lets the application drop mempool
// transactions from a block it proposes (ABCI++ PrepareProposal); a censoring validator's does
// (strategies.hpp). Called only while proposing.
class ProposalTxFilter {
 public:
  virtual ~ProposalTxFilter() = default;
  virtual bool LeaveOut(TxId id) const = 0;
};

struct NodeConfig {
  ConsensusConfig consensus;  // its `self` decides validator or full node
  std::string chain_id = "peerlab";
  // CometBFT's consensus config (config/config.go defaults).
  DurationNs peer_gossip_sleep = 100 * kMillisecond;
  DurationNs peer_query_maj23_sleep = 2 * kSecond;
  // Modelled CPU time per signature made / checked (bench/ed25519_cost, docs/tendermint.md).
  DurationNs sign_time = 0;
  DurationNs verify_time = 0;
  // Block limits: a proposal holds mempool transactions up to `max_block_bytes` of block and
  // pending evidence up to `max_evidence_bytes` (CometBFT's consensus params).
  std::uint32_t max_block_bytes = 1'000'000;
  std::uint32_t max_evidence_bytes = 1'048'576;
  // Mempool bounds (CometBFT's mempool.size and max_txs_bytes defaults).
  std::uint32_t mempool_max_txs = 5000;
  std::uint64_t mempool_max_bytes = 1'073'741'824;
  // Evidence held at most (pending, not yet committed): older pieces beyond it are dropped.
  std::uint32_t evidence_pool_max = 1000;
  // Must outlive the node; null: every transaction that fits is proposed.
  const ProposalTxFilter* proposal_filter = nullptr;
};

// One committed height as this node holds it.
struct CommittedBlock {
  BlockId block_id;
  Round round = 0;
  const BlockContent* content = nullptr;
  CommitVotes precommits;  // the commit (+2/3 precommits for block_id in `round`), shared
};

class Node {
 public:
  // `registry`, `cache` and `hooks` must outlive the node; `cache` may be null (the node keeps
  // its own), `hooks` may be null (honest).
  Node(ValidatorSet validators, NodeConfig config, BlockRegistry* registry,
       EnvelopeCache* cache = nullptr, ConsensusHooks* hooks = nullptr);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  void Handle(TimeNs now, const NodeInput& input, Outbox& out);

  const ConsensusState& consensus() const { return *consensus_; }
  const std::vector<CommittedBlock>& chain() const { return chain_; }  // index = height - 1
  std::size_t mempool_size() const { return mempool_.size(); }
  std::size_t evidence_pending() const { return evidence_pending_.size(); }
  std::size_t peer_count() const { return peers_.size(); }

 private:
  // One peer's routines: each looks for something to send, sends it all, and otherwise sleeps;
  // a routine that is asleep wakes at its next tick (sleep start + k x sleep) once poked.
  struct Routine {
    TimeNs sleep_anchor = 0;
    bool wake_pending = false;
  };
  struct Peer {
    PeerState state;
    Routine data;
    Routine votes;
    std::uint32_t generation = 0;
    std::uint8_t maj23_cursor = 0;
  };
  // The open connections' peers, by slot. Slots are the driver's small dense connection
  // indices, so a vector indexed by slot replaces a tree lookup on every message and poke;
  // `open_` lists the open slots ascending, so iteration visits peers in the same order as
  // the std::map it replaces (sends and timers come out in the same order).
  class PeerTable {
   public:
    struct Entry {  // what a range-for over the table yields: [slot, peer]
      PeerSlot first;
      Peer& second;
    };
    class Iterator {
     public:
      Iterator(PeerTable* table, std::size_t i) : table_(table), i_(i) {}
      Entry operator*() const {
        const PeerSlot s = table_->open_[i_];
        return {s, table_->peers_[s]};
      }
      Iterator& operator++() {
        ++i_;
        return *this;
      }
      bool operator!=(const Iterator& o) const { return i_ != o.i_; }

     private:
      PeerTable* table_;
      std::size_t i_;
    };
    Iterator begin() { return {this, 0}; }
    Iterator end() { return {this, open_.size()}; }
    Iterator begin() const { return {const_cast<PeerTable*>(this), 0}; }
    Iterator end() const { return {const_cast<PeerTable*>(this), open_.size()}; }
    std::size_t size() const { return open_.size(); }
    bool empty() const { return open_.empty(); }
    Peer* Find(PeerSlot s) { return s < is_open_.size() && is_open_[s] ? &peers_[s] : nullptr; }
    Peer& At(PeerSlot s);
    Peer& Open(PeerSlot s);  // a fresh Peer{} (an open slot is reset)
    void Close(PeerSlot s);
    void clear() {  // every connection closed (the std::map's clear, kept by name)
      while (!open_.empty()) Close(open_.back());
    }

   private:
    std::vector<Peer> peers_;     // by slot
    std::vector<bool> is_open_;   // by slot
    std::vector<PeerSlot> open_;  // ascending
  };
  struct PendingCheck {  // a message waiting for the CPU (its signature is checked first)
    PeerSlot slot;
    EnvelopePtr envelope;
  };
  // The block this node collects parts of (CometBFT's ProposalBlockParts).
  struct PartSet {
    bool active = false;
    Height height = 0;
    Round round = 0;  // the round the parts are being gossiped in
    BlockId block_id;
    Bits have;
    bool for_commit = false;  // the block has +2/3 precommits: nothing replaces it
  };

  // node.cpp: dispatch, the consensus core and blocks.
  void OnStart();
  void OnRestart();
  void OnPeerUp(PeerSlot slot);
  void OnPeerDown(PeerSlot slot);
  void OnReceive(PeerSlot slot, const EnvelopePtr& envelope);
  void OnTimer(const NodeTimer& timer);
  void Feed(const Input& input);
  void ApplyConsensusOutputs();
  BlockId BuildProposalBlock(Height height, Round round);
  void OnOwnProposal(const Proposal& proposal);
  void OnProposal(PeerSlot slot, const Envelope& envelope);
  void OnBlockPart(PeerSlot slot, const BlockPart& part);
  void OnVote(PeerSlot slot, const Vote& vote);
  void OnCommit(const out::Commit& commit);
  void CollectParts(const BlockId& id, bool is_commit);
  void MaybeFetchMajority(Round round);
  bool HoldsBlock(const BlockId& id) const;
  void BlockCompleted(const BlockId& id);
  void EnqueueCheck(PeerSlot slot, EnvelopePtr envelope);
  void RunCpu();
  void Process(const PendingCheck& next);

  // node_gossip.cpp: what each peer is sent.
  void Broadcast(const EnvelopePtr& envelope);
  void SendTo(PeerSlot slot, const EnvelopePtr& envelope);
  void BroadcastNewRoundStep();
  EnvelopePtr NewRoundStepEnvelope() const;
  void PokeData(PeerSlot slot);
  void PokeVotes(PeerSlot slot);
  void PokeAll();
  void PokeAllData();   // every peer's data routine
  void PokeAllVotes();  // every peer's vote routine
  void Poke(PeerSlot slot, const Peer& peer, Routine& routine, NodeTimer::Kind kind);
  void RunDataRoutine(PeerSlot slot);
  void RunVoteRoutine(PeerSlot slot);
  void RunMaj23Query(PeerSlot slot);
  void SendMissingVotes(PeerSlot slot, Peer& peer, const VoteSet* votes);
  void SendMissingVotes(PeerSlot slot, Peer& peer, const CommitVotes& commit, Height height,
                        Round round);
  void AnswerMaj23(PeerSlot slot, const VoteSetMaj23& query);
  Bits VotesFor(const VoteSet* votes, const BlockId& id) const;
  void SendBlockParts(PeerSlot slot, Peer& peer, const BlockContent& content, const Bits* have);

  // node_mempool.cpp: transactions and evidence.
  void AddTx(TxId id, std::uint32_t bytes, std::optional<PeerSlot> from);
  void OnTxs(PeerSlot slot, const Envelope& envelope);
  void RemoveCommitted(const BlockContent& content);
  void AddEvidence(const DuplicateVoteEvidence& evidence, std::optional<PeerSlot> from);
  void OnEvidence(PeerSlot slot, const EvidenceList& list);

  NodeConfig config_;
  BlockRegistry* registry_;
  std::unique_ptr<EnvelopeCache> own_cache_;
  EnvelopeCache* cache_;
  bool signs_twice_;  // byzantine hooks that sign a second vote are plugged in
  std::unique_ptr<ConsensusState> consensus_;
  std::uint32_t validator_count_ = 0;

  TimeNs now_ = 0;
  Outbox* out_ = nullptr;
  std::vector<Output> core_out_;
  std::vector<std::vector<Output>> spare_batches_;  // reused output buffers

  PeerTable peers_;
  std::uint32_t next_generation_ = 1;

  // Consensus view the reactor keeps beside the core.
  std::map<Round, Proposal> proposals_;           // of the current height, by round
  std::map<Round, ValidatorIndex> proposal_signer_;
  std::map<Round, EnvelopePtr> proposal_envelope_;  // made once, sent to every peer
  std::set<BlockId> held_;                        // complete blocks of the current height
  PartSet parts_;
  CommitVotes last_commit_;                       // precommits that committed height - 1
  Round last_commit_round_ = -1;
  std::vector<CommittedBlock> chain_;
  std::optional<BlockId> last_valid_;
  // Which validators' votes we hold, per (round, type) of the current height: the gossip
  // routines send what the peer lacks word by word instead of looking at every validator.
  // Each vote's envelope is kept beside its bit once sent, so sending it to the next peer
  // takes no cache lookup (it is the envelope the cache gave for that same vote).
  // `for_block` marks the validators whose first vote in the core's set is known to be for
  // `block` (the first block id marked): a vote received again (most votes arrive from several
  // peers) is recognised here, in the node's own few cache lines, instead of through the
  // core's vote set (five dependent loads, each a miss by the time the node runs again).
  struct HeldVotes {
    Round round;
    SignedMsgType type;
    Bits bits;
    std::vector<EnvelopePtr> envelopes;  // by validator index; empty until first sent
    BlockId block;
    Bits for_block;
  };
  std::vector<HeldVotes> held_votes_;  // a few: two per round entered, and catch-up rounds
  HeldVotes* FindHeld(Round round, SignedMsgType type);
  // `first_is_this`: the core's set holds `vote` itself as the validator's first vote.
  void MarkHeld(const Vote& vote, bool first_is_this);

  // Signature checks, one at a time.
  std::deque<PendingCheck> cpu_queue_;
  TimeNs cpu_free_at_ = 0;
  bool cpu_timer_set_ = false;

  // Mempool: FIFO of transactions; who sent each (never sent back).
  struct MempoolTx {
    std::uint32_t bytes;
    std::vector<PeerSlot> senders;
  };
  std::map<TxId, MempoolTx> mempool_;
  std::deque<TxId> mempool_order_;
  std::uint64_t mempool_bytes_ = 0;
  std::set<TxId> committed_txs_;

  // Evidence: pending (to gossip and propose) and committed, keyed by (height, validator).
  std::map<std::pair<Height, ValidatorIndex>, DuplicateVoteEvidence> evidence_pending_;
  std::set<std::pair<Height, ValidatorIndex>> evidence_committed_;
};

}  // namespace peerlab::tendermint
