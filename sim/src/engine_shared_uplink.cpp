// Engine: its side of `network.uplink: shared` (sim/shared_uplink.hpp): messages
// queue per connection in the sender's uplink and are delivered when their transfer ends.
#include <utility>

#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

void Engine::PushUplink(std::uint32_t node) {
  if (shared_uplinks_->active(node)) {
    Push(EventKind::kUplink, node, shared_uplinks_->next_completion(node), node,
         shared_uplinks_->generation(node), 0);
  }
}

void Engine::SendShared(NodeIndex node, Slot peer, MessageHandle message, std::uint32_t bytes,
                        std::uint32_t generation) {
  const PeerLink& link = peers_[node][peer];
  const SharedUplinks::Item item{link.remote, link.remote_slot, message, generation, bytes};
  if (shared_uplinks_->Enqueue(ctx().now, node, peer, item, links_.upload_ns_per_byte(node))) {
    PushUplink(node);
  }
}

void Engine::OnUplink(const Event& e) {
  if (e.b != shared_uplinks_->generation(e.a)) return;  // the uplink changed since
  Context& x = ctx();
  std::vector<SharedUplinks::Item>& done = x.uplink_scratch;
  done.clear();
  shared_uplinks_->Complete(x.now, e.a, links_.upload_ns_per_byte(e.a), done);
  for (const SharedUplinks::Item& item : done) {
    Arrive(e.a, links_.DepartStreamed(x.now, e.a, item.to, item.bytes), item.to_peer,
           item.message, item.generation, true);
  }
  PushUplink(e.a);
}

void Engine::DropSharedFlows(std::uint32_t node, Slot peer) {
  Context& x = ctx();
  std::vector<SharedUplinks::Item>& dropped = x.uplink_scratch;
  dropped.clear();
  if (shared_uplinks_->DropFlow(x.now, node, peer, links_.upload_ns_per_byte(node), dropped)) {
    PushUplink(node);
  }
  for (const SharedUplinks::Item& item : dropped) protocol_->ReleaseMessage(item.message);
}

}  // namespace peerlab::sim
