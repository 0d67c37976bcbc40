// Simulation: the fast engine. Builds nodes, links, topology and the mining oracle from a
// SimConfig, then runs the deterministic event loop, feeding each bitcoin::Node its inputs and
// routing its outbox through the link model (the "fast driver" of design §3).
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
#include "peerlab/plan/network_plan.hpp"
#include "peerlab/sim/config.hpp"
#include "peerlab/sim/event_queue.hpp"
#include "peerlab/sim/link_model.hpp"
#include "peerlab/sim/network_fault_state.hpp"
#include "peerlab/sim/report.hpp"
#include "peerlab/sim/shared_uplink.hpp"
#include "peerlab/sim/topology.hpp"
#include "peerlab/sim/transport.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

struct ProgressInfo {
  TimeNs now;
  std::uint32_t blocks_mined;
  std::uint64_t events;
  std::size_t pending_events;
  std::uint64_t network_events = 0;  // the ns-3 backend's packet-level events (0: fast engine)
};

class Simulation {
 public:
  // Fails (without side effects) when the topology cannot be built, e.g. a bad edge-list line.
  // With a transport (transport.hpp), ordinary connections carry their messages over it
  // and it drives the clock; without, the fast engine's LinkModel does.
  static Result<std::unique_ptr<Simulation>> Build(const SimConfig& config,
                                                   std::unique_ptr<Transport> transport = nullptr);

  using ProgressFn = std::function<void(const ProgressInfo&)>;
  // Runs to a stop condition: stop.time reached, or stop.blocks mined and then either nothing
  // is left to do or stop.drain has passed. `progress` is called every `every_events` events.
  void Run(const ProgressFn& progress = {}, std::uint64_t every_events = 1u << 18);

  SimReport Report() const;
  // Open connections now, each once, ordered by (source, slot).
  std::vector<EdgeRow> OpenEdges() const;
  // With SimConfig::wire_check: the first message that failed its round trip (the run stops
  // there), else ok.
  const Status& wire_check_status() const { return wire_check_status_; }

  const bitcoin::BlockStore& store() const { return store_; }
  const bitcoin::TxStore& tx_store() const { return tx_store_; }
  const bitcoin::Node& node(std::uint32_t i) const { return nodes_[i]; }
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  const std::vector<Edge>& edges() const { return edges_; }
  std::uint64_t events_processed() const { return events_; }
  TimeNs now() const { return now_; }
  const std::vector<std::uint32_t>& node_group() const { return node_group_; }
  // Closes a connection from outside the protocol (network faults, churn, tests): both ends
  // hear of it one latency later, as from a peer's disconnect. False if no such open link.
  bool Disconnect(std::uint32_t node, bitcoin::PeerId peer);
  // Open connections of a node, and how many of them it opened.
  std::uint32_t open_connections(std::uint32_t node) const;
  std::uint32_t open_outbound(std::uint32_t node) const;
  // Connection slots of a node (open or closed, closed ones reused); slot numbers are the
  // nodes' PeerIds.
  std::uint32_t connection_slots(std::uint32_t node) const {
    return static_cast<std::uint32_t>(peers_[node].size());
  }
  bool IsOpenOutbound(std::uint32_t node, bitcoin::PeerId peer) const {
    return peers_[node][peer].open && !peers_[node][peer].inbound;
  }
  std::uint32_t node_region(std::uint32_t i) const { return links_.region_of(i); }
  // Autonomous system number (1-based) of a node.
  std::uint32_t node_as(std::uint32_t i) const { return node_as_[i]; }
  // The node at the other end of a connection slot (open or last used).
  std::uint32_t peer_node(std::uint32_t node, bitcoin::PeerId peer) const {
    return peers_[node][peer].remote;
  }
  // Side of `node` in the partition in effect; kNoSide when none is.
  std::uint8_t partition_side(std::uint32_t node) const;
  // Synthetic IPv4 addresses: a bijection of node indexes spread over the address space, so
  // nearly every node has its own /16 network group. NodeOf also knows eclipse attackers'
  // addresses (a sorted table: each reaches its attacker's node) and returns node_count() for
  // an address where nobody listens.
  static bitcoin::NetAddress AddressOf(std::uint32_t node);
  std::uint32_t NodeOf(bitcoin::NetAddress address) const;
  // Churn and outages (churn.cpp): an offline node gets no input (messages, timers, blocks it
  // would have found); its connections were closed and connecting to it fails after the
  // connect timeout. Back online it gets a Restart.
  bool IsOnline(std::uint32_t node) const { return offline_count_ == 0 || offline_[node] == 0; }
  // The address `node` sees at the other end of connection `peer` (an attacker address when
  // an eclipse attacker opened it or the node dialled one).
  bitcoin::NetAddress RemoteAddress(std::uint32_t node, bitcoin::PeerId peer) const;
  // An eclipse attacking group's addresses in the order it uses them (empty for other groups).
  std::vector<bitcoin::NetAddress> eclipse_addresses(std::uint32_t group) const;

  // For a Transport (transport.hpp); unused by the fast engine.
  const SimConfig& config() const { return config_; }
  const Transport* transport() const { return transport_.get(); }
  double upload_bps(std::uint32_t node) const {
    return config_.upload_bps.value_or(config_.regions.upload_bps[node_region(node)]);
  }
  double download_bps(std::uint32_t node) const {
    return config_.download_bps.value_or(config_.regions.download_bps[node_region(node)]);
  }
  // Mean one-way latency between two nodes' regions (a transport's links have no jitter).
  DurationNs mean_latency(std::uint32_t from, std::uint32_t to) const {
    return static_cast<DurationNs>(
        config_.regions.LatencyMs(node_region(from), node_region(to)) * 1e6);
  }
  std::uint32_t slot_generation(std::uint32_t node, bitcoin::PeerId slot) const {
    return peers_[node][slot].generation;
  }
  // The delay partition in effect: its extra latency, and the side of each node (empty when
  // none is in effect).
  DurationNs partition_delay() const;
  const std::vector<std::uint8_t>& delay_partition_sides() const;
  TimeNs next_event_time() const { return queue_.empty() ? kTimeNever : queue_.top().time; }
  TimeNs end_at() const { return end_at_; }
  ProgressInfo progress() const { return {now_, blocks_mined_, events_, queue_.size()}; }
  // Handles the engine's own events up to time `t` (and not past the end).
  void RunEventsUntil(TimeNs t);
  // A message (or malformed frame) that arrived at `now` on the connection the transport
  // knows as (node, slot, generation); dropped if the slot has since served another one.
  void DeliverFromTransport(TimeNs now, std::uint32_t node, bitcoin::PeerId slot,
                            std::uint32_t generation, const bitcoin::Input& input);
  // The transport lost the connection (TCP gave up) at `now`: Disconnect, then.
  void DisconnectFromTransport(TimeNs now, std::uint32_t node, bitcoin::PeerId slot);
  // The transport's run ended at `now` (its clock): the engine's events up to the end run.
  void FinishTransportRun(TimeNs now);

  // Test hooks (tests/conformance): run on to `t` after Run stopped; make `node` send `m` on
  // its open connection `peer` now, as if its own logic had (false if the link is not open).
  void ContinueUntil(TimeNs t) {
    end_at_ = std::min(t, kTimeLimit);
    Run();
  }
  bool SendAs(std::uint32_t node, bitcoin::PeerId peer, const bitcoin::Message& m);

 private:
  // One end of a connection. A slot is reused for a later connection once its node knows the
  // old one is gone and everything sent to the node before the close has arrived (its
  // downlink's free time: TCP's TIME_WAIT), so a stale message never reaches the new
  // connection. Connection events carry the slot's generation and stale ones are dropped;
  // deliveries are checked only in wire-check mode (the check costs a cache miss per message).
  struct PeerLink {
    std::uint32_t remote;          // node at the other end
    bitcoin::PeerId remote_peer;  // how that node names this connection
    std::uint32_t generation = 0;  // of this slot
    bool inbound : 1;              // the other end opened it
    bool open : 1 = true;
    bool block_relay_only : 1 = false;
    bool known : 1 = true;  // the node has been told it is up (PeerConnected)
    bool rushing : 1 = false;  // a strategy's direct link (RushingSpec), its own pipe
    bool aliased : 1 = false;  // this end sees an eclipse attacker address (link_alias_)
  };
  static_assert(sizeof(PeerLink) == 16);

  explicit Simulation(const SimConfig& config);
  Status Setup(plan::NetworkPlan plan);  // where nodes are: sim/plan_input.hpp
  void Push(EventKind kind, std::uint32_t source, TimeNs at, std::uint32_t a, std::uint32_t b,
            std::uint32_t c, std::uint32_t generation = 0);
  // A free connection slot of `node` (reused or new), its generation bumped.
  bitcoin::PeerId AllocateSlot(std::uint32_t node);
  bool Current(const Event& e) const { return peers_[e.a][e.b].generation == e.generation; }
  void ScheduleNextBlock();
  void ScheduleNextTx();
  void CreateTx(std::uint32_t origin);
  void Dispatch(const Event& e);
  void Deliver(std::uint32_t node, const bitcoin::Input& input);
  void Observe(std::uint32_t node, const bitcoin::Observation& o);
  void CloseLink(std::uint32_t node, bitcoin::PeerId peer, TimeNs notify_self_at);
  void Connect(std::uint32_t node, bitcoin::NetAddress address, bitcoin::ConnectionKind kind);
  // The TCP handshake of a connection `node` opens to `target`, whoever asked for it; returns
  // the slots at both ends.
  std::pair<bitcoin::PeerId, bitcoin::PeerId> OpenLink(std::uint32_t node, std::uint32_t target,
                                                         bitcoin::ConnectionKind kind);
  void SetAlias(std::uint32_t node, bitcoin::PeerId peer, bitcoin::NetAddress address);
  // When a zero-size signal (SYN, FIN) sent at `sent` arrives, partitions included.
  TimeNs SignalArrival(TimeNs sent, std::uint32_t from, std::uint32_t to) {
    const TimeNs at = links_.Signal(sent, from, to);
    return faults_in_path_ ? CrossingArrival(from, to, at) : at;
  }
  void SeedAddressManagers();
  // adversaries.cpp: strategies and what they achieve.
  void SetUpStrategies();
  void AddRushingLinks(std::uint32_t group);
  TimeNs SendRushing(std::uint32_t node, bitcoin::PeerId peer, std::uint32_t wire_bytes);
  void ObserveStrategy(std::uint32_t node, const bitcoin::Observation& o);
  void ReportAdversaries(SimReport& r, const std::vector<bool>& on_main,
                         bitcoin::BlockHandle main_tip) const;

  // churn.cpp: nodes going offline and back, connections failing. Engine events of kind
  // kLifecycle carry the subject in `a` and what happens in `b`.
  enum class Lifecycle : std::uint32_t { kGoOffline, kComeBack, kAttack, kWatch, kLinkFailure };
  Status SetUpLifecycle();  // after everything else: the first events
  void PushLifecycle(TimeNs at, std::uint32_t subject, Lifecycle what);
  void OnLifecycle(const Event& e);
  void TakeOffline(std::uint32_t node);
  void BringOnline(std::uint32_t node);
  void FailRandomLink();
  void ScheduleLinkFailure();
  ChurnReport ReportChurn() const;
  // eclipse.cpp: attacker addresses, attack connections, the victim's restart and watch.
  Status SetUpEclipse();  // before the strategies are set
  void StartEclipse();    // after: flood pools, first attack connection
  void AttackTick(std::uint32_t attack);
  void WatchEclipse(std::uint32_t attack);
  void OnVictimOffline(std::uint32_t node);
  void OnVictimBack(std::uint32_t node);
  void NoteConnectToAttacker(std::uint32_t node, std::uint32_t target);
  void ReportEclipse(std::uint32_t group, AdversaryReport& a) const;
  // Network events (network_events.cpp).
  Status SetupNetworkEvents(plan::NetworkPlan& plan);  // checks the events, takes the sides
  void ScheduleNetworkEvent();
  void ApplyNetworkEvent(std::uint32_t index);
  void StartPartition(std::uint32_t index);
  void Heal();
  // A message or signal between `from` and `to` that would arrive at `arrival`, when a delay
  // partition is in effect or draining.
  TimeNs CrossingArrival(std::uint32_t from, std::uint32_t to, TimeNs arrival);
  bool CrossingBlocked(std::uint32_t from, std::uint32_t to) const;  // by a drop partition
  TimeNs DelayedUntil(std::uint32_t node) const;  // latest delayed arrival at the node, or 0
  void TrackTip(const bitcoin::Observation& o);
  std::vector<PartitionReport> ReportPartitions(const std::vector<bool>& on_main) const;
  // The side `node` was on in the partition in effect at `at`; nullopt: none in effect.
  std::optional<std::uint32_t> PartitionSideAt(TimeNs at, std::uint32_t node) const;

  SimConfig config_;
  bitcoin::BlockStore store_;
  bitcoin::TxStore tx_store_;
  bitcoin::MessagePool pool_;
  bitcoin::Outbox outbox_;
  std::vector<bitcoin::Node> nodes_;
  std::vector<std::vector<PeerLink>> peers_;  // per node, indexed by PeerId
  struct ReusableSlot {
    bitcoin::PeerId slot;
    TimeNs reusable_at;
  };
  void FreeSlot(std::uint32_t node, bitcoin::PeerId slot);
  std::vector<std::vector<ReusableSlot>> free_slots_;  // per node: closed and known closed
  std::vector<Edge> edges_;
  LinkModel links_;
  EventQueue queue_;
  std::vector<std::uint32_t> sequence_;  // per event source: nodes, then the mining oracle
  TimeNs now_ = 0;
  std::uint64_t events_ = 0;
  TimeNs end_at_ = kTimeNever;
  std::size_t next_snapshot_ = 0;          // into config_.topology_snapshots
  TimeNs next_snapshot_at_ = kTimeNever;   // its time, or never
  std::vector<TopologySnapshot> snapshots_;
  void TakeSnapshotsUpTo(TimeNs t);
  Status wire_check_status_;
  std::vector<std::uint32_t> node_as_;
  // Set while a delay partition may change when messages arrive: the one branch network
  // events add to the per-message path.
  bool faults_in_path_ = false;
  NetworkFaultState faults_;

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

  // Observations, aggregated as they happen.
  std::vector<BlockProgress> block_progress_;  // indexed by BlockHandle
  std::uint64_t reorgs_ = 0;
  std::uint32_t max_reorg_depth_ = 0;
  std::vector<std::uint64_t> reorg_depths_;  // index: depth; bounded by the chain's height
  std::uint64_t punishments_ = 0;
  std::uint64_t disconnects_ = 0;
  std::uint64_t evictions_ = 0;
  std::uint64_t connection_attempts_ = 0;
  std::uint64_t failed_connections_ = 0;
  std::uint64_t feelers_ = 0;
  std::vector<std::uint32_t> reach_targets_;  // nodes needed for 50, 90, 99, 100 %
  struct TxProgress {
    std::uint32_t nodes_with_tx = 0;
    TimeNs reached_at[2] = {-1, -1};  // 50 %, 90 %
  };
  std::vector<TxProgress> tx_progress_;  // indexed by TxHandle

  // Strategies (adversaries.cpp).
  struct RushingPipe {
    TimeNs free_at = 0;
    DurationNs latency = 0;
    double ns_per_byte = 0;
  };
  std::map<std::uint64_t, RushingPipe> rushing_pipes_;  // key: node << 32 | peer slot
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

  // Outages and churn (churn.cpp).
  bool lifecycle_ = false;               // nodes may go offline: timers carry incarnations
  std::vector<std::uint8_t> offline_;    // per node (when lifecycle_)
  std::uint32_t offline_count_ = 0;      // the hot path tests only this
  std::vector<std::uint32_t> incarnation_;  // per node: bumped when it goes offline
  std::vector<std::uint32_t> churn_slot_;   // per node: index into churn_rng_, or UINT32_MAX
  std::vector<Rng> churn_rng_;              // per churning node
  Rng link_failure_rng_;
  std::uint64_t departures_ = 0, arrivals_ = 0, link_failures_ = 0;

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
  std::vector<std::pair<bitcoin::NetAddress, std::uint32_t>> alias_table_;  // sorted: -> node
  std::map<std::uint64_t, bitcoin::NetAddress> link_alias_;  // node << 32 | slot -> address

  // Last: destroyed first, while the stores and nodes it refers to still exist.
  std::unique_ptr<Transport> transport_;
  // network.uplink: shared (fast engine only); null with FIFO uplinks.
  std::unique_ptr<SharedUplinks> shared_uplinks_;
  std::vector<SharedUplinks::Item> uplink_scratch_;
  // Queues a message on `node`'s shared uplink toward its connection `peer`.
  void SendShared(std::uint32_t node, bitcoin::PeerId peer, bitcoin::MessageId message,
                  std::uint32_t generation);
  // An uplink event: delivers what finished, schedules the next.
  void OnUplink(const Event& e);
  // Closing: TCP discards what was not sent yet on either direction of the connection.
  void DropSharedFlows(std::uint32_t node, bitcoin::PeerId peer);
  void PushUplink(std::uint32_t node);
};

}  // namespace peerlab::sim
