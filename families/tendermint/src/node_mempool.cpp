// Node: the mempool and the evidence pool, and how they gossip.
//
// The mempool floods: CometBFT's mempool reactor sends every transaction in its mempool, in
// order, to every peer except those it got the transaction from (mempool/reactor.go,
// broadcastTxRoutine), one transaction per Txs message. Committed transactions leave the
// mempool; a full mempool refuses new ones. Evidence of a double sign is gossiped to every
// peer once, kept pending until a block commits it, and proposed by this node when it proposes.
#include <algorithm>

#include "peerlab/tendermint/node.hpp"

namespace peerlab::tendermint {

void Node::AddTx(TxId id, std::uint32_t bytes, std::optional<PeerSlot> from) {
  if (committed_txs_.count(id) != 0) return;
  auto it = mempool_.find(id);
  if (it != mempool_.end()) {
    if (from) it->second.senders.push_back(*from);
    return;
  }
  if (mempool_.size() >= config_.mempool_max_txs ||
      mempool_bytes_ + bytes > config_.mempool_max_bytes) {
    return;  // full: CometBFT refuses the transaction (ErrMempoolIsFull)
  }
  MempoolTx& tx = mempool_[id];
  tx.bytes = bytes;
  if (from) tx.senders.push_back(*from);
  mempool_order_.push_back(id);
  mempool_bytes_ += bytes;
  const EnvelopePtr envelope = cache_->Tx(id, bytes);
  for (const auto& [slot, peer] : peers_) {
    if (std::find(tx.senders.begin(), tx.senders.end(), slot) == tx.senders.end()) {
      SendTo(slot, envelope);
    }
  }
}

void Node::OnTxs(PeerSlot slot, const Envelope& envelope) {
  const auto& txs = std::get<MempoolTxs>(envelope.body);
  for (std::size_t i = 0; i < envelope.tx_ids.size() && i < txs.tx_sizes.size(); ++i) {
    AddTx(envelope.tx_ids[i], txs.tx_sizes[i], slot);
  }
}

void Node::RemoveCommitted(const BlockContent& content) {
  for (TxId id : content.txs) {
    committed_txs_.insert(id);
    auto it = mempool_.find(id);
    if (it == mempool_.end()) continue;
    mempool_bytes_ -= it->second.bytes;
    mempool_.erase(it);
  }
  // The order list keeps ids until they reach its front (cheap removal).
  while (!mempool_order_.empty() && mempool_.count(mempool_order_.front()) == 0) {
    mempool_order_.pop_front();
  }
  for (const DuplicateVoteEvidence& e : content.evidence) {
    const auto key = std::make_pair(e.vote_a.height, e.vote_a.validator_index);
    evidence_committed_.insert(key);
    evidence_pending_.erase(key);
  }
}

void Node::AddEvidence(const DuplicateVoteEvidence& evidence, std::optional<PeerSlot> from) {
  const auto key = std::make_pair(evidence.vote_a.height, evidence.vote_a.validator_index);
  if (evidence_committed_.count(key) != 0 || evidence_pending_.count(key) != 0) return;
  if (evidence_pending_.size() >= config_.evidence_pool_max) return;
  evidence_pending_.emplace(key, evidence);
  const EnvelopePtr envelope = MakeEvidenceEnvelope(EvidenceList{{evidence}});
  for (const auto& [slot, peer] : peers_) {
    if (!from || slot != *from) SendTo(slot, envelope);
  }
}

void Node::OnEvidence(PeerSlot slot, const EvidenceList& list) {
  // A piece of evidence is two votes of one validator for one height, round and type with
  // different block ids; anything else is not evidence.
  for (const DuplicateVoteEvidence& e : list.evidence) {
    const Vote& a = e.vote_a;
    const Vote& b = e.vote_b;
    if (a.height != b.height || a.round != b.round || a.type != b.type ||
        a.validator_index != b.validator_index || a.block_id == b.block_id) {
      continue;
    }
    if (a.validator_index < 0 || a.validator_index >= static_cast<ValidatorIndex>(validator_count_)) {
      continue;
    }
    AddEvidence(e, slot);
  }
}

}  // namespace peerlab::tendermint
