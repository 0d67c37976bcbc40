#include "peerlab/tendermint/envelope_cache.hpp"

#include <cstring>

#include "peerlab/tendermint/vote_set.hpp"  // SameBlockId
#include "peerlab/tendermint/wire.hpp"

namespace peerlab::tendermint {
namespace {

std::uint64_t Word(const Hash256& h) {
  std::uint64_t w;
  std::memcpy(&w, h.bytes.data(), sizeof w);
  return w;
}

enum : std::uint8_t { kHasVote, kVote, kRoundStep, kHasPart, kPart };

// Transactions kept (a memo; the mempool holds at most a few thousand at a time).
constexpr std::size_t kMaxTxs = 1u << 16;

}  // namespace

// The envelope constructors of node_io.hpp: each sets the wire size from the real encoding.
EnvelopePtr MakeConsensusEnvelope(Channel channel, ConsensusMessage message,
                                  ValidatorIndex signer) {
  auto e = std::make_shared<Envelope>();
  e->channel = channel;
  e->wire_bytes = static_cast<std::uint32_t>(WireSize(message));
  e->body = std::move(message);
  e->signer = signer;
  return e;
}

EnvelopePtr MakeMempoolEnvelope(MempoolTxs txs, std::vector<TxId> ids) {
  auto e = std::make_shared<Envelope>();
  e->channel = Channel::kMempool;
  e->wire_bytes = static_cast<std::uint32_t>(WireSize(txs));
  e->body = std::move(txs);
  e->tx_ids = std::move(ids);
  return e;
}

EnvelopePtr MakeEvidenceEnvelope(EvidenceList list) {
  auto e = std::make_shared<Envelope>();
  e->channel = Channel::kEvidence;
  e->wire_bytes = static_cast<std::uint32_t>(WireSize(list));
  e->body = std::move(list);
  return e;
}

EnvelopePtr* EnvelopeCache::Slot(Height height, const Key& key) {
  if (height > newest_) {
    newest_ = height;
    while (!heights_.empty() && heights_.begin()->first < newest_ - kKeepHeights) {
      if (heights_.begin()->first == last_height_) last_bucket_ = nullptr;
      heights_.erase(heights_.begin());
    }
  }
  if (height < newest_ - kKeepHeights) return nullptr;  // too old: not cached
  if (last_bucket_ == nullptr || height != last_height_) {
    last_bucket_ = &heights_[height];  // std::map nodes stay put while others come and go
    last_height_ = height;
  }
  return &last_bucket_->entries[key];
}

EnvelopePtr EnvelopeCache::HasVoteOf(const Vote& v) {
  const Key key{kHasVote, v.round, static_cast<std::uint32_t>(v.validator_index),
                static_cast<std::uint64_t>(v.type)};
  EnvelopePtr* slot = Slot(v.height, key);
  if (slot != nullptr && *slot) return *slot;
  EnvelopePtr e = MakeConsensusEnvelope(Channel::kState,
                                        HasVote{v.height, v.round, v.type, v.validator_index});
  if (slot != nullptr) *slot = e;
  return e;
}

EnvelopePtr EnvelopeCache::VoteOf(const Vote& v) {
  // Two different votes of one validator (equivocation) differ in their block id.
  const Key key{kVote, v.round,
                static_cast<std::uint32_t>(v.validator_index) * 4 + static_cast<std::uint32_t>(v.type),
                Word(v.block_id.hash) ^ (v.block_id.IsNil() ? 0x9e3779b97f4a7c15ULL : 0)};
  EnvelopePtr* slot = Slot(v.height, key);
  if (slot != nullptr && *slot) {
    const auto& cached = std::get<VoteMessage>(std::get<ConsensusMessage>((*slot)->body)).vote;
    // Same validator, round, type and block: the same vote unless its time differs.
    if (cached.timestamp_ns == v.timestamp_ns && SameBlockId(cached.block_id, v.block_id)) {
      return *slot;
    }
    return MakeConsensusEnvelope(Channel::kVote, VoteMessage{v});  // a collision: do not share
  }
  EnvelopePtr e = MakeConsensusEnvelope(Channel::kVote, VoteMessage{v});
  if (slot != nullptr) *slot = e;
  return e;
}

EnvelopePtr EnvelopeCache::RoundStep(const NewRoundStep& m) {
  const Key key{kRoundStep, m.round, static_cast<std::uint32_t>(m.step),
                static_cast<std::uint64_t>(static_cast<std::int64_t>(m.last_commit_round)) ^
                    (static_cast<std::uint64_t>(m.seconds_since_start_time) << 32)};
  EnvelopePtr* slot = Slot(m.height, key);
  if (slot != nullptr && *slot) return *slot;
  EnvelopePtr e = MakeConsensusEnvelope(Channel::kState, m);
  if (slot != nullptr) *slot = e;
  return e;
}

EnvelopePtr EnvelopeCache::HasPart(Height height, Round round, std::uint32_t index) {
  const Key key{kHasPart, round, index, 0};
  EnvelopePtr* slot = Slot(height, key);
  if (slot != nullptr && *slot) return *slot;
  EnvelopePtr e = MakeConsensusEnvelope(Channel::kState, HasProposalBlockPart{height, round, index});
  if (slot != nullptr) *slot = e;
  return e;
}

EnvelopePtr EnvelopeCache::Part(const BlockContent& block, Height height, Round round,
                                std::uint32_t index) {
  const Key key{kPart, round, index, Word(block.id.hash)};
  EnvelopePtr* slot = Slot(height, key);
  if (slot != nullptr && *slot) return *slot;
  BlockPart part;
  part.height = height;
  part.round = round;
  part.index = index;
  part.size_bytes = index + 1 == block.parts ? block.LastPartBytes() : kBlockPartBytes;
  part.proof.total = block.parts;
  part.proof.index = index;
  part.proof.leaf_hash = block.id.part_set_header.hash;
  // A Merkle proof over `parts` leaves carries about log2(parts) sibling hashes.
  for (std::uint32_t n = 1; n < block.parts; n *= 2) part.proof.aunts.emplace_back();
  EnvelopePtr e = MakeConsensusEnvelope(Channel::kData, part);
  if (slot != nullptr) *slot = e;
  return e;
}

EnvelopePtr EnvelopeCache::Tx(TxId id, std::uint32_t bytes) {
  auto it = txs_.find(id);
  if (it != txs_.end()) return it->second;
  EnvelopePtr e = MakeMempoolEnvelope(MempoolTxs{{bytes}}, {id});
  if (txs_.size() >= kMaxTxs) txs_.erase(txs_.begin());  // the oldest ids go first
  txs_.emplace(id, e);
  ++tx_inserts_;
  return e;
}

}  // namespace peerlab::tendermint
