// Node: input dispatch and peer lifecycle. Block relay is in node_blocks.cpp, transactions in
// node_txs.cpp.
#include "peerlab/protocol/node.hpp"

#include <algorithm>

namespace peerlab::protocol {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// BIP152 compact block version with witness transactions.
constexpr std::uint64_t kCompactBlockVersion = 2;

}  // namespace

Node::Node(std::uint32_t index, const NodeConfig& config, BlockStore& blocks, const TxStore& txs,
           std::uint64_t rng_seed)
    : index_(index),
      config_(&config),
      store_(&blocks),
      txs_(&txs),
      rng_(rng_seed, index, RngPurpose::kNode) {
  Set(kGenesis, kHaveHeader | kHaveData | kChainComplete);
}

std::size_t Node::connected_peers() const {
  return static_cast<std::size_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return p.connected; }));
}

std::size_t Node::mempool_count() const { return mempool_live_; }

void Node::Handle(TimeNs now, const Input& input, Outbox& out) {
  std::visit(Overloaded{
                 [&](const PeerConnected& in) { OnPeerConnected(now, in, out); },
                 [&](const PeerDisconnected& in) { OnPeerDisconnected(in, out); },
                 [&](const MessageReceived& in) { OnMessage(now, in.peer, *in.message, out); },
                 [&](const TimerFired& in) { OnTimer(now, in.timer, out); },
                 [&](const BlockFound&) { OnBlockFound(now, out); },
                 [&](const SubmitTx& in) { AcceptTx(in.tx, kNoPeer, now, out); },
             },
             input);
}

void Node::Set(BlockHandle h, std::uint8_t bits) {
  if (h >= state_.size()) state_.resize(std::max<std::size_t>(store_->size(), h + 1), 0);
  state_[h] |= bits;
}

void Node::TxSet(TxHandle h, std::uint8_t bits) {
  if (h >= tx_state_.size()) tx_state_.resize(std::max<std::size_t>(txs_->size(), h + 1), 0);
  tx_state_[h] |= bits;
}

void Node::SendEmpty(PeerId peer, MsgType type, Outbox& out) {
  MessageId id;
  Message& m = out.NewMessage(type, &id);
  m.wire_bytes = WireSize(m, *store_, *txs_);
  out.SendMessage(peer, id);
}

void Node::OnPeerConnected(TimeNs now, const PeerConnected& in, Outbox& out) {
  (void)now;
  if (in.peer >= peers_.size()) peers_.resize(in.peer + 1);
  Peer& p = peers_[in.peer];
  PEERLAB_ASSERT(!p.connected);
  p = Peer{};
  p.connected = true;
  p.inbound = in.inbound;
  if (config_->tx_relay) p.tx = std::make_unique<PeerTx>();
  if (config_->relay != RelayMode::kLegacy) SendEmpty(in.peer, MsgType::kSendHeaders, out);
  if (config_->relay == RelayMode::kCompact) {
    // Announce compact block support in low-bandwidth mode; high bandwidth is asked for later
    // from the peers that deliver blocks first.
    MessageId id;
    Message& m = out.NewMessage(MsgType::kSendCmpct, &id);
    m.flag = false;
    m.value = kCompactBlockVersion;
    m.wire_bytes = WireSize(m, *store_, *txs_);
    out.SendMessage(in.peer, id);
  }
  // A node that already has a chain (joining late or reconnecting) syncs headers from its
  // outbound peers, as Core does during initial sync.
  if (!in.inbound && tip_ != kGenesis) SendGetHeaders(in.peer, kNoBlock, out);
}

void Node::OnPeerDisconnected(const PeerDisconnected& in, Outbox& out) {
  PEERLAB_ASSERT(in.peer < peers_.size() && peers_[in.peer].connected);
  Peer& p = peers_[in.peer];
  p.connected = false;
  p.tx.reset();
  std::erase(hb_peers_, in.peer);
  std::erase_if(pending_compact_, [&](const PendingCompact& pc) { return pc.peer == in.peer; });
  // Blocks requested from this peer will not come: forget the requests, ask others.
  bool released = false;
  for (std::size_t i = 0; i < in_flight_.size();) {
    if (in_flight_[i].peer == in.peer) {
      Clear(in_flight_[i].block, kInFlight);
      in_flight_[i] = in_flight_.back();
      in_flight_.pop_back();
      released = true;
    } else {
      ++i;
    }
  }
  p.in_flight = 0;
  if (released) FetchFromAllPeers(out);
}

void Node::OnMessage(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  PEERLAB_ASSERT(peer < peers_.size() && peers_[peer].connected);
  switch (m.type) {
    case MsgType::kSendHeaders: peers_[peer].prefers_headers = true; break;
    case MsgType::kSendCmpct:
      peers_[peer].supports_compact = true;
      peers_[peer].wants_compact_push = m.flag;
      break;
    case MsgType::kInv:
      if (!m.txs.empty()) OnTxInv(peer, m, out);
      if (!m.blocks.empty()) OnInv(peer, m, out);
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
  }
}

}  // namespace peerlab::protocol
