// Engine: its side of `network.link_model: flow` (sim/flow_links.hpp): a message that fits its
// connection's window is a burst whose arrival is known at once; a larger one is a transfer
// whose last byte leaves the uplink at a flow event of its sender.
#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

void Engine::PushFlowEvents(NodeIndex node) {
  flow_links_->DrainWakes(node, [this](const FlowLinks::Wake& w) {
    // A count signal is the sending node's event (its source), delivered to w.node.
    Push(EventKind::kUplink, w.source(), w.at, w.node, w.flight, w.value, w.serial);
  });
}

void Engine::SendFlow(NodeIndex node, Slot slot, MessageHandle message, std::uint32_t bytes,
                      std::uint32_t generation) {
  const PeerLink& link = peers_[node][slot];
  const FlowLinks::Item item{link.remote, link.remote_slot, message, generation, bytes};
  // A burst, or a transfer's first flight (a transfer is delivered from a flow event).
  Context& x = ctx();
  std::vector<FlowLinks::Delivery>& out = x.flow_scratch;
  out.clear();
  flow_links_->Send(x.now, node, slot, link.generation, item, out);
  for (const FlowLinks::Delivery& d : out) {
    Arrive(node, d.departure, d.item.to_peer, d.item.message, d.item.generation, d.deliver);
  }
  PushFlowEvents(node);
}

void Engine::OnFlowEvent(const Event& e) {
  Context& x = ctx();
  std::vector<FlowLinks::Delivery>& done = x.flow_scratch;
  done.clear();
  if (FlowLinks::IsSignal(e.b)) {  // a transfer count, to a receiver or from one
    flow_links_->OnSignal(x.now, e.a, e.b, e.generation, e.c);
  } else if (e.b != FlowLinks::kNoFlight) {  // a second flight
    flow_links_->OnFlight(x.now, e.a, e.b, e.generation, done);
  } else if (flow_links_->TakeEvent(e.a, x.now)) {  // else superseded, or passed on
    flow_links_->OnEvent(x.now, e.a, done);
  }
  for (const FlowLinks::Delivery& d : done) {
    Arrive(e.a, d.departure, d.item.to_peer, d.item.message, d.item.generation, d.deliver);
  }
  PushFlowEvents(e.a);
}

void Engine::DropFlowConnection(NodeIndex node, Slot slot) {
  Context& x = ctx();
  std::vector<FlowLinks::Item>& dropped = x.uplink_scratch;
  dropped.clear();
  flow_links_->DropConnection(x.now, node, slot, dropped);
  for (const FlowLinks::Item& item : dropped) protocol_->ReleaseMessage(item.message);
  PushFlowEvents(node);
}

}  // namespace peerlab::sim
