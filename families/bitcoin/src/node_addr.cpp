// Node: what feeds the address manager (seeds, getaddr/addr, fresh-address relay) and the
// outbound connections chosen from it (Core's ThreadOpenConnections and feelers).
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)
namespace {

constexpr std::uint32_t kDay = 24 * 3600;
constexpr std::uint32_t kFreshAddress = 10 * 60;      // Core relays addresses seen < 10 min ago
constexpr std::uint32_t kHeardFromOthers = 2 * 3600;  // Core's time penalty for relayed ones
constexpr std::size_t kMaxRelayedBatch = 10;          // bigger addr messages are not relayed
constexpr std::uint32_t kGetAddrMaxPercent = 23;      // Core MAX_PCT_ADDR_TO_SEND
constexpr int kSelectTries = 100;                     // Core's nTries limit
constexpr int kRecentTryTries = 30;                   // Core: skip recently tried ones this long
constexpr std::uint32_t kRecentTry = 10 * 60;
// With no usable address the node looks again after this (Core would ask DNS seeds).
constexpr DurationNs kNoAddressRetry = 60 * kSecond;
// Core's ThreadOpenAddedConnections looks at its added nodes every 60 s.
constexpr DurationNs kAddedConnectionsRetry = 60 * kSecond;

}  // namespace

std::uint32_t Node::UnixNow() const {
  return config_->genesis_time + static_cast<std::uint32_t>(now_ / kSecond);
}

void Node::OnSeedAddresses(const SeedAddresses& in, Outbox& out) {
  const std::uint32_t now = UnixNow();
  for (NetAddress a : in.addresses) {
    if (a != conn_.local_address && a != kNoAddress) conn_.addrman.Add(a, now, in.source, now);
  }
  MaintainConnections(out);
}

void Node::OnOutboundEstablished(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  // Block-relay-only connections carry no addresses (Core), which hides them from spies. An
  // eclipse attacker does not ask its victim either: it has nothing to learn there.
  if (p.block_relay_only || config_->addr_gossip == AddrGossip::kOff) return;
  if (strategy_ && strategy_->IsVictim(*this, p)) return;
  PeerSession& s = *p.session;
  s.addr_relay = true;
  s.getaddr_sent = true;
  SendEmpty(peer, MsgType::kGetAddr, out);
  if (config_->addr_gossip == AddrGossip::kFull && conn_.local_address != kNoAddress) {
    PushAddress(peer, {conn_.local_address, UnixNow()}, out);
  }
}

void Node::OnGetAddr(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  PeerSession& s = *p.session;
  // Core ignores getaddr from peers we connected to (answering would let them fingerprint us,
  // and on a block-relay-only connection would reveal what it is), and answers once.
  if (config_->addr_gossip == AddrGossip::kOff || !p.inbound) return;
  s.addr_relay = true;
  if (s.getaddr_answered) return;
  s.getaddr_answered = true;
  std::vector<TimedAddress> sample;
  conn_.addrman.Sample(static_cast<std::uint32_t>(kMaxAddrPerMessage), kGetAddrMaxPercent, rng_,
                  UnixNow(), sample);
  if (sample.empty()) return;
  MessageId id;
  Message& m = out.NewMessage(MsgType::kAddr, &id);
  for (const TimedAddress& a : sample) {
    m.AddAddress(a);
    RememberAddress(s, a.address);
  }
  out.SendMessage(peer, id);
}

void Node::OnAddr(PeerId peer, const Message& m, Outbox& out) {
  Peer& p = peers_[peer];
  PeerSession& s = *p.session;
  if (m.address_count() > kMaxAddrPerMessage) {
    Misbehaving(peer, 20, out);  // Core: "addr message size"
    return;
  }
  if (p.block_relay_only || config_->addr_gossip == AddrGossip::kOff) return;
  s.addr_relay = true;
  const std::uint32_t now = UnixNow();
  const bool relay = config_->addr_gossip == AddrGossip::kFull &&
                     m.address_count() <= kMaxRelayedBatch && !s.getaddr_sent;
  for (std::size_t i = 0; i < m.address_count(); ++i) {
    TimedAddress a = m.address(i);
    if (a.address == kNoAddress) continue;
    RememberAddress(s, a.address);
    // Core: an implausible time (before 1973, or in the future) counts as five days old.
    if (a.time <= 100'000'000 || a.time > now + kFreshAddress) a.time = now - 5 * kDay;
    if (a.address == conn_.local_address) continue;
    if (relay && a.time + kFreshAddress > now) RelayAddress(peer, a, out);
    const std::uint32_t penalty = a.address == s.address ? 0 : kHeardFromOthers;
    conn_.addrman.Add(a.address, a.time > penalty ? a.time - penalty : 0, s.address, now);
  }
  // Core: a short message means the answer to our getaddr is complete.
  if (m.address_count() < kMaxAddrPerMessage) s.getaddr_sent = false;
}

void Node::RelayAddress(PeerId from, const TimedAddress& a, Outbox& out) {
  // Two peers chosen by a keyed hash of the address and the day (Core's RelayAddress): a node
  // sends a given address to the same peers all day, so what they know stops repeats.
  const std::uint64_t day = (UnixNow() + static_cast<std::uint64_t>(a.address)) / kDay;
  const std::uint64_t base =
      SplitMix64Of(conn_.addr_key ^ (static_cast<std::uint64_t>(a.address) << 24) ^ day);
  PeerId best[2] = {kNoPeer, kNoPeer};
  std::uint64_t best_key[2] = {0, 0};
  for (PeerId id = 0; id < peers_.size(); ++id) {
    const Peer& q = peers_[id];
    if (id == from || !q.established || !q.session->addr_relay) continue;
    const std::uint64_t k = SplitMix64Of(base ^ id);
    if (best[0] == kNoPeer || k > best_key[0]) {
      best[1] = best[0];
      best_key[1] = best_key[0];
      best[0] = id;
      best_key[0] = k;
    } else if (best[1] == kNoPeer || k > best_key[1]) {
      best[1] = id;
      best_key[1] = k;
    }
  }
  for (PeerId id : best) {
    if (id != kNoPeer) PushAddress(id, a, out);
  }
}

bool Node::AddressKnown(const PeerSession& s, NetAddress a) {
  return std::find(s.addr_known.begin(), s.addr_known.end(), a) != s.addr_known.end();
}

void Node::RememberAddress(PeerSession& s, NetAddress a) {
  if (AddressKnown(s, a)) return;
  s.addr_known[s.addr_known_next] = a;
  s.addr_known_next = static_cast<std::uint8_t>((s.addr_known_next + 1) % s.addr_known.size());
}

void Node::PushAddress(PeerId peer, const TimedAddress& a, Outbox& out) {
  PeerSession& s = *peers_[peer].session;
  if (AddressKnown(s, a.address)) return;
  RememberAddress(s, a.address);
  if (s.addr_to_send.size() >= kMaxAddrPerMessage) {
    s.addr_to_send[rng_.Below(s.addr_to_send.size())] = a;  // Core replaces a random one
  } else {
    s.addr_to_send.push_back(a);
  }
  if (!s.addr_trickle_armed) {
    s.addr_trickle_armed = true;
    const auto delay = static_cast<DurationNs>(
        rng_.Exponential(static_cast<double>(config_->addr_trickle_mean)));
    out.Arm(now_ + delay, Timer{Timer::Kind::kAddrTrickle, peer});
  }
}

void Node::SendAddresses(PeerId peer, Outbox& out) {
  if (peer >= peers_.size() || !peers_[peer].connected) return;
  PeerSession& s = *peers_[peer].session;
  s.addr_trickle_armed = false;
  if (s.addr_to_send.empty()) return;
  MessageId id;
  Message& m = out.NewMessage(MsgType::kAddr, &id);
  for (const TimedAddress& a : s.addr_to_send) m.AddAddress(a);
  s.addr_to_send.clear();
  out.SendMessage(peer, id);
}

std::uint32_t Node::OutboundCount(ConnectionKind kind) const {
  std::uint32_t n = 0;
  for (const Peer& p : peers_) {
    if (!p.connected || p.inbound || p.session->feeler) continue;
    if (strategy_ && strategy_->IsVictim(*this, p)) continue;  // an eclipse attacker's connections to its victim
    if (p.block_relay_only == (kind == ConnectionKind::kBlockRelayOnly)) ++n;
  }
  return n + conn_.PendingCount(kind);
}

void Node::MaintainConnections(Outbox& out) {
  if (conn_.open_armed) return;
  if (OutboundCount(ConnectionKind::kFullRelay) >= config_->target_outbound &&
      OutboundCount(ConnectionKind::kBlockRelayOnly) >= config_->target_block_relay_only) {
    return;
  }
  conn_.open_armed = true;
  out.Arm(now_ + config_->connect_interval, Timer{Timer::Kind::kOpenConnections, 0});
}

void Node::OnOpenConnectionsTimer(Outbox& out) {
  conn_.open_armed = false;
  // One connection attempt at a time, as Core's loop waits for each; its outcome
  // (PeerConnected or ConnectFailed) calls MaintainConnections again.
  for (const PendingConnect& pc : conn_.pending) {
    if (pc.kind != ConnectionKind::kFeeler) return;
  }
  conn_.addrman.ResolveCollisions(UnixNow());
  ConnectionKind kind;
  NetAddress a = kNoAddress;
  // Anchors come first (Core: "the highest priority"), as block-relay-only connections.
  if (!conn_.anchors.empty() &&
      OutboundCount(ConnectionKind::kBlockRelayOnly) < config_->target_block_relay_only) {
    kind = ConnectionKind::kBlockRelayOnly;
    a = TakeAnchor();
  } else if (OutboundCount(ConnectionKind::kFullRelay) < config_->target_outbound) {
    kind = ConnectionKind::kFullRelay;
  } else if (OutboundCount(ConnectionKind::kBlockRelayOnly) < config_->target_block_relay_only) {
    kind = ConnectionKind::kBlockRelayOnly;
  } else {
    return;
  }
  if (a == kNoAddress) a = ChooseAddress(false);
  if (a == kNoAddress) {
    conn_.open_armed = true;
    out.Arm(now_ + kNoAddressRetry, Timer{Timer::Kind::kOpenConnections, 0});
    return;
  }
  conn_.addrman.Attempt(a, UnixNow());
  conn_.pending.push_back({a, kind});
  out.OpenConnection(a, kind);
}

void Node::OnFeelerTimer(Outbox& out) {
  out.Arm(now_ + static_cast<DurationNs>(
                     rng_.Exponential(static_cast<double>(config_->feeler_interval))),
          Timer{Timer::Kind::kFeeler, 0});
  // Core probes a new-table address only while all outbound slots are filled, one at a time.
  if (OutboundCount(ConnectionKind::kFullRelay) < config_->target_outbound ||
      OutboundCount(ConnectionKind::kBlockRelayOnly) < config_->target_block_relay_only) {
    return;
  }
  if (!conn_.pending.empty()) return;  // Core's loop waits for each attempt
  // Test-before-evict: first the occupant of a pending tried-table collision (Core 0.17+).
  conn_.addrman.ResolveCollisions(UnixNow());
  NetAddress a = conn_.addrman.SelectTriedCollision(rng_);
  if (a != kNoAddress && !Usable(a)) {
    // Connected to it already: it is alive (Core marks it Good rather than probe it).
    if (ConnectedTo(a)) conn_.addrman.Good(a, UnixNow());
    a = kNoAddress;
  }
  if (a == kNoAddress) a = ChooseAddress(true);
  if (a == kNoAddress) return;
  conn_.addrman.Attempt(a, UnixNow());
  conn_.pending.push_back({a, ConnectionKind::kFeeler});
  out.OpenConnection(a, ConnectionKind::kFeeler);
}

void Node::OnConnectFailed(const ConnectFailed& in, Outbox& out) {
  auto it = std::find_if(conn_.pending.begin(), conn_.pending.end(),
                         [&](const PendingConnect& pc) { return pc.address == in.address; });
  if (it != conn_.pending.end()) conn_.pending.erase(it);
  MaintainConnections(out);
  if (!conn_.added.empty()) ArmAddedConnections(out);
}

void Node::ArmAddedConnections(Outbox& out) {
  if (conn_.added_armed) return;
  conn_.added_armed = true;
  out.Arm(now_ + kAddedConnectionsRetry, Timer{Timer::Kind::kAddedConnections, 0});
}

void Node::OnAddedConnectionsTimer(Outbox& out) {
  conn_.added_armed = false;
  bool down = false;
  for (const PendingConnect& a : conn_.added) {
    if (ConnectedTo(a.address)) continue;
    down = true;
    if (std::any_of(conn_.pending.begin(), conn_.pending.end(),
                    [&](const PendingConnect& pc) { return pc.address == a.address; })) {
      continue;  // an attempt is under way
    }
    conn_.pending.push_back(a);
    out.OpenConnection(a.address, a.kind);
  }
  if (down) ArmAddedConnections(out);  // look again in a minute
}

bool Node::ConnectedTo(NetAddress a) const {
  for (const Peer& p : peers_) {
    if (p.connected && p.session->address == a) return true;
  }
  return false;
}

bool Node::Usable(NetAddress a) const {
  if (a == kNoAddress || a == conn_.local_address) return false;
  // One outbound connection per network group (Core's setConnected), so that one operator
  // cannot own all our outbound peers; and never a second connection to an address.
  for (const Peer& p : peers_) {
    if (!p.connected) continue;
    if (p.session->address == a) return false;
    if (!p.inbound && NetGroup(p.session->address) == NetGroup(a)) return false;
  }
  for (const PendingConnect& pc : conn_.pending) {
    if (NetGroup(pc.address) == NetGroup(a)) return false;
  }
  return true;
}

NetAddress Node::ChooseAddress(bool new_only) {
  const std::uint32_t now = UnixNow();
  for (int tries = 0; tries < kSelectTries; ++tries) {
    const NetAddress a = conn_.addrman.Select(new_only, rng_, now);
    if (a == kNoAddress) return kNoAddress;
    if (!Usable(a)) continue;
    const AddrMan::Info* info = conn_.addrman.Find(a);
    if (info != nullptr && info->last_try != 0 && now - info->last_try < kRecentTry &&
        tries < kRecentTryTries) {
      continue;
    }
    return a;
  }
  return kNoAddress;
}

}  // namespace peerlab::bitcoin
