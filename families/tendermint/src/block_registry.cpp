#include "peerlab/tendermint/block_registry.hpp"

#include <cstring>

#include "peerlab/tendermint/wire.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::tendermint {
namespace {

void Put64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

const BlockContent& BlockRegistry::Add(Block block, Round round, ValidatorIndex proposer,
                                       std::vector<TxId> txs) {
  auto content = std::make_unique<BlockContent>();
  content->height = block.header.height;
  content->round = round;
  content->proposer = proposer;
  content->txs = std::move(txs);
  content->tx_sizes = block.tx_sizes;
  content->evidence = block.evidence;
  // The id hashes what makes the block this block; the serial (the proposer's own count of
  // blocks, so that no id depends on what other nodes proposed meanwhile) separates two
  // blocks a proposer makes for one (height, round) with the same content (equivocation).
  std::vector<std::uint8_t> key;
  Put64(key, static_cast<std::uint64_t>(content->height));
  Put64(key, static_cast<std::uint64_t>(round));
  Put64(key, static_cast<std::uint64_t>(proposer));
  Put64(key, proposed_[proposer]++);
  for (TxId tx : content->txs) Put64(key, tx);
  for (const DuplicateVoteEvidence& e : content->evidence) {
    Put64(key, static_cast<std::uint64_t>(e.vote_a.height));
    Put64(key, static_cast<std::uint64_t>(e.vote_a.validator_index));
  }
  block.header.data_hash = Sha256(key);
  content->bytes = static_cast<std::uint32_t>(WireSize(block));
  content->parts = PartCount(content->bytes);
  content->id.hash = block.header.data_hash;
  key.push_back('p');
  content->id.part_set_header.total = content->parts;
  content->id.part_set_header.hash = Sha256(key);
  const BlockContent* stored = content.get();
  by_hash_.emplace(stored->id.hash, stored);
  blocks_.push_back(std::move(content));
  return *stored;
}

CommitVotes BlockRegistry::RecordCommit(const BlockId& id, std::vector<Vote> precommits) {
  auto [it, fresh] = commits_.try_emplace(id.hash);
  if (fresh) it->second = std::make_shared<const std::vector<Vote>>(std::move(precommits));
  return it->second;
}

const BlockContent* BlockRegistry::Find(const BlockId& id) const {
  auto it = by_hash_.find(id.hash);
  if (it == by_hash_.end() || !(it->second->id == id)) return nullptr;
  return it->second;
}

}  // namespace peerlab::tendermint
