// BlockStore: every block header and block summary known anywhere in one simulation, stored
// once and shared by all nodes (nodes keep only per-block status bytes). Blocks are named by a
// dense 32-bit BlockHandle; the real id is the double-SHA256 of the 80-byte header.
//
// Contract: append-only and immutable once added, so a handle and its record stay valid for
// the store's lifetime. Not thread-safe: one store per simulation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "peerlab/protocol/tx_store.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::protocol {

using BlockHandle = std::uint32_t;
inline constexpr BlockHandle kNoBlock = UINT32_MAX;
inline constexpr BlockHandle kGenesis = 0;
inline constexpr std::size_t kHeaderBytes = 80;

struct BlockHeader {
  std::int32_t version = 1;
  Hash256 prev;
  Hash256 merkle_root;
  std::uint32_t time = 0;
  std::uint32_t bits = 0;
  std::uint32_t nonce = 0;

  // Bitcoin's 80-byte serialization (little-endian integers, hashes in internal order).
  void Serialize(std::span<std::uint8_t, kHeaderBytes> out) const;
  Hash256 Id() const;  // double-SHA256 of the serialization
};

// Work of one block with this compact target, floor(2^256 / (target + 1)), as in Bitcoin.
// Returns nullopt when the target is invalid or the work does not fit in 64 bits (targets
// below 2^192): simulation chains use easy regtest-like targets.
std::optional<std::uint64_t> WorkFromCompactBits(std::uint32_t bits);

struct BlockRecord {
  BlockHeader header;
  Hash256 id;
  BlockHandle parent = kNoBlock;
  BlockHandle skip = kNoBlock;  // an ancestor further back, for O(log n) ancestor lookups
  std::uint32_t height = 0;
  std::uint64_t chain_work = 0;
  std::uint32_t size_bytes = 0;  // serialized block size, header and transactions
  // Transactions: index 0 is the coinbase (kCoinbaseBytes), then `txs` (relayed transactions,
  // in block order), then synthetic fill transactions of `fill_tx_bytes` each, which stand for
  // transactions every node is assumed to have when transaction relay is off.
  std::uint32_t tx_count = 0;
  std::vector<TxHandle> txs;
  std::uint32_t fill_tx_bytes = 0;
  std::uint32_t miner = UINT32_MAX;  // node index of the miner (UINT32_MAX for genesis)
  TimeNs found_at = 0;               // simulated time the block was mined

  std::uint32_t TxBytesAt(std::uint32_t index, const TxStore& store) const {
    if (index == 0) return kCoinbaseBytes;
    if (index <= txs.size()) return store.Get(txs[index - 1]).size_bytes;
    return fill_tx_bytes;
  }
};

class BlockStore {
 public:
  BlockStore(const BlockHeader& genesis, std::uint32_t genesis_size_bytes);

  // Appends a block whose parent (header.prev) is already stored. Returns its handle.
  BlockHandle Add(BlockHandle parent, const BlockHeader& header, std::uint32_t size_bytes,
                  std::uint32_t tx_count, std::uint32_t miner, TimeNs found_at,
                  std::vector<TxHandle> txs = {}, std::uint32_t fill_tx_bytes = 0);

  std::optional<BlockHandle> Find(const Hash256& id) const;
  const BlockRecord& Get(BlockHandle h) const { return blocks_[h]; }
  std::size_t size() const { return blocks_.size(); }
  std::uint64_t work_per_block() const { return work_per_block_; }

  // The ancestor of `h` at `height` (h itself if equal); kNoBlock if height > h's height.
  BlockHandle Ancestor(BlockHandle h, std::uint32_t height) const;
  // The last block that both chains contain.
  BlockHandle LastCommonAncestor(BlockHandle a, BlockHandle b) const;
  bool IsAncestor(BlockHandle ancestor, BlockHandle h) const {
    return Ancestor(h, blocks_[ancestor].height) == ancestor;
  }

 private:
  std::vector<BlockRecord> blocks_;
  std::unordered_map<Hash256, BlockHandle, Hash256Hasher> by_id_;  // lookups only, never iterated
  std::uint64_t work_per_block_;
};

}  // namespace peerlab::protocol
