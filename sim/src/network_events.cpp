// Scenario network events in the fast engine: partitions (drop or delay) and their heal, and
// what the report says about them. Model and assumptions: docs/network-model.md, "Partitions".
//
// Costs: nothing per message unless a delay partition is in effect or draining (one
// predictable branch, `faults_in_path_`); drop partitions close links, so the existing
// "link closed" path drops what crosses. Tips are counted per block only when the scenario
// has events.
#include <algorithm>

#include "peerlab/sim/simulation.hpp"

namespace peerlab::sim {

using Partition = NetworkFaultState::Partition;

Status Simulation::SetupNetworkEvents(plan::NetworkPlan& plan) {
  if (config_.events.empty()) return Status::Ok();
  // The scenario layer reports these at the offending line; this guards direct SimConfigs.
  faults_.planned_sides.resize(config_.events.size());
  bool partitioned = false;
  for (std::uint32_t e = 0; e < config_.events.size(); ++e) {
    const NetworkEventSpec& spec = config_.events[e];
    const std::string where = "events[" + std::to_string(e) + "]";
    if (spec.at < 0 || (e > 0 && spec.at < config_.events[e - 1].at)) {
      return Status::Error(where + ".at: events must be in time order");
    }
    const bool partition = spec.kind == NetworkEventSpec::Kind::kPartition;
    if (partition == partitioned) {
      return Status::Error(where + ".kind: " +
                           (partition ? "a partition is already in effect"
                                      : "no partition is in effect to heal"));
    }
    partitioned = partition;
    if (!partition) continue;
    if (spec.sides.size() < 2 || spec.sides.size() > kMaxPartitionSides) {
      return Status::Error(where + ".sides: expected 2 to 16 sides");
    }
    plan::PartitionPlan* sides = plan.partition(e);
    PEERLAB_ASSERT(sides != nullptr);
    if (sides->error) return Status::Error(where + ".sides: " + sides->error->message);
    faults_.planned_sides[e] = std::move(sides->side_of);
  }
  faults_.track_tips = true;
  faults_.nodes_on_tip.assign(1, node_count());  // every node starts on genesis
  ScheduleNetworkEvent();
  return Status::Ok();
}

void Simulation::ScheduleNetworkEvent() {
  if (faults_.next_event >= config_.events.size()) return;
  const std::uint32_t index = faults_.next_event++;
  Push(EventKind::kNetworkEvent, node_count() + 2, config_.events[index].at, index, 0, 0);
}

void Simulation::ApplyNetworkEvent(std::uint32_t index) {
  if (config_.events[index].kind == NetworkEventSpec::Kind::kPartition) {
    StartPartition(index);
  } else {
    Heal();
  }
  ScheduleNetworkEvent();
}

void Simulation::StartPartition(std::uint32_t index) {
  PEERLAB_ASSERT(!faults_.active);
  const NetworkEventSpec& spec = config_.events[index];
  Partition p;
  p.at = now_;
  p.mode = spec.mode;
  p.delay = spec.delay;
  p.side_count = static_cast<std::uint32_t>(spec.sides.size());
  p.side_of = std::move(faults_.planned_sides[index]);
  p.side_hashrate.assign(p.side_count, 0);
  for (std::uint32_t i = 0; i < node_count(); ++i) {
    const std::uint32_t g = node_group_[i];
    p.side_hashrate[p.side_of[i]] += config_.groups[g].hashrate / group_nodes_[g].size();
  }
  faults_.partitions.push_back(std::move(p));
  faults_.active = true;
  const auto current = static_cast<std::uint32_t>(faults_.partitions.size() - 1);
  const std::vector<std::uint8_t>& side = faults_.partitions.back().side_of;

  if (spec.mode == PartitionMode::kDelay) {
    if (faults_.delayed_until.empty()) faults_.delayed_until.assign(node_count(), 0);
    faults_.delaying = current;
    faults_in_path_ = true;
    if (transport_) transport_->PartitionChanged();
    return;
  }
  // Drop: every connection across sides is closed, as if its TCP timeout had expired at
  // once; each is visited once, from the end that opened it.
  for (std::uint32_t i = 0; i < node_count(); ++i) {
    for (bitcoin::PeerId slot = 0; slot < peers_[i].size(); ++slot) {
      const PeerLink& link = peers_[i][slot];
      // Rushing links (a strategy's direct links, their own pipes) bypass the Internet model.
      if (!link.open || link.inbound || link.rushing || side[i] == side[link.remote]) continue;
      // Reopened at the heal: connections the opener had established, feelers excepted
      // (they would have closed by themselves); an attempt still in its handshake fails.
      if (link.known && !nodes_[i].IsFeeler(slot)) {
        faults_.closed.push_back({i, link.remote, link.block_relay_only});
      }
      Disconnect(i, slot);
    }
  }
}

void Simulation::Heal() {
  PEERLAB_ASSERT(faults_.active);
  faults_.active = false;
  Partition& p = faults_.partitions.back();
  p.healed_at = now_;
  const auto current = static_cast<std::uint32_t>(faults_.partitions.size() - 1);
  if (p.mode == PartitionMode::kDrop) {
    // Each closed connection is opened again by the same end, in the order they closed.
    const std::vector<NetworkFaultState::ClosedLink> closed = std::move(faults_.closed);
    faults_.closed.clear();
    for (const auto& c : closed) {
      OpenLink(c.opener, c.target,
               c.block_relay_only ? bitcoin::ConnectionKind::kBlockRelayOnly
                                  : bitcoin::ConnectionKind::kFullRelay);
    }
  } else {
    faults_.delaying = NetworkFaultState::kNone;
    faults_.draining = current;
    faults_.drain_until = *std::max_element(faults_.delayed_until.begin(),
                                            faults_.delayed_until.end());
    if (faults_.drain_until <= now_) faults_.draining = NetworkFaultState::kNone;
    faults_in_path_ = faults_.draining != NetworkFaultState::kNone;
    if (transport_) transport_->PartitionChanged();
  }
  if (faults_.nodes_on_tip[nodes_[0].tip()] == node_count()) {
    p.consistent_at = now_;
  } else {
    faults_.awaiting_consistency.push_back(current);
  }
}

TimeNs Simulation::CrossingArrival(std::uint32_t from, std::uint32_t to, TimeNs arrival) {
  constexpr std::uint32_t kNone = NetworkFaultState::kNone;
  if (faults_.draining != kNone) {
    if (now_ >= faults_.drain_until) {
      faults_.draining = kNone;  // every delayed message has arrived
    } else if (const auto& side = faults_.partitions[faults_.draining].side_of;
               side[from] != side[to]) {
      // No overtaking of what is still delayed on this connection (TCP's order); the bound
      // is per receiver, so it may hold back a message a little longer than needed.
      arrival = std::max(arrival, faults_.delayed_until[to]);
    }
  }
  if (faults_.delaying != kNone) {
    const Partition& p = faults_.partitions[faults_.delaying];
    if (p.side_of[from] != p.side_of[to]) {
      // Latency added on the way, after the pipes: the link model reserved them as usual.
      arrival = SaturatingAdd(arrival, p.delay);
      faults_.delayed_until[to] = std::max(faults_.delayed_until[to], arrival);
    }
  }
  faults_in_path_ = faults_.delaying != kNone || faults_.draining != kNone;
  return arrival;
}

bool Simulation::CrossingBlocked(std::uint32_t from, std::uint32_t to) const {
  if (!faults_.active) return false;
  const Partition& p = faults_.partitions.back();
  return p.mode == PartitionMode::kDrop && p.side_of[from] != p.side_of[to];
}

TimeNs Simulation::DelayedUntil(std::uint32_t node) const {
  return faults_.delayed_until.empty() ? 0 : faults_.delayed_until[node];
}

DurationNs Simulation::partition_delay() const {
  if (faults_.delaying == NetworkFaultState::kNone) return 0;
  return faults_.partitions[faults_.delaying].delay;
}

const std::vector<std::uint8_t>& Simulation::delay_partition_sides() const {
  static const std::vector<std::uint8_t> kNoSides;
  if (faults_.delaying == NetworkFaultState::kNone) return kNoSides;
  return faults_.partitions[faults_.delaying].side_of;
}

std::uint8_t Simulation::partition_side(std::uint32_t node) const {
  return faults_.active ? faults_.partitions.back().side_of[node] : kNoSide;
}

void Simulation::TrackTip(const bitcoin::Observation& o) {
  std::vector<std::uint32_t>& count = faults_.nodes_on_tip;
  if (o.block >= count.size()) count.resize(o.block + 1, 0);
  PEERLAB_ASSERT(o.previous < count.size() && count[o.previous] > 0);
  --count[o.previous];
  if (++count[o.block] < node_count() || faults_.awaiting_consistency.empty()) return;
  for (std::uint32_t index : faults_.awaiting_consistency) {
    faults_.partitions[index].consistent_at = now_;
  }
  faults_.awaiting_consistency.clear();
}

std::optional<std::uint32_t> Simulation::PartitionSideAt(TimeNs at, std::uint32_t node) const {
  for (const Partition& p : faults_.partitions) {
    const TimeNs end = p.healed_at >= 0 ? p.healed_at : kTimeNever;
    if (at >= p.at && at < end) return p.side_of[node];
  }
  return std::nullopt;
}

std::vector<PartitionReport> Simulation::ReportPartitions(const std::vector<bool>& on_main) const {
  std::vector<PartitionReport> reports;
  for (const Partition& p : faults_.partitions) {
    PartitionReport r;
    r.at = p.at;
    if (p.healed_at >= 0) r.healed_at = p.healed_at;
    r.mode = p.mode;
    r.sides.resize(p.side_count);
    for (std::uint32_t s = 0; s < p.side_count; ++s) r.sides[s].hashrate = p.side_hashrate[s];
    for (std::uint8_t s : p.side_of) ++r.sides[s].nodes;
    const TimeNs end = p.healed_at >= 0 ? p.healed_at : kTimeNever;
    for (bitcoin::BlockHandle h = 1; h < store_.size(); ++h) {
      const auto& block = store_.Get(h);
      if (block.found_at < p.at || block.found_at >= end) continue;
      PartitionSideReport& side = r.sides[p.side_of[block.miner]];
      ++side.blocks_mined;
      if (!on_main[h]) ++side.blocks_orphaned;
    }
    if (p.consistent_at >= 0) r.time_to_consistency = p.consistent_at - p.healed_at;
    reports.push_back(std::move(r));
  }
  return reports;
}

}  // namespace peerlab::sim
