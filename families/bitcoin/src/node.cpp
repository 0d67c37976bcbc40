// Node: input dispatch and peer lifecycle. Block relay is in node_blocks.cpp, transactions in
// node_txs.cpp, addresses and outbound connections in node_addr.cpp.
#include "peerlab/bitcoin/node.hpp"

#include <algorithm>

#include "peerlab/bitcoin/eviction.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// BIP152 compact block version with witness transactions.
constexpr std::uint64_t kCompactBlockVersion = 2;

// Core's peer timeouts (OnPeerTimeouts): DEFAULT_PEER_CONNECT_TIMEOUT (net.h), TIMEOUT_INTERVAL
// (net.h), BLOCK_DOWNLOAD_TIMEOUT_BASE and _PER_PEER (net_processing.cpp, in block intervals).
constexpr DurationNs kHandshakeTimeout = 60 * kSecond;
constexpr DurationNs kPingTimeout = 20 * kMinute;
constexpr double kBlockDownloadTimeoutBase = 1;
constexpr double kBlockDownloadTimeoutPerPeer = 0.5;

}  // namespace

Node::Node(std::uint32_t index, const NodeConfig& config, BlockStore& blocks, const TxStore& txs,
           std::uint64_t rng_seed, NetAddress local_address)
    : index_(index),
      config_(&config),
      store_(&blocks),
      txs_(&txs),
      rng_(rng_seed, index, bitcoin::rng_purpose::kNode),
      conn_(config.addrman, Rng(rng_seed, index, bitcoin::rng_purpose::kAddrManKey).Next(), local_address,
            Rng(rng_seed, index, bitcoin::rng_purpose::kAddrManKey).Next() ^ 0x5bd1e995u) {
  Set(kGenesis, kHaveHeader | kHaveData | kChainComplete);
}

std::size_t Node::connected_peers() const {
  return static_cast<std::size_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return p.established; }));
}

void Node::Handle(TimeNs now, const Input& input, Outbox& out) {
  now_ = now;
  out.SizeWith(*store_, *txs_);  // the outbox sizes what we send by our stores
  std::visit(Overloaded{
                 [&](const PeerConnected& in) { OnPeerConnected(now, in, out); },
                 [&](const PeerDisconnected& in) { OnPeerDisconnected(in, out); },
                 [&](const MessageReceived& in) { OnMessage(now, in.peer, *in.message, out); },
                 [&](const TimerFired& in) { OnTimer(now, in.timer, out); },
                 [&](const BlockFound& in) { OnBlockFound(now, in, out); },
                 [&](const SubmitTx& in) { AcceptTx(in.tx, kNoPeer, now, out); },
                 [&](const MalformedMessage& in) {
                   if (in.peer < peers_.size()) Misbehaving(in.peer, 100, out);
                 },
                 [&](const ConnectFailed& in) { OnConnectFailed(in, out); },
                 [&](const SeedAddresses& in) { OnSeedAddresses(in, out); },
                 [&](const Restart&) { OnRestart(out); },
             },
             input);
  // A strategy reacts to new public blocks once the input is fully handled, never in the middle
  // of a message's processing.
  if (strategy_ && strategy_->public_changed) {
    strategy_->public_changed = false;
    strategy_->OnPublicChange(*this, out);
  }
}

void Node::SetStrategy(const StrategyConfig& strategy) {
  strategy_ = MakeStrategy(strategy);
  strategy_->Start(*this);
}

void Node::SetFloodAddresses(std::vector<NetAddress> addresses) {
  PEERLAB_ASSERT(strategy_ != nullptr);
  strategy_->SetFloodAddresses(std::move(addresses));
}

void Node::Set(BlockHandle h, std::uint8_t bits) { chain_.status.Set(h, bits, *store_); }

void Node::TxSet(TxHandle h, std::uint8_t bits) { tx_.status.Set(h, bits, *txs_); }

void Node::SendEmpty(PeerId peer, MsgType type, Outbox& out) {
  MessageId id;
  out.NewMessage(type, &id);
  out.SendMessage(peer, id);
}

void Node::OnPeerConnected(TimeNs now, const PeerConnected& in, Outbox& out) {
  if (in.peer >= peers_.size()) peers_.resize(in.peer + 1);
  Peer& p = peers_[in.peer];
  PEERLAB_ASSERT(!p.connected);
  p = Peer{};
  p.connected = true;
  p.inbound = in.inbound;
  p.block_relay_only = !in.inbound && in.block_relay_only;
  // Inbound peers say in their version message whether they want transactions.
  p.relay_txs = config_->tx_relay && !p.block_relay_only && !in.inbound && !in.feeler;
  p.session = std::make_unique<PeerSession>();
  p.session->address = in.address;
  p.session->feeler = !in.inbound && in.feeler;
  p.session->connected_at = now;
  if (config_->tx_relay && !p.session->feeler) {
    p.tx = std::make_unique<PeerTx>();
    if (tx_.hot.size() < peers_.size()) tx_.hot.resize(peers_.size());
    tx_.hot[in.peer] = PeerTxHot{};
  }
  if (in.inbound) {
    if (!MakeRoomForInbound(in.peer, out)) return;
  } else {
    std::erase_if(conn_.pending,
                  [&](const PendingConnect& pc) { return pc.address == in.address; });
    // A fixed topology's connection (the driver opened it): ours to keep (Core's added nodes).
    if (config_->redial_outbound && !in.feeler && in.address != kNoAddress &&
        std::none_of(conn_.added.begin(), conn_.added.end(),
                     [&](const PendingConnect& a) { return a.address == in.address; })) {
      conn_.added.push_back({in.address, in.block_relay_only ? ConnectionKind::kBlockRelayOnly
                                                             : ConnectionKind::kFullRelay});
    }
  }
  // The side that opened the connection speaks first (Core: PushNodeVersion for outbound).
  if (!in.inbound) SendVersion(in.peer, out);
  ArmPeerTimeouts(now + kHandshakeTimeout, out);
  if (config_->ping_interval > 0 && !conn_.ping_armed) {
    conn_.ping_armed = true;
    out.Arm(now + config_->ping_interval, Timer{Timer::Kind::kPing, 0});
  }
  if (config_->feeler_interval > 0 && config_->countermeasures.feelers &&
      config_->target_outbound > 0 && !conn_.feeler_armed) {
    conn_.feeler_armed = true;
    out.Arm(now + static_cast<DurationNs>(rng_.Exponential(static_cast<double>(config_->feeler_interval))),
            Timer{Timer::Kind::kFeeler, 0});
  }
  if (!in.inbound) MaintainConnections(out);
}

bool Node::MakeRoomForInbound(PeerId newcomer, Outbox& out) {
  if (config_->max_inbound == 0) return true;
  if (strategy_ && strategy_->IsVictim(*this, peers_[newcomer])) return true;  // an eclipse attacker takes them all
  std::uint32_t inbound = 0;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (id != newcomer && peers_[id].connected && peers_[id].inbound) ++inbound;
  }
  if (inbound < config_->max_inbound) return true;
  std::vector<EvictionCandidate> candidates;
  candidates.reserve(inbound);
  for (PeerId id = 0; id < peers_.size(); ++id) {
    const Peer& p = peers_[id];
    if (id == newcomer || !p.connected || !p.inbound) continue;
    const PeerSession& s = *p.session;
    candidates.push_back({id, s.connected_at, s.min_ping, s.last_block_time, s.last_tx_time,
                          SplitMix64Of(conn_.addr_key ^ NetGroup(s.address)), p.relay_txs});
  }
  const auto victim = SelectPeerToEvict(std::move(candidates));
  if (!victim) {
    DisconnectPeer(newcomer, out);  // every inbound peer is protected: refuse the newcomer
    return false;
  }
  Observation o{Observation::Kind::kPeerEvicted};
  o.peer = *victim;
  out.Observe(o);
  DisconnectPeer(*victim, out);
  return true;
}

void Node::SendVersion(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  do {
    p.session->local_nonce = rng_.Next();
  } while (p.session->local_nonce == 0);
  MessageId id;
  Message& m = out.NewMessage(MsgType::kVersion, &id);
  m.value = p.session->local_nonce;
  m.aux = store_->Get(chain_.tip).height;
  m.flag = config_->tx_relay && !p.block_relay_only;
  out.SendMessage(peer, id);
}

void Node::OnVersion(PeerId peer, const Message& m, Outbox& out) {
  Peer& p = peers_[peer];
  if (p.session->version_received) {
    Misbehaving(peer, 1, out);  // Core: "redundant version message"
    return;
  }
  // Our own nonce coming back on an inbound connection means we connected to ourselves.
  if (p.inbound) {
    for (const Peer& other : peers_) {
      if (other.connected && !other.inbound && other.session->local_nonce == m.value) {
        DisconnectPeer(peer, out);
        return;
      }
    }
  }
  p.session->version_received = true;
  p.session->start_height = m.aux;
  if (p.inbound && !config_->countermeasures.tried_outbound_only &&
      p.session->address != kNoAddress) {
    // Core before 0.13.1: a peer that connects from the address it claims is added and moved
    // to tried at once (no penalty: it told us itself).
    conn_.addrman.Add(p.session->address, UnixNow(), p.session->address, UnixNow());
    conn_.addrman.Good(p.session->address, UnixNow());
  }
  if (!p.inbound) {
    // The address answered as a Bitcoin node: it moves to the tried table (Core: at version).
    if (p.session->address != kNoAddress) conn_.addrman.Good(p.session->address, UnixNow());
    if (p.session->feeler) {  // it has served its purpose
      DisconnectPeer(peer, out);
      return;
    }
  }
  if (p.inbound) p.relay_txs = config_->tx_relay && m.flag;
  if (p.inbound) SendVersion(peer, out);
  SendEmpty(peer, MsgType::kVerack, out);
  if (p.session->verack_received) OnHandshakeComplete(peer, out);
}

void Node::OnVerack(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  if (p.session->verack_received) return;
  p.session->verack_received = true;
  if (p.session->version_received) OnHandshakeComplete(peer, out);
}

void Node::OnHandshakeComplete(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  p.established = true;
  // It is told of transactions accepted from now on.
  if (p.tx) tx_.hot[peer].cursor = tx_.LogEnd();
  if (config_->relay != RelayMode::kLegacy) SendEmpty(peer, MsgType::kSendHeaders, out);
  if (config_->relay == RelayMode::kCompact) {
    // Announce compact block support in low-bandwidth mode; high bandwidth is asked for later
    // from the peers that deliver blocks first.
    MessageId id;
    Message& m = out.NewMessage(MsgType::kSendCmpct, &id);
    m.flag = false;
    m.value = kCompactBlockVersion;
    out.SendMessage(peer, id);
  }
  // A node that already has a chain (joining late or reconnecting) asks every new peer for
  // its headers, inbound ones too, as Core does once its best header is recent: otherwise
  // the side of a healed partition that is dialled would never learn the other side's longer
  // chain until the next block. (A restarted node syncs even from genesis: its peers will
  // not announce old blocks; so does a daemon's node (open store), which joins a network
  // whose chain it has never seen.) A fresh node syncs from its outbound peers only.
  // The locator starts one block below our best header, as Core's does here, so that a peer as
  // far along answers with at least that header and we learn its best block: otherwise a peer
  // whose announcements we lost would never be asked for a block until its next one.
  if (chain_.tip != kGenesis || conn_.restarted || store_->chain() != nullptr) {
    SendGetHeaders(peer, kNoBlock, out, /*from_parent=*/true);
  }
  if (!p.inbound) OnOutboundEstablished(peer, out);
  if (strategy_) strategy_->OnPeerReady(*this, peer, out);
}

void Node::OnPingTimer(TimeNs now, Outbox& out) {
  bool sent = false;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    Peer& p = peers_[id];
    if (!p.established || p.session->ping_nonce != 0) continue;
    sent = true;
    do {
      p.session->ping_nonce = rng_.Next();
    } while (p.session->ping_nonce == 0);
    p.session->ping_sent_at = now;
    MessageId msg;
    Message& m = out.NewMessage(MsgType::kPing, &msg);
    m.value = p.session->ping_nonce;
    out.SendMessage(id, msg);
  }
  if (sent) ArmPeerTimeouts(now + kPingTimeout, out);
  out.Arm(now + config_->ping_interval, Timer{Timer::Kind::kPing, 0});
}

void Node::ArmPeerTimeouts(TimeNs at, Outbox& out) {
  // An armed check at or before `at` will see to it (and arm the next one).
  if (conn_.timeouts_at >= 0 && conn_.timeouts_at <= at) return;
  conn_.timeouts_at = at;
  out.Arm(at, Timer{Timer::Kind::kPeerTimeouts, 0});
}

TimeNs Node::PeerDeadline(const Peer& p, std::uint32_t downloading) const {
  const PeerSession& s = *p.session;
  if (!p.established) return s.connected_at + kHandshakeTimeout;
  TimeNs at = kTimeNever;
  if (p.in_flight > 0) {
    const double intervals =
        kBlockDownloadTimeoutBase + kBlockDownloadTimeoutPerPeer * (downloading - 1.0);
    at = s.downloading_since +
         static_cast<DurationNs>(intervals * static_cast<double>(config_->block_interval));
  }
  if (s.ping_nonce != 0) at = std::min(at, s.ping_sent_at + kPingTimeout);
  return at;
}

void Node::OnPeerTimeouts(TimeNs now, Outbox& out) {
  if (now != conn_.timeouts_at) return;  // an earlier check replaced this one
  conn_.timeouts_at = -1;
  const auto downloading = [&] {
    std::uint32_t n = 0;
    for (const Peer& p : peers_) n += p.connected && p.in_flight > 0;
    return n;
  };
  const std::uint32_t before = downloading();
  for (PeerId id = 0; id < peers_.size(); ++id) {
    // Dropping a peer asks others for its blocks, which starts their clocks at `now`.
    if (peers_[id].connected && PeerDeadline(peers_[id], before) <= now) DisconnectPeer(id, out);
  }
  const std::uint32_t after = downloading();
  TimeNs next = kTimeNever;
  for (const Peer& p : peers_) {
    if (p.connected) next = std::min(next, PeerDeadline(p, after));
  }
  // Dropping peers shortens the others' timeouts (fewer peers downloading): one may be due now.
  if (next != kTimeNever) ArmPeerTimeouts(std::max(next, now), out);
}

void Node::OnPong(TimeNs now, PeerId peer, const Message& m) {
  Peer& p = peers_[peer];
  if (p.session->ping_nonce == 0 || m.value != p.session->ping_nonce) return;  // unsolicited or stale: ignored
  p.session->last_rtt = now - p.session->ping_sent_at;
  if (p.session->min_ping < 0 || p.session->last_rtt < p.session->min_ping) {
    p.session->min_ping = p.session->last_rtt;
  }
  p.session->ping_nonce = 0;
}

void Node::Misbehaving(PeerId peer, std::uint32_t score, Outbox& out) {
  Peer& p = peers_[peer];
  if (!p.connected) return;
  p.session->misbehavior += score;
  Observation o{Observation::Kind::kPeerPunished};
  o.peer = peer;
  o.score = p.session->misbehavior;
  out.Observe(o);
  if (p.session->misbehavior >= 100) DisconnectPeer(peer, out);
}

void Node::DisconnectPeer(PeerId peer, Outbox& out) {
  if (!peers_[peer].connected) return;
  out.Disconnect(peer);
  ForgetPeer(peer, out);
}

void Node::OnPeerDisconnected(const PeerDisconnected& in, Outbox& out) {
  // The link may already be gone on our side (we disconnected first), or never have been up
  // here (the remote refused a connection we opened: ConnectFailed says so).
  if (in.peer < peers_.size() && peers_[in.peer].connected) ForgetPeer(in.peer, out);
}

void Node::ForgetPeer(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  p.connected = false;
  if (!p.inbound) {
    // Core's Connected(): the address was in use until now.
    if (p.session->address != kNoAddress) conn_.addrman.Connected(p.session->address, UnixNow());
    // Keep the outbound counts of each kind (Core: 8 full-relay, 2 block-relay-only).
    MaintainConnections(out);
    if (!conn_.added.empty()) ArmAddedConnections(out);
  }
  p.established = false;
  p.session->addr_to_send.clear();
  p.session->addr_to_send.shrink_to_fit();
  p.tx.reset();
  // Blocks requested from this peer will not come: forget the requests, ask others.
  const bool released = chain_.DropPeer(peer);
  p.in_flight = 0;
  if (released) FetchFromAllPeers(out);
}

void Node::OnMessage(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  PEERLAB_ASSERT(peer < peers_.size());
  Peer& p = peers_[peer];
  if (!p.connected) return;  // arrived after we dropped the peer
  switch (m.type) {
    case MsgType::kVersion: OnVersion(peer, m, out); return;
    case MsgType::kVerack: OnVerack(peer, out); return;
    default: break;
  }
  if (!p.established) {
    Misbehaving(peer, 1, out);  // Core ignores messages before the handshake completes
    return;
  }
  switch (m.type) {
    case MsgType::kVersion:
    case MsgType::kVerack: break;
    case MsgType::kPing: {
      MessageId id;
      Message& pong = out.NewMessage(MsgType::kPong, &id);
      pong.value = m.value;
      out.SendMessage(peer, id);
      break;
    }
    case MsgType::kPong: OnPong(now, peer, m); break;
    case MsgType::kGetAddr: OnGetAddr(peer, out); break;
    case MsgType::kAddr: OnAddr(peer, m, out); break;
    case MsgType::kSendHeaders: p.prefers_headers = true; break;
    case MsgType::kSendCmpct:
      p.supports_compact = true;
      p.wants_compact_push = m.flag;
      chain_.SetPushPeer(peer, m.flag);
      break;
    case MsgType::kInv:
      if (!m.txs().empty()) OnTxInv(peer, m, out);
      // aux: ids an open store has never seen (no handles), still worth a getheaders.
      if (!m.blocks().empty() || m.aux != 0) OnInv(peer, m, out);
      break;
    case MsgType::kGetHeaders: OnGetHeaders(peer, m, out); break;
    case MsgType::kHeaders: OnHeaders(peer, m, out); break;
    case MsgType::kGetData: OnGetData(peer, m, out); break;
    case MsgType::kBlock: OnBlock(now, peer, m, out); break;
    case MsgType::kTx: OnTx(now, peer, m, out); break;
    case MsgType::kCmpctBlock: OnCmpctBlock(now, peer, m, out); break;
    case MsgType::kGetBlockTxn: OnGetBlockTxn(peer, m, out); break;
    case MsgType::kBlockTxn: OnBlockTxn(now, peer, m, out); break;
  }
}

void Node::OnTimer(TimeNs now, const Timer& timer, Outbox& out) {
  switch (timer.kind) {
    case Timer::Kind::kValidationDone: OnValidationDone(timer.arg, out); break;
    case Timer::Kind::kTrickleOutbound: Trickle(now, timer.arg, out); break;
    case Timer::Kind::kTrickleInbound: Trickle(now, kNoPeer, out); break;
    case Timer::Kind::kPing: OnPingTimer(now, out); break;
    case Timer::Kind::kOpenConnections: OnOpenConnectionsTimer(out); break;
    case Timer::Kind::kFeeler: OnFeelerTimer(out); break;
    case Timer::Kind::kAddrTrickle: SendAddresses(timer.arg, out); break;
    case Timer::Kind::kStrategyAnnounce: strategy_->OnAnnounceTimer(*this, out); break;
    case Timer::Kind::kStrategyFlood: strategy_->OnFloodTimer(*this, out); break;
    case Timer::Kind::kPeerTimeouts: OnPeerTimeouts(now, out); break;
    case Timer::Kind::kAddedConnections: OnAddedConnectionsTimer(out); break;
  }
}

}  // namespace peerlab::bitcoin
