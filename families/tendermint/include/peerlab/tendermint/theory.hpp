// What theory says about rounds per height when some proposers are silent (docs/tendermint.md,
// "Theory"). A round whose proposer is silent fails (every node times out and moves on); a round
// whose proposer is honest commits, in a network that delivers within the timeouts. So a height
// takes 1 + (the number of silent proposers in a row from its round-0 proposer) rounds.
#pragma once

#include <vector>

#include "peerlab/tendermint/validator_set.hpp"

namespace peerlab::tendermint {

// Rounds of each of `heights` heights from genesis, replaying CometBFT's proposer selection: the
// round-0 set of height h is genesis advanced once per height, round r's proposer that set
// advanced r more times (consensus.hpp). `silent[i]`: validator i (in the set's order) never
// proposes. Returns an empty vector if every validator is silent (no height ever commits).
std::vector<int> RoundsWithSilentProposers(const ValidatorSet& genesis,
                                           const std::vector<bool>& silent, int heights);

// Equal voting powers, k of n validators silent, placed at random in the rotation: the expected
// rounds per height, 1 + sum_{j=1..k} C(n-j, k-j) / C(n, k) = (n + 1) / (n - k + 1).
double ExpectedRoundsEqualPowers(int n, int k);

}  // namespace peerlab::tendermint
