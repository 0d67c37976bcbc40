// The content of every block proposed in a run, shared by all nodes of one driver.
//
// Blocks travel as parts whose bytes peerlab does not model (their lengths are real, wire.hpp);
// what a block holds (its transactions and evidence) is recorded here once, by its proposer,
// and a node that has received all parts of a block looks its content up by BlockId.
//
// Contract: append-only; an entry never changes once added; ids are content-derived, so two
// different blocks (an equivocating proposer's) never share an id. One writer per event (the
// proposing node), as the Bitcoin family's BlockStore (docs/design.md, "Stores and threads").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "peerlab/tendermint/messages.hpp"
#include "peerlab/tendermint/types.hpp"

namespace peerlab::tendermint {

using TxId = std::uint64_t;

struct BlockContent {
  BlockId id;
  Height height = 0;
  Round round = 0;
  ValidatorIndex proposer = -1;
  std::vector<TxId> txs;
  std::vector<std::uint32_t> tx_sizes;  // parallel to txs
  std::vector<DuplicateVoteEvidence> evidence;
  std::uint32_t bytes = 0;  // the encoded block's size (WireSize(Block))
  std::uint32_t parts = 0;  // PartCount(bytes)
  std::uint32_t LastPartBytes() const {
    return bytes - (parts - 1) * kBlockPartBytes;
  }
};

using CommitVotes = std::shared_ptr<const std::vector<Vote>>;

class BlockRegistry {
 public:
  // The commit every node keeps for a committed block: the first set of +2/3 precommits
  // recorded for it, shared (another node's set for the same block commits it as well; one copy
  // per height instead of one per node).
  CommitVotes RecordCommit(const BlockId& id, std::vector<Vote> precommits);

  // Builds the block's id from its content (height, round, proposer, its own count of blocks, its
  // transactions and evidence), computes its encoded size and part count, stores it and
  // returns it. `block` carries the header and last commit used for the size.
  const BlockContent& Add(Block block, Round round, ValidatorIndex proposer,
                          std::vector<TxId> txs);
  const BlockContent* Find(const BlockId& id) const;
  std::size_t size() const { return blocks_.size(); }

 private:
  std::vector<std::unique_ptr<BlockContent>> blocks_;
  std::map<Hash256, const BlockContent*> by_hash_;
  std::map<Hash256, CommitVotes> commits_;
  std::map<ValidatorIndex, std::uint64_t> proposed_;  // blocks each proposer made
};

}  // namespace peerlab::tendermint
