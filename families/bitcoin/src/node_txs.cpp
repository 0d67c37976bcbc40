// Node: transaction relay (Poisson-trickled inv, getdata, tx), the mempool and block templates.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)
namespace {

// Core's INVENTORY_BROADCAST_TARGET (7 per second x 5 s) and INVENTORY_BROADCAST_MAX.
constexpr std::size_t kBroadcastTarget = 35;
constexpr std::size_t kBroadcastMax = 1000;

}  // namespace

void RecentTxSet::Slide(TxHandle h, Ring& ring) {
  // Slide the window so that h is its newest word; forget the words that fall out, cached
  // ones included (their ring words are among those cleared).
  const TxHandle new_base = (h / 64 + 1) * 64 - kWindow;
  if (new_base - base_ >= kWindow) {
    ring.fill(0);
  } else {
    for (TxHandle w = base_ / 64; w < new_base / 64; ++w) ring[w % kWords] = 0;
  }
  for (std::uint32_t e = 0; e < 2; ++e) {  // cached words are numbered from the base
    if (tag_[e] == kNoWord) continue;
    const TxHandle w = base_ / 64 + tag_[e];
    if (w < new_base / 64) {
      tag_[e] = kNoWord;
      word_[e] = 0;
    } else {
      tag_[e] = static_cast<std::uint8_t>(w - new_base / 64);
    }
  }
  base_ = new_base;
}

void Node::OnTxInv(PeerId peer, const Message& m, Outbox& out) {
  Peer& p = peers_[peer];
  if (!p.relay_txs) {
    // Transactions on a connection that agreed not to carry them: Core disconnects.
    Misbehaving(peer, 100, out);
    return;
  }
  MessageId id = 0;
  Message* request = nullptr;
  RecentTxSet& known = tx_.hot[peer].known;
  for (TxHandle t : m.txs()) {
    known.Insert(t, p.tx->known_words);
    // Ask the first peer that announces it; Core adds delays and retries that are not
    // modelled (a lost request is not retried).
    if (TxHas(t, kTxKnown | kTxRequested)) continue;
    TxSet(t, kTxRequested);
    if (request == nullptr) request = &out.NewMessage(MsgType::kGetData, &id);
    request->SetTxs().push_back(t);
  }
  if (request != nullptr) {
    out.SendMessage(peer, id);
  }
}

void Node::OnTx(TimeNs now, PeerId peer, const Message& m, Outbox& out) {
  const TxHandle t = m.txs()[0];
  tx_.hot[peer].known.Insert(t, peers_[peer].tx->known_words);
  TxClear(t, kTxRequested);
  if (TxHas(t, kTxKnown)) return;
  AcceptTx(t, peer, now, out);
}

void Node::AcceptTx(TxHandle h, PeerId from, TimeNs now, Outbox& out) {
  // The peer rows are read at the end (trickle timers): start loading them now.
  const auto* rows = reinterpret_cast<const char*>(peers_.data());
  for (std::size_t at = 0; at < peers_.size() * sizeof(Peer); at += 64) {
    __builtin_prefetch(rows + at);
  }
  TxSet(h, kTxKnown);
  if (TxHas(h, kTxConfirmed)) return;
  tx_.AddToMempool(h, *txs_);
  if (from != kNoPeer) peers_[from].session->last_tx_time = now;  // eviction protection
  out.Observe({Observation::Kind::kTxAccepted, kNoBlock, kNoBlock, 0, h});
  // Over the cap: evict the lowest fee rates (Core's TrimToSize, without packages).
  while (tx_.mempool_bytes > config_->mempool_max_bytes && tx_.mempool_live > 0) {
    TxHandle worst = kNoTx;
    for (TxHandle t : tx_.mempool) {
      if (!TxHas(t, kTxInMempool)) continue;
      if (worst == kNoTx || txs_->RanksBefore(worst, t)) worst = t;
    }
    tx_.RemoveFromMempool(worst, *txs_);
    if (worst == h) return;  // not relayed: it did not make it into our mempool
  }
  if (from != kNoPeer) tx_.hot[from].known.Insert(h, peers_[from].tx->known_words);
  if (strategy_ && strategy_->DropsTransaction()) return;  // a black hole
  // Every established peer but `from` will consider it at its next trickle (from its cursor);
  // whether the peer already knows it is checked then, when that peer's known-set is read
  // for the whole batch (one table in cache, not one per peer).
  tx_.log.push_back({h, from});
  if (tx_.log.size() >= tx_.log_compact_at) CompactTxLog();
  for (PeerId id = 0; id < peers_.size(); ++id) {
    const Peer& p = peers_[id];
    if (!p.established || !p.relay_txs || id == from) continue;
    // Mostly armed already (ArmTrickle would return at once): no call then.
    if (p.inbound ? tx_.inbound_trickle_armed : p.trickle_armed) continue;
    ArmTrickle(now, id, out);
  }
}

void Node::CompactTxLog() {
  std::uint32_t first_needed = tx_.LogEnd();
  for (PeerId id = 0; id < peers_.size(); ++id) {
    const Peer& p = peers_[id];
    if (p.established && p.relay_txs) first_needed = std::min(first_needed, tx_.hot[id].cursor);
  }
  tx_.CompactLog(first_needed);
}

void TxRelay::CompactLog(std::uint32_t first_needed) {
  log.erase(log.begin(), log.begin() + (first_needed - log_base));
  log_base = first_needed;
  log_compact_at = std::max<std::uint32_t>(64, 2 * static_cast<std::uint32_t>(log.size()));
}

void Node::ArmTrickle(TimeNs now, PeerId peer, Outbox& out) {
  // Poisson announcement times: one timer per outbound peer, one shared by all inbound peers
  // (so inbound spies learn less from timing), as in Core.
  Peer& p = peers_[peer];
  if (p.inbound) {
    if (tx_.inbound_trickle_armed) return;
    tx_.inbound_trickle_armed = true;
    const double gap = rng_.Exponential(static_cast<double>(config_->trickle_inbound_mean));
    out.Arm(now + static_cast<DurationNs>(gap), Timer{Timer::Kind::kTrickleInbound, 0});
  } else {
    if (p.trickle_armed) return;
    p.trickle_armed = true;
    const double gap = rng_.Exponential(static_cast<double>(config_->trickle_outbound_mean));
    out.Arm(now + static_cast<DurationNs>(gap), Timer{Timer::Kind::kTrickleOutbound, peer});
  }
}

void Node::Trickle(TimeNs now, PeerId peer, Outbox& out) {
  // Start the loads this trickle needs at once, not one after another (peer rows, known-set
  // heads, the log's tail and the status bytes of the newest transactions): a driver that
  // does not call PrefetchTimer ahead of the timer leaves them all cold.
  if (!tx_.log.empty()) __builtin_prefetch(&tx_.log.back());
  tx_.status.Prefetch(static_cast<TxHandle>(txs_->size() - 1));
  const std::uint32_t end = tx_.LogEnd();
  if (peer != kNoPeer) {  // one outbound peer
    if (peer >= peers_.size()) return;
    __builtin_prefetch(&peers_[peer]);
    if (peer < tx_.hot.size()) __builtin_prefetch(&tx_.hot[peer]);
    Peer& p = peers_[peer];
    p.trickle_armed = false;
    if (p.established && !p.inbound && p.relay_txs &&
        (tx_.hot[peer].cursor != end || tx_.hot[peer].has_left)) {
      AnnounceTxs(now, peer, out);
    }
    return;
  }
  // All inbound peers at once. They mostly consider the same stretch of the log, so it is
  // filtered by the mempool and sorted once (Outbox::tx_sorted) and each peer takes its part
  // in that order; the result is what AnnounceTxs gives: the order is total (FeeRateLess).
  tx_.inbound_trickle_armed = false;
  const auto* rows = reinterpret_cast<const char*>(peers_.data());
  for (std::size_t at = 0; at < peers_.size() * sizeof(Peer); at += 64) {
    __builtin_prefetch(rows + at);
  }
  const auto* heads = reinterpret_cast<const char*>(tx_.hot.data());
  for (std::size_t at = 0; at < tx_.hot.size() * sizeof(PeerTxHot); at += 64) {
    __builtin_prefetch(heads + at);
  }
  const auto due = [&](PeerId id) {
    const Peer& p = peers_[id];
    return p.established && p.inbound && p.relay_txs &&
           (tx_.hot[id].cursor != end || tx_.hot[id].has_left);
  };
  std::uint32_t first = end;
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (due(id)) first = std::min(first, tx_.hot[id].cursor);
  }
  std::vector<Outbox::TxCandidate>& sorted = out.tx_sorted;
  sorted.clear();
  for (std::uint32_t seq = first; seq != end; ++seq) {
    const TxRelay::Accepted& a = tx_.LogAt(seq);
    if (TxHas(a.tx, kTxInMempool)) sorted.push_back({a.tx, a.from, seq});
  }
  std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
    return txs_->RanksBefore(a.tx, b.tx);
  });
  for (PeerId id = 0; id < peers_.size(); ++id) {
    if (!due(id)) continue;
    PeerTxHot& hot = tx_.hot[id];
    if (hot.has_left) {  // rare: leftovers to merge, the general way
      AnnounceTxs(now, id, out);
      continue;
    }
    const PeerTx& ptx = *peers_[id].tx;
    std::vector<TxHandle>& queue = out.tx_scratch;
    queue.clear();
    for (const Outbox::TxCandidate& c : sorted) {
      if (c.seq >= hot.cursor && c.from != id && !hot.known.Contains(c.tx, ptx.known_words)) {
        queue.push_back(c.tx);
      }
    }
    hot.cursor = end;
    SendTxInv(now, id, out);
  }
}

void Node::AnnounceTxs(TimeNs now, PeerId peer, Outbox& out) {
  PeerTxHot& hot = tx_.hot[peer];
  const PeerTx& ptx = *peers_[peer].tx;  // only its known words and, rarely, `left` are read
  // The candidates: what did not fit last time, then the log from the peer's cursor (not
  // what came from it), less what left the mempool or the peer is known to have; each with
  // its rank key, read once (an insertion sort of a dozen compares each about five times).
  std::vector<TxStore::Ranked>& ranked = out.tx_ranked;
  ranked.clear();
  const auto wanted = [&](TxHandle t) {
    return TxHas(t, kTxInMempool) && !hot.known.Contains(t, ptx.known_words);
  };
  if (hot.has_left) {
    for (TxHandle t : ptx.left) {
      if (wanted(t)) ranked.push_back(txs_->RankOf(t));
    }
  }
  const std::uint32_t end = tx_.LogEnd();
  for (std::uint32_t seq = hot.cursor; seq != end; ++seq) {
    const TxRelay::Accepted& a = tx_.LogAt(seq);
    if (a.from != peer && wanted(a.tx)) ranked.push_back(txs_->RankOf(a.tx));
  }
  hot.cursor = end;
  // Announce the best-paying transactions first, as Core does.
  std::sort(ranked.begin(), ranked.end(), [&](const TxStore::Ranked& a, const TxStore::Ranked& b) {
    return txs_->RankedBefore(a, b);
  });
  std::vector<TxHandle>& queue = out.tx_scratch;
  queue.resize(ranked.size());
  for (std::size_t i = 0; i < ranked.size(); ++i) queue[i] = ranked[i].tx;
  SendTxInv(now, peer, out);
}

void Node::SendTxInv(TimeNs now, PeerId peer, Outbox& out) {
  PeerTxHot& hot = tx_.hot[peer];
  PeerTx& ptx = *peers_[peer].tx;
  const std::vector<TxHandle>& queue = out.tx_scratch;
  // Up to the broadcast limit; the rest waits for the next trickle.
  const std::size_t limit = std::min(kBroadcastMax, kBroadcastTarget + queue.size() / 1000 * 5);
  const std::size_t count = std::min(limit, queue.size());
  if (count > 0) {
    MessageId msg;
    Message& inv = out.NewMessage(MsgType::kInv, &msg);
    inv.SetTxs().assign(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(count));
    out.SendMessage(peer, msg);
    for (std::size_t i = 0; i < count; ++i) hot.known.Insert(queue[i], ptx.known_words);
  }
  if (hot.has_left || count < queue.size()) {
    ptx.left.assign(queue.begin() + static_cast<std::ptrdiff_t>(count), queue.end());
    hot.has_left = !ptx.left.empty();
  }
  if (hot.has_left) ArmTrickle(now, peer, out);
}

void TxRelay::AddToMempool(TxHandle h, const TxStore& txs) {
  status.Set(h, kTxInMempool, txs);
  mempool.push_back(h);
  ++mempool_live;
  mempool_bytes += txs.Get(h).size_bytes;
}

void TxRelay::RemoveFromMempool(TxHandle h, const TxStore& txs) {
  if (!status.Has(h, kTxInMempool)) return;
  status.Clear(h, kTxInMempool);
  --mempool_live;
  mempool_bytes -= txs.Get(h).size_bytes;
  if (mempool.size() > 64 && mempool_live * 2 < mempool.size()) CompactMempool();
}

void TxRelay::CompactMempool() {
  std::erase_if(mempool, [&](TxHandle t) { return !status.Has(t, kTxInMempool); });
}

void Node::ConnectBlockTxs(BlockHandle h) {
  for (TxHandle t : store_->Get(h).txs) {
    TxSet(t, kTxKnown | kTxConfirmed);
    tx_.RemoveFromMempool(t, *txs_);
  }
}

void Node::DisconnectBlockTxs(BlockHandle h) {
  for (TxHandle t : store_->Get(h).txs) {
    TxClear(t, kTxConfirmed);
    if (!TxHas(t, kTxInMempool)) tx_.AddToMempool(t, *txs_);
  }
}

void Node::FillBlockTemplate(std::vector<TxHandle>& out) {
  // Highest fee rate first until the block is full (Core's BlockAssembler without packages).
  tx_.CompactMempool();
  tx_.scratch.assign(tx_.mempool.begin(), tx_.mempool.end());
  std::sort(tx_.scratch.begin(), tx_.scratch.end(), [&](TxHandle a, TxHandle b) {
    return txs_->RanksBefore(a, b);
  });
  std::uint64_t room = config_->block_size_bytes - kHeaderBytes - 3 - kCoinbaseBytes;
  for (TxHandle t : tx_.scratch) {
    if (strategy_ && strategy_->ExcludedFromTemplate(*this, t)) continue;
    const std::uint32_t size = txs_->Get(t).size_bytes;
    if (size > room) continue;
    room -= size;
    out.push_back(t);
  }
}

}  // namespace peerlab::bitcoin
