// Engine: set-up, connections and the network's own events (design §2).
#include "peerlab/sim/engine.hpp"
#include "peerlab/sim/rng_purposes.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace peerlab::sim {
namespace {

// A connection attempt to an address where nobody listens gives up after this (Bitcoin
// Core's DEFAULT_CONNECT_TIMEOUT; a TCP SYN retry schedule of about the same length).
constexpr DurationNs kConnectTimeout = 5 * kSecond;

// Node index <-> address: multiplication by an odd constant is a bijection modulo 2^32.
constexpr std::uint32_t kAddressMultiplier = 0x9E3779B1u;
constexpr std::uint32_t InverseModPow2(std::uint32_t a) {
  std::uint32_t x = a;  // Newton's iteration doubles the correct low bits each step
  for (int i = 0; i < 5; ++i) x *= 2u - a * x;
  return x;
}
constexpr std::uint32_t kAddressInverse = InverseModPow2(kAddressMultiplier);
static_assert(kAddressMultiplier * kAddressInverse == 1u);

// PeerUp events carry the connection's kind in `c`, and Connect's handshake its stage: a SYN
// (a: the target, b: the dialer's slot, generation: its generation; the dialer is the event's
// source), a SYN-ACK (a, b: the dialer's end; the acceptor's slot in c >> kUpSlotShift and its
// generation in `generation`), or a refusal (the SYN found the target offline or cut off).
constexpr std::uint32_t kUpInbound = 1;
constexpr std::uint32_t kUpSyn = 16;
constexpr std::uint32_t kUpSynAck = 32;
constexpr std::uint32_t kUpRefused = 64;
constexpr std::uint32_t kUpKindMask = 15;
constexpr int kUpSlotShift = 8;
// PeerDown events: the end was closed already (by a close from outside) and now hears of it,
// or a FIN reaches an end that is still open (its peer closed by itself).
constexpr std::uint32_t kDownNotice = 0;
constexpr std::uint32_t kDownFin = 1;
std::uint32_t KindBits(ConnectionKind kind) {
  return (std::uint32_t{kind.connection_class} << 1) | (kind.probe ? 8u : 0u);
}
ConnectionKind KindOf(std::uint32_t bits) {
  return {static_cast<std::uint8_t>((bits >> 1) & 3), (bits & 8) != 0};
}

}  // namespace

Engine::Engine(const NetworkSpec& spec, std::unique_ptr<Transport> transport)
    : spec_(spec),
      links_(spec.regions, spec.jitter, spec.seed),
      queues_(1),
      link_alias_(1),
      link_failure_rng_(spec.seed, 0, sim::rng_purpose::kLinkFailures),
      transport_(std::move(transport)),
      contexts_(1) {
  serial_ = &contexts_[0];
  serial_->held.resize(1);
  serial_->crossing.resize(1);
}

Status Engine::CheckNodeCount(std::uint32_t nodes) {
  constexpr std::uint32_t kMaxNodes = Event::kSourceMask - 3;  // sources up to nodes + 3
  if (nodes < 2 || nodes > kMaxNodes) {
    return Status::Error("network.nodes: must be between 2 and " + std::to_string(kMaxNodes));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Engine>> Engine::Build(const NetworkSpec& spec,
                                              const std::vector<std::uint32_t>& regions,
                                              std::vector<std::uint32_t> autonomous_systems,
                                              std::unique_ptr<Transport> transport) {
  const auto n = static_cast<std::uint32_t>(regions.size());
  if (Status s = CheckNodeCount(n); !s.ok()) return s;
  std::unique_ptr<Engine> engine(new Engine(spec, std::move(transport)));
  for (std::uint32_t region : regions) {
    engine->links_.AddNode(region, spec.upload_bps.value_or(spec.regions.upload_bps[region]),
                           spec.download_bps.value_or(spec.regions.download_bps[region]));
  }
  engine->node_as_ = std::move(autonomous_systems);
  engine->peers_.assign(n, {});
  engine->free_slots_.assign(n, {});
  // Nodes, the oracle, the workload, network events, lifecycle events.
  engine->sequence_.assign(n + 4, 0);
  if (engine->transport_) engine->transport_->Attach(*engine);
  if (spec.link_model == LinkModelKind::kShared && !engine->transport_) {
    engine->shared_uplinks_ = std::make_unique<SharedUplinks>(n);
  }
  if (spec.link_model == LinkModelKind::kFlow && !engine->transport_) {
    engine->flow_links_ = std::make_unique<FlowLinks>(engine->links_, spec.flow);
  }
  Rng topology_rng(spec.seed, 0, sim::rng_purpose::kTopology);
  auto edges = BuildTopology(spec.topology, n, topology_rng);
  if (!edges.ok()) return Status::Error("network.topology: " + edges.status().message());
  engine->edges_ = std::move(edges).value();
  engine->snapshot_times_ = spec.topology_snapshots;
  std::sort(engine->snapshot_times_.begin(), engine->snapshot_times_.end());
  if (!engine->snapshot_times_.empty()) engine->next_snapshot_at_ = engine->snapshot_times_[0];
  return engine;
}

void Engine::AddEdge(const Edge& e, std::optional<DedicatedPipe> pipe) {
  if (pipe) edge_pipes_[edges_.size()] = *pipe;
  edges_.push_back(e);
}

void Engine::OpenInitialConnections() {
  for (std::size_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    const auto from_slot = static_cast<Slot>(peers_[e.from].size());
    const auto to_slot = static_cast<Slot>(peers_[e.to].size());
    peers_[e.from].push_back(
        {e.to, to_slot, 0, 0, false, true, e.connection_class, true, e.dedicated});
    peers_[e.to].push_back(
        {e.from, from_slot, 0, 0, true, true, e.connection_class, true, e.dedicated});
    if (e.dedicated) {
      const DedicatedPipe& spec = edge_pipes_.at(i);
      const Pipe pipe{0, spec.latency, 8e9 / spec.bandwidth_bps};
      dedicated_pipes_[std::uint64_t{e.from} << 32 | from_slot] = pipe;
      dedicated_pipes_[std::uint64_t{e.to} << 32 | to_slot] = pipe;
    } else if (transport_) {
      transport_->Open(e.from, from_slot, e.to, to_slot);
    }
  }
  queues_[0].Reserve(static_cast<std::size_t>(node_count()) * 4);
  if (spec_.shuffle_held_for_tests != 0) ShuffleHeldForTests(spec_.shuffle_held_for_tests);
  if (spec_.network_window != 0 && !transport_) {
    SetNetworkWindow(spec_.network_window == NetworkSpec::kWindowFloor
                         ? latency_floor()
                         : std::min(spec_.network_window, latency_floor()));
  }
  SetUpShards();
}

Address Engine::AddressOf(NodeIndex node) { return (node + 1) * kAddressMultiplier; }

NodeIndex Engine::NodeOf(Address address) const {
  const std::uint32_t index = address * kAddressInverse - 1;
  if (index < node_count()) return index;
  const auto it = std::lower_bound(alias_table_.begin(), alias_table_.end(),
                                   std::pair<Address, NodeIndex>{address, 0});
  return it != alias_table_.end() && it->first == address ? it->second : node_count();
}

void Engine::AddAliases(NodeIndex node, const std::vector<Address>& addresses) {
  for (Address a : addresses) alias_table_.emplace_back(a, node);
  std::sort(alias_table_.begin(), alias_table_.end());
}

Address Engine::RemoteAddress(NodeIndex node, Slot slot) const {
  const PeerLink& link = peers_[node][slot];
  return link.aliased ? link_alias_[shard_of(node)].at(std::uint64_t{node} << 32 | slot)
                      : AddressOf(link.remote);
}

void Engine::SetAlias(NodeIndex node, Slot slot, Address address) {
  peers_[node][slot].aliased = true;
  link_alias_[shard_of(node)][std::uint64_t{node} << 32 | slot] = address;
}

void Engine::Send(NodeIndex node, Slot slot, std::uint32_t bytes, MessageHandle m) {
  const PeerLink& link = peers_[node][slot];
  if (!link.open) {  // closed by the remote; this node has not heard yet: TCP drops it
    protocol_->ReleaseMessage(m);
    return;
  }
  if (transport_ && !link.dedicated) [[unlikely]] {  // its bytes go over the packet network
    transport_->Send(node, slot, bytes, m);
    return;
  }
  if (flow_links_ && !link.dedicated) {
    SendFlow(node, slot, m, bytes, link.remote_generation);
    return;
  }
  if (shared_uplinks_ && !link.dedicated) [[unlikely]] {
    SendShared(node, slot, m, bytes, link.remote_generation);
    return;
  }
  if (!link.dedicated) {
    Arrive(node, links_.Depart(ctx().now, node, link.remote, bytes), link.remote_slot, m,
           link.remote_generation, true);
    return;
  }
  // Dedicated links are a family's own network: its own pipe, untouched by partitions.
  Push(EventKind::kDeliver, node, SendDedicated(node, slot, bytes), link.remote, link.remote_slot,
       m, link.remote_generation);
}

void Engine::Arrive(NodeIndex from, const Departure& d, Slot to_slot, MessageHandle m,
                    std::uint32_t generation, bool deliver) {
  if (network_window_ > 0) {
    if (message_faults_ && deliver) [[unlikely]] {
      HoldWithFaults(from, d, to_slot, m, generation);
      return;
    }
    // The key's sequence is taken now, so the delivery sorts exactly where it would have.
    const std::uint32_t sequence = deliver ? sequence_[from]++ : 0;
    Context& x = ctx();
    x.held[shard_of(d.to)].push_back({NextWindowOrder(), d, from, to_slot, m, generation,
                                      sequence, EventKind::kDeliver, deliver, false, false});
    return;
  }
  TimeNs arrival = links_.Arrive(d);
  if (!deliver) return;
  if (faults_in_path_) [[unlikely]] arrival = CrossingArrival(from, d.to, arrival, ctx().now);
  if (message_faults_) [[unlikely]] {
    DeliverWithFaults(from, d.to, arrival, to_slot, m, generation);
    return;
  }
  Push(EventKind::kDeliver, from, arrival, d.to, to_slot, m, generation);
}

void Engine::PushSignal(EventKind kind, NodeIndex from, NodeIndex to, std::uint32_t b,
                        std::uint32_t c, std::uint32_t generation) {
  Context& x = ctx();
  const TimeNs at = links_.Signal(x.now, from, to);
  if (!faults_in_path_) {
    Push(kind, from, at, to, b, c, generation);
  } else if (network_window_ == 0) {
    Push(kind, from, CrossingArrival(from, to, at, x.now), to, b, c, generation);
  } else {
    // A delay partition may hold it back by what was sent to `to` before: decided in order.
    Departure signal{0, at, 0, to, 0};
    x.held[shard_of(to)].push_back({NextWindowOrder(), signal, from, b, c, generation,
                                    sequence_[from]++, kind, true, true, false});
  }
}

void Engine::FlushArrivals() {
  FlushInto(0);
  if (network_window_ > 0) protocol_->OnWindowEnd();
}

void Engine::AdvanceWindow() {
  const EventQueue& queue = queues_[0];
  if (queue.empty()) {
    FlushArrivals();
    if (queue.empty()) return;
  }
  // Events outside the nodes (the oracle, the workload, network and lifecycle events) end the
  // window: they may close connections or move partitions, which what was sent before must
  // not see, and a parallel engine runs them alone.
  const Event& next = queue.top();
  const EventKind kind = next.kind();
  if (next.time < window_end_ && kind != EventKind::kNetworkEvent &&
      kind != EventKind::kLifecycle && kind != EventKind::kOracle &&
      kind != EventKind::kWorkload) {
    return;
  }
  FlushArrivals();
  window_end_ = SaturatingAdd(queue.top().time, network_window_);
}

DurationNs Engine::latency_floor() const {
  const RegionTable& table = spec_.regions;
  double least = HUGE_VAL;
  for (double ms : table.latency_ms) least = std::min(least, ms * 1e6);
  switch (spec_.jitter.kind) {
    case JitterKind::kNone: break;
    case JitterKind::kUniform: least *= 1.0 - spec_.jitter.spread; break;
    // Scaled to keep the mean: its minimum is mean x (shape - 1) / shape (util/rng.hpp).
    case JitterKind::kPareto: least *= (spec_.jitter.shape - 1) / spec_.jitter.shape; break;
  }
  for (const auto& [key, pipe] : dedicated_pipes_) least = std::min(least, double(pipe.latency));
  // Rounded down, and one ns less for the jitter draw's rounding.
  return std::max<DurationNs>(0, static_cast<DurationNs>(std::floor(least)) - 1);
}

TimeNs Engine::SendDedicated(NodeIndex node, Slot slot, std::uint32_t bytes) {
  Pipe& pipe = dedicated_pipes_.at(std::uint64_t{node} << 32 | slot);
  // Its own FIFO pipe: transmission at the link's rate, then a fixed latency. Saturating
  // (util/time.hpp): a slow pipe's backlog grows without bound.
  const TimeNs start = std::max(ctx().now, pipe.free_at);
  pipe.free_at = SaturatingAdd(start, SaturatingNs(std::ceil(bytes * pipe.ns_per_byte)));
  return SaturatingAdd(pipe.free_at, pipe.latency);
}

void Engine::Dispatch(const Event& e) {
  switch (e.kind()) {
    case EventKind::kPeerDown:
      if (Current(e)) OnPeerDownEvent(e);
      break;
    case EventKind::kPeerUp:
      if ((e.c & kUpSyn) != 0) {
        OnSyn(e);
      } else if ((e.c & (kUpSynAck | kUpRefused)) != 0) {
        OnHandshakeReply(e);
      } else if (Current(e)) {
        OnPeerUpEvent(e);
      }
      break;
    case EventKind::kConnectFailed:
      protocol_->OnConnectFailed(e.a, e.b);
      break;
    case EventKind::kNetworkEvent:
      ApplyNetworkEvent(e.a);
      break;
    case EventKind::kLifecycle:
      OnLifecycle(e);
      break;
    case EventKind::kUplink:
      if (flow_links_) {
        OnFlowEvent(e);
      } else {
        OnUplink(e);
      }
      break;
    case EventKind::kOracle:
    case EventKind::kDeliver:
    case EventKind::kTimer:
    case EventKind::kWorkload:
      PEERLAB_ASSERT(false);  // RunEvents hands these to the family
      break;
  }
}

void Engine::OnPeerUpEvent(const Event& e) {
  PeerLink& link = peers_[e.a][e.b];
  const bool inbound = (e.c & kUpInbound) != 0;
  const Address remote = RemoteAddress(e.a, e.b);
  if (!link.open) {
    // Closed before this end heard of it: no close notice comes, the slot is free again.
    FreeSlot(e.a, e.b);
    if (!inbound) {  // the remote accepted and closed at once (full, all protected)
      ++counters().failed_connections;
      protocol_->OnConnectFailed(e.a, remote);
    }
    return;
  }
  link.known = true;  // before the family hears: its node may close it (and grow peers_) at once
  protocol_->OnPeerUp(e.a, PeerUp{e.b, inbound, KindOf(e.c), remote});
}

void Engine::OnPeerDownEvent(const Event& e) {
  PeerLink& link = peers_[e.a][e.b];
  if (e.c == kDownFin) {
    // Closed by this end too (both closed at once) or from outside (a notice is on its way):
    // nothing more to do.
    if (!link.open) return;
    link.open = false;
    DropUnsentData(e.a, e.b);
    // The dialer's end before its SYN-ACK: that finds the connection closed and fails it.
    if (!link.known) return;
  }
  protocol_->OnPeerDown(e.a, e.b);
  FreeSlot(e.a, e.b);  // the node knows: the slot may serve again
}

void Engine::CloseLink(NodeIndex node, Slot slot, TimeNs notify_self_at) {
  PeerLink& link = peers_[node][slot];
  if (!link.open) return;
  link.open = false;
  ++counters().disconnects;
  DropUnsentData(node, slot);
  // With a packet-level transport both ends close at once: its TCP carries the FIN itself.
  CloseRemoteEnd(node, slot, notify_self_at >= 0 || transport_ != nullptr);
  if (notify_self_at < 0) {
    FreeSlot(node, slot);  // the node closed it itself
  } else if (link.known) {
    Push(EventKind::kPeerDown, node, notify_self_at, node, slot, kDownNotice, link.generation);
  }
  // An end that has not heard of the connection yet hears nothing: its PeerUp (or SYN-ACK)
  // finds the link closed instead (and frees the slot).
}

void Engine::CloseRemoteEnd(NodeIndex node, Slot slot, bool at_once) {
  const PeerLink& link = peers_[node][slot];
  // The dialer's end during the handshake: the target's end, if the SYN made one, learns from
  // the SYN-ACK's arrival (OnHandshakeReply).
  if (link.remote_slot == kNoSlot) return;
  if (!at_once) {
    PushSignal(EventKind::kPeerDown, node, link.remote, link.remote_slot, kDownFin,
               link.remote_generation);
    return;
  }
  const TimeNs notice = SignalArrival(ctx().now, node, link.remote);
  PeerLink& back = peers_[link.remote][link.remote_slot];
  // The remote closed it itself already (its FIN is on the way), and may have reused the slot.
  if (back.generation != link.remote_generation || !back.open) return;
  back.open = false;
  if (!transport_) DropUnsentData(link.remote, link.remote_slot);  // a transport closed both
  if (back.known) {
    Push(EventKind::kPeerDown, node, notice, link.remote, link.remote_slot, kDownNotice,
         back.generation);
  }
}

void Engine::DropUnsentData(NodeIndex node, Slot slot) {
  if (peers_[node][slot].dedicated) return;  // a family's own pipe holds no queued transfers
  if (transport_) transport_->Close(node, slot);
  if (shared_uplinks_) DropSharedFlows(node, slot);
  if (flow_links_) DropFlowConnection(node, slot);
}

bool Engine::Disconnect(NodeIndex node, Slot slot) {
  if (node >= peers_.size() || slot >= peers_[node].size() || !peers_[node][slot].open) {
    return false;
  }
  // Neither side chose this: both hear of it one latency from now.
  const PeerLink& link = peers_[node][slot];
  CloseLink(node, slot, SignalArrival(ctx().now, link.remote, node));
  return true;
}

NodeIndex Engine::Connect(NodeIndex node, Address address, ConnectionKind kind) {
  const NodeIndex target = NodeOf(address);
  // A node never holds two connections it opened to one address, one being set up included
  // (Core's AlreadyConnectedToAddress, checked before dialling): a fixed topology's node may
  // dial a lost connection just as a heal reopens it. It hears at once that nothing was done.
  for (Slot s = 0; target != node_count() && s < peers_[node].size(); ++s) {
    const PeerLink& l = peers_[node][s];
    if (l.open && !l.inbound && !l.dedicated && l.remote == target &&
        RemoteAddress(node, s) == address) {
      Push(EventKind::kConnectFailed, node, ctx().now, node, address, 0);
      return node_count();
    }
  }
  Counters& counted = counters();
  ++counted.connection_attempts;
  if (kind.probe) ++counted.probes;
  // Nobody there, the node is offline, or a partition between: the SYN goes unanswered.
  // (Whether a node is online and where partitions cut change only between node events.)
  if (target == node_count() || target == node || !IsOnline(target) ||
      CrossingBlocked(node, target)) {
    ++counted.failed_connections;
    Push(EventKind::kConnectFailed, node, ctx().now + kConnectTimeout, node, address, 0);
    return node_count();
  }
  if (transport_) {  // its TCP does the handshake: both ends are known now
    const auto slots = OpenLink(node, target, kind);
    if (address != AddressOf(target)) SetAlias(node, slots.first, address);  // an alias
    return target;
  }
  const Slot from_slot = AllocateSlot(node);
  PeerLink& from = peers_[node][from_slot];
  from = {target, kNoSlot, from.generation, 0, false, true, kind.connection_class, false};
  from.probe = kind.probe;
  if (address != AddressOf(target)) SetAlias(node, from_slot, address);  // an alias
  PushSignal(EventKind::kPeerUp, node, target, from_slot, KindBits(kind) | kUpInbound | kUpSyn,
             from.generation);
  return target;
}

void Engine::OnSyn(const Event& e) {
  const NodeIndex target = e.a;
  const NodeIndex dialer = e.source();
  const std::uint32_t kind_bits = e.c & kUpKindMask & ~kUpInbound;
  if (!IsOnline(target) || CrossingBlocked(dialer, target)) {
    // Went offline or was cut off since the dial: no answer, the dialer times out.
    Push(EventKind::kPeerUp, target, SaturatingAdd(ctx().now, kConnectTimeout), dialer, e.b,
         kind_bits | kUpRefused, 0);
    return;
  }
  const Slot to_slot = AllocateSlot(target);
  PEERLAB_ASSERT(to_slot < (1u << (32 - kUpSlotShift)));
  PeerLink& to = peers_[target][to_slot];
  to = {dialer, e.b, to.generation, e.generation, true, true, KindOf(kind_bits).connection_class,
        true};
  PushSignal(EventKind::kPeerUp, target, dialer, e.b,
             kind_bits | kUpSynAck | (to_slot << kUpSlotShift), to.generation);
  protocol_->OnPeerUp(target, PeerUp{to_slot, true, KindOf(kind_bits), AddressOf(dialer)});
}

void Engine::OnHandshakeReply(const Event& e) {
  // The dialer's slot stays taken until this reply (nothing frees a slot its node has not
  // heard of), so it still holds the attempt: no generation check.
  PeerLink& link = peers_[e.a][e.b];
  PEERLAB_ASSERT(!link.known && link.remote_slot == kNoSlot && link.remote == e.source());
  const Address remote = RemoteAddress(e.a, e.b);
  if ((e.c & kUpRefused) == 0) {
    link.remote_slot = e.c >> kUpSlotShift;
    link.remote_generation = e.generation;
    if (link.open) {
      link.known = true;  // before the family hears: its node may close it at once
      protocol_->OnPeerUp(e.a, PeerUp{e.b, false, KindOf(e.c & kUpKindMask), remote});
      return;
    }
    // Closed during the handshake (a fault or an outage here, or the target accepted and
    // closed at once): the target's end, still open unless it closed it, gets the FIN.
    CloseRemoteEnd(e.a, e.b, false);
  }
  link.open = false;
  FreeSlot(e.a, e.b);
  ++counters().failed_connections;
  protocol_->OnConnectFailed(e.a, remote);
}

std::pair<Slot, Slot> Engine::OpenLink(NodeIndex node, NodeIndex target, ConnectionKind kind) {
  // The target decides whether to keep it (eviction when full) when it hears of it.
  const Slot from_slot = AllocateSlot(node);
  const Slot to_slot = AllocateSlot(target);
  PeerLink& from = peers_[node][from_slot];
  PeerLink& to = peers_[target][to_slot];
  from = {target, to_slot, from.generation, to.generation, false, true, kind.connection_class,
          false};
  to = {node, from_slot, to.generation, from.generation, true, true, kind.connection_class, false};
  from.probe = kind.probe;
  // TCP: the acceptor sees the connection after half a round trip, the opener after one.
  const TimeNs syn = SignalArrival(ctx().now, node, target);
  const TimeNs syn_ack = SignalArrival(syn, target, node);
  if (transport_) transport_->Open(node, from_slot, target, to_slot);
  const std::uint32_t bits = KindBits(kind);
  Push(EventKind::kPeerUp, node, syn, target, to_slot, bits | kUpInbound, to.generation);
  Push(EventKind::kPeerUp, node, syn_ack, node, from_slot, bits, from.generation);
  return {from_slot, to_slot};
}

Slot Engine::AllocateSlot(NodeIndex node) {
  std::vector<Slot>& free = free_slots_[node];
  if (!free.empty()) {
    const Slot slot = free.back();
    free.pop_back();
    PEERLAB_ASSERT(!peers_[node][slot].open);
    ++peers_[node][slot].generation;  // what still arrives for the old connection is stale
    return slot;
  }
  peers_[node].push_back({0, 0, 0, 0, false, false, 0, false});
  return static_cast<Slot>(peers_[node].size() - 1);
}

void Engine::FreeSlot(NodeIndex node, Slot slot) {
  PEERLAB_ASSERT(!peers_[node][slot].open);
  free_slots_[node].push_back(slot);
}

std::uint32_t Engine::open_connections(NodeIndex node) const {
  return static_cast<std::uint32_t>(std::count_if(peers_[node].begin(), peers_[node].end(),
                                                  [](const PeerLink& l) { return l.open; }));
}

std::uint32_t Engine::open_outbound(NodeIndex node) const {
  return static_cast<std::uint32_t>(std::count_if(
      peers_[node].begin(), peers_[node].end(), [](const PeerLink& l) { return l.open && !l.inbound; }));
}

std::vector<EdgeRow> Engine::OpenEdges() const {
  std::vector<EdgeRow> edges;
  for (NodeIndex node = 0; node < peers_.size(); ++node) {
    for (const PeerLink& link : peers_[node]) {
      if (!link.open || link.inbound) continue;
      edges.push_back({node, link.remote, link.connection_class, link.dedicated});
    }
  }
  return edges;
}

void Engine::TakeSnapshotsUpTo(TimeNs t) {
  // Called before the first event after a snapshot time: the graph as it stood at that time.
  while (next_snapshot_ < snapshot_times_.size() && snapshot_times_[next_snapshot_] < t) {
    snapshots_.push_back({snapshot_times_[next_snapshot_], OpenEdges()});
    ++next_snapshot_;
  }
  next_snapshot_at_ =
      next_snapshot_ < snapshot_times_.size() ? snapshot_times_[next_snapshot_] : kTimeNever;
}

}  // namespace peerlab::sim
