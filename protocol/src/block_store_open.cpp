// BlockStore's open mode (a daemon's own store): headers and block bytes from the network.
#include <algorithm>
#include <array>

#include "peerlab/protocol/block_check.hpp"
#include "peerlab/protocol/block_store.hpp"
#include "peerlab/protocol/chain_params.hpp"
#include "peerlab/protocol/wire/transaction.hpp"

namespace peerlab::protocol {
namespace {

// Bitcoin Core's skip-list height choice (as in block_store.cpp).
std::uint32_t InvertLowestOne(std::uint32_t n) { return n & (n - 1); }
std::uint32_t SkipHeight(std::uint32_t height) {
  if (height < 2) return 0;
  return (height & 1) ? InvertLowestOne(InvertLowestOne(height - 1)) + 1
                      : InvertLowestOne(height);
}

}  // namespace

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
                                          std::uint32_t miner, TimeNs found_at) {
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
  if (!CheckProofOfWork(header, chain)) {
    return Status::Error(what + "proof of work fails (high-hash)");
  }
  if (header.time <= MedianTimePast(*parent)) {
    return Status::Error(what + "time not after the median time past (time-too-old)");
  }
  if (blocks_.size() >= kNoBlock) return Status::Error(what + "block store is full");
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

}  // namespace peerlab::protocol
