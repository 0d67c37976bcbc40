// Simulation: the Bitcoin family on the engine (sim/engine.hpp). Builds the nodes, their
// stores, the mining oracle, the transaction workload, the strategies and eclipse attacks from
// a SimConfig, plugs them into the protocol-neutral engine as its sim::Protocol, and measures
// what happens (the "fast driver" of design §3): each event's input goes to a bitcoin::Node,
// whose outbox becomes sends (a pooled message handle and its wire size), timers, connections
// and observations.
//
// Contract: same SimConfig (seed included) gives the same event sequence and the same report,
// bit for bit. Nothing here reads a clock; progress reporting is a callback the caller may time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/node.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/bitcoin/sim/config.hpp"
#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/plan/network_plan.hpp"
#include "peerlab/sim/run_events.hpp"
#include "peerlab/util/cache_line.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

class Simulation final : public Protocol {
 public:
  // Fails (without side effects) when the topology cannot be built, e.g. a bad edge-list line.
  // With a transport (sim/transport.hpp), ordinary connections carry their messages over it
  // and it drives the clock; without, the fast engine's LinkModel does.
  static Result<std::unique_ptr<Simulation>> Build(const SimConfig& config,
                                                   std::unique_ptr<Transport> transport = nullptr);
  ~Simulation() override;

  using ProgressFn = std::function<void(const ProgressInfo&)>;
  // Runs to a stop condition: stop.time reached, or stop.blocks mined and then either nothing
  // is left to do or stop.drain has passed. `progress` is called every `every_events` events.
  void Run(const ProgressFn& progress = {}, std::uint64_t every_events = 1u << 18);

  SimReport Report() const;
  // Keeps every (block, node, time) acceptance for SimReport::block_arrivals (reach.csv);
  // call before Run. Off by default: it costs 16 bytes per node per block.
  void RecordBlockArrivals() { record_arrivals_ = true; }
  // Open connections now, each once, ordered by (source, slot).
  std::vector<EdgeRow> OpenEdges() const { return engine_->OpenEdges(); }
  // With SimConfig::wire_check: the first message that failed its round trip (the run stops
  // there), else ok.
  const Status& wire_check_status() const { return wire_check_status_; }

  const bitcoin::BlockStore& store() const { return store_; }
  const bitcoin::TxStore& tx_store() const { return tx_store_; }
  const bitcoin::Node& node(std::uint32_t i) const { return nodes_[i]; }
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::uint64_t events_processed() const { return engine_->events_processed(); }
  TimeNs now() const { return engine_->now(); }
  const std::vector<std::uint32_t>& node_group() const { return node_group_; }
  const SimConfig& config() const { return config_; }
  const Engine& engine() const { return *engine_; }
  // Closes a connection from outside the protocol (network faults, churn, tests): both ends
  // hear of it one latency later, as from a peer's disconnect. False if no such open link.
  bool Disconnect(std::uint32_t node, bitcoin::PeerId peer) { return engine_->Disconnect(node, peer); }
  std::uint32_t open_connections(std::uint32_t node) const { return engine_->open_connections(node); }
  std::uint32_t open_outbound(std::uint32_t node) const { return engine_->open_outbound(node); }
  // Connection slots of a node (open or closed, closed ones reused); slot numbers are the
  // nodes' PeerIds.
  std::uint32_t connection_slots(std::uint32_t node) const { return engine_->connection_slots(node); }
  bool IsOpenOutbound(std::uint32_t node, bitcoin::PeerId peer) const {
    return engine_->IsOpenOutbound(node, peer);
  }
  std::uint32_t node_region(std::uint32_t i) const { return engine_->node_region(i); }
  std::uint32_t node_as(std::uint32_t i) const { return engine_->node_as(i); }
  std::uint32_t peer_node(std::uint32_t node, bitcoin::PeerId peer) const {
    return engine_->peer_node(node, peer);
  }
  std::uint8_t partition_side(std::uint32_t node) const { return engine_->partition_side(node); }
  static bitcoin::NetAddress AddressOf(std::uint32_t node) { return Engine::AddressOf(node); }
  std::uint32_t NodeOf(bitcoin::NetAddress address) const { return engine_->NodeOf(address); }
  bool IsOnline(std::uint32_t node) const { return engine_->IsOnline(node); }
  bitcoin::NetAddress RemoteAddress(std::uint32_t node, bitcoin::PeerId peer) const {
    return engine_->RemoteAddress(node, peer);
  }
  // An eclipse attacking group's addresses in the order it uses them (empty for other groups).
  std::vector<bitcoin::NetAddress> eclipse_addresses(std::uint32_t group) const;
  double upload_bps(std::uint32_t node) const { return engine_->upload_bps(node); }
  double download_bps(std::uint32_t node) const { return engine_->download_bps(node); }
  std::uint32_t slot_generation(std::uint32_t node, bitcoin::PeerId slot) const {
    return engine_->slot_generation(node, slot);
  }

  // Test hooks (tests/conformance): run on to `t` after Run stopped; make `node` send `m` on
  // its open connection `peer` now, as if its own logic had (false if the link is not open).
  void ContinueUntil(TimeNs t);
  bool SendAs(std::uint32_t node, bitcoin::PeerId peer, const bitcoin::Message& m);

  // The engine's hot calls (sim::ProtocolFamily; RunEvents makes them directly).
  void OnMessage(std::uint32_t node, Slot slot, MessageHandle m) {
    Deliver(node, bitcoin::MessageReceived{slot, &MessageOf(m)});
    Release(m);
  }
  void OnTimer(const Event& e) {
    Deliver(e.a, bitcoin::TimerFired{bitcoin::Timer{static_cast<bitcoin::Timer::Kind>(e.c), e.b}});
  }
  void OnOracle(const Event& e);    // a block found (a: the miner)
  void OnWorkload(const Event& e);  // a transaction created (a: its origin)
  // Always inlined: GCC finds a function that only prefetches free of effects and drops the
  // call (seen as a 19 % slower run when this was an ordinary call).
  [[gnu::always_inline]] void Prefetch(const Event& next, const Event* after) {
    if (next.kind() == EventKind::kDeliver) {
      nodes_[next.a].PrefetchPeer(next.b);
      __builtin_prefetch(&MessageOf(next.c));
    } else if (next.kind() == EventKind::kTimer) {
      nodes_[next.a].PrefetchTimer(next.c, next.b);
      // An outbound peer's trickle sends on that connection (its argument is the slot).
      if (static_cast<bitcoin::Timer::Kind>(next.c) == bitcoin::Timer::Kind::kTrickleOutbound) {
        engine_->PrefetchConnection(next.a, next.b);
      }
    }
    if (after) nodes_[after->a].Prefetch();
  }
  // sim::Protocol.
  void OnPeerUp(NodeIndex node, const PeerUp& up) override;
  void OnPeerDown(NodeIndex node, Slot slot) override {
    Deliver(node, bitcoin::PeerDisconnected{slot});
  }
  void OnConnectFailed(NodeIndex node, Address address) override {
    Deliver(node, bitcoin::ConnectFailed{address});
  }
  void OnOffline(NodeIndex node) override { OnVictimOffline(node); }
  void OnOnline(NodeIndex node) override;
  void OnFamilyLifecycle(const Event& e) override;
  void OnHeal(std::uint32_t partition) override;
  void ReleaseMessage(MessageHandle m) override { Release(m); }
  // Messages are immutable once sent: a duplicate is one more reference.
  bool CanDuplicateMessages() const override { return true; }
  MessageHandle DuplicateMessage(MessageHandle m) override {
    const std::uint32_t owner = bitcoin::MessagePool::TagOf(m);
    const std::uint32_t here = engine_->context_index();
    if (owner == here || here + 1 == engine_->context_count()) {
      pools_[owner].AddRef(m);
    } else {
      // Applied at the window's end, before any release: the message cannot be freed before
      // then (the engine holds the original's reference until its delivery, after the window).
      retains_[here][owner].push_back(m);
    }
    return m;
  }
  void DeliverFromTransport(NodeIndex node, Slot slot, MessageHandle m) override {
    OnMessage(node, slot, m);
  }
  void RunEventsUntil(TimeNs t) override { RunEvents(*engine_, *this, t); }
  std::uint32_t progress_count() const override { return blocks_mined_; }
  void OnWindowEnd() override;
  void OnShardWindowEnd(std::uint32_t shard) override { ReturnToPool(shard); }
  bool CanShard() const override { return !config_.wire_check; }

 private:
  // Lifecycle codes of this family (connection classes: report.hpp).
  enum FamilyLifecycle : std::uint32_t { kAttack = 2, kWatch = 3 };

  explicit Simulation(const SimConfig& config);
  // Messages live in one pool per engine context (Engine::context_index), so shards acquire
  // at the same time; a message is released into its own pool, by another shard at the
  // window's end.
  bitcoin::Message& MessageOf(MessageHandle m) {
    return pools_[bitcoin::MessagePool::TagOf(m)].Get(m);
  }
  void Release(MessageHandle m) {
    const std::uint32_t owner = bitcoin::MessagePool::TagOf(m);
    const std::uint32_t here = engine_->context_index();
    if (owner == here || here + 1 == engine_->context_count()) {  // its shard, or between windows
      pools_[owner].Release(m);
    } else {
      returns_[here][owner].push_back(m);
    }
  }
  // Applies what other contexts held for pool `owner` (duplicated, then released): by the
  // pool's own shard after a window, or between windows.
  void ReturnToPool(std::uint32_t owner);
  // After the engine split its nodes into shards: a pool, an outbox and a journal per context.
  void SetUpContexts();
  void SetUpContextsFor(std::uint32_t contexts);
  Status Setup(plan::NetworkPlan plan, std::unique_ptr<Transport> transport);
  void ScheduleNextBlock();
  void ScheduleNextTx();
  void CreateTx(std::uint32_t origin);
  void Deliver(std::uint32_t node, const bitcoin::Input& input);
  // Aggregates what `node` observed at `at` into the run-wide records (now, or from the
  // journal at a window's end: the records never feed back into the run).
  void Observe(TimeNs at, std::uint32_t node, const bitcoin::Observation& o);
  void Connect(std::uint32_t node, bitcoin::NetAddress address, bitcoin::ConnectionKind kind);
  void SeedAddressManagers();
  // adversaries.cpp: strategies and what they achieve.
  void SetUpStrategies();
  void AddRushingLinks(std::uint32_t group);
  void ObserveStrategy(TimeNs at, std::uint32_t node, const bitcoin::Observation& o);
  void ReportAdversaries(SimReport& r, const std::vector<bool>& on_main,
                         bitcoin::BlockHandle main_tip) const;
  ChurnReport ReportChurn() const { return engine_->ReportChurn(); }
  // eclipse.cpp: attacker addresses, attack connections, the victim's restart and watch.
  Status SetUpEclipse();  // before the strategies are set
  void StartEclipse();    // after: flood pools, first attack connection
  void AttackTick(std::uint32_t attack);
  void WatchEclipse(std::uint32_t attack);
  void OnVictimOffline(std::uint32_t node);
  void OnVictimBack(std::uint32_t node);
  void NoteConnectToAttacker(std::uint32_t node, std::uint32_t target);
  void ReportEclipse(std::uint32_t group, AdversaryReport& a) const;
  // partitions.cpp: sides, tips after a heal, what each side mined.
  Status SetUpNetworkEvents(plan::NetworkPlan& plan);  // checks the events, takes the sides
  void TrackTip(TimeNs at, const bitcoin::Observation& o);
  std::vector<PartitionReport> ReportPartitions(const std::vector<bool>& on_main) const;

  SimConfig config_;
  std::unique_ptr<Engine> engine_;
  bitcoin::BlockStore store_;
  bitcoin::TxStore tx_store_;
  // What each context writes during a window lies on cache lines of its own (OnOwnLines): a
  // shard's thread writing its pool's free list took the line from the other shard's pool.
  std::vector<OnOwnLines<bitcoin::MessagePool>> pools_;  // per engine context
  std::vector<OnOwnLines<bitcoin::Outbox>> outboxes_;    // per engine context (scratch)
  // [context][pool]: messages of another context's pool that a context released (returns_) or
  // duplicated (retains_) in a window, for that pool's shard to apply after it.
  using HandleLists = std::vector<OnOwnLines<std::vector<MessageHandle>>>;
  std::vector<HandleLists> returns_;
  std::vector<HandleLists> retains_;
  std::vector<bitcoin::Node> nodes_;
  Status wire_check_status_;

  // Mining oracle.
  Rng mining_rng_;
  std::vector<std::uint32_t> node_group_;               // group index per node
  std::vector<std::vector<std::uint32_t>> group_nodes_;  // nodes per group, ascending
  std::vector<double> group_cumulative_share_;
  std::uint32_t blocks_mined_ = 0;
  bool mining_stopped_ = false;

  // Transaction workload.
  Rng tx_rng_;
  std::vector<double> tx_class_cumulative_share_;
  std::uint64_t next_outpoint_ = 1;

  // Observations held for the window's end when the engine runs in windows (in event order).
  struct Observed {
    Engine::WindowOrder order;  // order.at: when it was observed
    std::uint32_t node;
    bitcoin::Observation observation;
  };
  std::vector<OnOwnLines<std::vector<Observed>>> journals_;  // per engine context
  // Observations, aggregated as they happen.
  std::vector<BlockProgress> block_progress_;  // indexed by BlockHandle
  bool record_arrivals_ = false;
  std::vector<BlockArrival> arrivals_;  // with record_arrivals_, in observation order
  std::uint64_t reorgs_ = 0;
  std::uint32_t max_reorg_depth_ = 0;
  std::vector<std::uint64_t> reorg_depths_;  // index: depth; bounded by the chain's height
  std::uint64_t punishments_ = 0;
  std::uint64_t evictions_ = 0;
  std::vector<std::uint32_t> reach_targets_;  // nodes needed for 50, 90, 99, 100 %
  struct TxProgress {
    std::uint32_t nodes_with_tx = 0;
    // Acceptances held in the window, then whether the window took it past a target
    // (CountTxAcceptances; 0 between windows).
    std::uint32_t in_window = 0;
    TimeNs reached_at[2] = {-1, -1};  // 50 %, 90 %
  };
  std::vector<TxProgress> tx_progress_;  // indexed by TxHandle
  // Acceptances of transactions held for the window's end, per context, when nothing but
  // their count is needed (no censor's reach to follow).
  struct TxAcceptance {
    TimeNs at;
    bitcoin::TxHandle tx;
  };
  std::vector<OnOwnLines<std::vector<TxAcceptance>>> tx_journals_;
  // Scratch of CountTxAcceptances: the transactions accepted in the window, those among them
  // that passed a target (with their count before it), and the passing ones' acceptances.
  std::vector<bitcoin::TxHandle> tx_touched_;
  std::vector<std::pair<bitcoin::TxHandle, std::uint32_t>> tx_passing_;
  std::vector<TxAcceptance> tx_times_;
  // Applies the window's tx_journals_ to tx_progress_ (OnWindowEnd).
  void CountTxAcceptances();
  // Partitions: nodes per tip while the scenario has network events, and the healed
  // partitions whose nodes do not agree on a tip yet.
  bool track_tips_ = false;
  std::vector<std::uint32_t> nodes_on_tip_;  // indexed by BlockHandle
  std::vector<std::uint32_t> awaiting_consistency_;

  // Strategies (adversaries.cpp).
  std::vector<std::uint32_t> rushing_links_;           // per group
  std::vector<double> rushing_share_;                  // per group: honest hashrate reached
  struct Race {
    std::uint32_t group;
    bitcoin::BlockHandle ours, rival;
  };
  std::vector<Race> races_;  // most recent last; only the last few can still be open
  std::vector<std::uint32_t> race_on_attacker_, race_on_rival_;  // per group
  struct Attempt {
    std::uint32_t group;
    bitcoin::BlockHandle payment;
    bool published;
  };
  std::vector<Attempt> attempts_;
  // Censors: per censoring group, per transaction, how many of its nodes have it and when the
  // last one got it.
  struct CensorReach {
    std::vector<std::uint32_t> nodes_with_tx;
    std::vector<TimeNs> reached_all_at;
  };
  std::vector<CensorReach> censor_reach_;  // per group, empty for others

  // Eclipse attacks (eclipse.cpp).
  struct EclipseAttack {
    std::uint32_t group, attacker, victim;
    std::vector<bitcoin::NetAddress> addresses;  // the attacker's, in the order it uses them
    std::size_t next_address = 0;
    std::vector<bitcoin::PeerId> open;  // attacker's slots of its attack links, oldest first
    bool victim_back = false;            // the restart happened
    TimeNs eclipsed_at = -1;
    std::optional<double> share_new, share_tried, trash_new;  // victim's tables at the restart
    std::uint64_t connections = 0, victim_connects = 0;
  };
  std::vector<EclipseAttack> attacks_;
};

}  // namespace peerlab::sim
