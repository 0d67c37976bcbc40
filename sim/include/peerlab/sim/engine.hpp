// Engine: the protocol-neutral discrete-event network (design §2). It owns simulated time and
// the event queue, the connections between nodes (slots, generations, the TCP handshake and
// close as zero-size signals), how a message crosses the network (LinkModel's FIFO pipes,
// SharedUplinks, a family's dedicated pipes, or a packet-level Transport such as ns-3),
// partitions and heals, churn, outages and link failures, and snapshots of the topology.
// A protocol family (protocol.hpp) owns the nodes and what their messages mean.
//
// Set-up order (each step once): construct; the family adds its edges and aliases
// (AddEdge, AddAliases) and calls OpenInitialConnections; then SetUpNetworkEvents and
// SetUpLifecycle; then RunEvents (run_events.hpp) or a transport's Run.
//
// Contract: same spec (seed included), same family and same calls give the same event
// sequence, bit for bit. Nothing here reads a clock.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "peerlab/sim/engine_reports.hpp"
#include "peerlab/sim/event_queue.hpp"
#include "peerlab/sim/flow_links.hpp"
#include "peerlab/sim/link_model.hpp"
#include "peerlab/sim/message_faults.hpp"
#include "peerlab/sim/network_fault_state.hpp"
#include "peerlab/sim/network_spec.hpp"
#include "peerlab/sim/protocol.hpp"
#include "peerlab/sim/shard_map.hpp"
#include "peerlab/sim/shared_uplink.hpp"
#include "peerlab/sim/topology.hpp"
#include "peerlab/sim/transport.hpp"
#include "peerlab/util/cache_line.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

class Engine {
 public:
  // The engine's codes of kLifecycle events; 2, 3 and from 5 on belong to the family
  // (Protocol::OnFamilyLifecycle).
  enum Lifecycle : std::uint32_t {
    kGoOffline = 0,
    kComeBack = 1,
    kLinkFailure = 4,
  };

  // Places the nodes (regions from `regions`, one per node, and ASes) and builds the initial
  // topology. Fails without side effects on a bad topology (e.g. a bad edge-list line).
  // Ok when the engine can run `nodes` nodes: at least 2, and few enough that every event
  // source (the nodes, then the oracle, the workload, network events and lifecycle) fits the
  // event key's source field. A family checks it before sizing anything per node.
  static Status CheckNodeCount(std::uint32_t nodes);
  static Result<std::unique_ptr<Engine>> Build(const NetworkSpec& spec,
                                               const std::vector<std::uint32_t>& regions,
                                               std::vector<std::uint32_t> autonomous_systems,
                                               std::unique_ptr<Transport> transport);
  void SetProtocol(Protocol* protocol) { protocol_ = protocol; }

  // --- Set-up ---
  // The initial topology as built; the family may append edges before opening connections.
  std::vector<Edge>& edges() { return edges_; }
  const std::vector<Edge>& edges() const { return edges_; }
  void AddEdge(const Edge& e, std::optional<DedicatedPipe> pipe = std::nullopt);
  // Creates every edge's connection, open and known at both ends from time 0 (the family
  // tells its nodes, in node order).
  void OpenInitialConnections();
  // Extra addresses at which `node` listens (Bitcoin's eclipse attacker addresses); sorted
  // into one table, so call before the run.
  void AddAliases(NodeIndex node, const std::vector<Address>& addresses);
  // Partitions: `sides[e]` gives, for network event e (a partition), the side of each node;
  // `weights` (a node's share of the family's power, e.g. hashrate) only go into reports.
  Status SetUpNetworkEvents(std::vector<std::vector<std::uint8_t>> sides);
  // Message faults (spec().faults; message_faults.hpp) with the nodes each names
  // (ResolveMessageFaultNodes), after SetProtocol and before any message is sent. Refused with
  // a transport, and duplicates when the family cannot duplicate messages.
  Status SetUpMessageFaults(MessageFaultNodes nodes);
  // Churn, outages and link failures. `may_churn[i]`: node i may be chosen to churn (nodes
  // with scheduled outages never are). `family_lifecycle`: the family takes nodes offline
  // or pushes lifecycle events itself, so timers must carry incarnations even without churn.
  Status SetUpLifecycle(const std::vector<bool>& may_churn, bool family_lifecycle);
  // Reserves receivers' downlinks for what nodes send at the end of windows of `window` ns
  // instead of at once (0, the default: at once), applied in event order, so results are the
  // same. What the parallel engine's shards do; a test hook until then. Requires `window` at
  // most latency_floor() (every arrival lies beyond its window) and no transport.
  void SetNetworkWindow(DurationNs window) {
    PEERLAB_ASSERT(window >= 0 && window <= latency_floor() && !transport_);
    network_window_ = window;
  }
  // Windows are in use: a family holds its run-wide records until OnWindowEnd.
  bool windowed() const { return network_window_ > 0; }
  // The least time any message or signal between two nodes can take (the smallest region-pair
  // latency with its jitter's minimum; dedicated pipes' latencies): the lookahead of windows.
  DurationNs latency_floor() const;
  // The run ends at `t` at the latest (kTimeLimit caps it); may be called while running, but
  // not from a shard's window (Protocol::CanShard).
  void StopAt(TimeNs t) {
    PEERLAB_ASSERT(tls_context_ == nullptr);
    end_at_ = std::min({end_at_, t, kTimeLimit});
  }
  // Test hook: moves the end to `t` (later than before, to run on after a stop).
  void ExtendTo(TimeNs t) { end_at_ = std::min(t, kTimeLimit); }

  // --- What a family does during a run ---
  // `node` sends a message of `bytes` named `m` on its connection `slot`; the engine holds
  // the family's reference until delivery (OnMessage) or drop (ReleaseMessage).
  void Send(NodeIndex node, Slot slot, std::uint32_t bytes, MessageHandle m);
  // Starts loading the link state of the node at the other end of `slot` (a hint: an
  // announcement goes to a dozen random nodes at once, so their misses overlap).
  // Always inlined, as every prefetch helper: GCC drops calls to a function that only
  // prefetches (it finds it free of effects).
  // In windows the receiver's pipes are not touched until the window's end (by its shard):
  // nothing to load then, and a prefetch for writing would take the line from another core.
  [[gnu::always_inline]] void PrefetchLink(NodeIndex node, Slot slot) const {
    if (network_window_ == 0) links_.Prefetch(peers_[node][slot].remote);
  }
  // Starts loading what the engine itself needs for the event `e`: its node's uplink and
  // latency stream (the node may send; perf had a miss on each in every first send), and
  // with the flow model the node's connection states and a due second flight. A delivery's
  // node mostly answers on the slot it arrived on (getdata, tx): that connection's flow state
  // too.
  [[gnu::always_inline]] void PrefetchEngineState(const Event& e) const {
    if (e.a >= node_count()) return;
    links_.PrefetchSender(e.a);
    if (!flow_links_) return;
    flow_links_->PrefetchConnections(e.a);
    if (e.kind() == EventKind::kDeliver) flow_links_->PrefetchConnection(e.a, e.b);
    if (e.kind() == EventKind::kUplink) flow_links_->PrefetchFlight(e.a, e.b);
  }
  // Starts loading the records of `node`'s connection `slot` (the engine's, and the flow
  // model's window state): a family calls it for an event after which the node sends on
  // that connection (Bitcoin: an outbound peer's trickle timer).
  [[gnu::always_inline]] void PrefetchConnection(NodeIndex node, Slot slot) const {
    const std::vector<PeerLink>& row = peers_[node];
    if (slot < row.size()) __builtin_prefetch(&row[slot]);
    if (flow_links_) flow_links_->PrefetchConnection(node, slot);
  }
  // Arms a timer of `node` at `at`; the family reads the payload back in OnTimer (e.b, e.c).
  void SetTimer(NodeIndex node, TimeNs at, std::uint32_t b, std::uint32_t c) {
    // With outages possible a timer carries its node's incarnation (it dies with it).
    Push(EventKind::kTimer, node, at, node, b, c, lifecycle_ ? incarnation_[node] : 0);
  }
  // `node` closes its connection `slot` (from its own event): its end is closed at once; the
  // other end keeps its end open until the FIN reaches it one latency later (what it sends
  // meanwhile is dropped on arrival), then hears of it (OnPeerDown).
  void Close(NodeIndex node, Slot slot) { CloseLink(node, slot, -1); }
  // Closes a connection from outside (network faults, churn, tests), between node events: both
  // ends are closed at once and hear of it one latency later. False if no such open connection.
  bool Disconnect(NodeIndex node, Slot slot);
  // `node` dials `address` (from its own event). Returns the node it reaches if it answers, or
  // node_count() when the attempt fails at once (nobody there, offline, across a drop
  // partition: OnConnectFailed after the timeout). The target learns of the attempt when the
  // SYN reaches it: it takes a slot then (or, offline or cut off by then, never answers), and
  // the dialer's PeerUp comes with the SYN-ACK. No node state but the dialer's changes at the
  // dial, so a dial is an event like any message (what the parallel engine needs).
  NodeIndex Connect(NodeIndex node, Address address, ConnectionKind kind);
  // Opens a connection from `node` to `target` with both slots taken now, between node events
  // (a heal restoring what a partition cut, an attacker's scripted connection): the target
  // hears of it half a round trip later, the opener a round trip later.
  std::pair<Slot, Slot> OpenLink(NodeIndex node, NodeIndex target, ConnectionKind kind);
  void PushOracle(TimeNs at, std::uint32_t a) { Push(EventKind::kOracle, oracle_source(), at, a, 0, 0); }
  void PushWorkload(TimeNs at, std::uint32_t a) {
    Push(EventKind::kWorkload, workload_source(), at, a, 0, 0);
  }
  void PushLifecycle(TimeNs at, std::uint32_t subject, std::uint32_t code) {
    Push(EventKind::kLifecycle, node_count() + 3, at, subject, code, 0);
  }
  // Handles an event RunEvents does not hand to the family directly.
  void Dispatch(const Event& e);

  // --- The loop (used by RunEvents, run_events.hpp) ---
  // With one shard (sharded() false): pops the next event not after min(until, the end) into
  // `e`, advancing the clock; false when there is none.
  bool Next(TimeNs until, Event& e) {
    if (network_window_ > 0) [[unlikely]] AdvanceWindow();
    EventQueue& queue = queues_[0];
    if (queue.empty() || queue.top().time > std::min(until, end_at_)) return false;
    if (queue.top().time > next_snapshot_at_) [[unlikely]] TakeSnapshotsUpTo(queue.top().time);
    e = queue.Pop();
    Context& x = *serial_;
    x.now = e.time;
    x.current_key = e.key;
    ++x.events;
    return true;
  }
  // The event being handled, as its place in the total order: (time, key), and a count of
  // what it has held for the window so far (WindowOrder). Shards collect held work in their
  // own order; sorting by this restores the one order of a single queue.
  struct WindowOrder {
    TimeNs at;
    std::uint64_t key;
    std::uint32_t index;
    friend bool operator<(const WindowOrder& x, const WindowOrder& y) {
      return x.at != y.at ? x.at < y.at : x.key != y.key ? x.key < y.key : x.index < y.index;
    }
  };
  // The next place in the window's order for something the current event holds back.
  WindowOrder NextWindowOrder() {
    Context& x = ctx();
    if (x.held_key != x.current_key) {  // keys are unique: a new event
      x.held_key = x.current_key;
      x.held_index = 0;
    }
    return {x.now, x.current_key, x.held_index++};
  }
  // Test hook: held work is shuffled (seeded) before each window's end sorts it, as shards
  // running in any order would collect it.
  void ShuffleHeldForTests(std::uint64_t seed) { shuffle_held_ = Rng(seed, 0, RngPurpose{1001}); }
  bool ShufflesHeld() const { return shuffle_held_.has_value(); }
  // Shuffles `held` under that hook (a family's journal, the engine's departures); else nothing.
  template <class T>
  void ShuffleHeld(std::vector<T>& held) {
    if (!shuffle_held_) return;
    for (std::size_t i = held.size(); i > 1; --i) std::swap(held[i - 1], held[shuffle_held_->Below(i)]);
  }
  const Event* peek() const { return queues_[0].empty() ? nullptr : &queues_[0].top(); }
  const Event* peek_second() const { return queues_[0].second(); }
  // A connection event still meant for its slot's current connection.
  bool Current(const Event& e) const { return peers_[e.a][e.b].generation == e.generation; }
  // A message arriving on a connection its receiver still has open: not one the receiver
  // closed (sent before the FIN reached the sender), nor one for an older connection of a
  // reused slot (deliveries carry the receiving slot's generation).
  bool Deliverable(const Event& e) const {
    const PeerLink& link = peers_[e.a][e.b];
    return link.open && link.generation == e.generation;
  }
  // Drops a message Deliverable refused: the family's reference is released.
  void DropDelivery(const Event& e) { protocol_->ReleaseMessage(e.c); }
  // A timer armed before its node went offline died with it.
  bool TimerAlive(const Event& e) const { return !lifecycle_ || e.generation == incarnation_[e.a]; }
  // After the fast engine's last event: the clock stands at the end when events remain past
  // it; snapshots due by then are taken (later ones are never reached).
  void FinishRun();
  // After a transport's run (it settled the clock with FinishTransportRun).
  void FinishTransportSnapshots() { TakeSnapshotsUpTo(ctx().now + 1); }

  // --- Shards: the parallel engine (engine_shards.cpp) ---
  // Nodes are split into shards (ShardMap), each with its own event queue; events outside the
  // nodes (the family's oracle and workload, network and lifecycle events) have a queue of their
  // own and run alone. Shards run their nodes' events in windows no longer than
  // latency_floor(), on up to threads() threads, and exchange what crosses between them at the
  // window's end, in the one total order (WindowOrder): results are the same for any number of
  // shards and threads. One shard (the default) is the plain single queue.
  // At most this many shards (a family may name its per-context pools in 6 bits).
  static constexpr std::uint32_t kMaxShards = 62;
  // engine.threads: auto: the machine's cores from this many nodes on, else 1.
  static constexpr std::uint32_t kAutoThreadsMinNodes = 5000;
  // The threads a run of `nodes` nodes asks for with engine.threads `requested` (0: auto).
  static std::uint32_t ResolveThreads(std::uint32_t requested, std::uint32_t nodes);
  bool sharded() const { return queues_.size() > 1; }
  std::uint32_t shard_count() const { return shard_map_.count(); }
  std::uint32_t shard_of(NodeIndex node) const { return shard_map_.ShardOf(node); }
  std::uint32_t threads() const { return threads_; }
  // Which context's events run on this thread now: a shard (0 .. shard_count() - 1), or
  // shard_count() between windows (events outside the nodes, set-up, reports). With one shard
  // always 0. A family keeps what node events write besides their node's own state (scratch
  // space, held records) per context, so shards may run at the same time.
  std::uint32_t context_index() const { return ctx().index; }
  std::uint32_t context_count() const { return static_cast<std::uint32_t>(contexts_.size()); }
  // Runs the events up to min(until, the end) in windows (RunEvents does, when sharded()):
  // `run_shard(s)` handles shard s's events while NextInShard gives them; `run_global(e)`
  // handles an event outside the nodes. `tick` as in RunEvents.
  struct ShardCalls {
    std::function<void(std::uint32_t shard)> run_shard;
    std::function<void(const Event& e)> run_global;
    std::function<void(std::uint64_t events)> tick;
    std::uint64_t every_events = 1u << 18;
  };
  void RunShards(TimeNs until, const ShardCalls& calls);
  // The next event of `shard` in the current window into `e`, advancing its clock; false when
  // the shard has none left in it.
  bool NextInShard(std::uint32_t shard, Event& e) {
    EventQueue& queue = queues_[shard];
    if (queue.empty()) return false;
    const Event& top = queue.top();
    const Bound& bound = window_bound_;
    if (top.time > bound.time || (top.time == bound.time && top.key >= bound.key)) return false;
    e = queue.Pop();
    Context& x = contexts_[shard];
    x.now = e.time;
    x.current_key = e.key;
    ++x.events;
    return true;
  }
  const Event* PeekShard(std::uint32_t shard) const {
    return queues_[shard].empty() ? nullptr : &queues_[shard].top();
  }
  const Event* PeekShardSecond(std::uint32_t shard) const { return queues_[shard].second(); }

  // --- State ---
  TimeNs now() const { return ctx().now; }
  TimeNs end_at() const { return end_at_; }
  std::uint64_t events_processed() const {
    if (!sharded()) return serial_->events;
    std::uint64_t total = 0;
    for (const Context& x : contexts_) total += x.events;
    return total;
  }
  TimeNs next_event_time() const;
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(peers_.size()); }
  std::uint32_t oracle_source() const { return node_count(); }
  std::uint32_t workload_source() const { return node_count() + 1; }
  ProgressInfo progress() const;
  bool IsOnline(NodeIndex node) const { return offline_count_ == 0 || offline_[node] == 0; }
  std::uint32_t node_region(NodeIndex i) const { return links_.region_of(i); }
  std::uint32_t node_as(NodeIndex i) const { return node_as_[i]; }
  double upload_bps(NodeIndex node) const {
    return spec_.upload_bps.value_or(spec_.regions.upload_bps[node_region(node)]);
  }
  double download_bps(NodeIndex node) const {
    return spec_.download_bps.value_or(spec_.regions.download_bps[node_region(node)]);
  }
  // Mean one-way latency between two nodes' regions (a transport's links have no jitter).
  DurationNs mean_latency(NodeIndex from, NodeIndex to) const {
    return static_cast<DurationNs>(spec_.regions.LatencyMs(node_region(from), node_region(to)) * 1e6);
  }
  // Connection slots of a node (open or closed, closed ones reused).
  std::uint32_t connection_slots(NodeIndex node) const {
    return static_cast<std::uint32_t>(peers_[node].size());
  }
  bool IsOpen(NodeIndex node, Slot slot) const { return peers_[node][slot].open; }
  bool IsOpenOutbound(NodeIndex node, Slot slot) const {
    return peers_[node][slot].open && !peers_[node][slot].inbound;
  }
  bool IsInbound(NodeIndex node, Slot slot) const { return peers_[node][slot].inbound; }
  std::uint8_t connection_class(NodeIndex node, Slot slot) const {
    return peers_[node][slot].connection_class;
  }
  // The node at the other end of a slot (open or last used), and its slot there.
  NodeIndex peer_node(NodeIndex node, Slot slot) const { return peers_[node][slot].remote; }
  Slot remote_slot(NodeIndex node, Slot slot) const { return peers_[node][slot].remote_slot; }
  std::uint32_t slot_generation(NodeIndex node, Slot slot) const {
    return peers_[node][slot].generation;
  }
  std::uint32_t open_connections(NodeIndex node) const;
  std::uint32_t open_outbound(NodeIndex node) const;
  // Open connections now, each once, ordered by (source, slot).
  std::vector<EdgeRow> OpenEdges() const;
  const std::vector<TopologySnapshot>& snapshots() const { return snapshots_; }
  // Synthetic IPv4 addresses: a bijection of node indexes spread over the address space, so
  // nearly every node has its own /16 network group. NodeOf also knows aliases and returns
  // node_count() for an address where nobody listens.
  static Address AddressOf(NodeIndex node);
  NodeIndex NodeOf(Address address) const;
  // The address `node` sees at the other end of `slot` (an alias when dialled by one or
  // opened from one).
  Address RemoteAddress(NodeIndex node, Slot slot) const;
  void SetAlias(NodeIndex node, Slot slot, Address address);

  // Partitions, in the order they started; the side of each node in the one in effect.
  const std::vector<NetworkFaultState::Partition>& partitions() const { return faults_.partitions; }
  std::uint8_t partition_side(NodeIndex node) const;
  // The side `node` was on in the partition in effect at `at`; nullopt: none in effect.
  std::optional<std::uint32_t> PartitionSideAt(TimeNs at, NodeIndex node) const;
  void NoteConsistent(std::uint32_t partition, TimeNs at) {
    faults_.partitions[partition].consistent_at = at;
  }
  // A drop partition in effect separates the two nodes.
  bool CrossingBlocked(NodeIndex from, NodeIndex to) const;
  // The delay partition in effect: its extra latency and the side of each node (empty: none).
  DurationNs partition_delay() const;
  const std::vector<std::uint8_t>& delay_partition_sides() const;

  // Counters for the family's report.
  std::uint64_t disconnects() const { return Sum(&Counters::disconnects); }
  std::uint64_t connection_attempts() const { return Sum(&Counters::connection_attempts); }
  std::uint64_t failed_connections() const { return Sum(&Counters::failed_connections); }
  std::uint64_t probes() const { return Sum(&Counters::probes); }
  // Messages message faults dropped, duplicated and delayed (network.faults).
  std::uint64_t faults_dropped() const { return Sum(&Counters::faults_dropped); }
  std::uint64_t faults_duplicated() const { return Sum(&Counters::faults_duplicated); }
  std::uint64_t faults_delayed() const { return Sum(&Counters::faults_delayed); }
  // Set when the scenario has message faults.
  std::optional<MessageFaultReport> ReportMessageFaults() const {
    if (!message_faults_) return std::nullopt;
    return MessageFaultReport{faults_dropped(), faults_duplicated(), faults_delayed()};
  }
  ChurnReport ReportChurn() const;
  bool Churns(NodeIndex node) const {
    return !churn_slot_.empty() && churn_slot_[node] != UINT32_MAX;
  }

  // --- For a Transport (transport.hpp) ---
  const Transport* transport() const { return transport_.get(); }
  Transport* transport() { return transport_.get(); }
  // A message that arrived at `now` on the connection the transport knows as (node, slot,
  // generation); dropped (released) if the slot has since served another one.
  void DeliverFromTransport(TimeNs now, NodeIndex node, Slot slot, std::uint32_t generation,
                            MessageHandle m);
  void DisconnectFromTransport(TimeNs now, NodeIndex node, Slot slot);
  void RunEventsUntil(TimeNs t) { protocol_->RunEventsUntil(t); }
  // The transport's run ended at `now` (its clock): the engine's events up to the end run.
  void FinishTransportRun(TimeNs now);
  // Releases a message the transport held for a connection that closed.
  void ReleaseMessage(MessageHandle m) { protocol_->ReleaseMessage(m); }

 private:
  // One end of a connection. A slot is reused for a later connection as soon as its node knows
  // the old one is gone. Connection events and deliveries carry the receiving slot's
  // generation and stale ones are dropped (Current, Deliverable): a remote that has not heard
  // of a close yet may still send, and what it sent before may still be on its way.
  struct PeerLink {
    NodeIndex remote;          // node at the other end
    Slot remote_slot;          // how that node names this connection (kNoSlot: the dialer's
                               // end before the SYN-ACK tells it)
    std::uint32_t generation = 0;         // of this slot
    std::uint32_t remote_generation = 0;  // of remote_slot, for what this end sends
    bool inbound : 1;              // the other end opened it
    bool open : 1 = true;
    std::uint8_t connection_class : 2 = 0;
    bool known : 1 = true;      // the node has been told it is up
    bool dedicated : 1 = false;  // its own pipe (dedicated_pipes_)
    bool aliased : 1 = false;    // this end sees an alias address (link_alias_)
    bool probe : 1 = false;
  };
  static_assert(sizeof(PeerLink) == 20);
  static constexpr Slot kNoSlot = UINT32_MAX;
  struct Pipe {
    TimeNs free_at = 0;
    DurationNs latency = 0;
    double ns_per_byte = 0;
  };

  Engine(const NetworkSpec& spec, std::unique_ptr<Transport> transport);
  void Push(EventKind kind, std::uint32_t source, TimeNs at, std::uint32_t a, std::uint32_t b,
            std::uint32_t c, std::uint32_t generation = 0) {
    PEERLAB_ASSERT(at >= ctx().now);
    const std::uint32_t seq = sequence_[source]++;
    PEERLAB_ASSERT(seq != UINT32_MAX);  // per-source sequence space is 2^32 events
    const Event e{at, Event::MakeKey(kind, source, seq), a, b, c, generation};
    if (!sharded()) {
      queues_[0].Push(e);
    } else {
      PushSharded(e);
    }
  }
  // Into the queue of the event's shard (or the global one); from a window, an event for
  // another shard waits in the context's crossing list until the window's end.
  void PushSharded(const Event& e);
  Slot AllocateSlot(NodeIndex node);
  void FreeSlot(NodeIndex node, Slot slot);
  // Closes `node`'s end now. notify_self_at < 0: the node closed it itself (its slot is free
  // at once; the other end closes when the FIN arrives). Else a close from outside: the other
  // end closes now too, and each end hears one latency later (this one at notify_self_at).
  void CloseLink(NodeIndex node, Slot slot, TimeNs notify_self_at);
  // The other end of `node`'s connection `slot`: sent a FIN (a node's own close), or closed at
  // once (a close from outside, or any close with a packet-level transport) and told later.
  void CloseRemoteEnd(NodeIndex node, Slot slot, bool at_once);
  // One end of a connection closed (by its node, a fault or an outage): what it had not sent
  // yet is gone, in the transport or the shared and flow link models.
  void DropUnsentData(NodeIndex node, Slot slot);
  void OnPeerUpEvent(const Event& e);
  void OnPeerDownEvent(const Event& e);
  // Connect's handshake: the SYN reaches the target; the SYN-ACK (or the refusal of a target
  // that went offline or was cut off) reaches the dialer.
  void OnSyn(const Event& e);
  void OnHandshakeReply(const Event& e);
  void TakeSnapshotsUpTo(TimeNs t);
  // When a zero-size signal (SYN, FIN) sent at `sent` arrives, partitions included.
  TimeNs SignalArrival(TimeNs sent, NodeIndex from, NodeIndex to) {
    const TimeNs at = links_.Signal(sent, from, to);
    return faults_in_path_ ? CrossingArrival(from, to, at, ctx().now) : at;
  }
  TimeNs SendDedicated(NodeIndex node, Slot slot, std::uint32_t bytes);
  // What left `from`'s uplink (LinkModel::Depart): reserves the receiver's downlink and, when
  // `deliver`, delivers `m` to the receiver's `to_slot` at the arrival time; at once, or at the
  // window's end (SetNetworkWindow) with the key it would have had.
  void Arrive(NodeIndex from, const Departure& d, Slot to_slot, MessageHandle m,
              std::uint32_t generation, bool deliver);
  // Pushes a connection signal (SYN, SYN-ACK, FIN) from `from` to `to`, sent now: an event of
  // `kind` at `to` (payload b, c, generation) one drawn latency later, partitions included.
  void PushSignal(EventKind kind, NodeIndex from, NodeIndex to, std::uint32_t b, std::uint32_t c,
                  std::uint32_t generation);
  // Applies what was held for the window, in the order it was sent.
  void FlushArrivals();
  // Before the next event: ends the window (flushing) when that event lies beyond it or is not
  // a node's.
  void AdvanceWindow();
  // Network events (engine_faults.cpp).
  void ScheduleNetworkEvent();
  void ApplyNetworkEvent(std::uint32_t index);
  void StartPartition(std::uint32_t index);
  void Heal();
  // A message or signal between `from` and `to` that would arrive at `arrival`, when a delay
  // partition is in effect or draining.
  TimeNs CrossingArrival(NodeIndex from, NodeIndex to, TimeNs arrival, TimeNs sent_at);
  // Arrive's delivery under message faults, with one shard (engine_message_faults.cpp).
  void DeliverWithFaults(NodeIndex from, NodeIndex to, TimeNs arrival, Slot to_slot,
                         MessageHandle m, std::uint32_t generation);
  // Arrive's held delivery under message faults, in a window: the message, and its duplicate.
  void HoldWithFaults(NodeIndex from, const Departure& d, Slot to_slot, MessageHandle m,
                      std::uint32_t generation);
  // Churn, outages and link failures (engine_churn.cpp).
  void OnLifecycle(const Event& e);
  void TakeOffline(NodeIndex node);
  void BringOnline(NodeIndex node);
  void FailRandomLink();
  void ScheduleLinkFailure();
  // network.link_model: shared and flow (engine_shared_uplink.cpp, engine_flow.cpp).
  void SendShared(NodeIndex node, Slot slot, MessageHandle m, std::uint32_t bytes,
                  std::uint32_t generation);
  void OnUplink(const Event& e);
  void DropSharedFlows(NodeIndex node, Slot slot);
  void PushUplink(NodeIndex node);
  void SendFlow(NodeIndex node, Slot slot, MessageHandle m, std::uint32_t bytes,
                std::uint32_t generation);
  void OnFlowEvent(const Event& e);
  void DropFlowConnection(NodeIndex node, Slot slot);
  // Pushes the flow events that calls for `node` (and its shard) left to schedule.
  void PushFlowEvents(NodeIndex node);

  const NetworkSpec& spec_;
  Protocol* protocol_ = nullptr;
  std::vector<std::vector<PeerLink>> peers_;  // per node, indexed by slot
  std::vector<std::vector<Slot>> free_slots_;  // per node: closed and known closed (a stack)
  std::vector<Edge> edges_;
  std::map<std::size_t, DedicatedPipe> edge_pipes_;   // by index into edges_
  std::map<std::uint64_t, Pipe> dedicated_pipes_;     // key: node << 32 | slot
  LinkModel links_;
  // One queue per shard, then one for events outside the nodes when sharded (with one shard,
  // one queue holds them all). Each on cache lines of its own: one shard's pops and another's
  // pushes shared the line where one queue's counters met the next one's bottom.
  std::vector<OnOwnLines<EventQueue>> queues_;
  std::vector<std::uint32_t> sequence_;  // per event source: nodes, oracle, workload, events, lifecycle
  TimeNs end_at_ = kTimeLimit;
  std::vector<TimeNs> snapshot_times_;     // ascending
  std::size_t next_snapshot_ = 0;          // into snapshot_times_
  TimeNs next_snapshot_at_ = kTimeNever;   // its time, or never
  std::vector<TopologySnapshot> snapshots_;
  std::vector<std::uint32_t> node_as_;
  std::vector<std::pair<Address, NodeIndex>> alias_table_;  // sorted: -> node
  // node << 32 | slot -> address, per shard (written by the node's own dials).
  std::vector<OnOwnLines<std::map<std::uint64_t, Address>>> link_alias_;

  // Set while a delay partition may change when messages arrive: the one branch network
  // events add to the per-message path.
  bool faults_in_path_ = false;
  NetworkFaultState faults_;
  std::unique_ptr<MessageFaults> message_faults_;  // network.faults; null: none

  // Outages and churn.
  bool lifecycle_ = false;               // nodes may go offline: timers carry incarnations
  std::vector<std::uint8_t> offline_;    // per node (when lifecycle_)
  std::uint32_t offline_count_ = 0;      // the hot path tests only this
  std::vector<std::uint32_t> incarnation_;  // per node: bumped when it goes offline
  std::vector<std::uint32_t> churn_slot_;   // per node: index into churn_rng_, or UINT32_MAX
  std::vector<Rng> churn_rng_;              // per churning node
  Rng link_failure_rng_;
  std::uint64_t departures_ = 0, arrivals_ = 0, link_failures_ = 0;

  // Last: destroyed first, while what it refers to still exists.
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<SharedUplinks> shared_uplinks_;  // network.link_model: shared; else null
  std::unique_ptr<FlowLinks> flow_links_;          // network.link_model: flow; else null

  // The network window (SetNetworkWindow): departures held until its end.
  struct HeldArrival {
    WindowOrder order;    // when it was sent (order.at), in the total order
    Departure departure;  // a signal's: only `to`, and its arrival (partitions aside) in up_end
    NodeIndex from;
    std::uint32_t b, c, generation;  // the event's payload (a: departure.to)
    std::uint32_t sequence;          // its key's sequence, taken when sent
    EventKind kind;
    bool deliver;  // false: a transfer's first flight (reserves the downlink, delivers nothing)
    bool signal;   // a SYN, SYN-ACK or FIN: no pipes, only partitions act on it
    bool copy;     // a message fault's duplicate of the record before it (no pipes of its own)
  };
  DurationNs network_window_ = 0;
  TimeNs window_end_ = 0;
  std::optional<Rng> shuffle_held_;

  // What events write besides their nodes' own state, per context (context_index()): the
  // clock as they see it, the event in hand, counters, held work and crossing events by
  // receiving shard, scratch space. Aligned: each shard's thread writes its own.
  struct Counters {
    std::uint64_t disconnects = 0, connection_attempts = 0, failed_connections = 0, probes = 0;
    std::uint64_t faults_dropped = 0, faults_duplicated = 0, faults_delayed = 0;
  };
  struct alignas(64) Context {
    std::uint32_t index = 0;
    TimeNs now = 0;
    std::uint64_t current_key = 0;  // of the event being handled
    std::uint64_t held_key = 0;     // NextWindowOrder's event, and its count
    std::uint32_t held_index = 0;
    std::uint64_t events = 0;
    Counters counters;
    // By receiving shard; each list on cache lines of its own (the lists of all contexts are
    // written at once, and small blocks of the heap lie side by side).
    std::vector<OnOwnLines<std::vector<HeldArrival>>> held;
    std::vector<OnOwnLines<std::vector<Event>>> crossing;  // pushed from a window into another shard
    std::vector<SharedUplinks::Item> uplink_scratch;
    std::vector<FlowLinks::Delivery> flow_scratch;
  };
  // The context of the events running on this thread: set while a shard's window runs, else
  // null (the serial context). Initial-exec: one load, also in the Python module.
  [[gnu::tls_model("initial-exec")]] static inline thread_local Context* tls_context_ = nullptr;
  Context& ctx() const {
    Context* x = tls_context_;
    return x != nullptr ? *x : *serial_;
  }
  Counters& counters() { return ctx().counters; }
  std::uint64_t Sum(std::uint64_t Counters::*field) const {
    std::uint64_t total = 0;
    for (const Context& x : contexts_) total += x.counters.*field;
    return total;
  }
  // Splits the queue into shards (OpenInitialConnections; engine_shards.cpp).
  void SetUpShards();
  // Applies held work and crossing events for `shard` (all of it with one shard), in order.
  void FlushInto(std::uint32_t shard);
  // Sets the context of events outside the nodes at the latest time any shard reached.
  void GatherClock();

  ShardMap shard_map_;
  std::uint32_t threads_ = 1;
  std::vector<Context> contexts_;  // shards, then the serial one (one in all with one shard)
  Context* serial_ = nullptr;
  struct Bound {
    TimeNs time;
    std::uint64_t key;
  };
  Bound window_bound_{0, 0};  // a window runs the shards' events before (time, key)
  std::vector<std::vector<HeldArrival>> merge_scratch_;  // per shard
};

}  // namespace peerlab::sim
