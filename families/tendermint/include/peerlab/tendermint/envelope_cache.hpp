// Envelopes that many nodes send with the same content, made once and shared.
//
// A vote, a HasVote, a NewRoundStep or a block part is the same message whichever node sends
// it; making it once saves encoding it (for its size) at every node and every peer. The cache
// is a memo only: a miss makes the envelope, and entries of heights well behind the newest are
// dropped (a lagging node then makes its own). Owned by the driver, shared by its nodes; one
// writer per event, like the block registry.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <tuple>
#include <unordered_map>

#include "peerlab/tendermint/block_registry.hpp"
#include "peerlab/tendermint/node_io.hpp"

namespace peerlab::tendermint {

class EnvelopeCache {
 public:
  EnvelopePtr HasVoteOf(const Vote& vote);
  EnvelopePtr VoteOf(const Vote& vote);
  EnvelopePtr RoundStep(const NewRoundStep& m);
  EnvelopePtr HasPart(Height height, Round round, std::uint32_t index);
  EnvelopePtr Part(const BlockContent& block, Height height, Round round, std::uint32_t index);
  EnvelopePtr Tx(TxId id, std::uint32_t bytes);

  // Heights kept behind the newest one seen.
  static constexpr Height kKeepHeights = 4;

 private:
  // Key within a height: kind, round, a small integer, and (for votes and parts) a hash word.
  using Key = std::tuple<std::uint8_t, Round, std::uint32_t, std::uint64_t>;
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::uint64_t h = std::get<3>(k) * 0x9e3779b97f4a7c15ULL;
      h ^= (static_cast<std::uint64_t>(std::get<0>(k)) << 56) ^
           (static_cast<std::uint64_t>(static_cast<std::uint32_t>(std::get<1>(k))) << 32) ^
           std::get<2>(k);
      h *= 0xff51afd7ed558ccdULL;
      return static_cast<std::size_t>(h ^ (h >> 33));
    }
  };
  struct Bucket {
    std::unordered_map<Key, EnvelopePtr, KeyHash> entries;
  };
  EnvelopePtr* Slot(Height height, const Key& key);
  std::map<Height, Bucket> heights_;  // a handful of heights
  Height last_height_ = -1;           // the bucket looked up last, kept to skip the map
  Bucket* last_bucket_ = nullptr;
  Height newest_ = 0;
  std::map<TxId, EnvelopePtr> txs_;
  std::uint64_t tx_inserts_ = 0;
};

}  // namespace peerlab::tendermint
