// Simulation: the Bitcoin family's set-up, its hot path (a node handles an input, its outbox
// goes to the engine) and the mining oracle and transaction workload.
#include "peerlab/bitcoin/sim/simulation.hpp"

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"
#include "peerlab/bitcoin/sim/plan_input.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"

#include <algorithm>
#include <cmath>

namespace peerlab::sim {
namespace {

// The simulation's chain (chain_params.hpp, `peerlab-sim`): Bitcoin regtest's genesis, a real
// header with its real id (0f9188f1...2206), an easy target and a per-block work of 2, so
// simulated chains compare work the way Bitcoin does.
const bitcoin::ChainParams& SimChain() { return bitcoin::PeerlabSimChain(); }

// Where the "DNS seed" answers come from: one source, as a node querying one seed sees.
constexpr bitcoin::NetAddress kSeedSource = 0x01020304;

}  // namespace

Simulation::Simulation(const SimConfig& config)
    : config_(config),
      store_(SimChain().genesis, static_cast<std::uint32_t>(SimChain().genesis_block.size())),
      mining_rng_(config.seed, 0, bitcoin::rng_purpose::kMining),
      tx_rng_(config.seed, 0, bitcoin::rng_purpose::kTransactions) {
  pools_.emplace_back(0);
  SetUpContextsFor(1);
}

// The engine holds the transport and what it carries: it goes first.
Simulation::~Simulation() { engine_.reset(); }

Result<std::unique_ptr<Simulation>> Simulation::Build(const SimConfig& config,
                                                     std::unique_ptr<Transport> transport) {
  // Before the plan sizes anything per node.
  if (Status s = Engine::CheckNodeCount(config.nodes); !s.ok()) return s;
  std::unique_ptr<Simulation> sim(new Simulation(config));
  Status s = sim->Setup(PlanNetwork(config), std::move(transport));
  if (!s.ok()) return s;
  return sim;
}

Status Simulation::Setup(plan::NetworkPlan plan, std::unique_ptr<Transport> transport) {
  const std::uint32_t n = config_.nodes;
  config_.node.genesis_time = store_.Get(bitcoin::kGenesis).header.time;
  config_.node.bits = store_.Get(bitcoin::kGenesis).header.bits;
  config_.node.tx_relay = config_.transactions.rate_per_s > 0;
  config_.node.block_interval = config_.block_interval;  // scales the block download timeout
  // A fixed topology's connections are kept: lost ones are dialled again (Core's added nodes).
  config_.node.redial_outbound = config_.topology.kind != TopologyKind::kOutboundChoice;
  if (config_.topology.kind == TopologyKind::kOutboundChoice) {
    config_.node.target_outbound = config_.topology.outbound;
    config_.node.target_block_relay_only = config_.topology.restricted_outbound;
    config_.node.max_inbound = config_.topology.max_inbound;
  }
  double class_share = 0;
  for (const auto& c : config_.transactions.classes) {
    class_share += c.share;
    tx_class_cumulative_share_.push_back(class_share);
  }

  // Message faults name nodes by what the plan made them (before its vectors move on).
  MessageFaultNodes fault_nodes = ResolveMessageFaultNodes(config_.faults, plan);
  // The plan placed the nodes (region, AS, group: plan/); the engine builds their links and the
  // initial topology.
  auto engine = Engine::Build(config_, plan.region, std::move(plan.as), std::move(transport));
  if (!engine.ok()) return engine.status();
  engine_ = std::move(engine).value();
  engine_->SetProtocol(this);
  if (Status s = engine_->SetUpMessageFaults(std::move(fault_nodes)); !s.ok()) return s;

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
  engine_->OpenInitialConnections();
  SetUpContexts();
  // Every run ends by kTimeLimit (util/time.hpp): later times could overflow what nodes add.
  engine_->StopAt(config_.stop.time.value_or(kTimeLimit));
  // Connections exist from time 0; each node learns of its connections in node order.
  for (std::uint32_t i = 0; i < n; ++i) {
    for (bitcoin::PeerId p = 0; p < engine_->connection_slots(i); ++p) {
      Deliver(i, bitcoin::PeerConnected{
                     p, engine_->IsInbound(i, p),
                     engine_->connection_class(i, p) == kBlockRelayOnlyClass,
                     AddressOf(engine_->peer_node(i, p))});
    }
  }
  SeedAddressManagers();
  ScheduleNextBlock();
  if (config_.node.tx_relay) ScheduleNextTx();
  if (Status s = SetUpNetworkEvents(plan); !s.ok()) return s;
  // Churn takes honest nodes only, miners only when asked, never an eclipse victim.
  std::vector<bool> may_churn(n, false);
  for (std::uint32_t i = 0; i < n; ++i) {
    const GroupSpec& g = config_.groups[node_group_[i]];
    may_churn[i] = g.honest() && (g.hashrate <= 0 || config_.churn_include_miners);
  }
  for (const EclipseAttack& a : attacks_) may_churn[a.victim] = false;
  if (Status s = engine_->SetUpLifecycle(may_churn, !attacks_.empty()); !s.ok()) return s;
  StartEclipse();
  return Status::Ok();
}

void Simulation::SeedAddressManagers() {
  // Only nodes that choose their own peers need addresses.
  if (config_.topology.kind != TopologyKind::kOutboundChoice ||
      config_.topology.seed_addresses == 0) {
    return;
  }
  Rng rng(config_.seed, 0, bitcoin::rng_purpose::kAddressSeeds);
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
  engine_->PushOracle(SaturatingAdd(now(), gap), miner);
}

void Simulation::ScheduleNextTx() {
  // Saturating: a rate of 1e-300 per second means never (an infinite or NaN gap).
  const DurationNs gap = SaturatingNs(tx_rng_.Exponential(1e9 / config_.transactions.rate_per_s));
  const auto origin = static_cast<std::uint32_t>(tx_rng_.Below(nodes_.size()));
  engine_->PushWorkload(SaturatingAdd(now(), std::max<DurationNs>(1, gap)), origin);
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
      tx_store_.Add(size, fee, tx_class, origin, now(), next_outpoint_++);
  tx_progress_.resize(h + 1);
  Deliver(origin, bitcoin::SubmitTx{h});
}

void Simulation::OnOracle(const Event& e) {
  if (!IsOnline(e.a)) {  // its hashrate is switched off: the network mines slower
    ScheduleNextBlock();
    return;
  }
  ++blocks_mined_;
  Deliver(e.a, bitcoin::BlockFound{});
  if (config_.stop.blocks && blocks_mined_ >= *config_.stop.blocks) {
    engine_->StopAt(now() + config_.stop.drain);
    mining_stopped_ = true;  // and the workload with it, so the run can drain
  } else {
    ScheduleNextBlock();
  }
}

void Simulation::OnWorkload(const Event& e) {
  if (mining_stopped_) return;
  if (IsOnline(e.a)) CreateTx(e.a);  // a wallet whose node is down sends nothing
  ScheduleNextTx();
}

void Simulation::Run(const ProgressFn& progress, std::uint64_t every_events) {
  auto info = [&] { return engine_->progress(); };
  if (Transport* transport = engine_->transport()) {
    transport->Run(progress, every_events);  // calls RunEventsUntil and FinishTransportRun
    engine_->FinishTransportSnapshots();
    if (progress) {
      ProgressInfo p = info();
      p.network_events = transport->network_events();
      progress(p);
    }
    return;
  }
  std::function<void(std::uint64_t)> tick;
  if (progress) tick = [&](std::uint64_t) { progress(info()); };
  RunEvents(*engine_, *this, kTimeNever, tick, every_events);
  engine_->FinishRun();
  if (progress) progress(info());
}

void Simulation::ContinueUntil(TimeNs t) {
  engine_->ExtendTo(t);
  Run();
}

bool Simulation::SendAs(std::uint32_t node, bitcoin::PeerId peer, const bitcoin::Message& m) {
  if (node >= nodes_.size() || peer >= connection_slots(node) || !engine_->IsOpen(node, peer)) {
    return false;
  }
  bitcoin::MessagePool& pool = pools_[engine_->context_index()];
  const bitcoin::MessageId id = pool.Acquire(m.type);
  pool.Get(id) = m;
  engine_->Send(node, peer, m.wire_bytes, id);
  return true;
}

void Simulation::OnPeerUp(NodeIndex node, const PeerUp& up) {
  Deliver(node, bitcoin::PeerConnected{up.slot, up.inbound,
                                       up.kind.connection_class == kBlockRelayOnlyClass,
                                       up.remote, up.kind.probe});
}

void Simulation::OnOnline(NodeIndex node) {
  Deliver(node, bitcoin::Restart{});
  OnVictimBack(node);
}

void Simulation::OnFamilyLifecycle(const Event& e) {
  switch (e.b) {
    case kAttack:
      AttackTick(e.a);
      break;
    case kWatch:
      WatchEclipse(e.a);
      break;
    default:
      PEERLAB_ASSERT(false);
  }
}

void Simulation::Deliver(std::uint32_t node, const bitcoin::Input& input) {
  if (!IsOnline(node)) [[unlikely]] return;  // nobody is there
  const std::uint32_t context = engine_->context_index();
  bitcoin::Outbox& outbox = outboxes_[context];
  outbox.Clear();
  nodes_[node].Handle(now(), input, outbox);
  // An announcement goes to a dozen random nodes at once: let their link states load
  // together (the run is bound by memory latency, docs/performance.md).
  if (outbox.sends.size() > 1) {
    for (const auto& send : outbox.sends) engine_->PrefetchLink(node, send.peer);
  }
  bitcoin::MessagePool& pool = pools_[context];
  for (const auto& send : outbox.sends) {
    if (config_.wire_check && wire_check_status_.ok()) {
      Status s = bitcoin::WireCheck(pool.Get(send.message), store_, tx_store_);
      if (!s.ok()) {
        wire_check_status_ = Status::Error("node " + std::to_string(node) + " at t=" +
                                           std::to_string(now()) + " ns: " + s.message());
        engine_->StopAt(now());  // stop here: later results would rest on a broken message
      }
    }
    engine_->Send(node, send.peer, pool.Get(send.message).wire_bytes, send.message);
  }
  for (const auto& timer : outbox.timers) {
    engine_->SetTimer(node, timer.at, timer.timer.arg, static_cast<std::uint32_t>(timer.timer.kind));
  }
  if (engine_->windowed()) [[unlikely]] {
    std::vector<Observed>& journal = journals_[context];
    for (const auto& o : outbox.observations) {
      // Most of a transaction run's records (one per node and transaction): only counted, so
      // they need no place in the order (CountTxAcceptances); a censor's reach needs it.
      if (o.kind == bitcoin::Observation::Kind::kTxAccepted && censor_reach_.empty()) {
        tx_journals_[context].push_back({now(), o.tx});
        continue;
      }
      journal.push_back({engine_->NextWindowOrder(), node, o});
    }
  } else {
    for (const auto& o : outbox.observations) Observe(now(), node, o);
  }
  // Both directions close now; the other node notices after a one-way trip (TCP FIN).
  for (bitcoin::PeerId peer : outbox.disconnects) engine_->Close(node, peer);
  for (const auto& c : outbox.connects) Connect(node, c.address, c.kind);
}

void Simulation::Connect(std::uint32_t node, bitcoin::NetAddress address,
                         bitcoin::ConnectionKind kind) {
  const ConnectionKind k{
      static_cast<std::uint8_t>(kind == bitcoin::ConnectionKind::kBlockRelayOnly ? kBlockRelayOnlyClass : 0),
      kind == bitcoin::ConnectionKind::kFeeler};
  const std::uint32_t target = engine_->Connect(node, address, k);
  if (target != node_count() && !attacks_.empty()) NoteConnectToAttacker(node, target);
}

void Simulation::SetUpContexts() { SetUpContextsFor(engine_->context_count()); }

void Simulation::SetUpContextsFor(std::uint32_t contexts) {
  // Pool 0 keeps what set-up sent (ids name their pool).
  PEERLAB_ASSERT(contexts <= bitcoin::MessagePool::kMaxTag + 1);
  for (auto c = static_cast<std::uint32_t>(pools_.size()); c < contexts; ++c) pools_.emplace_back(c);
  outboxes_.clear();
  for (bitcoin::MessagePool& pool : pools_) outboxes_.emplace_back(pool);
  journals_.resize(contexts);
  tx_journals_.resize(contexts);
  returns_.assign(contexts, HandleLists(contexts));
  retains_.assign(contexts, HandleLists(contexts));
}

void Simulation::ReturnToPool(std::uint32_t owner) {
  // Duplicates first: a message duplicated and released in one window stays alive until both
  // are applied. Each pool sees its own operations in the order they had in one list, so the
  // pools (and every handle they give out) do not depend on which thread applies them.
  for (HandleLists& by_pool : retains_) {
    for (MessageHandle m : by_pool[owner]) pools_[owner].AddRef(m);
    by_pool[owner].clear();
  }
  for (HandleLists& by_pool : returns_) {
    for (MessageHandle m : by_pool[owner]) pools_[owner].Release(m);
    by_pool[owner].clear();
  }
}

void Simulation::CountTxAcceptances() {
  // A transaction's reach times are the times of its k-th acceptances, which do not depend on
  // the order of acceptances at the same time: each window's are counted per transaction, and
  // only the transactions whose count passes a target in the window have their times sorted,
  // gathered in one more pass (many may pass in one window, after a partition heals).
  std::vector<bitcoin::TxHandle>& touched = tx_touched_;
  touched.clear();
  for (const std::vector<TxAcceptance>& list : tx_journals_) {
    for (const TxAcceptance& a : list) {
      if (tx_progress_[a.tx].in_window++ == 0) touched.push_back(a.tx);
    }
  }
  // Whether the window took a transaction's count from `before` to `after` past target k (50
  // and 90 %).
  const auto passes_target = [this](int k, std::uint32_t before, std::uint32_t after) {
    return reach_targets_[k] > before && reach_targets_[k] <= after;
  };
  tx_passing_.clear();
  for (bitcoin::TxHandle t : touched) {
    TxProgress& tp = tx_progress_[t];
    const std::uint32_t before = tp.nodes_with_tx;
    tp.nodes_with_tx += tp.in_window;
    const std::uint32_t after = tp.nodes_with_tx;
    const bool passes = passes_target(0, before, after) || passes_target(1, before, after);
    tp.in_window = passes ? 1 : 0;  // 1 marks it for the gathering below
    if (passes) tx_passing_.push_back({t, before});
  }
  if (!tx_passing_.empty()) {
    std::vector<TxAcceptance>& times = tx_times_;
    times.clear();
    for (const std::vector<TxAcceptance>& list : tx_journals_) {
      for (const TxAcceptance& a : list) {
        if (tx_progress_[a.tx].in_window != 0) times.push_back(a);
      }
    }
    std::sort(times.begin(), times.end(), [](const TxAcceptance& x, const TxAcceptance& y) {
      return x.tx != y.tx ? x.tx < y.tx : x.at < y.at;
    });
    for (const auto& [t, before] : tx_passing_) {
      TxProgress& tp = tx_progress_[t];
      tp.in_window = 0;
      const auto first = std::lower_bound(times.begin(), times.end(), t,
                                          [](const TxAcceptance& a, bitcoin::TxHandle x) { return a.tx < x; });
      for (int k = 0; k < 2; ++k) {
        if (passes_target(k, before, tp.nodes_with_tx)) {
          tp.reached_at[k] = first[reach_targets_[k] - before - 1].at;
        }
      }
    }
  }
  for (std::vector<TxAcceptance>& list : tx_journals_) list.clear();
}

void Simulation::OnWindowEnd() {
  // What the shards have not applied themselves (OnShardWindowEnd) goes back to its pool.
  for (std::uint32_t owner = 0; owner < returns_.size(); ++owner) ReturnToPool(owner);
  CountTxAcceptances();
  // Each context's journal is in event order: merged (sorted when a test shuffled it).
  const auto by_order = [](const Observed& x, const Observed& y) { return x.order < y.order; };
  std::vector<Observed>& all = journals_[0];
  for (std::size_t c = 1; c < journals_.size(); ++c) {
    if (journals_[c].empty()) continue;
    const auto middle = static_cast<std::ptrdiff_t>(all.size());
    all.insert(all.end(), journals_[c].begin(), journals_[c].end());
    std::inplace_merge(all.begin(), all.begin() + middle, all.end(), by_order);
    journals_[c].clear();
  }
  if (engine_->ShufflesHeld()) {
    engine_->ShuffleHeld(all);
    std::sort(all.begin(), all.end(), by_order);
  }
  for (const Observed& o : all) Observe(o.order.at, o.node, o.observation);
  all.clear();
}

void Simulation::Observe(TimeNs at, std::uint32_t node, const bitcoin::Observation& o) {
  using Kind = bitcoin::Observation::Kind;
  switch (o.kind) {
    case Kind::kBlockMined:
      if (block_progress_.size() <= o.block) block_progress_.resize(o.block + 1);
      if (!races_.empty()) ObserveStrategy(at, node, o);
      break;
    case Kind::kRaceStarted:
    case Kind::kAttemptEnded:
      ObserveStrategy(at, node, o);
      break;
    case Kind::kBlockAccepted: {
      BlockProgress& bp = block_progress_[o.block];
      ++bp.nodes_with_block;
      if (record_arrivals_) arrivals_.push_back({o.block, node, at});
      for (std::size_t k = 0; k < reach_targets_.size(); ++k) {
        if (bp.nodes_with_block == reach_targets_[k]) bp.reached_at[k] = at;
      }
      break;
    }
    case Kind::kTxAccepted: {
      if (!censor_reach_.empty()) ObserveStrategy(at, node, o);
      TxProgress& tp = tx_progress_[o.tx];
      ++tp.nodes_with_tx;
      for (int k = 0; k < 2; ++k) {
        if (tp.nodes_with_tx == reach_targets_[k]) tp.reached_at[k] = at;
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
      if (track_tips_) TrackTip(at, o);
      break;
  }
}

}  // namespace peerlab::sim
