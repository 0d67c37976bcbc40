// Node: block relay (legacy, headers, compact), download, validation and the active chain.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)
namespace {

// Core's MAX_BLOCKS_TO_ANNOUNCE: more new blocks than this are announced with inv instead.
constexpr std::size_t kMaxBlocksToAnnounce = 8;
// Core's BLOCK_DOWNLOAD_WINDOW: how far past our tip we look for blocks to fetch.
constexpr std::uint32_t kBlockDownloadWindow = 1024;
// Core answers getdata(cmpct) with a compact block only this close to its tip.
constexpr std::uint32_t kMaxCompactDepth = 10;
// Core's MAX_NUM_UNCONNECTING_HEADERS_MSGS.
constexpr std::uint8_t kMaxUnconnectingHeaders = 10;

}  // namespace

// ---- ChainSync: what the node asked for and is validating ----

namespace {

// Removes the entry for `h` from an unordered list (at most one); its peer, or kNoPeer.
PeerId TakeEntry(std::vector<InFlight>& list, BlockHandle h) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].block == h) {
      const PeerId peer = list[i].peer;
      list[i] = list.back();
      list.pop_back();
      return peer;
    }
  }
  return kNoPeer;
}

}  // namespace

PeerId ChainSync::TakeInFlight(BlockHandle h) {
  status.Clear(h, kInFlight);
  return TakeEntry(in_flight, h);
}

PeerId ChainSync::TakeDeliverer(BlockHandle h) { return TakeEntry(delivered_by, h); }

void ChainSync::SetPushPeer(PeerId peer, bool wants_push) {
  if (wants_push) {
    auto at = std::lower_bound(push_peers.begin(), push_peers.end(), peer);
    if (at == push_peers.end() || *at != peer) push_peers.insert(at, peer);
  } else {
    std::erase(push_peers, peer);
  }
}

bool ChainSync::DropPeer(PeerId peer) {
  std::erase(hb_peers, peer);
  std::erase(push_peers, peer);
  for (InFlight& d : delivered_by) {
    if (d.peer == peer) d.peer = kNoPeer;  // the slot may serve another peer soon
  }
  std::erase_if(pending_compact, [&](const PendingCompact& pc) { return pc.peer == peer; });
  bool released = false;
  for (std::size_t i = 0; i < in_flight.size();) {
    if (in_flight[i].peer == peer) {
      status.Clear(in_flight[i].block, kInFlight);
      in_flight[i] = in_flight.back();
      in_flight.pop_back();
      released = true;
    } else {
      ++i;
    }
  }
  return released;
}

void ChainSync::Restart(TimeNs now) {
  hb_peers.clear();
  push_peers.clear();
  pending_compact.clear();
  for (const InFlight& f : in_flight) status.Clear(f.block, kInFlight);
  in_flight.clear();
  for (const InFlight& d : delivered_by) status.Clear(d.block, kValidating);
  delivered_by.clear();
  validation_free_at = now;
}

// ---- Node: block relay and the chain ----

void Node::OnInv(PeerId peer, const Message& m, Outbox& out) {
  Peer& p = peers_[peer];
  if (config_->relay == RelayMode::kLegacy) {
    // Pre-headers-first relay: fetch announced blocks we lack directly. The peer has what it
    // announced (Core kept it in the peer's setInventoryKnown), header known to us or not: if
    // the block asked of another peer never comes (OnPeerTimeouts), it is asked of this one.
    out.block_scratch.clear();
    for (BlockHandle h : m.blocks()) {
      UpdatePeerBestKnown(p, h);
      if (Has(h, kInFlight | kValidating | kHaveData)) continue;
      if (p.in_flight + out.block_scratch.size() >= config_->max_blocks_in_flight_per_peer) break;
      out.block_scratch.push_back(h);
    }
    if (!out.block_scratch.empty()) {
      RequestBlocks(peer, out);
      SendBlockList(peer, MsgType::kGetData, out);
    }
    // Open mode: blocks the store has never seen have no handle to fetch by; their headers
    // come first.
    if (m.aux != 0) SendGetHeaders(peer, kNoBlock, out);
    return;
  }
  // Headers-first: an unknown block id is resolved by asking for headers up to it; only the
  // last unknown id matters (Core's best_block), announcements list oldest first.
  BlockHandle unknown = kNoBlock;
  for (BlockHandle h : m.blocks()) {
    if (Has(h, kHaveHeader)) {
      UpdatePeerBestKnown(p, h);
    } else {
      unknown = h;
    }
  }
  // Open mode: `aux` counts announced ids the store has never seen (no handle, so no stop).
  if (unknown != kNoBlock || m.aux != 0) SendGetHeaders(peer, unknown, out);
  FetchBlocks(peer, out);
}

void Node::OnGetHeaders(PeerId peer, const Message& m, Outbox& out) {
  if (strategy_ && !strategy_->ServesHeaders()) return;  // a black hole
  // The fork point is the first locator entry on our active chain.
  BlockHandle fork = kGenesis;
  for (BlockHandle h : m.blocks()) {
    if (Has(h, kChainComplete) && store_->IsAncestor(h, chain_.tip)) {
      fork = h;
      break;
    }
  }
  out.block_scratch.clear();
  const std::uint32_t tip_height = store_->Get(chain_.tip).height;
  for (std::uint32_t height = store_->Get(fork).height + 1;
       height <= tip_height && out.block_scratch.size() < kMaxHeadersPerMessage; ++height) {
    const BlockHandle h = store_->Ancestor(chain_.tip, height);
    out.block_scratch.push_back(h);
    if (h == m.block) break;
  }
  if (!out.block_scratch.empty()) peers_[peer].best_sent = out.block_scratch.back();
  SendBlockList(peer, MsgType::kHeaders, out);
}

void Node::OnHeaders(PeerId peer, const Message& m, Outbox& out) {
  // `flag`: the first header's parent is not even in the store (open mode, where the seam
  // could not give it a handle); handled as any unconnecting headers.
  if (m.blocks().empty() && !m.flag) return;
  Peer& p = peers_[peer];
  if (m.flag || !Has(store_->Get(m.blocks().front()).parent, kHaveHeader)) {
    // Does not connect to what we know: ask for the headers in between. A peer that keeps
    // sending such headers is misbehaving (Core: MAX_NUM_UNCONNECTING_HEADERS_MSGS).
    SendGetHeaders(peer, kNoBlock, out);
    if (++p.unconnecting_headers == kMaxUnconnectingHeaders) {
      p.unconnecting_headers = 0;
      Misbehaving(peer, 20, out);
    }
    return;
  }
  p.unconnecting_headers = 0;
  BlockHandle previous = store_->Get(m.blocks().front()).parent;
  for (BlockHandle h : m.blocks()) {
    if (store_->Get(h).parent != previous) {
      Misbehaving(peer, 20, out);  // Core: "non-continuous headers sequence"
      return;
    }
    AcceptHeader(h);
    UpdatePeerBestKnown(p, h);
    previous = h;
  }
  if (m.blocks().size() == kMaxHeadersPerMessage) SendGetHeaders(peer, kNoBlock, out);
  FetchBlocks(peer, out);
}

void Node::OnGetData(PeerId peer, const Message& m, Outbox& out) {
  const std::uint32_t tip_height = store_->Get(chain_.tip).height;
  for (BlockHandle h : m.blocks()) {
    // A block still in our validation queue is served too: we hold its bytes, and we may have
    // pushed it already (Core serves getdata from the block it just announced, most_recent_block,
    // and stores a block before connecting it). Ignored, the request would stay in flight at
    // the asker for good. `notfound` arrives with the full wire protocol.
    if (!Has(h, kValidating | kHaveData)) continue;
    const bool recent = store_->Get(h).height + kMaxCompactDepth >= tip_height;
    SendBlockMessage(peer, m.flag && recent ? MsgType::kCmpctBlock : MsgType::kBlock, h, out);
  }
  for (TxHandle t : m.txs()) {
    if (!TxHas(t, kTxKnown) || !peers_[peer].relay_txs) continue;
    MessageId id;
    Message& tx = out.NewMessage(MsgType::kTx, &id);
    tx.SetTxs().push_back(t);
    out.SendMessage(peer, id);
  }
}

bool Node::ConnectHeader(PeerId peer, BlockHandle h, Outbox& out) {
  if (Has(h, kHaveHeader)) return true;
  if (!Has(store_->Get(h).parent, kHaveHeader)) {
    // A block we cannot connect (legacy relay across a gap): fetch the missing headers; the
    // blocks, this one included, are then requested in order.
    SendGetHeaders(peer, kNoBlock, out);
    return false;
  }
  AcceptHeader(h);
  return true;
}

void Node::OnBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  const BlockHandle h = m.block;
  if (Has(h, kInFlight)) RemoveInFlight(h);
  if (!ConnectHeader(peer, h, out)) return;
  UpdatePeerBestKnown(peers_[peer], h);
  OnBlockData(now, peer, h, out);
}

void Node::OnCmpctBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  const BlockHandle h = m.block;
  if (!ConnectHeader(peer, h, out)) return;
  UpdatePeerBestKnown(peers_[peer], h);
  if (Has(h, kValidating | kHaveData)) return;
  // An unrequested compact block is only worth reconstructing if it would be our new tip; an
  // equal-work one is fetched whole, as Core's block download does once the header is known.
  if (!Has(h, kInFlight) && store_->Get(h).chain_work <= store_->Get(chain_.tip).chain_work) {
    FetchBlocks(peer, out);
    return;
  }
  for (const PendingCompact& pc : chain_.pending_compact) {
    if (pc.block == h) return;  // already reconstructing from another peer
  }
  // Reconstruct from the mempool: relayed transactions we lack must be fetched; synthetic
  // fill and the prefilled coinbase are always available.
  const BlockRecord& rec = store_->Get(h);
  const auto lacking = std::count_if(rec.txs.begin(), rec.txs.end(),
                                     [&](TxHandle t) { return !TxHas(t, kTxKnown); });
  if (lacking == 0) {
    if (Has(h, kInFlight)) RemoveInFlight(h);
    OnBlockData(now, peer, h, out);
    return;
  }
  // The peer we reconstruct from now owes us the block, whoever we asked first: if its
  // blocktxn never comes, its download times out and the block is asked again (OnPeerTimeouts);
  // left in flight from the first peer, that peer's answer would be ignored while this
  // reconstruction waits, and so would every later one. (Core counts a block in flight from each
  // peer it reconstructs from.)
  if (Has(h, kInFlight)) RemoveInFlight(h);
  out.block_scratch.assign(1, h);
  RequestBlocks(peer, out);
  chain_.pending_compact.push_back({h, peer});
  MessageId id;
  Message& req = out.NewMessage(MsgType::kGetBlockTxn, &id);
  req.block = h;
  for (std::uint32_t i = 0; i < rec.txs.size(); ++i) {
    if (!TxHas(rec.txs[i], kTxKnown)) req.SetIndexes().push_back(i + 1);  // index 0: coinbase
  }
  out.SendMessage(peer, id);
}

void Node::OnGetBlockTxn(PeerId peer, const Message& m, Outbox& out) {
  // As getdata: a block we pushed before validating it is answered at once (Core's
  // GETBLOCKTXN handler serves most_recent_block).
  if (!Has(m.block, kValidating | kHaveData)) return;
  const std::uint32_t tx_count = store_->Get(m.block).tx_count;
  MessageId id;
  Message& reply = out.NewMessage(MsgType::kBlockTxn, &id);
  reply.block = m.block;
  for (std::uint32_t i : m.indexes()) {
    if (i < tx_count) reply.SetIndexes().push_back(i);
  }
  out.SendMessage(peer, id);
}

void Node::OnBlockTxn(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  auto it = std::find_if(chain_.pending_compact.begin(), chain_.pending_compact.end(),
                         [&](const PendingCompact& pc) { return pc.block == m.block && pc.peer == peer; });
  if (it == chain_.pending_compact.end()) return;
  chain_.pending_compact.erase(it);
  const BlockRecord& rec = store_->Get(m.block);
  for (std::uint32_t i : m.indexes()) {
    if (i >= 1 && i <= rec.txs.size()) TxSet(rec.txs[i - 1], kTxKnown);
  }
  if (Has(m.block, kInFlight)) RemoveInFlight(m.block);
  OnBlockData(now, peer, m.block, out);
}

void Node::OnBlockData(TimeNs now, PeerId peer, BlockHandle h, Outbox& out) {
  if (!Has(h, kValidating | kHaveData)) {
    // High-bandwidth peers get the block before we validate it (Core's NewPoWValidBlock), but
    // only one that extends our tip: of any other we may lack an ancestor's data, and a peer
    // asking us for that ancestor would wait forever.
    if (store_->Get(h).parent == chain_.tip) PushCompactBlock(h, out);
    // One validation at a time, in arrival order: a node's CPU is a queue.
    const double megabytes = static_cast<double>(store_->Get(h).size_bytes) / 1e6;
    const DurationNs cost =
        config_->validation_fixed +
        static_cast<DurationNs>(static_cast<double>(config_->validation_per_mb) * megabytes);
    chain_.validation_free_at = std::max(now, chain_.validation_free_at) + cost;
    Set(h, kValidating);
    chain_.delivered_by.push_back({h, peer});
    out.Arm(chain_.validation_free_at, Timer{Timer::Kind::kValidationDone, h});
  }
  FetchBlocks(peer, out);
}

void Node::OnValidationDone(BlockHandle h, Outbox& out) {
  Clear(h, kValidating);
  Set(h, kHaveData);
  out.Observe({Observation::Kind::kBlockAccepted, h});
  const PeerId from = chain_.TakeDeliverer(h);
  // A peer that gives us new blocks is worth keeping (eviction protection).
  if (from != kNoPeer && peers_[from].connected) peers_[from].session->last_block_time = now_;
  const BlockHandle parent = store_->Get(h).parent;
  if (Has(parent, kChainComplete)) {
    MarkChainComplete(h, out);
  } else {
    chain_.waiting.push_back(h);
  }
  // The peer that delivered our new tip is a good high-bandwidth candidate (Core's
  // MaybeSetPeerAsAnnouncingHeaderAndIDs).
  if (config_->relay == RelayMode::kCompact && from != kNoPeer && chain_.tip == h &&
      peers_[from].established && peers_[from].supports_compact) {
    SelectHighBandwidthPeer(from, out);
  }
}

void Node::PublishOwn(std::span<const BlockHandle> blocks, Outbox& out) {
  if (blocks.empty()) return;
  for (BlockHandle h : blocks) {
    Set(h, kHaveHeader);
    if (store_->Get(h).chain_work > store_->Get(chain_.best_header).chain_work) chain_.best_header = h;
    if (strategy_) {
      for (TxHandle t : store_->Get(h).txs) TxClear(t, kTxPrivate);
      if (store_->Get(h).chain_work > store_->Get(strategy_->public_best).chain_work) {
        strategy_->public_best = h;
      }
    }
    PushCompactBlock(h, out);
  }
  // Connect them together: the later ones wait for the first, which waits for its parent if
  // we only hold its header (a strategy may mine on a header it has not downloaded yet).
  for (std::size_t i = 1; i < blocks.size(); ++i) chain_.waiting.push_back(blocks[i]);
  if (Has(store_->Get(blocks[0]).parent, kChainComplete)) {
    MarkChainComplete(blocks[0], out);
  } else {
    chain_.waiting.push_back(blocks[0]);
  }
  // We prefer our own block over an equal-work one, and a strategy may publish a branch with
  // less work than our tip (a feather fork): either way it becomes the tip we announce.
  const BlockHandle last = blocks.back();
  if (chain_.tip != last && Has(last, kChainComplete)) SetTip(last, out);
}

void Node::AcceptHeader(BlockHandle h) {
  Set(h, kHaveHeader);
  if (strategy_) strategy_->NotePublicHeader(*this, h);
  if (store_->Get(h).chain_work > store_->Get(chain_.best_header).chain_work) chain_.best_header = h;
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

void Node::FetchFromAllPeers(Outbox& out) {
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (peers_[id].established) FetchBlocks(id, out);
  }
}

void Node::FetchBlocks(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  if (p.best_known == kNoBlock || p.in_flight >= config_->max_blocks_in_flight_per_peer) return;
  const BlockRecord& target = store_->Get(p.best_known);
  // Chains with at least as much work as ours are fetched (Core's FindNextBlocksToDownload
  // skips a peer only when its best block has less work; HeadersDirectFetchBlocks fetches a
  // branch ending with "at least as much work as our tip"). An equal-work branch does not
  // become our tip (first seen wins, MarkChainComplete), but holding its blocks means the next
  // block on it costs one download, not the whole branch at once.
  if (target.chain_work < store_->Get(chain_.tip).chain_work) return;
  const BlockHandle fork = store_->LastCommonAncestor(chain_.tip, p.best_known);
  const std::uint32_t from = store_->Get(fork).height + 1;
  const std::uint32_t to = std::min(target.height, from + kBlockDownloadWindow - 1);
  out.block_scratch.clear();
  for (std::uint32_t height = from; height <= to; ++height) {
    if (p.in_flight + out.block_scratch.size() >= config_->max_blocks_in_flight_per_peer) break;
    const BlockHandle h = store_->Ancestor(p.best_known, height);
    if (Has(h, kInFlight | kValidating | kHaveData)) continue;
    out.block_scratch.push_back(h);
  }
  if (out.block_scratch.empty()) return;
  RequestBlocks(peer, out);
  // A single new block on our tip from a compact-capable peer comes as a compact block
  // (BIP152 low-bandwidth mode).
  const bool compact = config_->relay == RelayMode::kCompact && p.supports_compact &&
                       out.block_scratch.size() == 1 && store_->Get(out.block_scratch[0]).parent == chain_.tip;
  MessageId id;
  Message& m = out.NewMessage(MsgType::kGetData, &id);
  m.SetBlocks().assign(out.block_scratch.begin(), out.block_scratch.end());
  m.flag = compact;
  out.SendMessage(peer, id);
}

void Node::RequestBlocks(PeerId peer, Outbox& out) {
  Peer& p = peers_[peer];
  for (BlockHandle h : out.block_scratch) {
    Set(h, kInFlight);
    chain_.in_flight.push_back({h, peer});
  }
  if (p.in_flight == 0) {
    // The peer's download clock starts (OnPeerTimeouts); with several peers downloading the
    // timeout is longer, and the check then looks again.
    p.session->downloading_since = now_;
    ArmPeerTimeouts(now_ + config_->block_interval, out);
  }
  p.in_flight += static_cast<std::uint32_t>(out.block_scratch.size());
}

void Node::RemoveInFlight(BlockHandle h) {
  const PeerId peer = chain_.TakeInFlight(h);
  if (peer == kNoPeer) return;
  // A block arrived while others stay asked of the peer: its download made progress (Core
  // restarts m_downloading_since when the first block in flight arrives).
  if (--peers_[peer].in_flight > 0) peers_[peer].session->downloading_since = now_;
}

void Node::MarkChainComplete(BlockHandle h, Outbox& out) {
  // Connect h, then any waiting descendants whose ancestors are now all here; pick the
  // most-work block among them. Strictly more work is needed to move the tip: first seen wins.
  BlockHandle best = chain_.tip;
  out.block_scratch.clear();
  out.block_scratch.push_back(h);
  while (!out.block_scratch.empty()) {
    const BlockHandle b = out.block_scratch.back();
    out.block_scratch.pop_back();
    Set(b, kChainComplete);
    if (store_->Get(b).chain_work > store_->Get(best).chain_work) best = b;
    for (std::size_t i = 0; i < chain_.waiting.size();) {
      if (store_->Get(chain_.waiting[i]).parent == b) {
        out.block_scratch.push_back(chain_.waiting[i]);
        chain_.waiting[i] = chain_.waiting.back();
        chain_.waiting.pop_back();
      } else {
        ++i;
      }
    }
  }
  if (best == chain_.tip) return;
  if (config_->planted_never_reorganise && !store_->IsAncestor(chain_.tip, best)) [[unlikely]] {
    return;
  }
  SetTip(best, out);
}

void Node::SetTip(BlockHandle new_tip, Outbox& out) {
  const BlockHandle old_tip = chain_.tip;
  const BlockHandle fork = store_->LastCommonAncestor(old_tip, new_tip);
  if (config_->tx_relay) {
    for (BlockHandle b = old_tip; b != fork; b = store_->Get(b).parent) DisconnectBlockTxs(b);
    for (BlockHandle b = new_tip; b != fork; b = store_->Get(b).parent) ConnectBlockTxs(b);
  }
  chain_.tip = new_tip;
  out.Observe({Observation::Kind::kTipChanged, new_tip, old_tip,
               store_->Get(old_tip).height - store_->Get(fork).height});
  AnnounceTip(fork, out);
  // The new tip may make more of some peer's chain fetchable (an equal-work one too, as Core's
  // SendMessages asks FindNextBlocksToDownload of every peer).
  for (PeerId id = 0; id < peers_.size(); ++id) {
    const Peer& p = peers_[id];
    if (p.established && p.best_known != kNoBlock && p.best_known != new_tip &&
        store_->Get(p.best_known).chain_work >= store_->Get(chain_.tip).chain_work) {
      FetchBlocks(id, out);
    }
  }
}

void Node::AnnounceTip(BlockHandle fork, Outbox& out) {
  if (strategy_ && strategy_->HoldsAnnouncement(*this, out)) return;
  const std::uint32_t fork_height = store_->Get(fork).height;
  const std::uint32_t tip_height = store_->Get(chain_.tip).height;
  const bool too_many = tip_height - fork_height > kMaxBlocksToAnnounce;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    Peer& p = peers_[id];
    if (!p.established || PeerHasHeader(p, chain_.tip)) continue;
    out.block_scratch.clear();
    if (p.prefers_headers && !too_many) {
      // The new blocks the peer lacks, oldest first; they must connect to what it has.
      for (std::uint32_t height = fork_height + 1; height < tip_height; ++height) {
        const BlockHandle h = store_->Ancestor(chain_.tip, height);
        if (!PeerHasHeader(p, h)) out.block_scratch.push_back(h);
      }
      // The tip itself, which the peer lacks (checked above).
      if (tip_height > fork_height) out.block_scratch.push_back(chain_.tip);
      if (PeerHasHeader(p, store_->Get(out.block_scratch.front()).parent)) {
        p.best_sent = chain_.tip;
        SendBlockList(id, MsgType::kHeaders, out);
        continue;
      }
      out.block_scratch.clear();
    }
    out.block_scratch.push_back(chain_.tip);
    SendBlockList(id, MsgType::kInv, out);
  }
}

void Node::PushCompactBlock(BlockHandle h, Outbox& out) {
  if (config_->relay != RelayMode::kCompact || Has(h, kPushedCompact)) return;
  // A black hole pushes only its own blocks.
  if (strategy_ && !strategy_->PushesCompact(*this, h)) return;
  Set(h, kPushedCompact);
  for (PeerId id : chain_.push_peers) {
    Peer& p = peers_[id];
    if (!p.established || !p.wants_compact_push || PeerHasHeader(p, h)) continue;
    SendBlockMessage(id, MsgType::kCmpctBlock, h, out);
    p.best_sent = h;
  }
}

void Node::SelectHighBandwidthPeer(PeerId peer, Outbox& out) {
  auto it = std::find(chain_.hb_peers.begin(), chain_.hb_peers.end(), peer);
  if (it != chain_.hb_peers.end()) {
    // Already pushing to us: keep it, now as the most recent.
    chain_.hb_peers.erase(it);
    chain_.hb_peers.push_back(peer);
    return;
  }
  auto send_cmpct = [&](PeerId to, bool high_bandwidth) {
    MessageId id;
    Message& m = out.NewMessage(MsgType::kSendCmpct, &id);
    m.flag = high_bandwidth;
    m.value = 2;
    out.SendMessage(to, id);
  };
  if (chain_.hb_peers.size() >= config_->max_high_bandwidth_peers) {
    send_cmpct(chain_.hb_peers.front(), false);
    chain_.hb_peers.erase(chain_.hb_peers.begin());
  }
  send_cmpct(peer, true);
  chain_.hb_peers.push_back(peer);
}

void Node::SendGetHeaders(PeerId peer, BlockHandle stop, Outbox& out, bool from_parent) {
  // Block locator from our best header: ten most recent, then exponentially sparser, genesis.
  MessageId id;
  Message& m = out.NewMessage(MsgType::kGetHeaders, &id);
  ItemList& locator = m.SetBlocks();
  BlockHandle h = chain_.best_header;
  if (from_parent && h != kGenesis) h = store_->Get(h).parent;
  std::uint32_t step = 1;
  while (true) {
    locator.push_back(h);
    const std::uint32_t height = store_->Get(h).height;
    if (height == 0) break;
    h = store_->Ancestor(h, height > step ? height - step : 0);
    if (locator.size() >= 10) step *= 2;
  }
  m.block = stop;
  out.SendMessage(peer, id);
}

void Node::SendBlockList(PeerId peer, MsgType type, Outbox& out) {
  MessageId id;
  Message& m = out.NewMessage(type, &id);
  m.SetBlocks().assign(out.block_scratch.begin(), out.block_scratch.end());
  out.SendMessage(peer, id);
}

void Node::SendBlockMessage(PeerId peer, MsgType type, BlockHandle h, Outbox& out) {
  MessageId id;
  Message& m = out.NewMessage(type, &id);
  m.block = h;
  out.SendMessage(peer, id);
}

}  // namespace peerlab::bitcoin
