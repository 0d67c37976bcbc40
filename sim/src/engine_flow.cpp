// Engine: its side of `network.link_model: flow` (sim/flow_links.hpp): a message that fits its
// connection's window is a burst whose arrival is known at once; a larger one is a transfer
// whose last byte leaves the uplink at a flow event of its sender.
#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

void Engine::PushFlowEvents() {
  flow_links_->DrainMoved(
      [this](std::uint32_t node, TimeNs at) { Push(EventKind::kUplink, node, at, node, 0, 0); });
}

void Engine::SendFlow(NodeIndex node, Slot slot, MessageHandle message, std::uint32_t bytes,
                      std::uint32_t generation) {
  const PeerLink& link = peers_[node][slot];
  const FlowLinks::Item item{link.remote, link.remote_slot, message, generation, bytes};
  TimeNs arrival = flow_links_->Send(now_, node, slot, link.generation, item);
  if (arrival == kTimeNever) {  // a transfer: delivered from a flow event
    PushFlowEvents();
    return;
  }
  if (faults_in_path_) [[unlikely]] arrival = CrossingArrival(node, link.remote, arrival);
  Push(EventKind::kDeliver, node, arrival, link.remote, link.remote_slot, message, generation);
}

void Engine::OnFlowEvent(const Event& e) {
  if (!flow_links_->TakeEvent(e.a, now_)) {  // superseded, or passed on to a later time
    PushFlowEvents();
    return;
  }
  uplink_scratch_.clear();
  flow_links_->OnEvent(now_, e.a, uplink_scratch_);
  for (const FlowLinks::Item& item : uplink_scratch_) {
    // The rate already respected the receiver's downlink: only the latency remains, and
    // arrivals at a node stay in order (the downlink's free time).
    TimeNs arrival = links_.ArriveAfterUplink(now_, e.a, item.to, 0);
    if (faults_in_path_) [[unlikely]] arrival = CrossingArrival(e.a, item.to, arrival);
    Push(EventKind::kDeliver, e.a, arrival, item.to, item.to_peer, item.message, item.generation);
  }
  PushFlowEvents();
}

void Engine::DropFlowConnection(NodeIndex node, Slot slot) {
  const PeerLink& link = peers_[node][slot];
  const std::pair<NodeIndex, Slot> ends[2] = {{node, slot}, {link.remote, link.remote_slot}};
  for (const auto& [n, s] : ends) {
    uplink_scratch_.clear();
    flow_links_->DropConnection(now_, n, s, uplink_scratch_);
    for (const FlowLinks::Item& item : uplink_scratch_) protocol_->ReleaseMessage(item.message);
  }
  PushFlowEvents();
}

}  // namespace peerlab::sim
