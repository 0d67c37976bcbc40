#include "peerlab/analysis/markov.hpp"

#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <vector>

#include "peerlab/util/assert.hpp"

namespace peerlab::analysis {

int SelfishMiningChainMaxLead(double alpha) {
  PEERLAB_ASSERT(0.0 <= alpha && alpha < 0.5);
  constexpr double kTailMass = 1e-13;
  constexpr int kSmallest = 3;  // leads 0, 1, 2 have their own rules; 3 is the first plain one
  if (alpha == 0.0) return kSmallest;
  const double r = alpha / (1.0 - alpha);
  // r^K <= kTailMass (1 - r)  <=>  K >= log(kTailMass (1 - r)) / log(r), both logs negative.
  const double needed = std::log(kTailMass * (1.0 - r)) / std::log(r);
  return static_cast<int>(std::clamp(std::ceil(needed), double{kSmallest},
                                     double{kSelfishMiningChainLargestLead}));
}

SelfishMiningChain SolveSelfishMiningChain(double alpha, double gamma) {
  PEERLAB_ASSERT(0.0 <= alpha && alpha < 0.5);
  PEERLAB_ASSERT(0.0 <= gamma && gamma <= 1.0);
  const double a = alpha;
  const int max_lead = SelfishMiningChainMaxLead(alpha);
  const int tie = max_lead + 1;  // index of state 0'; indices 0..max_lead are the leads
  const int size = max_lead + 2;

  // Transitions (from, to, probability), the paper's figure 1.
  struct Step {
    int from;
    int to;
    double probability;
  };
  std::vector<Step> steps;
  steps.push_back({0, 1, a});  // the pool keeps its block
  steps.push_back({0, 0, 1 - a});
  steps.push_back({1, 2, a});
  steps.push_back({1, tie, 1 - a});  // the pool publishes its block: a race
  steps.push_back({tie, 0, 1.0});    // whoever finds the next block settles the race
  steps.push_back({2, 3, a});
  steps.push_back({2, 0, 1 - a});  // the pool publishes both blocks and wins
  for (int k = 3; k <= max_lead; ++k) {
    steps.push_back({k, std::min(k + 1, max_lead), a});
    steps.push_back({k, k - 1, 1 - a});  // the pool publishes one block, keeping a lead
  }

  // pi P = pi, i.e. (P^T - I) pi^T = 0. The equations are dependent (they sum to zero), so
  // the one of state 0 is replaced by pi(0) = 1 and the solution normalised afterwards. (A row
  // of ones for sum(pi) = 1 instead would fill the LU factors: memory quadratic in the lead.)
  constexpr int kPinnedRow = 0;
  std::vector<Eigen::Triplet<double>> entries;
  for (const Step& s : steps) {
    if (s.to != kPinnedRow) entries.emplace_back(s.to, s.from, s.probability);
  }
  for (int i = 0; i < size; ++i) entries.emplace_back(i, i, i == kPinnedRow ? 1.0 : -1.0);
  Eigen::SparseMatrix<double> system(size, size);
  system.setFromTriplets(entries.begin(), entries.end());  // duplicates are summed
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu;
  lu.compute(system);
  PEERLAB_ASSERT(lu.info() == Eigen::Success);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(size);
  rhs(kPinnedRow) = 1.0;
  Eigen::VectorXd pi = lu.solve(rhs);
  PEERLAB_ASSERT(lu.info() == Eigen::Success);
  pi /= pi.sum();

  SelfishMiningChain chain;
  chain.alpha = alpha;
  chain.gamma = gamma;
  chain.max_lead = max_lead;
  chain.lead.assign(pi.data(), pi.data() + max_lead + 1);
  chain.tie = pi(tie);

  // The paper's revenue per transition (section 4.2, cases a-h): blocks that are settled on
  // the main chain by the transition, credited to the pool or to the others.
  const double p0 = chain.lead[0];
  const double p2 = chain.lead[2];
  double lead_above_two = 0.0;
  for (int k = 3; k <= max_lead; ++k) lead_above_two += chain.lead[k];
  const double race = chain.tie;
  chain.pool_blocks_per_step = race * a * 2                // the pool wins the race itself
                               + race * gamma * (1 - a)    // others extend the pool's branch
                               + p2 * (1 - a) * 2          // lead 2 -> 0: both pool blocks
                               + lead_above_two * (1 - a);  // one pool block settles
  chain.others_blocks_per_step = p0 * (1 - a)                      // honest mining as usual
                                 + race * gamma * (1 - a)          // their block on the pool's
                                 + race * (1 - gamma) * (1 - a) * 2;  // they win the race
  chain.revenue = chain.pool_blocks_per_step /
                  (chain.pool_blocks_per_step + chain.others_blocks_per_step);
  return chain;
}

}  // namespace peerlab::analysis
