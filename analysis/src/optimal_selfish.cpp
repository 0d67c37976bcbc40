#include "peerlab/analysis/optimal_selfish.hpp"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "peerlab/util/assert.hpp"

namespace peerlab::analysis {
namespace {

// The fork label as an index, in the order of SelfishFork.
enum Fork : int { kIrrelevant = 0, kRelevant = 1, kActive = 2 };

struct Transition {
  int to = 0;
  double probability = 0.0;
};

// One feasible action in one state: where the next block leads, and the blocks the action
// settles on the main chain for each side (expected values over the next block where the
// settlement depends on it, as for a matched race won on the attacker's branch).
struct Choice {
  SelfishAction action = SelfishAction::kAdopt;
  std::array<Transition, 3> next{};
  int next_count = 0;
  double attacker_reward = 0.0;
  double honest_reward = 0.0;

  void Add(int to, double probability) {
    if (probability > 0.0) next[next_count++] = {to, probability};
  }
};

class SelfishMiningMdp {
 public:
  SelfishMiningMdp(double alpha, double gamma, int max_fork_length)
      : max_fork_(max_fork_length), states_((max_fork_length + 1) * (max_fork_length + 1) * 3) {
    first_choice_.reserve(states_ + 1);
    for (int s = 0; s < states_; ++s) {
      first_choice_.push_back(static_cast<int>(choices_.size()));
      AddChoices(s, alpha, gamma);
    }
    first_choice_.push_back(static_cast<int>(choices_.size()));
  }

  int States() const { return states_; }
  int FirstChoice(int state) const { return first_choice_[state]; }
  int EndChoice(int state) const { return first_choice_[state + 1]; }
  const Choice& ChoiceAt(int index) const { return choices_[index]; }
  int Index(int a, int h, int fork) const {
    PEERLAB_ASSERT(0 <= a && a <= max_fork_ && 0 <= h && h <= max_fork_);
    return (a * (max_fork_ + 1) + h) * 3 + fork;
  }

  // The state every policy returns to: an adopt followed by an honest block.
  int RecurrentState() const { return Index(0, 1, kRelevant); }

  // The choice a fixed strategy makes in every state.
  std::vector<int> PolicyOf(const SelfishPolicy& strategy) const {
    std::vector<int> policy(states_);
    for (int s = 0; s < states_; ++s) {
      const int a = s / 3 / (max_fork_ + 1);
      const int h = s / 3 % (max_fork_ + 1);
      const SelfishAction wanted = strategy(a, h, static_cast<SelfishFork>(s % 3));
      policy[s] = -1;
      for (int c = FirstChoice(s); c < EndChoice(s); ++c) {
        if (choices_[c].action == wanted) policy[s] = c;
      }
      PEERLAB_ASSERT(policy[s] >= 0);  // the strategy chose an infeasible action
    }
    return policy;
  }

  // Honest mining as a policy: publish every own block at once (override with a = h + 1),
  // adopt the public chain otherwise. Earns alpha.
  std::vector<int> HonestPolicy() const {
    std::vector<int> policy(states_);
    for (int s = 0; s < states_; ++s) {
      const int a = s / 3 / (max_fork_ + 1);
      const int h = s / 3 % (max_fork_ + 1);
      // Choices are added adopt first, then override (if a > h).
      policy[s] = FirstChoice(s) + (a > h ? 1 : 0);
    }
    return policy;
  }

 private:
  void AddChoices(int s, double alpha, double gamma) {
    const int fork = s % 3;
    const int h = s / 3 % (max_fork_ + 1);
    const int a = s / 3 / (max_fork_ + 1);
    const double honest = 1.0 - alpha;

    Choice adopt;  // the attacker takes the public chain; its h blocks are the others'
    adopt.action = SelfishAction::kAdopt;
    adopt.Add(Index(1, 0, kIrrelevant), alpha);
    adopt.Add(Index(0, 1, kRelevant), honest);
    adopt.honest_reward = h;
    choices_.push_back(adopt);

    if (a > h) {  // publish h + 1 private blocks: the public branch is orphaned
      Choice override_choice;
      override_choice.action = SelfishAction::kOverride;
      override_choice.Add(Index(a - h, 0, kIrrelevant), alpha);
      override_choice.Add(Index(a - h - 1, 1, kRelevant), honest);
      override_choice.attacker_reward = h + 1;
      choices_.push_back(override_choice);
    }

    // Waiting or matching lengthens a branch; at the truncation only adopt and override are left.
    if (a >= max_fork_ || h >= max_fork_) return;

    // The network split between two branches of length h: the next honest block lands on the
    // attacker's branch with probability gamma, settling its h blocks there.
    auto split = [&](SelfishAction action) {
      Choice c;
      c.action = action;
      c.Add(Index(a + 1, h, kActive), alpha);
      c.Add(Index(a - h, 1, kRelevant), gamma * honest);
      c.Add(Index(a, h + 1, kRelevant), (1.0 - gamma) * honest);
      c.attacker_reward = gamma * honest * h;
      return c;
    };
    // A split needs a private branch at least as long as the public one; active states
    // without one (a < h, or h = 0) are never reached and keep only adopt and override.
    const bool can_split = h >= 1 && a >= h;
    if (fork == kActive) {
      if (can_split) choices_.push_back(split(SelfishAction::kWait));  // while the split lasts
    } else {
      Choice wait;
      wait.action = SelfishAction::kWait;
      wait.Add(Index(a + 1, h, kIrrelevant), alpha);
      wait.Add(Index(a, h + 1, kRelevant), honest);
      choices_.push_back(wait);
      if (fork == kRelevant && can_split) choices_.push_back(split(SelfishAction::kMatch));
    }
  }

  int max_fork_;
  int states_;
  std::vector<int> first_choice_;
  std::vector<Choice> choices_;
};

// A policy's long-run rewards per step (gains) and relative values (biases, 0 at the
// recurrent state) for the attacker's and the honest side's blocks.
struct Evaluation {
  double attacker_gain = 0.0;
  double honest_gain = 0.0;
  Eigen::VectorXd attacker_bias;
  Eigen::VectorXd honest_bias;

  double Ratio() const { return attacker_gain / (attacker_gain + honest_gain); }
};

// Solves g + b(s) = r(s) + sum_s' P(s, s') b(s') with b(ref) = 0 for both reward streams at
// once: the unknown b(ref) is replaced by g, so column ref of (I - P) becomes all ones.
Evaluation Evaluate(const SelfishMiningMdp& mdp, const std::vector<int>& policy) {
  const int n = mdp.States();
  const int ref = mdp.RecurrentState();
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(static_cast<std::size_t>(n) * 5);
  Eigen::MatrixXd rewards(n, 2);
  for (int s = 0; s < n; ++s) {
    const Choice& c = mdp.ChoiceAt(policy[s]);
    if (s != ref) entries.emplace_back(s, s, 1.0);
    entries.emplace_back(s, ref, 1.0);
    for (int i = 0; i < c.next_count; ++i) {
      if (c.next[i].to != ref) entries.emplace_back(s, c.next[i].to, -c.next[i].probability);
    }
    rewards(s, 0) = c.attacker_reward;
    rewards(s, 1) = c.honest_reward;
  }
  Eigen::SparseMatrix<double> system(n, n);
  system.setFromTriplets(entries.begin(), entries.end());
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(system);
  PEERLAB_ASSERT(lu.info() == Eigen::Success);  // fails only if a policy were multichain
  Eigen::MatrixXd solution = lu.solve(rewards);
  PEERLAB_ASSERT(lu.info() == Eigen::Success);

  Evaluation e;
  e.attacker_gain = solution(ref, 0);
  e.honest_gain = solution(ref, 1);
  solution(ref, 0) = 0.0;
  solution(ref, 1) = 0.0;
  e.attacker_bias = solution.col(0);
  e.honest_bias = solution.col(1);
  return e;
}

// One policy-improvement step for the reward w_rho = (1 - rho) r_attacker - rho r_honest:
// every state switches to the choice with the best one-step lookahead on the current biases,
// keeping its choice unless another is better by more than rounding. Returns whether any
// state switched.
bool Improve(const SelfishMiningMdp& mdp, const Evaluation& e, double rho,
             std::vector<int>& policy) {
  const Eigen::VectorXd bias = (1.0 - rho) * e.attacker_bias - rho * e.honest_bias;
  auto lookahead = [&](const Choice& c) {
    double value = (1.0 - rho) * c.attacker_reward - rho * c.honest_reward;
    for (int i = 0; i < c.next_count; ++i) value += c.next[i].probability * bias(c.next[i].to);
    return value;
  };
  bool changed = false;
  for (int s = 0; s < mdp.States(); ++s) {
    double best = lookahead(mdp.ChoiceAt(policy[s]));
    const double margin = 1e-11 * (1.0 + std::abs(best));
    int best_choice = policy[s];
    for (int c = mdp.FirstChoice(s); c < mdp.EndChoice(s); ++c) {
      const double value = lookahead(mdp.ChoiceAt(c));
      if (value > best + margin) {
        best = value;
        best_choice = c;
      }
    }
    if (best_choice != policy[s]) {
      policy[s] = best_choice;
      changed = true;
    }
  }
  return changed;
}

}  // namespace

OptimalSelfishResult OptimalSelfishMining(double alpha, double gamma, int max_fork_length) {
  PEERLAB_ASSERT(0.0 <= alpha && alpha < 0.5);
  PEERLAB_ASSERT(0.0 <= gamma && gamma <= 1.0);
  PEERLAB_ASSERT(2 <= max_fork_length && max_fork_length <= 200);
  const SelfishMiningMdp mdp(alpha, gamma, max_fork_length);
  OptimalSelfishResult result;
  result.states = mdp.States();

  std::vector<int> policy = mdp.HonestPolicy();
  Evaluation evaluation = Evaluate(mdp, policy);
  double rho = evaluation.Ratio();
  // Dinkelbach: optimise w_rho by policy iteration, then move rho to what that policy earns.
  // The optimal gain of w_rho is (attacker + honest gain) * (ratio - rho) >= 0; it is zero,
  // and rho optimal, when policy iteration ends with no policy earning more than rho.
  constexpr int kMaxRatioIterations = 100;
  constexpr int kMaxPolicyIterations = 1000;
  for (int ratio_step = 0; ratio_step < kMaxRatioIterations; ++ratio_step) {
    ++result.ratio_iterations;
    for (int step = 0; step < kMaxPolicyIterations; ++step) {
      if (!Improve(mdp, evaluation, rho, policy)) break;
      ++result.policy_iterations;
      evaluation = Evaluate(mdp, policy);
    }
    const double earned = evaluation.Ratio();
    if (earned <= rho + 1e-14) break;
    rho = earned;
  }
  result.revenue = rho;
  result.policy.reserve(policy.size());
  for (const int choice : policy) result.policy.push_back(mdp.ChoiceAt(choice).action);
  return result;
}

double SelfishPolicyRevenue(double alpha, double gamma, const SelfishPolicy& policy,
                            int max_fork_length) {
  PEERLAB_ASSERT(0.0 <= alpha && alpha < 0.5);
  PEERLAB_ASSERT(0.0 <= gamma && gamma <= 1.0);
  PEERLAB_ASSERT(2 <= max_fork_length && max_fork_length <= 200);
  const SelfishMiningMdp mdp(alpha, gamma, max_fork_length);
  return Evaluate(mdp, mdp.PolicyOf(policy)).Ratio();
}

SelfishPolicy StubbornPolicy(const StubbornVariant& v, int max_fork_length) {
  PEERLAB_ASSERT(v.trail >= 0);
  return [v, max_fork_length](int a, int h, SelfishFork fork) {
    // At the truncation, and in states no run reaches (an active fork without a split), only
    // adopt and override are left.
    if (std::max(a, h) >= max_fork_length || (fork == SelfishFork::kActive && h == 0)) {
      return a > h ? SelfishAction::kOverride : SelfishAction::kAdopt;
    }
    switch (fork) {
      case SelfishFork::kRelevant:  // an honest block just arrived
        if (h == 0) return SelfishAction::kWait;  // not reached (the last block was honest)
        if (a < h) {
          return a >= 1 && h - a <= v.trail ? SelfishAction::kWait : SelfishAction::kAdopt;
        }
        if (a == h + 1 && !v.lead) return SelfishAction::kOverride;
        return SelfishAction::kMatch;
      case SelfishFork::kActive:  // its own block during a matched race
        if (a == h + 1 && !v.equal_fork) return SelfishAction::kOverride;
        return a >= h ? SelfishAction::kWait : SelfishAction::kAdopt;  // a < h: not reached
      case SelfishFork::kIrrelevant:  // its own block, no race
        if (a == h + 1 && h >= 1) return SelfishAction::kOverride;  // after a trailing catch-up
        return SelfishAction::kWait;
    }
    return SelfishAction::kAdopt;
  };
}

double StubbornPolicyRevenue(double alpha, double gamma, const StubbornVariant& variant,
                             int max_fork_length) {
  return SelfishPolicyRevenue(alpha, gamma, StubbornPolicy(variant, max_fork_length),
                              max_fork_length);
}

double OptimalSelfishMiningRevenue(double alpha, double gamma, int max_fork_length) {
  return OptimalSelfishMining(alpha, gamma, max_fork_length).revenue;
}

}  // namespace peerlab::analysis
