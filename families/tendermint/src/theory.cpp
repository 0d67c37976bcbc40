#include "peerlab/tendermint/theory.hpp"

#include <algorithm>

namespace peerlab::tendermint {

std::vector<int> RoundsWithSilentProposers(const ValidatorSet& genesis,
                                           const std::vector<bool>& silent, int heights) {
  std::vector<int> rounds;
  if (std::all_of(silent.begin(), silent.end(), [](bool s) { return s; })) return rounds;
  ValidatorSet height_set = genesis;
  for (int h = 0; h < heights; ++h) {
    int r = 0;
    while (true) {
      const ValidatorSet round_set = r == 0 ? height_set : height_set.CopyIncrementProposerPriority(r);
      const auto proposer = static_cast<std::size_t>(round_set.ProposerIndex());
      if (proposer >= silent.size() || !silent[proposer]) break;
      ++r;
    }
    rounds.push_back(r + 1);
    height_set.IncrementProposerPriority(1);
  }
  return rounds;
}

double ExpectedRoundsEqualPowers(int n, int k) {
  return static_cast<double>(n + 1) / static_cast<double>(n - k + 1);
}

}  // namespace peerlab::tendermint
