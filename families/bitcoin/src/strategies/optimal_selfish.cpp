// Optimal selfish mining: Sapirshtein, Sompolinsky & Zohar 2016 ("Optimal Selfish Mining
// Strategies in Bitcoin", FC 2016). The node plays a fixed policy of their MDP, a table from
// state (a, h, fork) to action (StrategyConfig::optimal_policy, computed by the scenario layer
// from analysis/optimal_selfish.hpp); docs/theory.md explains the model, docs/attacks.md this
// strategy.
//
// The live state is read off what the node knows, at the two events the MDP steps on:
//   a     own blocks on the private branch since it forked from the best public chain
//         (published or not), h  public blocks since that fork: with f the last common
//         ancestor of the private head and public_best, a = height(head) - height(f),
//         h = height(public_best) - height(f);
//   fork  active after a match until the next public block, irrelevant when the event is an
//         own block, relevant when it is a public one.
// Actions: adopt drops the branch; override publishes it up to height(f) + h + 1 (the public
// branch is orphaned); match publishes it up to height(f) + h (a tie the network decides);
// wait does nothing. Where the live state leaves the table (several public blocks arriving
// at once past the truncation), the MDP's own rule at the truncation applies: override if
// a > h, else adopt.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"
#include "private_branch.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class OptimalSelfish final : public PrivateBranch {
 public:
  using PrivateBranch::PrivateBranch;

  void OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out) override {
    Extend(node, h);
    Act(node, active_ ? SelfishForkState::kActive : SelfishForkState::kIrrelevant, out);
    if (!unpublished_.empty() && unpublished_.back() == h) ++stats.blocks_withheld;
  }

  void OnPublicChange(Node& node, Outbox& out) override {
    active_ = false;
    Act(node, SelfishForkState::kRelevant, out);
  }

 private:
  void Act(Node& node, SelfishForkState fork, Outbox& out) {
    const BlockStore& s = store(node);
    const BlockHandle base = s.LastCommonAncestor(private_head_, public_best);
    const std::uint32_t base_height = s.Get(base).height;
    const std::uint32_t a = s.Get(private_head_).height - base_height;
    const std::uint32_t h = s.Get(public_best).height - base_height;
    const OptimalSelfishPolicy& policy = config().optimal_policy;
    SelfishMove move = a > h ? SelfishMove::kOverride : SelfishMove::kAdopt;
    if (!policy.empty() && a <= policy.max_fork_length && h <= policy.max_fork_length) {
      move = policy.At(a, h, fork);
    }
    switch (move) {
      case SelfishMove::kAdopt:
        if (h > 0 || a > 0) AdoptPublic(node);
        active_ = false;
        break;
      case SelfishMove::kOverride:
        PublishUpTo(node, base_height + h + 1, out);
        ++stats.overrides;
        in_race_ = false;
        active_ = false;
        break;
      case SelfishMove::kMatch:
        PublishUpTo(node, base_height + h, out);
        active_ = true;
        break;
      case SelfishMove::kWait:
        break;
    }
  }

  bool active_ = false;  // a match is under way (the MDP's fork = active)
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeOptimalSelfish(const StrategyConfig& c) {
  return std::make_unique<OptimalSelfish>(c);
}

}  // namespace peerlab::bitcoin::strategies
