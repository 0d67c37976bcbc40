// BlockStore: every block header and block summary known anywhere in one simulation, stored
// once and shared by all nodes (nodes keep only per-block status bytes). Blocks are named by a
// dense 32-bit BlockHandle; the real id is the double-SHA256 of the 80-byte header.
//
// Contract: append-only and immutable once added, so a handle and its record stay valid for
// the store's lifetime. Not thread-safe: one store per simulation.
//
// Open mode (a daemon's own store, built from a ChainParams): blocks also arrive from the
// network. AddHeader checks a header (known parent, proof of work, bits, time) before adding
// it; SetBlockData keeps a block's real serialized bytes (checked against the header's merkle
// root) in a side table and fills in the record's size and transaction count, the only
// record fields that change after adding, once. The simulation never touches the side table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "peerlab/bitcoin/primitives.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/status.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

using BlockHandle = std::uint32_t;
inline constexpr BlockHandle kNoBlock = UINT32_MAX;
inline constexpr BlockHandle kGenesis = 0;

struct ChainParams;

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
  // Open mode: genesis (header and bytes) from `chain`, which outlives the store.
  explicit BlockStore(const ChainParams& chain);

  // Appends a block whose parent (header.prev) is already stored. Returns its handle.
  BlockHandle Add(BlockHandle parent, const BlockHeader& header, std::uint32_t size_bytes,
                  std::uint32_t tx_count, std::uint32_t miner, TimeNs found_at,
                  std::vector<TxHandle> txs = {}, std::uint32_t fill_tx_bytes = 0);

  // Open mode. Adds a header from the network (or our own miner): its parent must be stored,
  // its proof of work valid with the chain's bits, its time after the parent's median time
  // past; chain work adds the work of its own bits (which must fit in 64 bits). A header
  // already stored returns its handle. Errors say which check failed.
  // `with_block`: the caller has checked the block's body and stores its bytes next
  // (SetBlockData), so the header is exempt from the blockless-header cap below.
  Result<BlockHandle> AddHeader(const BlockHeader& header, const ChainParams& chain,
                                std::uint32_t miner = UINT32_MAX, TimeNs found_at = 0,
                                bool with_block = false);
  // Open mode: at most `n` headers may be held without their block's bytes (ahead of the
  // chain we have or on side chains); 0, the default, means no cap. Records are never freed
  // (handles stay valid), so on a chain whose proof of work is free (regtest) this is what
  // bounds the memory a peer can make us spend on headers: AddHeader refuses a header
  // beyond the cap (unless `with_block`) and counts it in headers_refused().
  void set_max_blockless_headers(std::size_t n) { max_blockless_headers_ = n; }
  std::size_t max_blockless_headers() const { return max_blockless_headers_; }
  // Open mode: headers held without block bytes (genesis and mined blocks have them).
  std::size_t blockless_headers() const { return blocks_.size() - data_.size(); }
  std::uint64_t headers_refused() const { return headers_refused_; }
  // Keeps `bytes`, a serialized block (with witnesses) for stored header `h`, after checking
  // that they parse, carry h's header, and that the transactions' merkle root (and, on a
  // segwit chain, the witness commitment) matches. Fills size_bytes and tx_count. Data already
  // stored is kept (the check still runs).
  Status SetBlockData(BlockHandle h, std::vector<std::uint8_t> bytes);
  // The stored bytes of `h`, or null (always null in the simulation).
  const std::vector<std::uint8_t>* BlockData(BlockHandle h) const {
    if (data_.empty()) return nullptr;
    auto it = data_.find(h);
    return it == data_.end() ? nullptr : &it->second;
  }
  // The chain of an open-mode store; null in the simulation.
  const ChainParams* chain() const { return chain_; }
  // Open mode: proof-of-work checks AddHeader ran (passed or not; a known header is not
  // checked again), so a daemon can show that every header it took was checked.
  std::uint64_t pow_checks() const { return pow_checks_; }
  // Median header time of `h` and its up to 10 ancestors (Core's GetMedianTimePast).
  std::uint32_t MedianTimePast(BlockHandle h) const;

  std::optional<BlockHandle> Find(const Hash256& id) const;
  const BlockRecord& Get(BlockHandle h) const { return blocks_[h]; }
  std::size_t size() const { return blocks_.size(); }
  std::uint64_t work_per_block() const { return work_per_block_; }

  // The ancestor of `h` at `height` (h itself if equal); kNoBlock if height > h's height.
  BlockHandle Ancestor(BlockHandle h, std::uint32_t height) const;
  // The last block that both chains contain.
  BlockHandle LastCommonAncestor(BlockHandle a, BlockHandle b) const;
  // Whether `ancestor` is `h` or one of its ancestors. The cases a node asks about most (a
  // peer's best block against our tip: the same block, one block apart, or not above it) are
  // answered without walking the chain.
  bool IsAncestor(BlockHandle ancestor, BlockHandle h) const {
    if (h == ancestor) return true;
    if (h == kNoBlock) return false;
    const std::uint32_t height = blocks_[ancestor].height;
    const BlockRecord& r = blocks_[h];
    if (r.height <= height) return false;
    if (r.height == height + 1) return r.parent == ancestor;
    return Ancestor(h, height) == ancestor;
  }

 private:
  std::vector<BlockRecord> blocks_;
  std::unordered_map<Hash256, BlockHandle, Hash256Hasher> by_id_;  // lookups only, never iterated
  std::uint64_t work_per_block_;
  const ChainParams* chain_ = nullptr;
  std::uint64_t pow_checks_ = 0;
  std::size_t max_blockless_headers_ = 0;  // 0: no cap
  std::uint64_t headers_refused_ = 0;
  // Open mode only: the real bytes of blocks we have, by handle (lookups only, never iterated).
  std::unordered_map<BlockHandle, std::vector<std::uint8_t>> data_;
};

}  // namespace peerlab::bitcoin
