// The engine's side of the transport seam (transport.hpp): what a packet-level transport (the
// ns-3 backend) calls to run the engine's events on its clock, hand messages back and report
// a lost connection.
#include <algorithm>

#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

void Engine::DeliverFromTransport(TimeNs now, NodeIndex node, Slot slot,
                                  std::uint32_t generation, MessageHandle m) {
  Context& x = *serial_;  // a transport runs one shard
  PEERLAB_ASSERT(now >= x.now);
  // The run is over at end_at_, as on the fast engine; a slot serving a newer connection
  // gets nothing of the old one.
  if (now > end_at_ || peers_[node][slot].generation != generation) {
    protocol_->ReleaseMessage(m);
    return;
  }
  if (now > next_snapshot_at_) [[unlikely]] TakeSnapshotsUpTo(now);
  x.now = now;
  ++x.events;
  protocol_->DeliverFromTransport(node, slot, m);
}

void Engine::DisconnectFromTransport(TimeNs now, std::uint32_t node, Slot slot) {
  PEERLAB_ASSERT(now >= serial_->now);
  if (now > end_at_) return;
  serial_->now = now;
  Disconnect(node, slot);
}

void Engine::FinishTransportRun(TimeNs now) {
  RunEventsUntil(std::min(now, end_at_));  // events at the stop time itself
  serial_->now = std::max(serial_->now, std::min(now, end_at_));
}

}  // namespace peerlab::sim
