// Bitcoin transactions and blocks in their consensus serialization, including BIP144 segwit
// (marker 0x00, flag 0x01, one witness stack per input).
//
// Contract: Deserialize follows Core's UnserializeTransaction exactly (an empty input vector
// is read as the segwit marker; "Superfluous witness record" and "Unknown transaction
// optional data" are errors), so whatever it accepts re-serializes to the same message.
// Txid is the double-SHA256 of the serialization without witnesses, Wtxid of the full one.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/wire/serialize.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::bitcoin::wire {

struct OutPoint {
  Hash256 txid;
  std::uint32_t index = 0;
  bool operator==(const OutPoint&) const = default;
};

struct TxIn {
  OutPoint prevout;
  std::vector<std::uint8_t> script_sig;
  std::uint32_t sequence = 0xffffffff;
  std::vector<std::vector<std::uint8_t>> witness;  // stack items; empty without witness
  bool operator==(const TxIn&) const = default;
};

struct TxOut {
  std::int64_t value = 0;  // satoshis
  std::vector<std::uint8_t> script_pubkey;
  bool operator==(const TxOut&) const = default;
};

struct Transaction {
  std::int32_t version = 1;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  std::uint32_t lock_time = 0;

  bool operator==(const Transaction&) const = default;

  bool HasWitness() const;
  void Serialize(Writer& w, bool with_witness = true) const;
  bool Deserialize(Reader& r);  // false: r.status() says why
  Hash256 Txid() const;
  Hash256 Wtxid() const;
  std::size_t SerializedSize(bool with_witness = true) const;
};

// Smallest possible serialized transaction: version, two empty counts, lock time.
inline constexpr std::size_t kMinTxBytes = 10;

void WriteHeader(Writer& w, const BlockHeader& h);
bool ReadHeader(Reader& r, BlockHeader& h);
bool SameHeader(const BlockHeader& a, const BlockHeader& b);

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;

  bool operator==(const Block& o) const { return SameHeader(header, o.header) && txs == o.txs; }
  void Serialize(Writer& w) const;
  bool Deserialize(Reader& r);
  Hash256 Id() const { return header.Id(); }
};

}  // namespace peerlab::bitcoin::wire
