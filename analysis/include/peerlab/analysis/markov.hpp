// Eyal & Sirer's selfish-mining Markov chain ("Majority is not enough: Bitcoin mining is
// vulnerable", FC 2014, section 4), built as a transition matrix and solved for its stationary
// distribution with a sparse LU factorisation (Eigen), independently of the closed form
// EyalSirerRevenue (closed_forms.hpp) that the paper derives from the same chain.
//
// States: 0 (no private lead, one public chain), 0' (two public branches of length one, a
// race), and k = 1, 2, ... (the pool's private chain is k blocks ahead of the public one).
// Each step one block is found, the pool's with probability alpha.
#pragma once

#include <vector>

namespace peerlab::analysis {

struct SelfishMiningChain {
  double alpha = 0.0;
  double gamma = 0.0;
  // The largest lead kept (see SelfishMiningChainMaxLead); leads above it are folded into it.
  int max_lead = 0;
  // Stationary probabilities: lead[k] of state k for k = 0..max_lead (lead[0] is state 0),
  // and `tie` of state 0'. They sum to 1.
  std::vector<double> lead;
  double tie = 0.0;
  // Expected blocks per step that end on the main chain for the pool and for the others,
  // from the paper's per-transition accounting, and the pool's share of them.
  double pool_blocks_per_step = 0.0;
  double others_blocks_per_step = 0.0;
  double revenue = 0.0;
};

// No chain is longer than this (about 130 MB and 0.2 s to solve). It takes over from the tail
// bound below only for alpha > 0.49996, where the truncation error grows past 1e-13 (to 1e-5
// at alpha = 0.4999999) while the revenue is within 1e-3 of 1.
inline constexpr int kSelfishMiningChainLargestLead = 250'000;

// The truncation: the smallest lead K >= 3 with r^K / (1 - r) <= 1e-13, r = alpha / (1 - alpha)
// (at most kSelfishMiningChainLargestLead).
// Above lead 2 the chain is a birth-death walk (up with alpha, down with 1 - alpha), so the
// untruncated chain has p_k = r^(k-1) p_1 and puts mass p_1 r^K / (1 - r) <= 1e-13 above K.
// Folding those leads into K (a pool block at lead K stays at K) keeps every balance equation
// below K, so the truncated chain's probabilities are the untruncated ones conditioned on
// lead <= K: each is off by a relative 1e-13 at most, and so is the revenue.
// Precondition: 0 <= alpha < 0.5.
int SelfishMiningChainMaxLead(double alpha);

// Builds the chain truncated at SelfishMiningChainMaxLead(alpha), solves pi (P - I) = 0 with
// sum(pi) = 1 by sparse LU, and applies the paper's rewards. Preconditions: 0 <= alpha < 0.5,
// 0 <= gamma <= 1.
SelfishMiningChain SolveSelfishMiningChain(double alpha, double gamma);

}  // namespace peerlab::analysis
