// What selfish mining and double spending share: a private branch of own withheld blocks that
// the node mines on, published in part or whole when the strategy decides. Internal to
// families/bitcoin/src/strategies/.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/strategy_hooks.hpp"

namespace peerlab::bitcoin::strategies {

class PrivateBranch : public StrategyHooks {
 public:
  using StrategyHooks::StrategyHooks;
  void Start(Node& node) override;
  BlockHandle MiningParent(Node&) override { return private_head_; }

 protected:
  // An own block joins the branch: its transactions are marked private, it becomes the head.
  void Extend(Node& node, BlockHandle h);
  // Drops the branch and mines on the best public block.
  void AdoptPublic(Node& node);
  // Publishes the withheld blocks up to `height`; one that ties the best public block starts
  // a race (counted and observed).
  void PublishUpTo(Node& node, std::uint32_t height, Outbox& out);

  BlockHandle private_head_ = kGenesis;
  std::vector<BlockHandle> unpublished_;  // own withheld blocks, oldest first, ending at the head
  bool in_race_ = false;                  // our published block ties an honest one
};

}  // namespace peerlab::bitcoin::strategies
