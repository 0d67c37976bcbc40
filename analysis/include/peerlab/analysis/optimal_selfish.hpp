// The optimal selfish-mining strategy of Sapirshtein, Sompolinsky & Zohar, "Optimal Selfish
// Mining Strategies in Bitcoin" (Financial Cryptography 2016, arXiv:1507.06183): the most an
// attacker with hashrate share alpha can earn, as a share of main-chain blocks, over every
// strategy of withholding and publishing blocks in their model.
//
// The model is a Markov decision process on states (a, h, fork): a blocks on the attacker's
// private branch and h on the public branch since they forked, and whether a `match` (publish
// h private blocks to tie the public branch) is possible now (fork = relevant: the last block
// was honest), not (irrelevant: the last block was the attacker's, so the honest block already
// spread alone), or already under way (active: the network is split between two branches of
// length h). Actions: adopt (drop the private branch; the h public blocks go to the others),
// override (publish h + 1 blocks, a > h; they are the attacker's), match (a >= h, relevant),
// wait. After each action one block is found, the attacker's with probability alpha.
// gamma is the share of honest hashrate that mines on the attacker's branch while it is
// matched: the same gamma as Eyal & Sirer's race, but here it only applies after a `match`,
// which the policy chooses.
#pragma once

#include <functional>
#include <vector>

namespace peerlab::analysis {

// Branches of up to T blocks (a, h <= T); at a = T or h = T the attacker must adopt or
// override. The revenue grows with T (a longer limit only adds strategies), by 1e-9 or less
// per block for alpha <= 1/3 but by 1e-4 per block at alpha = 0.475. T = 94 is the limit at
// which every value of the paper's Table 1 (gamma = 0, alpha 1/3 to 0.475) is reproduced digit
// for digit, the printed five decimals being our value rounded down (as a lower bound is);
// at 93 or 95 some printed digit differs. So 94 is the default: a user comparing with the
// paper gets its numbers.
inline constexpr int kOptimalSelfishDefaultMaxForkLength = 94;

enum class SelfishAction { kAdopt, kOverride, kMatch, kWait };
enum class SelfishFork { kIrrelevant, kRelevant, kActive };

// The index of state (a, h, fork) in OptimalSelfishResult::policy.
inline int SelfishStateIndex(int a, int h, SelfishFork fork, int max_fork_length) {
  return (a * (max_fork_length + 1) + h) * 3 + static_cast<int>(fork);
}

struct OptimalSelfishResult {
  double revenue = 0.0;        // the optimal relative revenue (share of main-chain blocks)
  int ratio_iterations = 0;    // Dinkelbach steps on rho (see OptimalSelfishMiningRevenue)
  int policy_iterations = 0;   // policy-iteration steps over all of them
  int states = 0;              // (max_fork_length + 1)^2 * 3
  // An optimal policy: the action in every state, at SelfishStateIndex(a, h, fork, T). It is
  // the policy that earns `revenue` (ties between equally good actions are broken towards
  // the earlier policy-iteration choice, so it is one optimal policy, deterministic). States
  // no policy reaches (an active fork with a < h, say) hold a feasible action too.
  std::vector<SelfishAction> policy;
};

// The optimal relative revenue E[attacker blocks] / E[all main-chain blocks] in the truncated
// model. Method: the paper's transformation of the ratio objective into average-reward MDPs
// with reward w_rho = (1 - rho) r_attacker - rho r_honest, whose optimal gain is zero exactly
// at the optimal ratio rho*. The paper finds that root by binary search over rho with value
// iteration; here it is found by Dinkelbach's iteration (rho <- the ratio earned by the policy
// that is optimal for the current rho; it increases monotonically and converges
// superlinearly), and each w_rho MDP is solved exactly by policy iteration, every policy
// evaluated with a sparse LU solve (Eigen). Every policy's chain is unichain (a run of honest
// blocks leads to an adopt from any state), which policy iteration needs.
// Preconditions: 0 <= alpha < 0.5, 0 <= gamma <= 1, 2 <= max_fork_length <= 200.
OptimalSelfishResult OptimalSelfishMining(
    double alpha, double gamma, int max_fork_length = kOptimalSelfishDefaultMaxForkLength);

// Shorthand for OptimalSelfishMining(...).revenue.
double OptimalSelfishMiningRevenue(double alpha, double gamma,
                                   int max_fork_length = kOptimalSelfishDefaultMaxForkLength);

// A fixed strategy: the action taken in state (a, h, fork). It must be feasible there
// (override needs a > h; match needs fork relevant and a >= h >= 1; wait needs a, h below
// the truncation and, in an active fork, a >= h >= 1; adopt always is), or the call asserts.
using SelfishPolicy = std::function<SelfishAction(int a, int h, SelfishFork fork)>;

// The relative revenue of a fixed strategy in the same model, from one policy evaluation:
// lets a strategy such as Eyal & Sirer's SM1 be checked against its closed form, and so checks
// the model's transitions and rewards independently of the optimisation.
// Preconditions as OptimalSelfishMining.
double SelfishPolicyRevenue(double alpha, double gamma, const SelfishPolicy& policy,
                            int max_fork_length = kOptimalSelfishDefaultMaxForkLength);

// Nayak, Kumar, Miller & Shi, "Stubborn Mining" (IEEE EuroS&P 2016): selfish mining with its
// stubborn switches, as peerlab's `selfish-mining` strategy plays them
// (families/bitcoin/src/strategies/selfish_mining.cpp), written as a policy of this model.
// After an honest block (fork relevant): behind, adopt, unless trail-stubborn on a branch of
// its own at most `trail` blocks behind (wait); one ahead, override, unless lead-stubborn;
// otherwise (even, or further ahead, or lead-stubborn) publish up to the honest height, a
// match. After its own block: during a matched race with the branches even before the block,
// override (publish and win), unless equal-fork-stubborn; a trailing branch that caught up is
// published in the simulation, but every honest node already holds the rival block first, so
// that publication splits nobody: in the model it is a wait, and the block after it (a = h + 1,
// not in a matched race) overrides as the strategy does; otherwise wait. All switches off is
// SM1 (revenue EyalSirerRevenue up to the truncation).
struct StubbornVariant {
  bool lead = false;        // lead_stubborn
  bool equal_fork = false;  // equal_fork_stubborn
  int trail = 0;            // trail_stubborn: blocks behind before adopting (0: adopt at once)
};
SelfishPolicy StubbornPolicy(const StubbornVariant& variant,
                             int max_fork_length = kOptimalSelfishDefaultMaxForkLength);
// SelfishPolicyRevenue of StubbornPolicy. Preconditions as OptimalSelfishMining, trail >= 0.
double StubbornPolicyRevenue(double alpha, double gamma, const StubbornVariant& variant,
                             int max_fork_length = kOptimalSelfishDefaultMaxForkLength);

}  // namespace peerlab::analysis
