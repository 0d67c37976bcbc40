// Simulation's side of the transport seam (transport.hpp): what a packet-level transport (the
// ns-3 backend) calls to run the engine's events on its clock and hand messages back, and the
// test hooks the driver conformance suite (tests/conformance) uses on every driver.
#include <algorithm>

#include "peerlab/sim/simulation.hpp"

namespace peerlab::sim {

void Simulation::RunEventsUntil(TimeNs t) {
  t = std::min(t, end_at_);
  while (!queue_.empty() && queue_.top().time <= t) {
    if (queue_.top().time > next_snapshot_at_) [[unlikely]] TakeSnapshotsUpTo(queue_.top().time);
    const Event e = queue_.Pop();
    now_ = e.time;
    ++events_;
    Dispatch(e);
  }
}

void Simulation::DeliverFromTransport(TimeNs now, std::uint32_t node, bitcoin::PeerId slot,
                                      std::uint32_t generation, const bitcoin::Input& input) {
  PEERLAB_ASSERT(now >= now_);
  if (now > end_at_) return;  // the run is over at end_at_, as on the fast engine
  if (peers_[node][slot].generation != generation) return;  // the slot serves a newer connection
  if (now > next_snapshot_at_) [[unlikely]] TakeSnapshotsUpTo(now);
  now_ = now;
  ++events_;
  Deliver(node, input);
}

bool Simulation::SendAs(std::uint32_t node, bitcoin::PeerId peer, const bitcoin::Message& m) {
  if (node >= peers_.size() || peer >= peers_[node].size() || !peers_[node][peer].open) return false;
  const PeerLink& link = peers_[node][peer];
  if (transport_ && !link.rushing) {
    transport_->Send(node, peer, m);
    return true;
  }
  const bitcoin::MessageId id = pool_.Acquire(m.type);
  pool_.Get(id) = m;
  const TimeNs arrival = link.rushing ? SendRushing(node, peer, m.wire_bytes)
                                      : links_.Send(now_, node, link.remote, m.wire_bytes);
  Push(EventKind::kDeliver, node, arrival, link.remote, link.remote_peer, id,
       peers_[link.remote][link.remote_peer].generation);
  return true;
}

void Simulation::DisconnectFromTransport(TimeNs now, std::uint32_t node, bitcoin::PeerId slot) {
  PEERLAB_ASSERT(now >= now_);
  if (now > end_at_) return;
  now_ = now;
  Disconnect(node, slot);
}

void Simulation::FinishTransportRun(TimeNs now) {
  RunEventsUntil(std::min(now, end_at_));  // events at the stop time itself
  now_ = std::max(now_, std::min(now, end_at_));
}

}  // namespace peerlab::sim
