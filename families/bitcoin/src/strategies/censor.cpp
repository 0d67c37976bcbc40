// Censor: refuses transactions of one class; as a feather fork (Miller) it also refuses to
// build on a block carrying one until it is `feather_depth` deep (strategy.hpp).
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class Censor final : public StrategyHooks {
 public:
  using StrategyHooks::StrategyHooks;

  BlockHandle MiningParent(Node& node) override {
    return config().censor_mode == CensorMode::kFeatherFork ? FeatherParent(node) : tip(node);
  }

  bool ExcludedFromTemplate(const Node& node, TxHandle t) const override {
    return StrategyHooks::ExcludedFromTemplate(node, t) ||
           txs(node).Get(t).tx_class == config().censored_class;
  }

  void OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out) override {
    if (store(node).Get(h).parent != tip(node)) {
      ++stats.fork_blocks;
      fork_head_ = h;
    }
    PublishOwn(node, {&h, 1}, out);
  }

 private:
  // Carries the censored class (looked at once per block).
  bool Offending(const Node& node, BlockHandle h) {
    const BlockStore& s = store(node);
    if (h >= offending_.size()) offending_.resize(std::max<std::size_t>(s.size(), h + 1), 0);
    if (offending_[h] == 0) {
      offending_[h] = 1;
      for (TxHandle t : s.Get(h).txs) {
        if (txs(node).Get(t).tx_class == config().censored_class) {
          offending_[h] = 2;
          break;
        }
      }
    }
    return offending_[h] == 2;
  }

  BlockHandle FeatherParent(const Node& node) {
    const BlockStore& s = store(node);
    const std::uint32_t depth = config().feather_depth;
    // The deepest ancestor of `x` (or x) with no offending block fewer than `depth` blocks
    // under it.
    auto acceptable = [&](BlockHandle x) {
      while (true) {
        BlockHandle oldest_offending = kNoBlock;
        BlockHandle b = x;
        for (std::uint32_t d = 0; d < depth && b != kGenesis; ++d, b = s.Get(b).parent) {
          if (Offending(node, b)) oldest_offending = b;
        }
        if (oldest_offending == kNoBlock) return x;
        x = s.Get(oldest_offending).parent;
      }
    };
    BlockHandle parent = acceptable(tip(node));
    const BlockHandle fork = fork_head_;
    if (fork != kNoBlock && s.Get(fork).chain_work > s.Get(parent).chain_work &&
        acceptable(fork) == fork) {
      parent = fork;  // keep extending our own fork while it is the best acceptable branch
    }
    return parent;
  }

  // Per block: 0 not yet looked at, 1 clean, 2 carries the censored class.
  std::vector<std::uint8_t> offending_;
  BlockHandle fork_head_ = kNoBlock;  // feather fork: our last block mined off the tip
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeCensor(const StrategyConfig& c) {
  return std::make_unique<Censor>(c);
}

}  // namespace peerlab::bitcoin::strategies
