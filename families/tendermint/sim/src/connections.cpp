// Simulation's connections (simulation.hpp): MConnection's keep-alive, the order of a TCP
// stream after a lost message, the redial of persistent peers, and churn's lifecycle.
//
// Why a lost message closes the connection: over TCP a message cannot be lost while the
// connection lives; a message fault that drops one (network.faults) leaves a hole in the
// stream, and TCP delivers nothing after a hole. The receiving end then gets neither messages
// nor pings nor pongs from that direction, so one end's pong times out (p2p/conn/connection.go:
// a ping every 60 s, pongTimeout 45 s) and MConnection stops with "pong timeout". The switch
// stops the peer and dials it again if it is persistent (p2p/switch.go, StopPeerForError and
// reconnectToPeer); the new connection starts from an empty peer state, so the consensus
// reactor sends its votes again. Without this a lost vote was never sent again (D2 in
// docs/testing.md).
#include <algorithm>

#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {
namespace {

using sim::NodeIndex;
using sim::Slot;

// MConnection's defaults (p2p/conn/connection.go: defaultPingInterval, defaultPongTimeout).
constexpr DurationNs kPingInterval = 60 * kSecond;
constexpr DurationNs kPongTimeout = 45 * kSecond;
// A PacketPing or PacketPong: an empty message in the Packet oneof, length-delimited.
constexpr std::uint64_t kControlPacketBytes = 3;
// reconnectToPeer (p2p/switch.go): 20 attempts 5 s apart, then 10 more after 3^i s (i = 0 to
// 9), then it gives up. Its random extra wait of up to 3 s per attempt is not modelled.
constexpr std::uint32_t kFixedAttempts = 20;
constexpr std::uint32_t kBackoffAttempts = 10;
constexpr DurationNs kReconnectInterval = 5 * kSecond;

}  // namespace

void Simulation::OpenLink(NodeIndex node, Slot slot, bool outbound) {
  auto& links = links_[node];
  if (links.size() <= slot) links.resize(slot + 1);
  Link& l = links[slot];
  l = Link{};
  l.generation = engine_->slot_generation(node, slot);
  l.remote = engine_->peer_node(node, slot);
  l.outbound = outbound;
  l.next_ping = engine_->now() + kPingInterval;
  engine_->SetTimer(node, l.next_ping, slot, kKeepAliveTimer);
  // A persistent peer is back: its redial is done.
  std::erase_if(redialling_[node], [&](const Redialling& r) { return r.target == l.remote; });
}

void Simulation::OnPeerUp(NodeIndex node, const sim::PeerUp& up) {
  OpenLink(node, up.slot, !up.inbound);
  Deliver(node, node_in::PeerUp{up.slot});
}

void Simulation::OnPeerDown(NodeIndex node, Slot slot) { LinkDown(node, slot); }

void Simulation::LinkDown(NodeIndex node, Slot slot) {
  if (pending_[node].size() > slot) {
    pending_[node][slot].messages.clear();
    pending_[node][slot].bytes = 0;
    pending_[node][slot].control = 0;
  }
  Deliver(node, node_in::PeerDown{slot});
  if (links_[node].size() <= slot) return;
  Link& l = links_[node][slot];
  l.pong_due = kTimeNever;
  l.next_ping = kTimeNever;  // its keep-alive timer finds nothing due
  // The opener dials a persistent peer again at once (reconnectToPeer's first attempt).
  if (l.outbound && engine_->IsOnline(node) &&
      std::find(dial_targets_[node].begin(), dial_targets_[node].end(), l.remote) !=
          dial_targets_[node].end()) {
    for (const Redialling& r : redialling_[node]) {
      if (r.target == l.remote) return;  // already being dialled
    }
    redialling_[node].push_back({l.remote, 0});
    Reconnect(node, l.remote);
  }
}

bool Simulation::AcceptBatch(NodeIndex node, Slot slot, sim::MessageHandle m) {
  if (links_[node].size() <= slot) return false;
  Link& l = links_[node][slot];
  const Batch& b = batches_[m];
  if (b.seq >= l.deliver_below) return false;  // behind a hole in the stream
  if (b.control & kPong) l.pong_due = kTimeNever;
  if (b.control & kPing) SendControl(node, slot, kPong);
  return true;
}

void Simulation::OnMessageLost(NodeIndex to, Slot to_slot, std::uint32_t generation,
                               sim::MessageHandle m) {
  if (links_[to].size() <= to_slot) return;
  Link& l = links_[to][to_slot];
  if (l.generation != generation) return;
  l.deliver_below = std::min(l.deliver_below, batches_[m].seq);
}

void Simulation::SendControl(NodeIndex node, Slot slot, std::uint8_t control) {
  if (slot >= engine_->connection_slots(node) || !engine_->IsOpen(node, slot)) return;
  auto& per_node = pending_[node];
  if (per_node.size() <= slot) per_node.resize(slot + 1);
  Pending& p = per_node[slot];
  p.control |= control;
  p.bytes += kControlPacketBytes;
  // Flushed at once, as MConnection flushes after a ping or pong; a held proposer's links
  // hold it too.
  const bool held = node == targeted_ && engine_->now() < targeted_until_;
  if (!held) {
    Flush(node, slot);
  } else if (!p.flush_set) {
    p.flush_set = true;
    engine_->SetTimer(node, targeted_until_, slot, kFlushTimer);
  }
}

void Simulation::OnKeepAlive(NodeIndex node, Slot slot) {
  if (links_[node].size() <= slot || !engine_->IsOpen(node, slot)) return;
  Link& l = links_[node][slot];
  if (l.generation != engine_->slot_generation(node, slot)) return;
  const TimeNs now = engine_->now();
  if (now == l.pong_due) {
    ++pong_timeouts_;
    engine_->Close(node, slot);  // this end is closed at once; the other hears the FIN
    LinkDown(node, slot);
    return;
  }
  if (now != l.next_ping) return;  // a timer of an earlier connection on this slot
  SendControl(node, slot, kPing);
  if (l.pong_due == kTimeNever) {
    l.pong_due = now + kPongTimeout;
    engine_->SetTimer(node, l.pong_due, slot, kKeepAliveTimer);
  }
  l.next_ping = now + kPingInterval;
  engine_->SetTimer(node, l.next_ping, slot, kKeepAliveTimer);
}

void Simulation::Reconnect(NodeIndex node, NodeIndex target) {
  auto it = std::find_if(redialling_[node].begin(), redialling_[node].end(),
                         [&](const Redialling& r) { return r.target == target; });
  if (it == redialling_[node].end() || !engine_->IsOnline(node)) return;
  if (it->next_at > engine_->now()) return;  // not this attempt's time
  for (Slot s = 0; s < engine_->connection_slots(node); ++s) {
    if (engine_->IsOpenOutbound(node, s) && engine_->peer_node(node, s) == target) {
      redialling_[node].erase(it);  // connected again meanwhile
      return;
    }
  }
  // Answered by OnPeerUp, or by OnConnectFailed (then the next attempt is scheduled).
  engine_->Connect(node, sim::Engine::AddressOf(target), sim::ConnectionKind{});
}

void Simulation::OnConnectFailed(NodeIndex node, sim::Address address) {
  const NodeIndex target = engine_->NodeOf(address);
  auto it = std::find_if(redialling_[node].begin(), redialling_[node].end(),
                         [&](const Redialling& r) { return r.target == target; });
  if (it == redialling_[node].end()) return;
  if (it->next_at > engine_->now()) return;  // another dial's failure: a retry is scheduled
  const std::uint32_t failures = ++it->failures;
  if (failures >= kFixedAttempts + kBackoffAttempts) {
    redialling_[node].erase(it);  // reconnectToPeer gives up
    return;
  }
  DurationNs wait = kReconnectInterval;
  if (failures >= kFixedAttempts) {
    wait = kSecond;
    for (std::uint32_t i = kFixedAttempts; i < failures; ++i) wait *= 3;
  }
  it->next_at = engine_->now() + wait;
  engine_->SetTimer(node, it->next_at, target, kReconnectTimer);
}

void Simulation::OnOffline(NodeIndex node) {
  // Writes still in the connections' buffers die with the process, and so do its redials.
  for (Pending& p : pending_[node]) {
    p.messages.clear();
    p.bytes = 0;
    p.flush_set = false;
    p.control = 0;
  }
  redialling_[node].clear();
}

void Simulation::OnOnline(NodeIndex node) {
  Deliver(node, node_in::Restart{});
  Redial(node);
  engine_->SetTimer(node, engine_->now() + kRedialPeriod, 0, kRedialTimer);
}

void Simulation::Redial(NodeIndex node) {
  for (NodeIndex target : dial_targets_[node]) {
    bool connected = false;
    for (Slot s = 0; s < engine_->connection_slots(node) && !connected; ++s) {
      connected = engine_->IsOpen(node, s) && engine_->peer_node(node, s) == target;
    }
    if (!connected) engine_->Connect(node, sim::Engine::AddressOf(target), sim::ConnectionKind{});
  }
}

void Simulation::OnHeal(std::uint32_t) {}

}  // namespace peerlab::tendermint
