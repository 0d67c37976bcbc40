// Node: the eclipse attacker's part (StrategyKind::kEclipse). The engine gives the node a pool
// of addresses (its own, which reach it, and trash nobody listens at) and opens connections to
// the victim in its name; every flood_interval the node sends, on every connection it has with
// the victim, an addr message of 1000 entries from the pool (so the cost of the floods does not
// grow with the rate of new connections). Everything else it does as an honest node would.
#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)

void Node::SetFloodAddresses(std::vector<NetAddress> addresses) {
  PEERLAB_ASSERT(strategy_ && strategy_->config->kind == StrategyKind::kEclipse);
  strategy_->flood = std::move(addresses);
  strategy_->flood_next = 0;
}

bool Node::IsVictim(const Peer& p) const {
  const StrategyConfig& c = *strategy_->config;
  return c.kind == StrategyKind::kEclipse && p.session && p.session->address == c.victim_address;
}

void Node::OnStrategyPeerReady(PeerId peer, Outbox& out) {
  if (!IsVictim(peers_[peer])) return;
  if (!strategy_->flood_armed && strategy_->config->flood_interval > 0) {
    strategy_->flood_armed = true;
    out.Arm(now_ + strategy_->config->flood_interval, Timer{Timer::Kind::kStrategyFlood, 0});
  }
}

void Node::OnFloodTimer(Outbox& out) {
  strategy_->flood_armed = false;
  bool any = false;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (!peers_[id].established || !IsVictim(peers_[id])) continue;
    SendFlood(id, out);
    any = true;
  }
  // With no connection to the victim the timer stops; the next handshake restarts it.
  if (any) {
    strategy_->flood_armed = true;
    out.Arm(now_ + strategy_->config->flood_interval, Timer{Timer::Kind::kStrategyFlood, 0});
  }
}

void Node::SendFlood(PeerId peer, Outbox& out) {
  StrategyState& s = *strategy_;
  if (s.flood.empty()) return;
  // Consecutive windows of the pool, so that every address goes out as often as any other;
  // all fresh, as the paper's attacker makes them look.
  const std::size_t count = std::min(kMaxAddrPerMessage, s.flood.size());
  MessageId id;
  Message& m = out.NewMessage(MsgType::kAddr, &id);
  for (std::size_t k = 0; k < count; ++k) {
    m.AddAddress({s.flood[s.flood_next], UnixNow()});
    s.flood_next = (s.flood_next + 1) % s.flood.size();
  }
  out.SendMessage(peer, id);
  ++s.stats.flood_messages;
}

}  // namespace peerlab::bitcoin
