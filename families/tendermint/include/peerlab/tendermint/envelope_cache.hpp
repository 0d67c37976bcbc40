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
  struct Bucket {
    std::map<Key, EnvelopePtr> entries;
  };
  EnvelopePtr* Slot(Height height, const Key& key);
  std::map<Height, Bucket> heights_;
  Height newest_ = 0;
  std::map<TxId, EnvelopePtr> txs_;
  std::uint64_t tx_inserts_ = 0;
};

}  // namespace peerlab::tendermint
