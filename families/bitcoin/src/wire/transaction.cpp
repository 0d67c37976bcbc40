#include "peerlab/bitcoin/wire/transaction.hpp"

namespace peerlab::bitcoin::wire {

void Transaction::ReadWire(WireIn& s, Transaction& tx) {
  Reader& r = s.reader();
  s.Value(tx.version);
  s.Value(Inputs(tx));
  std::uint8_t flags = 0;
  tx.outputs.clear();
  if (r.failed()) return;
  if (tx.inputs.empty()) {
    // Core's rule: an empty input vector is the segwit marker (or a tx with no inputs and,
    // then necessarily, no outputs); the next byte is the flag.
    if (!r.ReadU8(flags)) return;
    if (flags != 0) {
      s.Value(Inputs(tx));
      s.Value(Outputs(tx));
    }
  } else {
    s.Value(Outputs(tx));
  }
  if (r.failed()) return;
  if (flags & 1) {
    flags ^= 1;
    for (TxIn& in : tx.inputs) {
      s.Value(TxIn::WitnessStack(in));
      if (r.failed()) return;
    }
    if (!tx.HasWitness()) {
      r.Fail("Superfluous witness record");
      return;
    }
  }
  if (flags != 0) {
    r.Fail("Unknown transaction optional data");
    return;
  }
  s.Value(tx.lock_time);
}

bool Transaction::Deserialize(Reader& r) {
  WireIn in(r);
  in.Value(*this);
  return !r.failed();
}

Hash256 Transaction::Txid() const {
  std::vector<std::uint8_t> buf;
  buf.reserve(SerializedSize(false));
  Writer w(buf);
  Serialize(w, false);
  return DoubleSha256(buf);
}

Hash256 Transaction::Wtxid() const {
  std::vector<std::uint8_t> buf;
  buf.reserve(SerializedSize(true));
  Writer w(buf);
  Serialize(w, true);
  return DoubleSha256(buf);
}

void WriteHeader(Writer& w, const BlockHeader& h) {
  WireOut<Writer> out(w);
  out.Value(h);
}

bool ReadHeader(Reader& r, BlockHeader& h) {
  WireIn in(r);
  in.Value(h);
  return !r.failed();
}

bool Block::Deserialize(Reader& r) {
  WireIn in(r);
  in.Value(*this);
  return !r.failed();
}

}  // namespace peerlab::bitcoin::wire
