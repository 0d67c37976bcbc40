// Simulation: the Tendermint family's set-up, its hot path (a node handles an input, its sends
// go through the connection's MConnection buffer to the engine), the transaction workload and
// the agreement check.
#include "peerlab/tendermint/sim/simulation.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/tendermint/rng_purposes.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::tendermint {
namespace {

using sim::NodeIndex;
using sim::Slot;


// SecretConnection (p2p/conn/secret_connection.go): data goes out in sealed frames of 1044
// bytes (4 length + 1024 data, padded, + 16 tag), whatever fills them.
constexpr std::uint64_t kFrameData = 1024;
constexpr std::uint64_t kSealedFrame = 1044;
// bufio's buffer under the MConnection (minWriteBufferSize): full, it writes at once.
constexpr std::uint64_t kWriteBuffer = 65536;

std::uint32_t VarintLen(std::uint64_t v) {
  std::uint32_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// A message's bytes once cut into MConnection packets (tendermint.p2p.Packet carrying a
// PacketMsg{channel_id, eof, data} of at most `payload` data bytes, each length-delimited).
std::uint64_t PacketBytes(std::uint32_t message_bytes, std::uint32_t payload) {
  std::uint64_t total = 0;
  std::uint32_t left = message_bytes;
  do {
    const std::uint32_t d = std::min(left, payload);
    left -= d;
    const bool eof = left == 0;
    const std::uint64_t msg = 2 + (eof ? 2 : 0) + 1 + VarintLen(d) + d;  // channel, eof, data
    const std::uint64_t packet = 1 + VarintLen(msg) + msg;               // oneof field 3
    total += VarintLen(packet) + packet;                                 // delimited
  } while (left > 0);
  return total;
}

Address ValidatorAddress(std::uint32_t node) {
  std::vector<std::uint8_t> key = {'p', 'e', 'e', 'r', 'l', 'a', 'b', '-', 'v'};
  for (int i = 0; i < 4; ++i) key.push_back(static_cast<std::uint8_t>(node >> (8 * i)));
  const Hash256 h = Sha256(key);
  Address a{};
  std::copy_n(h.bytes.begin(), a.size(), a.begin());
  return a;
}

}  // namespace

Simulation::Simulation(const SimSpec& spec) : spec_(spec), tx_rng_(spec.seed, 0, rng_purpose::kTransactions) {}

Simulation::~Simulation() {
  engine_.reset();
  nodes_.clear();  // before the hooks they point to
}

Result<std::unique_ptr<Simulation>> Simulation::Build(const SimSpec& spec,
                                                     std::unique_ptr<sim::Transport> transport) {
  if (Status s = sim::Engine::CheckNodeCount(spec.nodes); !s.ok()) return s;
  if (spec.groups.empty()) return Status::Error("groups: at least one group is required");
  std::unique_ptr<Simulation> sim(new Simulation(spec));
  if (Status s = sim->Setup(std::move(transport)); !s.ok()) return s;
  return sim;
}

Status Simulation::Setup(std::unique_ptr<sim::Transport> transport) {
  const std::uint32_t n = spec_.nodes;
  plan::PlanInput in;
  in.seed = spec_.seed;
  in.nodes = n;
  in.region_shares = spec_.regions.node_share;
  for (const GroupSpec& g : spec_.groups) in.groups.push_back({g.rest, g.node_count, g.power_share});
  in.autonomous_systems = spec_.autonomous_systems;
  for (std::uint32_t e = 0; e < spec_.events.size(); ++e) {
    if (spec_.events[e].kind == sim::NetworkEventSpec::Kind::kPartition) {
      in.partitions.push_back({e, spec_.events[e].sides});
    }
  }
  plan::NetworkPlan plan = plan::ComputePlan(in);
  if (!plan.group_status.ok()) return plan.group_status;
  node_group_ = plan.group;
  sim::MessageFaultNodes fault_nodes = sim::ResolveMessageFaultNodes(spec_.faults, plan);

  // Voting power: a group's share split evenly over its nodes, in millionths of the total.
  std::vector<std::uint32_t> group_size(spec_.groups.size(), 0);
  for (std::uint32_t g : node_group_) ++group_size[g];
  std::vector<Validator> validators;
  std::vector<bool> is_validator(n, false);
  // Twins: the k-th node of a twins group signs with the key of the k-th node (by index) of the
  // group it mirrors; both are byzantine. key_of[i]: the node whose validator key node i uses.
  std::vector<std::uint32_t>& key_of = key_node_;
  key_of.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) key_of[i] = i;
  twinned_.assign(n, false);
  for (std::size_t g = 0; g < spec_.groups.size(); ++g) {
    if (spec_.groups[g].strategy != "twins") continue;
    std::size_t of = spec_.groups.size();
    for (std::size_t o = 0; o < spec_.groups.size(); ++o) {
      if (spec_.groups[o].name == spec_.groups[g].twin_of && o != g) of = o;
    }
    if (of == spec_.groups.size() || spec_.groups[of].power_share <= 0 ||
        spec_.groups[g].power_share != 0 || group_size[g] != group_size[of]) {
      return Status::Error("groups." + spec_.groups[g].name +
                           ": twins need a group `of` with voting power and as many nodes, and "
                           "no voting power of their own");
    }
    std::vector<std::uint32_t> twins, originals;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (node_group_[i] == g) twins.push_back(i);
      if (node_group_[i] == of) originals.push_back(i);
    }
    for (std::size_t k = 0; k < twins.size(); ++k) {
      key_of[twins[k]] = originals[k];
      twinned_[twins[k]] = twinned_[originals[k]] = true;
    }
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    const GroupSpec& g = spec_.groups[node_group_[i]];
    if (g.power_share <= 0) continue;
    const auto power = std::max<VotingPower>(
        1, std::llround(g.power_share / group_size[node_group_[i]] * 1e6));
    validators.push_back(Validator{ValidatorAddress(i), power, 0});
    is_validator[i] = true;
  }
  if (validators.empty()) return Status::Error("groups: no group has voting power");
  auto set = ValidatorSet::Make(validators);
  if (!set) return Status::Error("groups: the validator set is invalid (total power too large)");

  auto engine = sim::Engine::Build(spec_, plan.region, std::move(plan.as), std::move(transport));
  if (!engine.ok()) return engine.status();
  engine_ = std::move(engine).value();
  engine_->SetProtocol(this);
  if (Status s = engine_->SetUpMessageFaults(std::move(fault_nodes)); !s.ok()) return s;

  // The workload's classes, and one proposal filter per censoring group.
  std::vector<std::string> class_names;
  double cumulative = 0;
  for (const TxClassSpec& k : spec_.tx_classes) {
    class_names.push_back(k.name);
    cumulative += k.share;
    tx_class_cumulative_.push_back(cumulative);
  }
  if (class_names.empty()) class_names.push_back("default");
  std::vector<const ClassCensor*> group_censor(spec_.groups.size(), nullptr);
  for (std::size_t g = 0; g < spec_.groups.size(); ++g) {
    if (spec_.groups[g].strategy != "censor") continue;
    if (spec_.groups[g].censored_class >= class_names.size()) {
      return Status::Error("groups." + spec_.groups[g].name + ": no transaction class " +
                           std::to_string(spec_.groups[g].censored_class));
    }
    censors_.push_back(std::make_unique<ClassCensor>(&tx_class_, spec_.groups[g].censored_class));
    group_censor[g] = censors_.back().get();
  }

  genesis_ = *set;
  silent_validators_.assign(static_cast<std::size_t>(set->Size()), false);
  silent_.assign(n, false);
  nodes_.reserve(n);
  hooks_.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    NodeConfig c = spec_.node;
    const GroupSpec& g = spec_.groups[node_group_[i]];
    c.proposal_filter = group_censor[node_group_[i]];
    silent_[i] = g.strategy == "silent";
    if (g.strategy == "target-proposer") target_delay_ = std::max(target_delay_, g.target_delay);
    if (silent_[i] && is_validator[i]) {
      silent_validators_[static_cast<std::size_t>(set->IndexOf(ValidatorAddress(i)))] = true;
    }
    // A silent validator follows and relays like a full node but never signs: its key is not
    // given to its node.
    const bool signs = (is_validator[i] || key_of[i] != i) && !silent_[i];
    c.consensus.self = signs ? ValidatorAddress(key_of[i]) : Address{};
    if (!signs) c.consensus.self[0] = 0xFF;  // in no validator set
    hooks_.push_back(g.strategy == "equivocate" ? std::make_unique<EquivocatingHooks>() : nullptr);
    nodes_.push_back(std::make_unique<Node>(*set, c, &registry_, &envelopes_, hooks_.back().get()));
  }
  node_of_validator_.assign(static_cast<std::size_t>(set->Size()), kNoTarget);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (is_validator[i]) {
      node_of_validator_[static_cast<std::size_t>(set->IndexOf(ValidatorAddress(i)))] = i;
    }
  }
  // Churn: who may churn (honest full nodes; validators with churn.include_validators), and
  // whom each node dials again after a loss (its outbound peers of the initial topology).
  const bool lifecycle = spec_.churn.share > 0 || spec_.churn.link_failures_per_hour > 0 ||
                         !spec_.outages.empty();
  std::vector<bool> may_churn(n, false);
  dial_targets_.assign(n, {});
  redialling_.assign(n, {});
  for (const sim::Edge& e : engine_->edges()) dial_targets_[e.from].push_back(e.to);
  if (lifecycle) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const GroupSpec& g = spec_.groups[node_group_[i]];
      may_churn[i] = g.strategy.empty() && !twinned_[i] &&
                     (!is_validator[i] || spec_.churn_include_validators);
    }
  }
  committed_.assign(n, 0);
  metrics_.Reset(std::vector<bool>(n, true));
  if (spec_.tx_rate_per_s > 0) metrics_.TxClasses(std::move(class_names));
  target_ = spec_.stop_heights;
  pending_.assign(n, {});
  links_.assign(n, {});

  engine_->OpenInitialConnections();
  engine_->StopAt(spec_.stop_time.value_or(kTimeLimit));
  for (NodeIndex i = 0; i < n; ++i) {
    for (Slot s = 0; s < engine_->connection_slots(i); ++s) {
      if (!engine_->IsOpen(i, s)) continue;
      OpenLink(i, s, !engine_->IsInbound(i, s));
      Deliver(i, node_in::PeerUp{s});
    }
  }
  if (target_delay_ > 0) TargetProposerOf(1);
  for (NodeIndex i = 0; i < n; ++i) Deliver(i, node_in::Start{});
  if (spec_.tx_rate_per_s > 0) ScheduleNextTx();

  std::vector<std::vector<std::uint8_t>> sides(spec_.events.size());
  for (std::uint32_t e = 0; e < spec_.events.size(); ++e) {
    if (spec_.events[e].kind != sim::NetworkEventSpec::Kind::kPartition) continue;
    plan::PartitionPlan* resolved = plan.partition(e);
    PEERLAB_ASSERT(resolved != nullptr);
    if (resolved->error) {
      return Status::Error("events[" + std::to_string(e) + "].sides: " + resolved->error->message);
    }
    sides[e] = std::move(resolved->side_of);
  }
  if (Status s = engine_->SetUpNetworkEvents(std::move(sides)); !s.ok()) return s;
  if (Status s = engine_->SetUpLifecycle(may_churn, false); !s.ok()) return s;
  if (lifecycle) {
    // Staggered over the first period, so the network's redials do not come in one burst.
    for (NodeIndex i = 0; i < n; ++i) {
      engine_->SetTimer(i, kRedialPeriod * (i + 1) / n, 0, kRedialTimer);
    }
  }
  return Status::Ok();
}

Status Simulation::Run(const ProgressFn& progress, std::uint64_t every_events) {
  if (sim::Transport* transport = engine_->transport()) {
    transport->Run(progress, every_events);
    engine_->FinishTransportSnapshots();
  } else {
    std::function<void(std::uint64_t)> tick;
    if (progress) tick = [&](std::uint64_t) { progress(engine_->progress()); };
    sim::RunEvents(*engine_, *this, kTimeNever, tick, every_events);
    engine_->FinishRun();
  }
  if (progress) progress(engine_->progress());
  report_ = metrics_.Finish(engine_->now(), engine_->events_processed());
  for (HeightRow& row : report_.heights) {
    if (row.proposer < 0 || static_cast<std::size_t>(row.proposer) >= node_of_validator_.size()) continue;
    const std::uint32_t node = node_of_validator_[static_cast<std::size_t>(row.proposer)];
    if (node != kNoTarget) row.proposer_group = spec_.groups[node_group_[node]].name;
  }
  if (!safety_.ok()) report_.safety_violation = safety_.message();
  if (spec_.churn.enabled) report_.churn = engine_->ReportChurn();
  report_.network_faults = engine_->ReportMessageFaults();
  report_.pong_timeouts = pong_timeouts_;
  ReportPartitions();
  return safety_;
}

// ---- the hot path -----------------------------------------------------------------------------

void Simulation::Deliver(NodeIndex node, const NodeInput& input) {
  if (!engine_->IsOnline(node)) return;
  outbox_.Clear();
  nodes_[node]->Handle(engine_->now(), input, outbox_);
  for (const Outbox::Send& s : outbox_.sends) Queue(node, s.slot, s.envelope);
  for (const Outbox::Timer& t : outbox_.timers) {
    std::uint32_t h;
    if (!free_timers_.empty()) {
      h = free_timers_.back();
      free_timers_.pop_back();
      timers_[h] = t.timer;
    } else {
      h = static_cast<std::uint32_t>(timers_.size());
      timers_.push_back(t.timer);
    }
    engine_->SetTimer(node, std::max(t.at, engine_->now()), h, kNodeTimer);
  }
  for (const Observation& o : outbox_.observations) Observe(node, o);
}

void Simulation::Queue(NodeIndex node, PeerSlot slot, const EnvelopePtr& envelope) {
  if (slot >= engine_->connection_slots(node) || !engine_->IsOpen(node, slot)) return;
  auto& per_node = pending_[node];
  if (per_node.size() <= slot) per_node.resize(slot + 1);
  Pending& p = per_node[slot];
  p.messages.push_back(envelope);
  p.bytes += PacketBytes(envelope->wire_bytes, spec_.max_packet_payload);
  metrics_.Message(envelope->wire_bytes);
  // The targeted proposer's messages wait until the attack on it ends.
  const bool held = node == targeted_ && engine_->now() < targeted_until_;
  if (p.bytes >= kWriteBuffer && !held) {
    Flush(node, slot);
  } else if (!p.flush_set) {
    p.flush_set = true;
    const TimeNs at = engine_->now() + spec_.flush_throttle;
    engine_->SetTimer(node, held ? std::max(at, targeted_until_) : at, slot, kFlushTimer);
  }
}

void Simulation::Flush(NodeIndex node, Slot slot) {
  if (pending_[node].size() <= slot) return;
  Pending& p = pending_[node][slot];
  if (p.messages.empty() && p.control == 0) return;
  const std::uint64_t wire = (p.bytes + kFrameData - 1) / kFrameData * kSealedFrame;
  if (engine_->IsOpen(node, slot)) {
    const sim::MessageHandle h = TakeBatch();
    // Swap, not move: each side keeps its capacity for the next window (no reallocation).
    batches_[h].messages.swap(p.messages);
    auto& links = links_[node];
    if (links.size() <= slot) links.resize(slot + 1);
    batches_[h].seq = ++links[slot].sent;
    batches_[h].control = p.control;
    metrics_.Batch(wire);
    engine_->Send(node, slot, static_cast<std::uint32_t>(std::min<std::uint64_t>(wire, UINT32_MAX)), h);
  }
  p.messages.clear();
  p.bytes = 0;
  p.control = 0;
}

sim::MessageHandle Simulation::TakeBatch() {
  if (!free_batches_.empty()) {
    const sim::MessageHandle h = free_batches_.back();
    free_batches_.pop_back();
    return h;
  }
  batches_.emplace_back();
  return static_cast<sim::MessageHandle>(batches_.size() - 1);
}

sim::MessageHandle Simulation::DuplicateMessage(sim::MessageHandle m) {
  const sim::MessageHandle copy = TakeBatch();  // may grow batches_: index after it
  batches_[copy].messages = batches_[m].messages;
  batches_[copy].seq = batches_[m].seq;
  batches_[copy].control = batches_[m].control;
  return copy;
}

void Simulation::OnMessage(NodeIndex node, Slot slot, sim::MessageHandle m) {
  // The batch's slot is free again before its messages are handled (a handler may flush and
  // take a batch); its messages move to a reused buffer first.
  if (!AcceptBatch(node, slot, m)) {
    ReleaseMessage(m);
    return;
  }
  std::vector<EnvelopePtr> messages;
  if (!spare_.empty()) {
    messages.swap(spare_.back());
    spare_.pop_back();
  }
  messages.swap(batches_[m].messages);
  free_batches_.push_back(m);
  for (const EnvelopePtr& e : messages) Deliver(node, node_in::Receive{slot, e});
  messages.clear();
  spare_.push_back(std::move(messages));
}

void Simulation::OnTimer(const sim::Event& e) {
  const NodeIndex node = e.a;
  if (e.c == kFlushTimer) {
    if (pending_[node].size() > e.b) pending_[node][e.b].flush_set = false;
    Flush(node, e.b);
    return;
  }
  if (e.c == kRedialTimer) {
    Redial(node);
    engine_->SetTimer(node, engine_->now() + kRedialPeriod, 0, kRedialTimer);
    return;
  }
  if (e.c == kKeepAliveTimer) {
    OnKeepAlive(node, e.b);
    return;
  }
  if (e.c == kReconnectTimer) {
    Reconnect(node, e.b);
    return;
  }
  const NodeTimer timer = timers_[e.b];
  free_timers_.push_back(e.b);
  Deliver(node, node_in::TimerFired{timer});
}

void Simulation::OnOracle(const sim::Event&) {}

void Simulation::ScheduleNextTx() {
  const double gap_s = tx_rng_.Exponential(1.0 / spec_.tx_rate_per_s);
  engine_->PushWorkload(engine_->now() + static_cast<DurationNs>(gap_s * 1e9),
                        static_cast<std::uint32_t>(tx_rng_.Below(spec_.nodes)));
}

void Simulation::OnWorkload(const sim::Event& e) {
  const std::uint32_t span = spec_.tx_bytes_max - spec_.tx_bytes_min;
  const auto bytes = spec_.tx_bytes_min +
                     static_cast<std::uint32_t>(span == 0 ? 0 : tx_rng_.Below(span + 1));
  // One class needs no draw (the stream stays that of a workload without classes).
  std::uint16_t tx_class = 0;
  if (tx_class_cumulative_.size() > 1) {
    const double u = tx_rng_.Uniform() * tx_class_cumulative_.back();
    while (tx_class + 1u < tx_class_cumulative_.size() && u >= tx_class_cumulative_[tx_class]) {
      ++tx_class;
    }
  }
  tx_class_.push_back(tx_class);
  metrics_.TxCreated(next_tx_, engine_->now(), tx_class);
  Deliver(e.a, node_in::SubmitTx{next_tx_++, bytes});
  ScheduleNextTx();
}

void Simulation::Observe(NodeIndex node, const Observation& o) {
  if (const auto* c = std::get_if<observe::Committed>(&o)) {
    metrics_.Committed(engine_->now(), node, *c);
    // Agreement: one block per height, whoever commits it.
    static_assert(std::is_same_v<Height, std::int64_t>);
    if (committed_blocks_.size() < static_cast<std::size_t>(c->height)) {
      committed_blocks_.resize(static_cast<std::size_t>(c->height));
    }
    auto& first = committed_blocks_[static_cast<std::size_t>(c->height - 1)];
    if (!first) {
      first = c->block_id;
      // The first commit of a height starts the next one: its round-0 proposer is known to
      // everyone (the proposer selection is public), and the attacker goes for it.
      if (target_delay_ > 0) TargetProposerOf(c->height + 1);
      const BlockContent* content = registry_.Find(c->block_id);
      PEERLAB_ASSERT(content != nullptr);  // a committed block was proposed, so registered
      for (const DuplicateVoteEvidence& ev : content->evidence) {
        metrics_.CommittedEvidence(c->height, ev.vote_a.height, ev.vote_a.validator_index);
      }
      metrics_.HeightFirstCommitted(c->height, engine_->now(), content->txs);
    } else if (!(*first == c->block_id) && safety_.ok()) {
      safety_ = Status::Error("agreement violated: seed=" + std::to_string(spec_.seed) +
                              " height=" + std::to_string(c->height) + ": node " +
                              std::to_string(node) + " committed a different block");
      engine_->StopAt(engine_->now());
    }
    committed_[node] = c->height;
    if (target_ > 0 && c->height == target_ && AllCommitted(target_)) {
      engine_->StopAt(engine_->now());
    }
  } else if (const auto* p = std::get_if<observe::Proposed>(&o)) {
    metrics_.Proposed(engine_->now(), *p, nodes_[node]->consensus().my_index());
  } else if (const auto* t = std::get_if<observe::TimeoutFired>(&o)) {
    metrics_.Timeout(*t);
  } else if (const auto* q = std::get_if<observe::EquivocationSeen>(&o)) {
    metrics_.Equivocation(engine_->now(), Honest(node) && nodes_[node]->consensus().IsValidator(),
                          *q);
  }
}

void Simulation::ReportPartitions() {
  const VotingPower total = genesis_.TotalVotingPower();
  for (const auto& p : engine_->partitions()) {
    PartitionRow row;
    row.at = p.at;
    if (p.healed_at >= 0) row.healed_at = p.healed_at;
    row.drop = p.mode == sim::PartitionMode::kDrop;
    row.sides.resize(p.side_count);
    for (std::uint8_t side : p.side_of) {
      if (side < p.side_count) ++row.sides[side].nodes;
    }
    auto power_of = [&](ValidatorIndex v) {
      return static_cast<double>(genesis_.At(v).voting_power) / static_cast<double>(total);
    };
    for (ValidatorIndex v = 0; v < genesis_.Size(); ++v) {
      const std::uint8_t side = p.side_of[node_of_validator_[static_cast<std::size_t>(v)]];
      if (side >= p.side_count) continue;
      row.sides[side].voting_power += power_of(v);
    }
    // A twin's key counts on its side too when the pair is split: the sides' powers then sum
    // to more than 1, as a split pair can vote on both.
    for (std::uint32_t i = 0; i < key_node_.size(); ++i) {
      const std::uint32_t original = key_node_[i];
      if (original == i || p.side_of[i] == p.side_of[original] || p.side_of[i] >= p.side_count) {
        continue;
      }
      const ValidatorIndex key = genesis_.IndexOf(ValidatorAddress(original));
      row.sides[p.side_of[i]].voting_power += power_of(key);
    }
    const TimeNs end = row.healed_at.value_or(kTimeNever);
    for (const HeightRow& h : report_.heights) {
      if (h.first_commit_at < 0) continue;
      if (h.first_commit_at >= p.at && h.first_commit_at < end) ++row.heights_during;
      if (row.healed_at && h.first_commit_at >= *row.healed_at && !row.heal_to_commit) {
        row.heal_to_commit = h.first_commit_at - *row.healed_at;
      }
    }
    report_.partitions.push_back(std::move(row));
  }
}

void Simulation::TargetProposerOf(Height height) {
  // The height's round-0 set: genesis advanced once per height, one call each, as the nodes
  // advance theirs (consensus.hpp).
  if (target_set_height_ == 0) {
    target_set_ = genesis_;
    target_set_height_ = 1;
  }
  while (target_set_height_ < height) {
    target_set_.IncrementProposerPriority(1);
    ++target_set_height_;
  }
  targeted_ = node_of_validator_[static_cast<std::size_t>(target_set_.ProposerIndex())];
  targeted_until_ = engine_->now() + target_delay_;
}

bool Simulation::AllCommitted(Height h) const {
  for (NodeIndex i = 0; i < nodes_.size(); ++i) {
    if (engine_->IsOnline(i) && committed_[i] < h) return false;
  }
  return true;
}

void Simulation::ReleaseMessage(sim::MessageHandle m) {
  batches_[m].messages.clear();
  free_batches_.push_back(m);
}

void Simulation::DeliverFromTransport(NodeIndex node, Slot slot, sim::MessageHandle m) {
  OnMessage(node, slot, m);
}

void Simulation::RunEventsUntil(TimeNs t) { sim::RunEvents(*engine_, *this, t); }

std::uint32_t Simulation::progress_count() const {
  Height best = 0;
  for (Height h : committed_) best = std::max(best, h);
  return static_cast<std::uint32_t>(best);
}

}  // namespace peerlab::tendermint
