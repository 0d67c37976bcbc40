#include "peerlab/bitcoin/tx_store.hpp"

#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/wire/serialize.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {

bool FeeRateLess(const TxRecord& a, TxHandle ha, const TxRecord& b, TxHandle hb) {
  const unsigned __int128 lhs = static_cast<unsigned __int128>(a.fee_sat) * b.size_bytes;
  const unsigned __int128 rhs = static_cast<unsigned __int128>(b.fee_sat) * a.size_bytes;
  if (lhs != rhs) return lhs < rhs;
  return ha > hb;  // equal rates: the older (lower handle) transaction ranks higher
}

TxHandle TxStore::Add(std::uint32_t size_bytes, std::uint64_t fee_sat, std::uint16_t tx_class,
                      std::uint32_t origin, TimeNs created_at, std::uint64_t spends) {
  PEERLAB_ASSERT(txs_.size() < kNoTx);
  TxRecord rec;
  rec.size_bytes = size_bytes;
  rec.fee_sat = fee_sat;
  rec.tx_class = tx_class;
  rec.origin = origin;
  rec.created_at = created_at;
  rec.spends = spends;
  const auto handle = static_cast<TxHandle>(txs_.size());
  txs_.push_back(rec);
  fee_rate_keys_.push_back(rec.fee_rate());
  if (fee_sat >= (std::uint64_t{1} << 53) || size_bytes == 0) keys_exact_ = false;
  txs_.back().id = DoubleSha256(Bytes(handle));
  by_id_.emplace(txs_.back().id, handle);
  return handle;
}

namespace {

std::vector<std::uint8_t> PaddedTxBytes(std::uint32_t size_bytes, const Hash256& prev_txid,
                                        std::uint32_t prev_index, std::uint64_t value_sat) {
  PEERLAB_ASSERT(size_bytes >= kMinTxBytes && size_bytes <= 4'000'000);
  // Fixed part: version 4, vin count 1, prevout 36, sequence 4, vout count 1, value 8,
  // locktime 4 = 58, plus scriptSig and output script with their length prefixes.
  constexpr std::uint32_t kFixed = 58;
  const std::uint32_t sig_total = size_bytes - kFixed - (1 + 22);  // prefix + scriptSig
  // The scriptSig takes the padding unless its length prefix would have to change width
  // (the 1- and 2-byte gaps at 253 and 65536); then the output script takes the rest.
  std::uint32_t sig_len = 0;
  std::uint32_t script_len = 22;
  bool placed = false;
  for (std::uint32_t width : {1u, 3u, 5u}) {
    if (sig_total >= width && CompactSizeBytes(sig_total - width) == width) {
      sig_len = sig_total - width;
      placed = true;
      break;
    }
  }
  if (!placed) {
    sig_len = sig_total < 0xffff ? 252 : 0xffff;
    script_len += sig_total - (CompactSizeBytes(sig_len) + sig_len);
  }
  std::vector<std::uint8_t> out;
  out.reserve(size_bytes);
  wire::Writer w(out);
  w.U32(2);  // version
  w.CompactSize(1);
  w.Hash(prev_txid);
  w.U32(prev_index);
  w.CompactSize(sig_len);
  out.insert(out.end(), sig_len, 0x51);  // OP_TRUE padding
  w.U32(0xfffffffd);
  w.CompactSize(1);
  w.U64(value_sat);
  w.CompactSize(script_len);
  w.U8(0x00);  // witness v0 program (a P2WPKH shape when 22 bytes)
  w.U8(static_cast<std::uint8_t>(script_len - 2));
  out.insert(out.end(), script_len - 2, 0xab);
  w.U32(0);  // lock time
  PEERLAB_ASSERT(out.size() == size_bytes);
  return out;
}

}  // namespace

std::vector<std::uint8_t> SyntheticTxBytes(std::uint32_t size_bytes, std::uint64_t spends,
                                           std::uint64_t value_sat) {
  const Hash256 prev = Sha256({reinterpret_cast<const std::uint8_t*>(&spends), sizeof(spends)});
  return PaddedTxBytes(size_bytes, prev, 0, value_sat);
}

std::vector<std::uint8_t> SyntheticCoinbaseBytes(std::uint32_t height) {
  // A null prevout marks a coinbase; the height (BIP34) makes every coinbase id unique.
  std::vector<std::uint8_t> out = PaddedTxBytes(kCoinbaseBytes, Hash256{}, 0xffffffff, 312'500'000);
  // scriptSig starts at byte 42 (version 4, count 1, prevout 36, length 1): push the height.
  out[42] = 0x04;
  for (int i = 0; i < 4; ++i) out[43 + i] = static_cast<std::uint8_t>(height >> (8 * i));
  return out;
}

std::vector<std::uint8_t> TxStore::Bytes(TxHandle h) const {
  return SyntheticTxBytes(txs_[h].size_bytes, txs_[h].spends, kSyntheticOutputSat);
}

std::optional<TxHandle> TxStore::Find(const Hash256& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

}  // namespace peerlab::bitcoin
