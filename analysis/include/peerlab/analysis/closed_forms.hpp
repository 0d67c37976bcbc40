// Closed forms from the attack literature, so simulated runs can be checked against theory.
// Every function is pure and deterministic: doubles in, a double out. Preconditions are checked
// with PEERLAB_ASSERT (always on): a bad argument is a bug in the caller, not a user error.
//
// Shared notation: q is the attacker's share of the hashrate, p = 1 - q the honest share, and
// every new block is the attacker's with probability q independently of the others (mining is
// a Poisson process, so the order of finders is a Bernoulli sequence). z counts confirmations:
// the block holding the payment is the first, so the merchant accepts once the honest chain
// has z blocks after the fork point.
#pragma once

namespace peerlab::analysis {

// Eyal & Sirer, "Majority is not enough: Bitcoin mining is vulnerable" (FC 2014): the selfish
// pool's share of main-chain blocks in the long run,
//   R = [a(1-a)^2 (4a + g(1-2a)) - a^3] / [1 - a(1 + (2-a)a)],
// where a (alpha) is the pool's hashrate share and g (gamma) the share of honest hashrate that
// mines on the pool's block during a tie. Selfish mining beats honest mining (R > a) exactly
// when (1-g)/(3-2g) < a < 1/2.
// Preconditions: 0 <= alpha < 0.5, 0 <= gamma <= 1.
double EyalSirerRevenue(double alpha, double gamma);

// Nakamoto, "Bitcoin: A Peer-to-Peer Electronic Cash System" (2008), section 11: the chance
// that an attacker ever catches up from z blocks behind, taking the attacker's progress while
// the honest chain found z blocks as Poisson with mean z q / p (an approximation: the count is
// really negative binomial, see RosenfeldDoubleSpend),
//   P = 1 - sum_{k=0}^{z} e^{-l} l^k / k! (1 - (q/p)^{z-k}),  l = z q / p.
// Returns 1 for q >= 0.5 (catching up is then certain) and for z = 0.
// Preconditions: 0 <= q <= 1, z >= 0.
double NakamotoDoubleSpend(double q, int z);

// Rosenfeld, "Analysis of hashrate-based double spending" (arXiv:1402.2009, 2014): the exact
// success probability when the attacker has pre-mined one block before paying and succeeds
// once the merchant has z confirmations and the attacker's chain is longer,
//   r = 1 - sum_{m=0}^{z} C(m+z-1, m) (p^z q^m - p^m q^z)   for q < p,
// and r = 1 for q >= 0.5 or z = 0. The same number is Grunspan & Perez-Marco's "Double spend
// races" (2017) I_{4pq}(z, 1/2) for an attacker without the pre-mined block who only needs to
// catch up. Computed as written, 1 minus a sum close to 1: the absolute error is a few 1e-16
// per term, so very small results (below about 1e-12) are not accurate in relative terms.
// Preconditions: 0 <= q <= 1, z >= 0.
double RosenfeldDoubleSpend(double q, int z);

// The exact success probability of the double-spend strategy peerlab simulates, without Monte
// Carlo. An attempt starts at a fork point with the attacker's private chain at a = 0 blocks
// (a = 1 with `premine`: the attacker mines one private block first, then pays, as Rosenfeld
// assumes) and the honest chain at h = 0; the payment is in the first honest block. Each new
// block raises a with probability q, else h. The attacker
//   - succeeds the first moment h >= z and a > h (a strictly longer chain, which it publishes);
//   - gives up the first moment h - a >= max_deficit, at any time, also before h reaches z.
// With `premine` and a far barrier (max_deficit -> infinity) this is RosenfeldDoubleSpend.
// Computed by dynamic programming over the honest blocks until h = z, then the gambler's ruin
// from the resulting lead with absorbing barriers at lead +1 and lead -max_deficit.
// Cost O(z^2). Preconditions: 0 <= q < 1, z >= 0, max_deficit >= 1.
double DoubleSpendSuccess(double q, int z, int max_deficit, bool premine);

// Censorship by a hashrate share c that never includes a transaction while every other miner
// includes it in its next block: the number K of blocks found after the transaction appears,
// up to and including the one that holds it, is geometric on {1, 2, ...} with success 1 - c
// (summary.json's `inclusion_delay_blocks` when propagation and fee competition do not matter).
// Expected K = 1 / (1 - c). Precondition: 0 <= c < 1.
double CensorshipExpectedDelayBlocks(double censor_share);

// The smallest k with P(K <= k) = 1 - c^k >= quantile: the nearest-rank percentile that
// summary.json reports for a large sample. A whole number, returned as a double.
// Preconditions: 0 <= c < 1, 0 < quantile < 1.
double CensorshipDelayQuantile(double censor_share, double quantile);

}  // namespace peerlab::analysis
