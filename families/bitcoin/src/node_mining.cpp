// Node: real mining when the node's store is open (a daemon on a real chain, design §3).
#include <algorithm>

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"
#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

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
  pow_tries_ += mined->tries;
  // Our own block comes with its bytes: never refused by the blockless-header cap.
  auto h = store_->AddHeader(mined->block.header, chain, index_, now, /*with_block=*/true);
  if (!h.ok() || !store_->SetBlockData(*h, std::move(mined->bytes)).ok()) return kNoBlock;
  ++blocks_mined_;
  Set(*h, kHaveData);
  out.Observe({Observation::Kind::kBlockMined, *h});
  out.Observe({Observation::Kind::kBlockAccepted, *h});
  return *h;
}

}  // namespace peerlab::bitcoin
