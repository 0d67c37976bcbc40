// Engine: its side of `network.link_model: flow` (sim/flow_links.hpp): a message that fits its
// connection's window is a burst whose arrival is known at once; a larger one is a transfer
// whose last byte leaves the uplink at a flow event of its sender.
#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

void Engine::PushFlowEvents() {
  flow_links_->DrainWakes([this](const FlowLinks::Wake& w) {
    // A count signal is the sending node's event (its source), delivered to w.node.
    Push(EventKind::kUplink, w.source(), w.at, w.node, w.flight, w.value, w.serial);
  });
}

void Engine::SendFlow(NodeIndex node, Slot slot, MessageHandle message, std::uint32_t bytes,
                      std::uint32_t generation) {
  const PeerLink& link = peers_[node][slot];
  const FlowLinks::Item item{link.remote, link.remote_slot, message, generation, bytes};
  // A burst, or a transfer's first flight (a transfer is delivered from a flow event).
  flow_scratch_.clear();
  flow_links_->Send(now_, node, slot, link.generation, item, flow_scratch_);
  for (const FlowLinks::Delivery& d : flow_scratch_) {
    Arrive(node, d.departure, d.item.to_peer, d.item.message, d.item.generation, d.deliver);
  }
  PushFlowEvents();
}

void Engine::OnFlowEvent(const Event& e) {
  flow_scratch_.clear();
  if (FlowLinks::IsSignal(e.b)) {  // a transfer count, to a receiver or from one
    flow_links_->OnSignal(now_, e.a, e.b, e.generation, e.c);
  } else if (e.b != FlowLinks::kNoFlight) {  // a second flight
    flow_links_->OnFlight(now_, e.b, e.generation, flow_scratch_);
  } else if (flow_links_->TakeEvent(e.a, now_)) {  // else superseded, or passed on
    flow_links_->OnEvent(now_, e.a, flow_scratch_);
  }
  for (const FlowLinks::Delivery& d : flow_scratch_) {
    Arrive(e.a, d.departure, d.item.to_peer, d.item.message, d.item.generation, d.deliver);
  }
  PushFlowEvents();
}

void Engine::DropFlowConnection(NodeIndex node, Slot slot) {
  uplink_scratch_.clear();
  flow_links_->DropConnection(now_, node, slot, uplink_scratch_);
  for (const FlowLinks::Item& item : uplink_scratch_) protocol_->ReleaseMessage(item.message);
  PushFlowEvents();
}

}  // namespace peerlab::sim
