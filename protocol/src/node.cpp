#include "peerlab/protocol/node.hpp"

#include <algorithm>
#include <cstring>

namespace peerlab::protocol {
namespace {

// Core's MAX_BLOCKS_TO_ANNOUNCE: more new blocks than this are announced with inv instead.
constexpr std::size_t kMaxBlocksToAnnounce = 8;
// Core's BLOCK_DOWNLOAD_WINDOW: how far past our tip we look for blocks to fetch.
constexpr std::uint32_t kBlockDownloadWindow = 1024;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

Node::Node(std::uint32_t index, const NodeConfig& config, BlockStore& store,
           std::uint64_t rng_seed)
    : index_(index), config_(&config), store_(&store), rng_(rng_seed, index, RngPurpose::kNode) {
  Set(kGenesis, kHaveHeader | kHaveData | kChainComplete);
}

std::size_t Node::connected_peers() const {
  return static_cast<std::size_t>(
      std::count_if(peers_.begin(), peers_.end(), [](const Peer& p) { return p.connected; }));
}

void Node::Handle(TimeNs now, const Input& input, Outbox& out) {
  std::visit(Overloaded{
                 [&](const PeerConnected& in) { OnPeerConnected(in, out); },
                 [&](const PeerDisconnected& in) { OnPeerDisconnected(in, out); },
                 [&](const MessageReceived& in) { OnMessage(now, in.peer, *in.message, out); },
                 [&](const TimerFired& in) {
                   switch (in.timer.kind) {
                     case Timer::Kind::kValidationDone: OnValidationDone(in.timer.arg, out); break;
                   }
                 },
                 [&](const BlockFound&) { OnBlockFound(now, out); },
             },
             input);
}

void Node::Set(BlockHandle h, std::uint8_t bit) {
  if (h >= state_.size()) state_.resize(std::max<std::size_t>(store_->size(), h + 1), 0);
  state_[h] |= bit;
}

void Node::OnPeerConnected(const PeerConnected& in, Outbox& out) {
  if (in.peer >= peers_.size()) peers_.resize(in.peer + 1);
  Peer& p = peers_[in.peer];
  PEERLAB_ASSERT(!p.connected);
  p = Peer{};
  p.connected = true;
  p.inbound = in.inbound;
  if (config_->relay == RelayMode::kHeaders) {
    MessageId id;
    Message& m = out.NewMessage(MsgType::kSendHeaders, &id);
    m.wire_bytes = WireSize(m, *store_);
    out.SendMessage(in.peer, id);
  }
  // A node that already has a chain (joining late or reconnecting) syncs headers from its
  // outbound peers, as Core does during initial sync.
  if (!in.inbound && tip_ != kGenesis) SendGetHeaders(in.peer, kNoBlock, out);
}

void Node::OnPeerDisconnected(const PeerDisconnected& in, Outbox& out) {
  PEERLAB_ASSERT(in.peer < peers_.size() && peers_[in.peer].connected);
  peers_[in.peer].connected = false;
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
  peers_[in.peer].in_flight = 0;
  if (released) {
    for (PeerId id = 0; id < peers_.size(); ++id) {
      if (peers_[id].connected) FetchBlocks(id, out);
    }
  }
}

void Node::OnMessage(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  PEERLAB_ASSERT(peer < peers_.size() && peers_[peer].connected);
  switch (m.type) {
    case MsgType::kSendHeaders: peers_[peer].prefers_headers = true; break;
    case MsgType::kInv: OnInv(peer, m, out); break;
    case MsgType::kGetHeaders: OnGetHeaders(peer, m, out); break;
    case MsgType::kHeaders: OnHeaders(peer, m, out); break;
    case MsgType::kGetData: OnGetData(peer, m, out); break;
    case MsgType::kBlock: OnBlock(now, peer, m, out); break;
  }
}

void Node::OnInv(PeerId peer, const Message& m, Outbox& out) {
  Peer& p = peers_[peer];
  if (config_->relay == RelayMode::kLegacy) {
    // Pre-headers-first relay: fetch announced blocks we lack directly.
    scratch_.clear();
    for (BlockHandle h : m.blocks) {
      if (Has(h, kHaveHeader)) UpdatePeerBestKnown(p, h);
      if (Has(h, kInFlight | kValidating | kHaveData)) continue;
      if (p.in_flight + scratch_.size() >= config_->max_blocks_in_flight_per_peer) break;
      scratch_.push_back(h);
    }
    if (!scratch_.empty()) {
      for (BlockHandle h : scratch_) {
        Set(h, kInFlight);
        in_flight_.push_back({h, peer});
      }
      p.in_flight += static_cast<std::uint32_t>(scratch_.size());
      SendBlocks(peer, MsgType::kGetData, out);
    }
    return;
  }
  // Headers-first: an unknown block id is resolved by asking for headers up to it; only the
  // last unknown id matters (Core's best_block), announcements list oldest first.
  BlockHandle unknown = kNoBlock;
  for (BlockHandle h : m.blocks) {
    if (Has(h, kHaveHeader)) {
      UpdatePeerBestKnown(p, h);
    } else {
      unknown = h;
    }
  }
  if (unknown != kNoBlock) SendGetHeaders(peer, unknown, out);
  FetchBlocks(peer, out);
}

void Node::OnGetHeaders(PeerId peer, const Message& m, Outbox& out) {
  // The fork point is the first locator entry on our active chain.
  BlockHandle fork = kGenesis;
  for (BlockHandle h : m.blocks) {
    if (Has(h, kChainComplete) && store_->IsAncestor(h, tip_)) {
      fork = h;
      break;
    }
  }
  scratch_.clear();
  const std::uint32_t tip_height = store_->Get(tip_).height;
  for (std::uint32_t height = store_->Get(fork).height + 1;
       height <= tip_height && scratch_.size() < kMaxHeadersPerMessage; ++height) {
    const BlockHandle h = store_->Ancestor(tip_, height);
    scratch_.push_back(h);
    if (h == m.stop) break;
  }
  if (!scratch_.empty()) peers_[peer].best_sent = scratch_.back();
  SendBlocks(peer, MsgType::kHeaders, out);
}

void Node::OnHeaders(PeerId peer, const Message& m, Outbox& out) {
  if (m.blocks.empty()) return;
  Peer& p = peers_[peer];
  const BlockRecord& first = store_->Get(m.blocks.front());
  if (!Has(first.parent, kHaveHeader)) {
    // Does not connect to what we know: ask for the headers in between.
    SendGetHeaders(peer, kNoBlock, out);
    return;
  }
  BlockHandle previous = first.parent;
  for (BlockHandle h : m.blocks) {
    // Non-continuous headers are a protocol violation; ignore the rest (issue: misbehaviour
    // scoring comes with the full peer manager).
    if (store_->Get(h).parent != previous) break;
    AcceptHeader(h);
    UpdatePeerBestKnown(p, h);
    previous = h;
  }
  if (m.blocks.size() == kMaxHeadersPerMessage) SendGetHeaders(peer, kNoBlock, out);
  FetchBlocks(peer, out);
}

void Node::OnGetData(PeerId peer, const Message& m, Outbox& out) {
  for (BlockHandle h : m.blocks) {
    if (!Has(h, kHaveData)) continue;  // `notfound` arrives with the full wire protocol
    MessageId id;
    Message& block = out.NewMessage(MsgType::kBlock, &id);
    block.blocks.push_back(h);
    block.wire_bytes = WireSize(block, *store_);
    out.SendMessage(peer, id);
  }
}

void Node::OnBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  PEERLAB_ASSERT(m.blocks.size() == 1);
  const BlockHandle h = m.blocks[0];
  const BlockRecord& rec = store_->Get(h);
  if (Has(h, kInFlight)) RemoveInFlight(h);
  if (!Has(h, kHaveHeader)) {
    if (!Has(rec.parent, kHaveHeader)) {
      // A block we cannot connect (legacy relay across a gap): fetch the missing headers;
      // the blocks, this one included, are then requested in order.
      SendGetHeaders(peer, kNoBlock, out);
      return;
    }
    AcceptHeader(h);
  }
  UpdatePeerBestKnown(peers_[peer], h);
  if (!Has(h, kValidating | kHaveData)) {
    // One validation at a time, in arrival order: a node's CPU is a queue.
    const double megabytes = static_cast<double>(rec.size_bytes) / 1e6;
    const DurationNs cost =
        config_->validation_fixed +
        static_cast<DurationNs>(static_cast<double>(config_->validation_per_mb) * megabytes);
    validation_free_at_ = std::max(now, validation_free_at_) + cost;
    Set(h, kValidating);
    out.Arm(validation_free_at_, Timer{Timer::Kind::kValidationDone, h});
  }
  FetchBlocks(peer, out);
}

void Node::OnValidationDone(BlockHandle h, Outbox& out) {
  Clear(h, kValidating);
  Set(h, kHaveData);
  out.Observe({Observation::Kind::kBlockAccepted, h});
  const BlockHandle parent = store_->Get(h).parent;
  if (Has(parent, kChainComplete)) {
    MarkChainComplete(h, out);
  } else {
    waiting_.push_back(h);
  }
}

void Node::OnBlockFound(TimeNs now, Outbox& out) {
  const BlockRecord& parent = store_->Get(tip_);
  BlockHeader header;
  header.version = 0x20000000;
  header.prev = parent.id;
  // Stand-in for the merkle root of a real coinbase: unique per (miner, height, count), so
  // two miners never produce the same header.
  std::uint8_t seed[16];
  const std::uint32_t height = parent.height + 1;
  std::memcpy(seed, &index_, 4);
  std::memcpy(seed + 4, &height, 4);
  std::memcpy(seed + 8, &blocks_mined_, 4);
  const auto salt = static_cast<std::uint32_t>(rng_.Next());
  std::memcpy(seed + 12, &salt, 4);
  header.merkle_root = DoubleSha256(seed);
  header.time = config_->genesis_time + static_cast<std::uint32_t>(now / kSecond);
  header.bits = config_->bits;
  header.nonce = static_cast<std::uint32_t>(rng_.Next());
  ++blocks_mined_;
  const BlockHandle h = store_->Add(tip_, header, config_->block_size_bytes,
                                    config_->block_tx_count, index_, now);
  Set(h, kHaveHeader | kHaveData);
  if (store_->Get(h).chain_work > store_->Get(best_header_).chain_work) best_header_ = h;
  out.Observe({Observation::Kind::kBlockMined, h});
  out.Observe({Observation::Kind::kBlockAccepted, h});
  MarkChainComplete(h, out);
}

void Node::AcceptHeader(BlockHandle h) {
  Set(h, kHaveHeader);
  if (store_->Get(h).chain_work > store_->Get(best_header_).chain_work) best_header_ = h;
}

void Node::UpdatePeerBestKnown(Peer& p, BlockHandle h) {
  if (p.best_known == kNoBlock ||
      store_->Get(h).chain_work > store_->Get(p.best_known).chain_work) {
    p.best_known = h;
  }
}

bool Node::PeerHasHeader(const Peer& p, BlockHandle h) const {
  if (h == kGenesis) return true;
  return (p.best_known != kNoBlock && store_->IsAncestor(h, p.best_known)) ||
         (p.best_sent != kNoBlock && store_->IsAncestor(h, p.best_sent));
}

void Node::FetchBlocks(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  if (p.best_known == kNoBlock || p.in_flight >= config_->max_blocks_in_flight_per_peer) return;
  const BlockRecord& target = store_->Get(p.best_known);
  // Only chains with more work than ours are worth fetching: equal work loses to first seen.
  if (target.chain_work <= store_->Get(tip_).chain_work) return;
  const BlockHandle fork = store_->LastCommonAncestor(tip_, p.best_known);
  const std::uint32_t from = store_->Get(fork).height + 1;
  const std::uint32_t to = std::min(target.height, from + kBlockDownloadWindow - 1);
  scratch_.clear();
  for (std::uint32_t height = from; height <= to; ++height) {
    if (p.in_flight + scratch_.size() >= config_->max_blocks_in_flight_per_peer) break;
    const BlockHandle h = store_->Ancestor(p.best_known, height);
    if (Has(h, kInFlight | kValidating | kHaveData)) continue;
    scratch_.push_back(h);
  }
  if (scratch_.empty()) return;
  for (BlockHandle h : scratch_) {
    Set(h, kInFlight);
    in_flight_.push_back({h, peer});
  }
  p.in_flight += static_cast<std::uint32_t>(scratch_.size());
  SendBlocks(peer, MsgType::kGetData, out);
}

void Node::RemoveInFlight(BlockHandle h) {
  Clear(h, kInFlight);
  for (std::size_t i = 0; i < in_flight_.size(); ++i) {
    if (in_flight_[i].block == h) {
      --peers_[in_flight_[i].peer].in_flight;
      in_flight_[i] = in_flight_.back();
      in_flight_.pop_back();
      return;
    }
  }
}

void Node::MarkChainComplete(BlockHandle h, Outbox& out) {
  // Connect h, then any waiting descendants whose ancestors are now all here; pick the
  // most-work block among them. Strictly more work is needed to move the tip: first seen wins.
  BlockHandle best = tip_;
  scratch_.clear();
  scratch_.push_back(h);
  while (!scratch_.empty()) {
    const BlockHandle b = scratch_.back();
    scratch_.pop_back();
    Set(b, kChainComplete);
    if (store_->Get(b).chain_work > store_->Get(best).chain_work) best = b;
    for (std::size_t i = 0; i < waiting_.size();) {
      if (store_->Get(waiting_[i]).parent == b) {
        scratch_.push_back(waiting_[i]);
        waiting_[i] = waiting_.back();
        waiting_.pop_back();
      } else {
        ++i;
      }
    }
  }
  if (best != tip_) SetTip(best, out);
}

void Node::SetTip(BlockHandle new_tip, Outbox& out) {
  const BlockHandle old_tip = tip_;
  const BlockHandle fork = store_->LastCommonAncestor(old_tip, new_tip);
  tip_ = new_tip;
  out.Observe({Observation::Kind::kTipChanged, new_tip, old_tip,
               store_->Get(old_tip).height - store_->Get(fork).height});
  AnnounceTip(fork, out);
  // The new tip may make more of some peer's chain fetchable.
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (peers_[id].connected && peers_[id].best_known != kNoBlock &&
        store_->Get(peers_[id].best_known).chain_work > store_->Get(tip_).chain_work) {
      FetchBlocks(id, out);
    }
  }
}

void Node::AnnounceTip(BlockHandle fork, Outbox& out) {
  const std::uint32_t fork_height = store_->Get(fork).height;
  const std::uint32_t tip_height = store_->Get(tip_).height;
  const bool too_many = tip_height - fork_height > kMaxBlocksToAnnounce;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    Peer& p = peers_[id];
    if (!p.connected || PeerHasHeader(p, tip_)) continue;
    scratch_.clear();
    if (p.prefers_headers && !too_many) {
      // The new blocks the peer lacks, oldest first; they must connect to what it has.
      for (std::uint32_t height = fork_height + 1; height <= tip_height; ++height) {
        const BlockHandle h = store_->Ancestor(tip_, height);
        if (!PeerHasHeader(p, h)) scratch_.push_back(h);
      }
      if (PeerHasHeader(p, store_->Get(scratch_.front()).parent)) {
        p.best_sent = tip_;
        SendBlocks(id, MsgType::kHeaders, out);
        continue;
      }
      scratch_.clear();
    }
    scratch_.push_back(tip_);
    SendBlocks(id, MsgType::kInv, out);
  }
}

void Node::SendGetHeaders(PeerId peer, BlockHandle stop, Outbox& out) {
  // Block locator from our best header: ten most recent, then exponentially sparser, genesis.
  scratch_.clear();
  BlockHandle h = best_header_;
  std::uint32_t step = 1;
  while (true) {
    scratch_.push_back(h);
    const std::uint32_t height = store_->Get(h).height;
    if (height == 0) break;
    h = store_->Ancestor(h, height > step ? height - step : 0);
    if (scratch_.size() >= 10) step *= 2;
  }
  MessageId id;
  Message& m = out.NewMessage(MsgType::kGetHeaders, &id);
  m.blocks.assign(scratch_.begin(), scratch_.end());
  m.stop = stop;
  m.wire_bytes = WireSize(m, *store_);
  out.SendMessage(peer, id);
}

void Node::SendBlocks(PeerId peer, MsgType type, Outbox& out) {
  MessageId id;
  Message& m = out.NewMessage(type, &id);
  m.blocks.assign(scratch_.begin(), scratch_.end());
  m.wire_bytes = WireSize(m, *store_);
  out.SendMessage(peer, id);
}

}  // namespace peerlab::protocol
