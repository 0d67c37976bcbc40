#include "peerlab/bitcoin/wire/transaction.hpp"

#include <cstring>

namespace peerlab::bitcoin::wire {

namespace {
// Minimum bytes of one element, used to bound counts by the bytes left before allocating.
constexpr std::size_t kMinTxInBytes = 32 + 4 + 1 + 4;
constexpr std::size_t kMinTxOutBytes = 8 + 1;

bool ReadInputs(Reader& r, std::vector<TxIn>& inputs) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxSize, kMinTxInBytes, "tx input")) return false;
  inputs.resize(n);
  for (TxIn& in : inputs) {
    if (!r.ReadHash(in.prevout.txid) || !r.ReadU32(in.prevout.index) ||
        !r.ReadVarBytes(in.script_sig) || !r.ReadU32(in.sequence)) {
      return false;
    }
    in.witness.clear();
  }
  return true;
}

bool ReadOutputs(Reader& r, std::vector<TxOut>& outputs) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxSize, kMinTxOutBytes, "tx output")) return false;
  outputs.resize(n);
  for (TxOut& out : outputs) {
    if (!r.ReadI64(out.value) || !r.ReadVarBytes(out.script_pubkey)) return false;
  }
  return true;
}
}  // namespace

bool Transaction::HasWitness() const {
  for (const TxIn& in : inputs) {
    if (!in.witness.empty()) return true;
  }
  return false;
}

void Transaction::Serialize(Writer& w, bool with_witness) const {
  const bool witness = with_witness && HasWitness();
  w.I32(version);
  if (witness) {
    w.U8(0);  // marker: reads as an empty input vector to pre-segwit parsers
    w.U8(1);  // flag
  }
  w.CompactSize(inputs.size());
  for (const TxIn& in : inputs) {
    w.Hash(in.prevout.txid);
    w.U32(in.prevout.index);
    w.VarBytes(in.script_sig);
    w.U32(in.sequence);
  }
  w.CompactSize(outputs.size());
  for (const TxOut& out : outputs) {
    w.I64(out.value);
    w.VarBytes(out.script_pubkey);
  }
  if (witness) {
    for (const TxIn& in : inputs) {
      w.CompactSize(in.witness.size());
      for (const auto& item : in.witness) w.VarBytes(item);
    }
  }
  w.U32(lock_time);
}

bool Transaction::Deserialize(Reader& r) {
  if (!r.ReadI32(version) || !ReadInputs(r, inputs)) return false;
  std::uint8_t flags = 0;
  outputs.clear();
  if (inputs.empty()) {
    // Core's rule: an empty input vector is the segwit marker (or a tx with no inputs and,
    // then necessarily, no outputs); the next byte is the flag.
    if (!r.ReadU8(flags)) return false;
    if (flags != 0 && (!ReadInputs(r, inputs) || !ReadOutputs(r, outputs))) return false;
  } else if (!ReadOutputs(r, outputs)) {
    return false;
  }
  if (flags & 1) {
    flags ^= 1;
    for (TxIn& in : inputs) {
      std::size_t n = 0;
      if (!r.ReadCount(n, kMaxSize, 1, "witness item")) return false;
      in.witness.resize(n);
      for (auto& item : in.witness) {
        if (!r.ReadVarBytes(item)) return false;
      }
    }
    if (!HasWitness()) return r.Fail("Superfluous witness record");
  }
  if (flags != 0) return r.Fail("Unknown transaction optional data");
  return r.ReadU32(lock_time);
}

std::size_t Transaction::SerializedSize(bool with_witness) const {
  std::vector<std::uint8_t> buf;
  Writer w(buf);
  Serialize(w, with_witness);
  return buf.size();
}

Hash256 Transaction::Txid() const {
  std::vector<std::uint8_t> buf;
  Writer w(buf);
  Serialize(w, false);
  return DoubleSha256(buf);
}

Hash256 Transaction::Wtxid() const {
  std::vector<std::uint8_t> buf;
  Writer w(buf);
  Serialize(w, true);
  return DoubleSha256(buf);
}

void WriteHeader(Writer& w, const BlockHeader& h) {
  std::uint8_t buf[kHeaderBytes];
  h.Serialize(buf);
  w.Bytes(buf);
}

bool ReadHeader(Reader& r, BlockHeader& h) {
  std::uint32_t version = 0;
  if (!r.ReadU32(version) || !r.ReadHash(h.prev) || !r.ReadHash(h.merkle_root) ||
      !r.ReadU32(h.time) || !r.ReadU32(h.bits) || !r.ReadU32(h.nonce)) {
    return false;
  }
  h.version = static_cast<std::int32_t>(version);
  return true;
}

bool SameHeader(const BlockHeader& a, const BlockHeader& b) {
  return a.version == b.version && a.prev == b.prev && a.merkle_root == b.merkle_root &&
         a.time == b.time && a.bits == b.bits && a.nonce == b.nonce;
}

void Block::Serialize(Writer& w) const {
  WriteHeader(w, header);
  w.CompactSize(txs.size());
  for (const Transaction& tx : txs) tx.Serialize(w, true);
}

bool Block::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!ReadHeader(r, header) || !r.ReadCount(n, kMaxSize, kMinTxBytes, "block tx")) return false;
  txs.resize(n);
  for (Transaction& tx : txs) {
    if (!tx.Deserialize(r)) return false;
  }
  return true;
}

}  // namespace peerlab::bitcoin::wire
