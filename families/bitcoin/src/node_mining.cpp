// Node: mining its own blocks when the oracle says it found one: a simulated block (a header
// and sizes; its transactions from the mempool) or, when the node's store is open (a daemon on
// a real chain, design §3), a real block ground to the chain's target. What to mine on and
// whether to publish are the strategy's (strategy_hooks.hpp, strategies/); publishing is in
// node_blocks.cpp.
#include <algorithm>
#include <cstring>

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"
#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)

void Node::OnBlockFound(TimeNs now, const BlockFound& in, Outbox& out) {
  const BlockHandle parent = strategy_ ? strategy_->MiningParent(*this) : chain_.tip;
  const BlockHandle h = MineBlock(now, parent, out, in.header_time);
  if (h == kNoBlock) return;
  if (strategy_) {
    strategy_->OnOwnBlockMined(*this, h, out);
  } else {
    PublishOwn({&h, 1}, out);
  }
}

BlockHandle Node::MineBlock(TimeNs now, BlockHandle parent, Outbox& out,
                            std::uint32_t header_time) {
  if (store_->chain() != nullptr) return MineRealBlockOn(now, parent, header_time, out);
  BlockHeader header;
  header.version = 0x20000000;
  header.prev = store_->Get(parent).id;
  const std::uint32_t height = store_->Get(parent).height + 1;
  std::vector<TxHandle> block_txs;
  std::uint32_t tx_count = 1;
  std::uint64_t body_bytes = kCoinbaseBytes;
  std::uint32_t fill_bytes = 0;
  const std::uint64_t budget = config_->block_size_bytes - kHeaderBytes - 3;  // 3: tx count
  if (config_->tx_relay) {
    FillBlockTemplate(block_txs);
    for (TxHandle t : block_txs) body_bytes += txs_->Get(t).size_bytes;
    tx_count += static_cast<std::uint32_t>(block_txs.size());
  } else if (budget > kCoinbaseBytes) {
    fill_bytes = config_->fill_tx_bytes;
    const auto fill = static_cast<std::uint32_t>((budget - kCoinbaseBytes) / fill_bytes);
    tx_count += fill;
    body_bytes += static_cast<std::uint64_t>(fill) * fill_bytes;
  }
  const std::uint32_t size = static_cast<std::uint32_t>(
      kHeaderBytes + CompactSizeBytes(tx_count) + body_bytes);
  // Stand-in for the merkle root of the block's transactions: unique per (miner, height,
  // count), so two miners never produce the same header.
  std::uint8_t seed[16];
  std::memcpy(seed, &index_, 4);
  std::memcpy(seed + 4, &height, 4);
  std::memcpy(seed + 8, &chain_.blocks_mined, 4);
  const auto salt = static_cast<std::uint32_t>(rng_.Next());
  std::memcpy(seed + 12, &salt, 4);
  header.merkle_root = DoubleSha256(seed);
  header.time = header_time != 0
                    ? header_time
                    : config_->genesis_time + static_cast<std::uint32_t>(now / kSecond);
  header.bits = config_->bits;
  header.nonce = static_cast<std::uint32_t>(rng_.Next());
  ++chain_.blocks_mined;
  const BlockHandle h = store_->Add(parent, header, size, tx_count, index_, now,
                                    std::move(block_txs), fill_bytes);
  Set(h, kHaveData);
  out.Observe({Observation::Kind::kBlockMined, h});
  out.Observe({Observation::Kind::kBlockAccepted, h});
  return h;
}

BlockHandle Node::MineRealBlockOn(TimeNs now, BlockHandle parent, std::uint32_t header_time,
                                  Outbox& out) {
  const ChainParams& chain = *store_->chain();
  const BlockRecord& p = store_->Get(parent);
  RealBlockRequest request;
  request.parent = p.id;
  request.height = p.height + 1;
  const std::uint32_t time =
      header_time != 0 ? header_time
                       : config_->genesis_time + static_cast<std::uint32_t>(now / kSecond);
  // Consensus wants a time after the median of the last 11 blocks: several blocks mined
  // within one clock second would otherwise be invalid.
  request.time = std::max(time, store_->MedianTimePast(parent) + 1);
  request.output_script = config_->coinbase_script;
  // Two miners building on the same parent in the same second must not produce one block.
  request.extra_nonce = static_cast<std::uint32_t>(rng_.Next());
  auto mined = MineRealBlock(chain, request);
  if (!mined.ok()) return kNoBlock;
  chain_.pow_tries += mined->tries;
  // Our own block comes with its bytes: never refused by the blockless-header cap.
  auto h = store_->AddHeader(mined->block.header, chain, index_, now, /*with_block=*/true);
  if (!h.ok() || !store_->SetBlockData(*h, std::move(mined->bytes)).ok()) return kNoBlock;
  ++chain_.blocks_mined;
  Set(*h, kHaveData);
  out.Observe({Observation::Kind::kBlockMined, *h});
  out.Observe({Observation::Kind::kBlockAccepted, *h});
  return *h;
}

}  // namespace peerlab::bitcoin
