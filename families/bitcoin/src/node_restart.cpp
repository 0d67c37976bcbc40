// Node: coming back after being offline (the Restart input) and Core 0.21's anchors.
//
// While a node is offline its driver delivers nothing to it, so at Restart the peer table still
// shows the connections it had when it went down: the block-relay-only ones among them become
// the anchors (Core writes them to anchors.dat at shutdown and reads them at startup) before the
// table is cleared.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)
namespace {

constexpr std::size_t kMaxAnchors = 2;  // Core's MAX_BLOCK_RELAY_ONLY_ANCHORS

}  // namespace

void Node::OnRestart(Outbox& out) {
  conn_.anchors.clear();
  if (config_->countermeasures.anchors) {
    for (const Peer& p : peers_) {
      if (conn_.anchors.size() == kMaxAnchors) break;
      if (p.connected && p.block_relay_only && p.session->address != kNoAddress) {
        conn_.anchors.push_back(p.session->address);
      }
    }
  }
  // Forget every peer but keep the slot numbering: the driver's slots of the old connections
  // may still deliver stale notices, which a slot that is not connected ignores.
  for (Peer& p : peers_) p = Peer{};
  // What was requested, being validated or armed is lost with the process; headers, blocks
  // (validated or waiting for an ancestor: their data is on disk), the mempool and the
  // address manager stay.
  chain_.Restart(now_);
  tx_.status.ClearEverywhere(kTxRequested);
  tx_.inbound_trickle_armed = false;
  conn_.Restart();
  if (strategy_) strategy_->OnRestart();
  MaintainConnections(out);
  if (!conn_.added.empty()) ArmAddedConnections(out);
}

NetAddress Node::TakeAnchor() {
  // Core tries them newest first and drops one it cannot use (its group already taken, say).
  while (!conn_.anchors.empty()) {
    const NetAddress a = conn_.anchors.back();
    conn_.anchors.pop_back();
    if (Usable(a)) return a;
  }
  return kNoAddress;
}

}  // namespace peerlab::bitcoin
