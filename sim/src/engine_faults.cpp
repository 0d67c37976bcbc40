// Scenario network events in the engine: partitions (drop or delay) and their heal. Model
// and assumptions: docs/network-model.md, "Partitions". Which node is on which side is the
// family's (or the plan's) to resolve; what a partition did to the family's state (stale
// blocks, time to consistency) is the family's to report.
//
// Costs: nothing per message unless a delay partition has been in effect (one predictable
// branch, `faults_in_path_`; after the drain, a comparison); drop partitions close links, so the existing
// "link closed" path drops what crosses.
#include <algorithm>

#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

using Partition = NetworkFaultState::Partition;

Status Engine::SetUpNetworkEvents(std::vector<std::vector<std::uint8_t>> sides) {
  if (spec_.events.empty()) return Status::Ok();
  if (sides.size() != spec_.events.size()) return Status::Error("events: sides not resolved");
  faults_.planned_sides = std::move(sides);
  ScheduleNetworkEvent();
  return Status::Ok();
}

void Engine::ScheduleNetworkEvent() {
  if (faults_.next_event >= spec_.events.size()) return;
  const std::uint32_t index = faults_.next_event++;
  Push(EventKind::kNetworkEvent, node_count() + 2, spec_.events[index].at, index, 0, 0);
}

void Engine::ApplyNetworkEvent(std::uint32_t index) {
  if (spec_.events[index].kind == NetworkEventSpec::Kind::kPartition) {
    StartPartition(index);
  } else {
    Heal();
  }
  ScheduleNetworkEvent();
}

void Engine::StartPartition(std::uint32_t index) {
  PEERLAB_ASSERT(!faults_.active);
  const NetworkEventSpec& spec = spec_.events[index];
  Partition p;
  p.at = ctx().now;
  p.mode = spec.mode;
  p.delay = spec.delay;
  p.side_count = static_cast<std::uint32_t>(spec.sides.size());
  p.side_of = std::move(faults_.planned_sides[index]);
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
    for (Slot slot = 0; slot < peers_[i].size(); ++slot) {
      const PeerLink& link = peers_[i][slot];
      // Dedicated links (a family's own pipes, e.g. rushing links) bypass the Internet model.
      if (!link.open || link.inbound || link.dedicated || side[i] == side[link.remote]) continue;
      // Reopened at the heal: connections the opener had established, probes (feelers)
      // excepted (they would have closed by themselves); an attempt in its handshake fails.
      if (link.known && !link.probe) {
        faults_.closed.push_back({i, link.remote, link.connection_class});
      }
      Disconnect(i, slot);
    }
  }
}

void Engine::Heal() {
  PEERLAB_ASSERT(faults_.active);
  faults_.active = false;
  Partition& p = faults_.partitions.back();
  p.healed_at = ctx().now;
  const auto current = static_cast<std::uint32_t>(faults_.partitions.size() - 1);
  if (p.mode == PartitionMode::kDrop) {
    // Each closed connection is opened again by the same end, in the order they closed.
    const std::vector<NetworkFaultState::ClosedLink> closed = std::move(faults_.closed);
    faults_.closed.clear();
    for (const auto& c : closed) {
      OpenLink(c.opener, c.target, ConnectionKind{c.connection_class, false});
    }
  } else {
    faults_.delaying = NetworkFaultState::kNone;
    const TimeNs until = *std::max_element(faults_.delayed_until.begin(),
                                           faults_.delayed_until.end());
    // Drains that have ended go; this one joins those still under way.
    std::erase_if(faults_.draining, [&](const auto& d) { return d.until <= ctx().now; });
    if (until > ctx().now) faults_.draining.push_back({current, until});
    faults_in_path_ = !faults_.draining.empty();
    if (transport_) transport_->PartitionChanged();
  }
  protocol_->OnHeal(current);
}

TimeNs Engine::CrossingArrival(std::uint32_t from, std::uint32_t to, TimeNs arrival,
                               TimeNs sent_at) {
  constexpr std::uint32_t kNone = NetworkFaultState::kNone;
  // The partition delaying now adds its delay to the message's own path (after the pipes: the
  // link model reserved them as usual).
  bool delayed = false;
  if (faults_.delaying != kNone) {
    const Partition& p = faults_.partitions[faults_.delaying];
    if (p.side_of[from] != p.side_of[to]) {
      arrival = SaturatingAdd(arrival, p.delay);
      delayed = true;
    }
  }
  // Then no overtaking of what an earlier partition still delays on this connection (TCP's
  // order): what was sent after every delayed message had arrived is not held back; the bound
  // is per receiver, so it may hold back a message a little longer than needed. (Adding the
  // delay after this bound, as before, added it again for every message crossing both cuts:
  // the bound grew by the delay with each one. Nothing is reset here: a window may apply an
  // earlier send after a later one.)
  for (const NetworkFaultState::Drain& d : faults_.draining) {
    if (sent_at >= d.until) continue;
    if (const auto& side = faults_.partitions[d.partition].side_of; side[from] != side[to]) {
      arrival = std::max(arrival, faults_.delayed_until[to]);
    }
  }
  if (delayed) faults_.delayed_until[to] = std::max(faults_.delayed_until[to], arrival);
  return arrival;
}

bool Engine::CrossingBlocked(std::uint32_t from, std::uint32_t to) const {
  if (!faults_.active) return false;
  const Partition& p = faults_.partitions.back();
  return p.mode == PartitionMode::kDrop && p.side_of[from] != p.side_of[to];
}

DurationNs Engine::partition_delay() const {
  if (faults_.delaying == NetworkFaultState::kNone) return 0;
  return faults_.partitions[faults_.delaying].delay;
}

const std::vector<std::uint8_t>& Engine::delay_partition_sides() const {
  static const std::vector<std::uint8_t> kNoSides;
  if (faults_.delaying == NetworkFaultState::kNone) return kNoSides;
  return faults_.partitions[faults_.delaying].side_of;
}

std::uint8_t Engine::partition_side(std::uint32_t node) const {
  return faults_.active ? faults_.partitions.back().side_of[node] : kNoSide;
}

std::optional<std::uint32_t> Engine::PartitionSideAt(TimeNs at, std::uint32_t node) const {
  for (const Partition& p : faults_.partitions) {
    const TimeNs end = p.healed_at >= 0 ? p.healed_at : kTimeNever;
    if (at >= p.at && at < end) return p.side_of[node];
  }
  return std::nullopt;
}

}  // namespace peerlab::sim
