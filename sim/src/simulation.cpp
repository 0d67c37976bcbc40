#include "peerlab/sim/simulation.hpp"

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"
#include "peerlab/sim/plan_input.hpp"
#include "peerlab/sim/rng_purposes.hpp"

#include <algorithm>
#include <cmath>

namespace peerlab::sim {
namespace {

// The simulation's chain (chain_params.hpp, `peerlab-sim`): Bitcoin regtest's genesis, a real
// header with its real id (0f9188f1...2206), an easy target and a per-block work of 2, so
// simulated chains compare work the way Bitcoin does.
const bitcoin::ChainParams& SimChain() { return bitcoin::PeerlabSimChain(); }

// A connection attempt to an address where nobody listens gives up after this (Core's
// DEFAULT_CONNECT_TIMEOUT).
constexpr DurationNs kConnectTimeout = 5 * kSecond;
// Where the "DNS seed" answers come from: one source, as a node querying one seed sees.
constexpr bitcoin::NetAddress kSeedSource = 0x01020304;

// Node index <-> address: multiplication by an odd constant is a bijection modulo 2^32.
constexpr std::uint32_t kAddressMultiplier = 0x9E3779B1u;
constexpr std::uint32_t InverseModPow2(std::uint32_t a) {
  std::uint32_t x = a;  // Newton's iteration doubles the correct low bits each step
  for (int i = 0; i < 5; ++i) x *= 2u - a * x;
  return x;
}
constexpr std::uint32_t kAddressInverse = InverseModPow2(kAddressMultiplier);
static_assert(kAddressMultiplier * kAddressInverse == 1u);

}  // namespace

Simulation::Simulation(const SimConfig& config)
    : config_(config),
      store_(SimChain().genesis, static_cast<std::uint32_t>(SimChain().genesis_block.size())),
      outbox_(pool_),
      links_(config.regions, config.jitter, config.seed),
      mining_rng_(config.seed, 0, bitcoin::rng_purpose::kMining),
      tx_rng_(config.seed, 0, rng_purpose::kTransactions),
      link_failure_rng_(config.seed, 0, rng_purpose::kLinkFailures) {}

Result<std::unique_ptr<Simulation>> Simulation::Build(const SimConfig& config,
                                                     std::unique_ptr<Transport> transport) {
  if (config.nodes < 2 || config.nodes >= Event::kSourceMask) {
    return Status::Error("network.nodes: must be between 2 and " +
                         std::to_string(Event::kSourceMask - 1));
  }
  std::unique_ptr<Simulation> sim(new Simulation(config));
  sim->transport_ = std::move(transport);
  Status s = sim->Setup(PlanNetwork(config));
  if (!s.ok()) return s;
  return sim;
}

Status Simulation::Setup(plan::NetworkPlan plan) {
  const std::uint32_t n = config_.nodes;
  const RegionTable& regions = config_.regions;
  config_.node.genesis_time = store_.Get(bitcoin::kGenesis).header.time;
  config_.node.bits = store_.Get(bitcoin::kGenesis).header.bits;
  config_.node.tx_relay = config_.transactions.rate_per_s > 0;
  if (config_.topology.kind == TopologyKind::kBitcoin) {
    config_.node.target_outbound = config_.topology.outbound;
    config_.node.target_block_relay_only = config_.topology.block_relay_only;
    config_.node.max_inbound = config_.topology.max_inbound;
  }
  double class_share = 0;
  for (const auto& c : config_.transactions.classes) {
    class_share += c.share;
    tx_class_cumulative_share_.push_back(class_share);
  }

  // Regions, drawn per node from the table's node shares (by the plan, as ASes and groups).
  for (std::uint32_t region : plan.region) {
    links_.AddNode(region, config_.upload_bps.value_or(regions.upload_bps[region]),
                   config_.download_bps.value_or(regions.download_bps[region]));
  }
  node_as_ = std::move(plan.as);
  if (transport_) transport_->Attach(*this);
  if (config_.uplink == UplinkModel::kShared && !transport_) {
    shared_uplinks_ = std::make_unique<SharedUplinks>(links_.node_count());
  }

  Rng topology_rng(config_.seed, 0, rng_purpose::kTopology);
  auto edges = BuildTopology(config_.topology, n, topology_rng);
  if (!edges.ok()) return Status::Error("network.topology: " + edges.status().message());
  edges_ = std::move(edges).value();

  // Groups: a seeded shuffle of the nodes, dealt to the groups in file order.
  if (!plan.group_status.ok()) return plan.group_status;
  node_group_ = std::move(plan.group);
  const auto group_count = static_cast<std::uint32_t>(config_.groups.size());
  group_nodes_.assign(group_count, {});
  for (std::uint32_t i = 0; i < n; ++i) group_nodes_[node_group_[i]].push_back(i);
  double cumulative = 0;
  for (std::uint32_t g = 0; g < group_count; ++g) {
    cumulative += group_nodes_[g].empty() ? 0.0 : config_.groups[g].hashrate;
    group_cumulative_share_.push_back(cumulative);
  }
  if (cumulative <= 0) return Status::Error("groups: no node has hashrate");

  for (double share : kReachShares) {
    reach_targets_.push_back(static_cast<std::uint32_t>(std::ceil(share * n - 1e-9)));
  }
  block_progress_.resize(1);
  block_progress_[0].nodes_with_block = n;

  nodes_.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    nodes_.emplace_back(i, config_.node, store_, tx_store_, config_.seed, AddressOf(i));
  }
  if (Status s = SetUpEclipse(); !s.ok()) return s;
  SetUpStrategies();
  // Nodes, the mining oracle, the transaction workload, network events, lifecycle events.
  sequence_.assign(n + 4, 0);
  peers_.assign(n, {});
  free_slots_.assign(n, {});
  for (const Edge& e : edges_) {
    const auto from_slot = static_cast<bitcoin::PeerId>(peers_[e.from].size());
    const auto to_slot = static_cast<bitcoin::PeerId>(peers_[e.to].size());
    peers_[e.from].push_back({e.to, to_slot, 0, false, true, e.block_relay_only, true, e.rushing});
    peers_[e.to].push_back({e.from, from_slot, 0, true, true, e.block_relay_only, true, e.rushing});
    if (e.rushing) {
      const RushingSpec& spec = config_.groups[node_group_[e.from]].rushing;
      const RushingPipe pipe{0, spec.latency, 8e9 / spec.bandwidth_bps};
      rushing_pipes_[std::uint64_t{e.from} << 32 | from_slot] = pipe;
      rushing_pipes_[std::uint64_t{e.to} << 32 | to_slot] = pipe;
    } else if (transport_) {
      transport_->Open(e.from, from_slot, e.to, to_slot);
    }
  }
  queue_.Reserve(static_cast<std::size_t>(n) * 4);

  // Every run ends by kTimeLimit (util/time.hpp): later times could overflow what nodes add.
  end_at_ = std::min(config_.stop.time.value_or(kTimeLimit), kTimeLimit);
  std::sort(config_.topology_snapshots.begin(), config_.topology_snapshots.end());
  if (!config_.topology_snapshots.empty()) next_snapshot_at_ = config_.topology_snapshots[0];
  // Connections exist from time 0; each node learns of its connections in node order.
  for (std::uint32_t i = 0; i < n; ++i) {
    for (bitcoin::PeerId p = 0; p < peers_[i].size(); ++p) {
      const PeerLink& link = peers_[i][p];
      Deliver(i, bitcoin::PeerConnected{p, link.inbound, link.block_relay_only,
                                         AddressOf(link.remote)});
    }
  }
  SeedAddressManagers();
  ScheduleNextBlock();
  if (config_.node.tx_relay) ScheduleNextTx();
  if (Status s = SetupNetworkEvents(plan); !s.ok()) return s;
  return SetUpLifecycle();
}


bitcoin::NetAddress Simulation::AddressOf(std::uint32_t node) {
  return (node + 1) * kAddressMultiplier;
}

std::uint32_t Simulation::NodeOf(bitcoin::NetAddress address) const {
  const std::uint32_t index = address * kAddressInverse - 1;
  if (index < nodes_.size()) return index;
  const auto it = std::lower_bound(alias_table_.begin(), alias_table_.end(),
                                   std::pair<bitcoin::NetAddress, std::uint32_t>{address, 0});
  return it != alias_table_.end() && it->first == address ? it->second : node_count();
}

bitcoin::NetAddress Simulation::RemoteAddress(std::uint32_t node, bitcoin::PeerId peer) const {
  const PeerLink& link = peers_[node][peer];
  return link.aliased ? link_alias_.at(std::uint64_t{node} << 32 | peer) : AddressOf(link.remote);
}

void Simulation::SetAlias(std::uint32_t node, bitcoin::PeerId peer, bitcoin::NetAddress address) {
  peers_[node][peer].aliased = true;
  link_alias_[std::uint64_t{node} << 32 | peer] = address;
}

void Simulation::SeedAddressManagers() {
  // Only nodes that choose their own peers need addresses.
  if (config_.topology.kind != TopologyKind::kBitcoin || config_.topology.seed_addresses == 0) {
    return;
  }
  Rng rng(config_.seed, 0, rng_purpose::kAddressSeeds);
  std::vector<bitcoin::NetAddress> seeds;
  const auto n = static_cast<std::uint32_t>(nodes_.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    seeds.clear();
    for (std::uint32_t k = 0; k < config_.topology.seed_addresses; ++k) {
      seeds.push_back(AddressOf(static_cast<std::uint32_t>(rng.Below(n))));
    }
    Deliver(i, bitcoin::SeedAddresses{seeds, kSeedSource});
  }
}

void Simulation::Push(EventKind kind, std::uint32_t source, TimeNs at, std::uint32_t a,
                      std::uint32_t b, std::uint32_t c, std::uint32_t generation) {
  PEERLAB_ASSERT(at >= now_);
  const std::uint32_t seq = sequence_[source]++;
  PEERLAB_ASSERT(seq != UINT32_MAX);  // per-source sequence space is 2^32 events
  queue_.Push(Event{at, Event::MakeKey(kind, source, seq), a, b, c, generation});
}

void Simulation::ScheduleNextBlock() {
  if (config_.stop.blocks && blocks_mined_ >= *config_.stop.blocks) return;
  // The network finds blocks as a Poisson process; the finder is drawn by hashrate share.
  const DurationNs gap = SaturatingNs(
      std::max(1.0, mining_rng_.Exponential(static_cast<double>(config_.block_interval))));
  const double u = mining_rng_.Uniform() * group_cumulative_share_.back();
  std::size_t g = 0;
  while (g + 1 < group_cumulative_share_.size() && u >= group_cumulative_share_[g]) ++g;
  while (group_nodes_[g].empty()) ++g;  // zero-width entries of empty groups
  const auto& members = group_nodes_[g];
  const std::uint32_t miner = members[mining_rng_.Below(members.size())];
  Push(EventKind::kBlockFound, node_count(), SaturatingAdd(now_, gap), miner, 0, 0);
}

void Simulation::ScheduleNextTx() {
  // Saturating: a rate of 1e-300 per second means never (an infinite or NaN gap).
  const DurationNs gap = SaturatingNs(tx_rng_.Exponential(1e9 / config_.transactions.rate_per_s));
  const auto origin = static_cast<std::uint32_t>(tx_rng_.Below(nodes_.size()));
  Push(EventKind::kTxCreated, node_count() + 1, SaturatingAdd(now_, std::max<DurationNs>(1, gap)),
       origin, 0, 0);
}

void Simulation::CreateTx(std::uint32_t origin) {
  const TxWorkloadSpec& w = config_.transactions;
  const auto size = static_cast<std::uint32_t>(
      w.size_min + tx_rng_.Below(static_cast<std::uint64_t>(w.size_max - w.size_min) + 1));
  const double fee_rate = w.fee_rate_min + (w.fee_rate_max - w.fee_rate_min) * tx_rng_.Uniform();
  const double u = tx_rng_.Uniform() * tx_class_cumulative_share_.back();
  std::uint16_t tx_class = 0;
  while (tx_class + 1u < tx_class_cumulative_share_.size() &&
         u >= tx_class_cumulative_share_[tx_class]) {
    ++tx_class;
  }
  const auto fee = static_cast<std::uint64_t>(fee_rate * size);
  const bitcoin::TxHandle h =
      tx_store_.Add(size, fee, tx_class, origin, now_, next_outpoint_++);
  tx_progress_.resize(h + 1);
  Deliver(origin, bitcoin::SubmitTx{h});
}

void Simulation::Run(const ProgressFn& progress, std::uint64_t every_events) {
  if (transport_) {
    transport_->Run(progress, every_events);  // calls RunEventsUntil and FinishTransportRun
    TakeSnapshotsUpTo(now_ + 1);
    if (progress) {
      progress({now_, blocks_mined_, events_, queue_.size(), transport_->network_events()});
    }
    return;
  }
  while (!queue_.empty()) {
    if (queue_.top().time > end_at_) {
      now_ = end_at_;
      break;
    }
    if (queue_.top().time > next_snapshot_at_) [[unlikely]] TakeSnapshotsUpTo(queue_.top().time);
    const Event e = queue_.Pop();
    now_ = e.time;
    ++events_;
    // The run is bound by memory latency (each event touches a random node); start loading
    // the next event's node and message while this one is handled.
    // In two stages: the node of the event after next, and, for the next event (whose node
    // the previous iteration started loading), the receiving peer's state and the message.
    if (!queue_.empty()) {
      const Event& next = queue_.top();
      if (next.kind() == EventKind::kDeliver) {
        nodes_[next.a].PrefetchPeer(next.b);
        __builtin_prefetch(&pool_.Get(next.c));
      }
      if (const Event* after = queue_.second()) nodes_[after->a].Prefetch();
    }
    Dispatch(e);
    if (progress && events_ % every_events == 0) {
      progress({now_, blocks_mined_, events_, queue_.size()});
    }
  }
  TakeSnapshotsUpTo(now_ + 1);  // those at or before the end; later ones are never reached
  if (progress) progress({now_, blocks_mined_, events_, queue_.size()});
}

void Simulation::TakeSnapshotsUpTo(TimeNs t) {
  // Called before the first event after a snapshot time: the graph as it stood at that time.
  const auto& times = config_.topology_snapshots;
  while (next_snapshot_ < times.size() && times[next_snapshot_] < t) {
    snapshots_.push_back({times[next_snapshot_], OpenEdges()});
    ++next_snapshot_;
  }
  next_snapshot_at_ = next_snapshot_ < times.size() ? times[next_snapshot_] : kTimeNever;
}

std::vector<EdgeRow> Simulation::OpenEdges() const {
  std::vector<EdgeRow> edges;
  for (std::uint32_t node = 0; node < peers_.size(); ++node) {
    for (const PeerLink& link : peers_[node]) {
      if (!link.open || link.inbound) continue;
      const EdgeType type = link.rushing            ? EdgeType::kRushing
                            : link.block_relay_only ? EdgeType::kBlockRelayOnly
                                                    : EdgeType::kFullRelay;
      edges.push_back({node, link.remote, type});
    }
  }
  return edges;
}

void Simulation::Dispatch(const Event& e) {
  switch (e.kind()) {
    case EventKind::kDeliver:
      // A node drops what arrives from a peer it already disconnected; a reused slot gets
      // nothing of its old connection (see PeerLink), which wire-check mode verifies.
      if (config_.wire_check) PEERLAB_ASSERT(Current(e));
      Deliver(e.a, bitcoin::MessageReceived{e.b, &pool_.Get(e.c)});
      pool_.Release(e.c);
      break;
    case EventKind::kPeerDown:
      if (!Current(e)) break;
      Deliver(e.a, bitcoin::PeerDisconnected{e.b});
      FreeSlot(e.a, e.b);  // the node knows: the slot may serve again
      break;
    case EventKind::kPeerUp: {
      if (!Current(e)) break;
      PeerLink& link = peers_[e.a][e.b];
      const bool inbound = (e.c & 1) != 0;
      const bitcoin::NetAddress remote = RemoteAddress(e.a, e.b);
      if (!link.open) {
        // Closed before this end heard of it: no close notice comes, the slot is free again.
        FreeSlot(e.a, e.b);
        if (!inbound) {  // the remote accepted and closed at once (full, all protected)
          ++failed_connections_;
          Deliver(e.a, bitcoin::ConnectFailed{remote});
        }
        break;
      }
      link.known = true;  // before Deliver: the node may close it (and grow peers_) at once
      Deliver(e.a, bitcoin::PeerConnected{e.b, inbound, (e.c & 2) != 0, remote, (e.c & 4) != 0});
      break;
    }
    case EventKind::kConnectFailed:
      Deliver(e.a, bitcoin::ConnectFailed{e.b});
      break;
    case EventKind::kTimer:
      // A timer armed before the node went offline died with it.
      if (lifecycle_ && e.generation != incarnation_[e.a]) break;
      Deliver(e.a, bitcoin::TimerFired{
                       bitcoin::Timer{static_cast<bitcoin::Timer::Kind>(e.c), e.b}});
      break;
    case EventKind::kBlockFound:
      if (!IsOnline(e.a)) {  // its hashrate is switched off: the network mines slower
        ScheduleNextBlock();
        break;
      }
      ++blocks_mined_;
      Deliver(e.a, bitcoin::BlockFound{});
      if (config_.stop.blocks && blocks_mined_ >= *config_.stop.blocks) {
        end_at_ = std::min(end_at_, now_ + config_.stop.drain);
        mining_stopped_ = true;  // and the workload with it, so the run can drain
      } else {
        ScheduleNextBlock();
      }
      break;
    case EventKind::kTxCreated:
      if (mining_stopped_) break;
      if (IsOnline(e.a)) CreateTx(e.a);  // a wallet whose node is down sends nothing
      ScheduleNextTx();
      break;
    case EventKind::kNetworkEvent:
      ApplyNetworkEvent(e.a);
      break;
    case EventKind::kLifecycle:
      OnLifecycle(e);
      break;
    case EventKind::kUplink:
      OnUplink(e);
      break;
  }
}

void Simulation::Deliver(std::uint32_t node, const bitcoin::Input& input) {
  if (offline_count_ != 0 && offline_[node] != 0) [[unlikely]] return;  // nobody is there
  outbox_.Clear();
  nodes_[node].Handle(now_, input, outbox_);
  // An announcement goes to a dozen random nodes at once: let their link states load
  // together (the run is bound by memory latency, docs/performance.md).
  if (outbox_.sends.size() > 1) {
    for (const auto& send : outbox_.sends) links_.Prefetch(peers_[node][send.peer].remote);
  }
  for (const auto& send : outbox_.sends) {
    if (config_.wire_check && wire_check_status_.ok()) {
      Status s = bitcoin::WireCheck(pool_.Get(send.message), store_, tx_store_);
      if (!s.ok()) {
        wire_check_status_ = Status::Error("node " + std::to_string(node) + " at t=" +
                                           std::to_string(now_) + " ns: " + s.message());
        end_at_ = now_;  // stop here: later results would rest on a broken message
      }
    }
    const PeerLink& link = peers_[node][send.peer];
    if (!link.open) {  // closed by the remote; this node has not heard yet: TCP drops it
      pool_.Release(send.message);
      continue;
    }
    if (transport_ && !link.rushing) [[unlikely]] {  // its bytes go over the packet network
      transport_->Send(node, send.peer, pool_.Get(send.message));
      pool_.Release(send.message);
      continue;
    }
    if (shared_uplinks_ && !link.rushing) [[unlikely]] {
      SendShared(node, send.peer, send.message,
                 config_.wire_check ? peers_[link.remote][link.remote_peer].generation : 0);
      continue;
    }
    TimeNs arrival =
        link.rushing ? SendRushing(node, send.peer, pool_.Get(send.message).wire_bytes)
                     : links_.Send(now_, node, link.remote, pool_.Get(send.message).wire_bytes);
    // Rushing links are a strategy's own network: partitions do not act on them.
    if (faults_in_path_ && !link.rushing) [[unlikely]] {
      arrival = CrossingArrival(node, link.remote, arrival);
    }
    const std::uint32_t generation =
        config_.wire_check ? peers_[link.remote][link.remote_peer].generation : 0;
    Push(EventKind::kDeliver, node, arrival, link.remote, link.remote_peer, send.message,
         generation);
  }
  for (const auto& timer : outbox_.timers) {
    // With outages possible a timer carries its node's incarnation (it dies with it).
    Push(EventKind::kTimer, node, timer.at, node, timer.timer.arg,
         static_cast<std::uint32_t>(timer.timer.kind), lifecycle_ ? incarnation_[node] : 0);
  }
  for (const auto& o : outbox_.observations) Observe(node, o);
  // Both directions close now; the other node notices after a one-way trip (TCP FIN).
  for (bitcoin::PeerId peer : outbox_.disconnects) CloseLink(node, peer, -1);
  for (const auto& c : outbox_.connects) Connect(node, c.address, c.kind);
}

void Simulation::CloseLink(std::uint32_t node, bitcoin::PeerId peer, TimeNs notify_self_at) {
  PeerLink& link = peers_[node][peer];
  if (!link.open) return;
  link.open = false;
  PeerLink& back = peers_[link.remote][link.remote_peer];
  back.open = false;
  ++disconnects_;
  if (transport_ && !link.rushing) transport_->Close(node, peer);
  if (shared_uplinks_ && !link.rushing) DropSharedFlows(node, peer);
  // An end that has not heard of the connection yet hears nothing: its PeerUp finds the link
  // closed instead (and frees the slot).
  const TimeNs notice = SignalArrival(now_, node, link.remote);
  if (back.known) {
    Push(EventKind::kPeerDown, node, notice, link.remote, link.remote_peer, 0, back.generation);
  }
  if (notify_self_at < 0) {
    FreeSlot(node, peer);  // the node closed it itself
  } else if (link.known) {
    Push(EventKind::kPeerDown, node, notify_self_at, node, peer, 0, link.generation);
  }
}

bool Simulation::Disconnect(std::uint32_t node, bitcoin::PeerId peer) {
  if (node >= peers_.size() || peer >= peers_[node].size() || !peers_[node][peer].open) {
    return false;
  }
  // Neither side chose this: both hear of it one latency from now.
  const PeerLink& link = peers_[node][peer];
  CloseLink(node, peer, SignalArrival(now_, link.remote, node));
  return true;
}

void Simulation::Connect(std::uint32_t node, bitcoin::NetAddress address,
                         bitcoin::ConnectionKind kind) {
  ++connection_attempts_;
  if (kind == bitcoin::ConnectionKind::kFeeler) ++feelers_;
  const std::uint32_t target = NodeOf(address);
  // Nobody there, the node is offline, or a partition between: the SYN goes unanswered.
  if (target == node_count() || target == node || !IsOnline(target) ||
      CrossingBlocked(node, target)) {
    ++failed_connections_;
    Push(EventKind::kConnectFailed, node, now_ + kConnectTimeout, node, address, 0);
    return;
  }
  const auto slots = OpenLink(node, target, kind);
  if (address != AddressOf(target)) SetAlias(node, slots.first, address);  // an attacker's
  if (!attacks_.empty()) NoteConnectToAttacker(node, target);
}

std::pair<bitcoin::PeerId, bitcoin::PeerId> Simulation::OpenLink(
    std::uint32_t node, std::uint32_t target, bitcoin::ConnectionKind kind) {
  // The target decides whether to keep it (eviction when full) when it hears of it.
  const bool block_relay_only = kind == bitcoin::ConnectionKind::kBlockRelayOnly;
  const bitcoin::PeerId from_slot = AllocateSlot(node);
  const bitcoin::PeerId to_slot = AllocateSlot(target);
  PeerLink& from = peers_[node][from_slot];
  PeerLink& to = peers_[target][to_slot];
  from = {target, to_slot, from.generation, false, true, block_relay_only, false};
  to = {node, from_slot, to.generation, true, true, block_relay_only, false};
  // TCP: the acceptor sees the connection after half a round trip, the opener after one.
  const TimeNs syn = SignalArrival(now_, node, target);
  const TimeNs syn_ack = SignalArrival(syn, target, node);
  if (transport_) transport_->Open(node, from_slot, target, to_slot);
  const std::uint32_t kind_bits = (block_relay_only ? 2u : 0u) |
                                  (kind == bitcoin::ConnectionKind::kFeeler ? 4u : 0u);
  Push(EventKind::kPeerUp, node, syn, target, to_slot, kind_bits | 1, to.generation);
  Push(EventKind::kPeerUp, node, syn_ack, node, from_slot, kind_bits, from.generation);
  return {from_slot, to_slot};
}

bitcoin::PeerId Simulation::AllocateSlot(std::uint32_t node) {
  std::vector<ReusableSlot>& free = free_slots_[node];
  for (std::size_t i = 0; i < free.size(); ++i) {
    if (free[i].reusable_at > now_) continue;
    const bitcoin::PeerId slot = free[i].slot;
    free.erase(free.begin() + static_cast<std::ptrdiff_t>(i));
    PEERLAB_ASSERT(!peers_[node][slot].open);
    ++peers_[node][slot].generation;
    return slot;
  }
  peers_[node].push_back({0, 0, 0, false, false, false});
  return static_cast<bitcoin::PeerId>(peers_[node].size() - 1);
}

void Simulation::FreeSlot(std::uint32_t node, bitcoin::PeerId slot) {
  PEERLAB_ASSERT(!peers_[node][slot].open);
  // Delayed crossing messages (a delay partition) arrive after their downlink slot.
  const TimeNs drained = std::max(links_.downlink_free_at(node), DelayedUntil(node));
  free_slots_[node].push_back({slot, drained + 1});
}

std::uint32_t Simulation::open_connections(std::uint32_t node) const {
  return static_cast<std::uint32_t>(std::count_if(peers_[node].begin(), peers_[node].end(),
                                                  [](const PeerLink& l) { return l.open; }));
}

std::uint32_t Simulation::open_outbound(std::uint32_t node) const {
  return static_cast<std::uint32_t>(std::count_if(
      peers_[node].begin(), peers_[node].end(), [](const PeerLink& l) { return l.open && !l.inbound; }));
}

void Simulation::Observe(std::uint32_t node, const bitcoin::Observation& o) {
  using Kind = bitcoin::Observation::Kind;
  switch (o.kind) {
    case Kind::kBlockMined:
      if (block_progress_.size() <= o.block) block_progress_.resize(o.block + 1);
      if (!races_.empty()) ObserveStrategy(node, o);
      break;
    case Kind::kRaceStarted:
    case Kind::kAttemptEnded:
      ObserveStrategy(node, o);
      break;
    case Kind::kBlockAccepted: {
      BlockProgress& bp = block_progress_[o.block];
      ++bp.nodes_with_block;
      for (std::size_t k = 0; k < reach_targets_.size(); ++k) {
        if (bp.nodes_with_block == reach_targets_[k]) bp.reached_at[k] = now_;
      }
      break;
    }
    case Kind::kTxAccepted: {
      if (!censor_reach_.empty()) ObserveStrategy(node, o);
      TxProgress& tp = tx_progress_[o.tx];
      ++tp.nodes_with_tx;
      for (int k = 0; k < 2; ++k) {
        if (tp.nodes_with_tx == reach_targets_[k]) tp.reached_at[k] = now_;
      }
      break;
    }
    case Kind::kPeerPunished:
      ++punishments_;
      break;
    case Kind::kPeerEvicted:
      ++evictions_;
      break;
    case Kind::kTipChanged:
      if (o.reorg_depth > 0) {
        ++reorgs_;
        max_reorg_depth_ = std::max(max_reorg_depth_, o.reorg_depth);
        if (o.reorg_depth >= reorg_depths_.size()) reorg_depths_.resize(o.reorg_depth + 1, 0);
        ++reorg_depths_[o.reorg_depth];
      }
      if (faults_.track_tips) TrackTip(o);
      break;
  }
}

}  // namespace peerlab::sim
