#include "peerlab/bitcoin/block_store.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire/transaction.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {
namespace {

// Bitcoin Core's skip-list height choice: keeps ancestor walks logarithmic.
std::uint32_t InvertLowestOne(std::uint32_t n) { return n & (n - 1); }
std::uint32_t SkipHeight(std::uint32_t height) {
  if (height < 2) return 0;
  return (height & 1) ? InvertLowestOne(InvertLowestOne(height - 1)) + 1
                      : InvertLowestOne(height);
}

}  // namespace

std::optional<std::uint64_t> WorkFromCompactBits(std::uint32_t bits) {
  const std::uint32_t exponent = bits >> 24;
  const std::uint32_t mantissa = bits & 0x007fffff;
  if (mantissa == 0 || (bits & 0x00800000) != 0 || exponent < 3 || exponent > 32) {
    return std::nullopt;
  }
  // target = mantissa * 2^(8*(exponent-3)). With target >= 2^192 the work is below 2^64;
  // compute 2^256/(target+1) as 2^(256-s) / (mantissa + 2^-s) in long double, then round down.
  const int shift = 8 * static_cast<int>(exponent - 3);
  const int mantissa_bits = 64 - __builtin_clzll(mantissa);
  if (shift + mantissa_bits - 1 < 192) return std::nullopt;
  const long double work =
      std::ldexp(1.0L, 256 - shift) / (static_cast<long double>(mantissa) + std::ldexp(1.0L, -shift));
  return static_cast<std::uint64_t>(work);
}

BlockStore::BlockStore(const BlockHeader& genesis, std::uint32_t genesis_size_bytes) {
  const auto work = WorkFromCompactBits(genesis.bits);
  PEERLAB_ASSERT(work.has_value() && *work > 0);
  work_per_block_ = *work;
  BlockRecord rec;
  rec.header = genesis;
  rec.id = genesis.Id();
  rec.chain_work = work_per_block_;
  rec.size_bytes = genesis_size_bytes;
  rec.tx_count = 1;
  blocks_.push_back(rec);
  by_id_.emplace(rec.id, kGenesis);
}

BlockHandle BlockStore::Add(BlockHandle parent, const BlockHeader& header,
                            std::uint32_t size_bytes, std::uint32_t tx_count,
                            std::uint32_t miner, TimeNs found_at, std::vector<TxHandle> txs,
                            std::uint32_t fill_tx_bytes) {
  PEERLAB_ASSERT(parent < blocks_.size());
  PEERLAB_ASSERT(header.prev == blocks_[parent].id);
  PEERLAB_ASSERT(blocks_.size() < kNoBlock);
  BlockRecord rec;
  rec.header = header;
  rec.id = header.Id();
  rec.parent = parent;
  rec.height = blocks_[parent].height + 1;
  rec.skip = Ancestor(parent, SkipHeight(rec.height));
  // Every simulated block has genesis's bits; an open-mode miner uses the chain's (the same
  // on regtest chains), so the per-header work is computed only if they ever differ.
  std::uint64_t work = work_per_block_;
  if (header.bits != blocks_[kGenesis].header.bits) {
    const auto w = WorkFromCompactBits(header.bits);
    PEERLAB_ASSERT(w.has_value());
    work = *w;
  }
  rec.chain_work = blocks_[parent].chain_work + work;
  rec.size_bytes = size_bytes;
  rec.tx_count = tx_count;
  PEERLAB_ASSERT(tx_count >= 1 + txs.size());
  rec.txs = std::move(txs);
  rec.fill_tx_bytes = fill_tx_bytes;
  rec.miner = miner;
  rec.found_at = found_at;
  const auto handle = static_cast<BlockHandle>(blocks_.size());
  const bool inserted = by_id_.emplace(rec.id, handle).second;
  PEERLAB_ASSERT(inserted);  // a duplicate id means two miners built identical headers
  blocks_.push_back(std::move(rec));
  return handle;
}

std::optional<BlockHandle> BlockStore::Find(const Hash256& id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  return it->second;
}

BlockHandle BlockStore::Ancestor(BlockHandle h, std::uint32_t height) const {
  if (h == kNoBlock || height > blocks_[h].height) return kNoBlock;
  while (blocks_[h].height > height) {
    const BlockRecord& rec = blocks_[h];
    const BlockHandle skip = rec.skip;
    if (skip != kNoBlock && blocks_[skip].height >= height) {
      h = skip;
    } else {
      h = rec.parent;
    }
  }
  return h;
}

BlockHandle BlockStore::LastCommonAncestor(BlockHandle a, BlockHandle b) const {
  const std::uint32_t ha = blocks_[a].height;
  const std::uint32_t hb = blocks_[b].height;
  if (ha > hb) a = Ancestor(a, hb);
  if (hb > ha) b = Ancestor(b, ha);
  while (a != b) {
    a = blocks_[a].parent;
    b = blocks_[b].parent;
  }
  return a;
}

// Open mode (a daemon's own store): headers and block bytes from the network.

BlockStore::BlockStore(const ChainParams& chain)
    : BlockStore(chain.genesis, static_cast<std::uint32_t>(chain.genesis_block.size())) {
  chain_ = &chain;
  data_.emplace(kGenesis, chain.genesis_block);
}

std::uint32_t BlockStore::MedianTimePast(BlockHandle h) const {
  std::array<std::uint32_t, 11> times{};
  std::size_t n = 0;
  for (; n < times.size() && h != kNoBlock; ++n, h = blocks_[h].parent) {
    times[n] = blocks_[h].header.time;
  }
  std::sort(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(n));
  return times[n / 2];
}

Result<BlockHandle> BlockStore::AddHeader(const BlockHeader& header, const ChainParams& chain,
                                          std::uint32_t miner, TimeNs found_at,
                                          bool with_block) {
  const Hash256 id = header.Id();
  if (auto existing = Find(id)) return *existing;
  const std::string what = "header " + id.ToHex() + ": ";
  const auto parent = Find(header.prev);
  if (!parent) return Status::Error(what + "unknown parent " + header.prev.ToHex());
  // Regtest chains never retarget: every block must carry the chain's bits (Core's
  // GetNextWorkRequired with fPowNoRetargeting returns the parent's).
  if (header.bits != chain.bits) return Status::Error(what + "wrong bits (bad-diffbits)");
  const auto work = WorkFromCompactBits(header.bits);
  const BlockRecord& p = blocks_[*parent];
  if (!work || p.chain_work > UINT64_MAX - *work) {
    return Status::Error(what + "chain work does not fit in 64 bits (target too hard)");
  }
  ++pow_checks_;
  if (!CheckProofOfWork(header, chain)) {
    return Status::Error(what + "proof of work fails (high-hash)");
  }
  if (header.time <= MedianTimePast(*parent)) {
    return Status::Error(what + "time not after the median time past (time-too-old)");
  }
  if (blocks_.size() >= kNoBlock) return Status::Error(what + "block store is full");
  // Checked last, so that an invalid header is reported as such. Headers that come with
  // their block cost the sender the block's bytes and always get data: not capped.
  if (!with_block && max_blockless_headers_ != 0 &&
      blockless_headers() >= max_blockless_headers_) {
    ++headers_refused_;
    return Status::Error(what + "refused: " + std::to_string(max_blockless_headers_) +
                         " headers already held without their blocks (header limit)");
  }
  BlockRecord rec;
  rec.header = header;
  rec.id = id;
  rec.parent = *parent;
  rec.height = p.height + 1;
  rec.skip = Ancestor(*parent, SkipHeight(rec.height));
  rec.chain_work = p.chain_work + *work;
  rec.miner = miner;
  rec.found_at = found_at;
  const auto handle = static_cast<BlockHandle>(blocks_.size());
  by_id_.emplace(id, handle);
  blocks_.push_back(std::move(rec));
  return handle;
}

Status BlockStore::SetBlockData(BlockHandle h, std::vector<std::uint8_t> bytes) {
  if (h >= blocks_.size()) return Status::Error("no such block handle");
  BlockRecord& rec = blocks_[h];
  wire::Reader r(bytes);
  wire::Block block;
  if (!block.Deserialize(r) || !r.ExpectEnd()) {
    return Status::Error("block " + rec.id.ToHex() + " does not parse: " + r.status().message());
  }
  if (!wire::SameHeader(block.header, rec.header)) {
    return Status::Error("block bytes carry another header than block " + rec.id.ToHex());
  }
  if (Status s = CheckBlockBody(block, chain_ != nullptr && chain_->segwit); !s.ok()) {
    return Status::Error("block " + rec.id.ToHex() + ": " + s.message());
  }
  if (data_.contains(h)) return Status::Ok();
  rec.size_bytes = static_cast<std::uint32_t>(bytes.size());
  rec.tx_count = static_cast<std::uint32_t>(block.txs.size());
  data_.emplace(h, std::move(bytes));
  return Status::Ok();
}

}  // namespace peerlab::bitcoin
