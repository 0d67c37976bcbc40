// Bitcoin transactions and blocks in their consensus serialization, including BIP144 segwit
// (marker 0x00, flag 0x01, one witness stack per input).
//
// Contract: each type's field list (Fields, fields.hpp) is its one description; a
// transaction's wire layout (WriteWire / ReadWire) arranges its inputs' and outputs' field
// lists the BIP144 way. ReadWire follows Core's UnserializeTransaction exactly (an empty input
// vector is read as the segwit marker; "Superfluous witness record" and "Unknown transaction
// optional data" are errors), so whatever it accepts re-serializes to the same message.
// Txid is the double-SHA256 of the serialization without witnesses, Wtxid of the full one.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/primitives.hpp"
#include "peerlab/bitcoin/wire/fields.hpp"
#include "peerlab/bitcoin/wire/serialize.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::bitcoin::wire {

struct OutPoint {
  Hash256 txid;
  std::uint32_t index = 0;
  bool operator==(const OutPoint&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& o) {
    s.Field("prev_txid", o.txid);
    s.Field("prev_index", o.index);
  }
};

struct TxIn {
  OutPoint prevout;
  std::vector<std::uint8_t> script_sig;
  std::uint32_t sequence = 0xffffffff;
  std::vector<std::vector<std::uint8_t>> witness;  // stack items; empty without witness
  bool operator==(const TxIn&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& in) {
    s.Flat(in.prevout);
    s.Field("script_sig", Bytes{in.script_sig});
    s.Field("sequence", in.sequence);
    s.Field("witness", Witness{in.witness});  // on the wire after all outputs (WriteWire)
  }
  template <class Self>
  static constexpr auto WitnessStack(Self& in) {
    return ListOf<AsBytes>(in.witness, kMaxSize, "witness item");
  }
};

struct TxOut {
  std::int64_t value = 0;  // satoshis
  std::vector<std::uint8_t> script_pubkey;
  bool operator==(const TxOut&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& o) {
    s.Field("value", o.value);
    s.Field("script_pubkey", Bytes{o.script_pubkey});
  }
};

struct Transaction {
  std::int32_t version = 1;
  std::vector<TxIn> inputs;
  std::vector<TxOut> outputs;
  std::uint32_t lock_time = 0;

  bool operator==(const Transaction&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& tx) {
    s.Derived("txid", [&] { return tx.Txid(); });
    s.Derived("wtxid", [&] { return tx.Wtxid(); });
    s.Field("version", tx.version);
    s.Field("inputs", Inputs(tx));
    s.Field("outputs", Outputs(tx));
    s.Field("lock_time", tx.lock_time);
  }
  template <class Self>
  static constexpr auto Inputs(Self& tx) { return ListOf(tx.inputs, kMaxSize, "tx input"); }
  template <class Self>
  static constexpr auto Outputs(Self& tx) { return ListOf(tx.outputs, kMaxSize, "tx output"); }

  // BIP144: with witnesses (and some input has one), marker and flag follow the version and
  // the witness stacks follow the outputs.
  template <class S>
  static constexpr void WriteWire(S& s, const Transaction& tx) {
    const bool witness = s.witness() && tx.HasWitness();
    s.Value(tx.version);
    if (witness) {
      s.Value(std::uint8_t{0});  // marker: reads as an empty input vector to old parsers
      s.Value(std::uint8_t{1});  // flag
    }
    s.Value(Inputs(tx));
    s.Value(Outputs(tx));
    if (witness) {
      for (const TxIn& in : tx.inputs) s.Value(TxIn::WitnessStack(in));
    }
    s.Value(tx.lock_time);
  }
  static void ReadWire(WireIn& s, Transaction& tx);

  constexpr bool HasWitness() const {
    for (const TxIn& in : inputs) {
      if (!in.witness.empty()) return true;
    }
    return false;
  }
  void Serialize(Writer& w, bool with_witness = true) const {
    WireOut<Writer> out(w, with_witness);
    out.Value(*this);
  }
  bool Deserialize(Reader& r);  // false: r.status() says why
  Hash256 Txid() const;
  Hash256 Wtxid() const;
  std::size_t SerializedSize(bool with_witness = true) const { return WireBytes(*this, with_witness); }
};

// Smallest possible serialized transaction: version, two empty counts, lock time.
inline constexpr std::size_t kMinTxBytes = MinWireBytes<AsIs, Transaction>();
static_assert(kMinTxBytes == 10);

void WriteHeader(Writer& w, const BlockHeader& h);
bool ReadHeader(Reader& r, BlockHeader& h);
inline bool SameHeader(const BlockHeader& a, const BlockHeader& b) { return a == b; }

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;

  bool operator==(const Block&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& b) {
    s.Derived("hash", [&] { return b.Id(); });
    s.Field("header", b.header);
    s.Field("txs", ListOf(b.txs, kMaxSize, "block tx"));
  }
  void Serialize(Writer& w) const {
    WireOut<Writer> out(w);
    out.Value(*this);
  }
  bool Deserialize(Reader& r);
  Hash256 Id() const { return header.Id(); }
};

}  // namespace peerlab::bitcoin::wire
