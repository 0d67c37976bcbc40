// Node: coming back after being offline (the Restart input) and Core 0.21's anchors.
//
// While a node is offline its driver delivers nothing to it, so at Restart the peer table still
// shows the connections it had when it went down: the block-relay-only ones among them become
// the anchors (Core writes them to anchors.dat at shutdown and reads them at startup) before the
// table is cleared.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {
namespace {

constexpr std::size_t kMaxAnchors = 2;  // Core's MAX_BLOCK_RELAY_ONLY_ANCHORS

}  // namespace

void Node::OnRestart(Outbox& out) {
  anchors_.clear();
  if (config_->countermeasures.anchors) {
    for (const Peer& p : peers_) {
      if (anchors_.size() == kMaxAnchors) break;
      if (p.connected && p.block_relay_only && p.session->address != kNoAddress) {
        anchors_.push_back(p.session->address);
      }
    }
  }
  // Forget every peer but keep the slot numbering: the driver's slots of the old connections
  // may still deliver stale notices, which a slot that is not connected ignores.
  for (Peer& p : peers_) p = Peer{};
  hb_peers_.clear();
  push_peers_.clear();
  pending_compact_.clear();
  pending_connects_.clear();
  // Blocks requested or being validated are lost with the process; headers, validated blocks
  // and blocks waiting for an ancestor (their data is on disk) stay.
  for (const InFlight& f : in_flight_) Clear(f.block, kInFlight);
  in_flight_.clear();
  for (const InFlight& d : delivered_by_) Clear(d.block, kValidating);
  delivered_by_.clear();
  validation_free_at_ = now_;
  for (std::uint8_t& bits : tx_state_) bits &= static_cast<std::uint8_t>(~kTxRequested);
  // Every timer the node had is gone.
  inbound_trickle_armed_ = false;
  ping_armed_ = false;
  open_connections_armed_ = false;
  feeler_armed_ = false;
  if (strategy_) {
    strategy_->announce_armed = false;
    strategy_->flood_armed = false;
  }
  restarted_ = true;
  MaintainConnections(out);
}

NetAddress Node::TakeAnchor() {
  // Core tries them newest first and drops one it cannot use (its group already taken, say).
  while (!anchors_.empty()) {
    const NetAddress a = anchors_.back();
    anchors_.pop_back();
    if (Usable(a)) return a;
  }
  return kNoAddress;
}

}  // namespace peerlab::bitcoin
