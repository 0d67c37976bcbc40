// Selfish mining: Eyal & Sirer 2014 ("Majority is not enough"), Algorithm 1, with Nayak et al.
// 2016's stubborn variants (lead-, equal-fork- and trail-stubborn; strategy.hpp).
#include "peerlab/bitcoin/node.hpp"
#include "private_branch.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class SelfishMining final : public PrivateBranch {
 public:
  using PrivateBranch::PrivateBranch;

  void OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out) override {
    const BlockStore& s = store(node);
    Extend(node, h);
    const auto height = static_cast<std::int64_t>(s.Get(h).height);
    const auto public_height = static_cast<std::int64_t>(s.Get(public_best).height);
    const std::int64_t lead_before = height - 1 - public_height;
    if (lead_before == 0 && in_race_ && !config().equal_fork_stubborn) {
      // Found during a tie: publishing wins outright.
      PublishUpTo(node, static_cast<std::uint32_t>(height), out);
      ++stats.overrides;
      in_race_ = false;
      return;
    }
    if (lead_before < 0 && height == public_height) {
      // A trailing branch caught up (trail-stubborn): publish it and race.
      PublishUpTo(node, static_cast<std::uint32_t>(height), out);
      return;
    }
    ++stats.blocks_withheld;
  }

  void OnPublicChange(Node& node, Outbox& out) override {
    const BlockStore& s = store(node);
    const auto public_height = s.Get(public_best).height;
    const std::int64_t lead = static_cast<std::int64_t>(s.Get(private_head_).height) - public_height;
    if (lead < 0 || unpublished_.empty()) {
      // Behind: adopt the public chain, unless trail-stubborn, on a branch of our own
      // (published or not) and not too far behind.
      const bool own_branch = !s.IsAncestor(private_head_, public_best);
      if (own_branch && lead < 0 && -lead <= static_cast<std::int64_t>(config().trail_stubborn)) {
        return;
      }
      AdoptPublic(node);
      return;
    }
    if (lead == 1 && !config().lead_stubborn) {
      // The honest chain came within one block: publish everything and take over.
      PublishUpTo(node, s.Get(private_head_).height, out);
      ++stats.overrides;
      in_race_ = false;
      return;
    }
    // Lead 0 (match the honest block and race), or a larger lead (reveal up to the honest
    // height; lead-stubborn always does this instead of overriding).
    PublishUpTo(node, public_height, out);
  }
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeSelfishMining(const StrategyConfig& c) {
  return std::make_unique<SelfishMining>(c);
}

}  // namespace peerlab::bitcoin::strategies
