// TxStore: every transaction created in one simulation, stored once and shared by all nodes
// (nodes keep a status byte per transaction). A transaction is named by a dense 32-bit
// TxHandle; its id is the real double-SHA256 of a valid serialized Bitcoin transaction of
// exactly the declared size (SyntheticTxBytes), so ids and sizes carry over to the wire.
//
// Contract: append-only; records never change once added. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "peerlab/util/hash.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

using TxHandle = std::uint32_t;
inline constexpr TxHandle kNoTx = UINT32_MAX;

// Smallest transaction SyntheticTxBytes can produce: one input, one P2WPKH-sized output.
inline constexpr std::uint32_t kMinTxBytes = 82;
// Serialized size of the coinbase transaction simulated blocks carry.
inline constexpr std::uint32_t kCoinbaseBytes = 150;
// Value of the single output of every synthetic transaction (its amount plays no role).
inline constexpr std::uint64_t kSyntheticOutputSat = 10'000;

struct TxRecord {
  Hash256 id;
  std::uint32_t size_bytes = 0;
  std::uint64_t fee_sat = 0;
  std::uint16_t tx_class = 0;  // index into the scenario's transaction classes
  std::uint32_t origin = 0;    // node that created it
  TimeNs created_at = 0;
  std::uint64_t spends = 0;    // the one outpoint it spends (unique unless conflicting)

  // Fee per byte, for ordering; integer-safe comparisons use FeeRateLess.
  double fee_rate() const { return static_cast<double>(fee_sat) / size_bytes; }
};

// a pays strictly less per byte than b (exact, by cross-multiplication), ties by handle.
bool FeeRateLess(const TxRecord& a, TxHandle ha, const TxRecord& b, TxHandle hb);

class TxStore {
 public:
  TxHandle Add(std::uint32_t size_bytes, std::uint64_t fee_sat, std::uint16_t tx_class,
               std::uint32_t origin, TimeNs created_at, std::uint64_t spends);
  const TxRecord& Get(TxHandle h) const { return txs_[h]; }
  // a is announced and mined before b: it pays more per byte, or as much and is older (the
  // order of FeeRateLess, total). Sorts call this millions of times, so it first compares the
  // rates as doubles, kept side by side (8 bytes a transaction, where records are 72): the
  // quotient of two integers below 2^53 is correctly rounded, so rounding keeps the exact order
  // or merges it into a tie, and a tie is settled exactly. A fee of 2^53 sat or more (beyond
  // all the money there is) would make the doubles inexact: then every comparison is exact.
  bool RanksBefore(TxHandle a, TxHandle b) const { return RankedBefore(RankOf(a), RankOf(b)); }
  // A transaction with its rank key (what RanksBefore compares first), for sorts that read
  // each key once instead of at every comparison.
  struct Ranked {
    double key;
    TxHandle tx;
  };
  Ranked RankOf(TxHandle h) const { return {fee_rate_keys_[h], h}; }
  bool RankedBefore(const Ranked& a, const Ranked& b) const {
    if (a.key != b.key && keys_exact_) return a.key > b.key;
    return FeeRateLess(txs_[b.tx], b.tx, txs_[a.tx], a.tx);
  }
  std::size_t size() const { return txs_.size(); }
  std::optional<TxHandle> Find(const Hash256& id) const;
  // The transaction's serialization; its double-SHA256 is the record's id.
  std::vector<std::uint8_t> Bytes(TxHandle h) const;

 private:
  std::vector<TxRecord> txs_;
  std::vector<double> fee_rate_keys_;  // per transaction: fee_sat / size_bytes (RanksBefore)
  bool keys_exact_ = true;             // every fee is below 2^53 sat and no size is 0
  std::unordered_map<Hash256, TxHandle, Hash256Hasher> by_id_;  // lookups only, never iterated
};

// A valid legacy-format transaction of exactly `size_bytes` (>= kMinTxBytes): version 2, one
// input spending (hash of `spends`, 0) with a padding scriptSig, one output of `value_sat` to a
// 22-byte script, locktime 0. Its double-SHA256 is the transaction id.
std::vector<std::uint8_t> SyntheticTxBytes(std::uint32_t size_bytes, std::uint64_t spends,
                                           std::uint64_t value_sat);

// The coinbase of the block at `height`: kCoinbaseBytes, null prevout, height in scriptSig.
std::vector<std::uint8_t> SyntheticCoinbaseBytes(std::uint32_t height);

}  // namespace peerlab::bitcoin
