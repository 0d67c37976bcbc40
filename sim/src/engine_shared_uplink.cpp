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
  if (shared_uplinks_->Enqueue(now_, node, peer, item, links_.upload_ns_per_byte(node))) {
    PushUplink(node);
  }
}

void Engine::OnUplink(const Event& e) {
  if (e.b != shared_uplinks_->generation(e.a)) return;  // the uplink changed since
  uplink_scratch_.clear();
  shared_uplinks_->Complete(now_, e.a, links_.upload_ns_per_byte(e.a), uplink_scratch_);
  for (const SharedUplinks::Item& item : uplink_scratch_) {
    Arrive(e.a, links_.DepartStreamed(now_, e.a, item.to, item.bytes), item.to_peer,
           item.message, item.generation, true);
  }
  PushUplink(e.a);
}

void Engine::DropSharedFlows(std::uint32_t node, Slot peer) {
  uplink_scratch_.clear();
  if (shared_uplinks_->DropFlow(now_, node, peer, links_.upload_ns_per_byte(node), uplink_scratch_)) {
    PushUplink(node);
  }
  for (const SharedUplinks::Item& item : uplink_scratch_) protocol_->ReleaseMessage(item.message);
}

}  // namespace peerlab::sim
