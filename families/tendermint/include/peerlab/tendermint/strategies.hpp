// Byzantine validators of the Tendermint family (docs/tendermint.md, "Adversaries"): policies
// plugged into the consensus core's hooks (consensus.hpp, ConsensusHooks). Silent validators
// need no hook: their node is given no key (families/tendermint/sim).
#pragma once

#include <vector>

#include "peerlab/tendermint/consensus.hpp"

namespace peerlab::tendermint {

// Signs every vote twice: the honest one, and one for a different value (nil for a block, or
// for nil a block id nobody proposed), which the node sends straight to half of its peers. The
// core counts the honest one as its own; peers that see both report the pair as evidence.
class EquivocatingHooks final : public ConsensusHooks {
 public:
  void SignVote(const Vote& honest, std::vector<Vote>& sent) override;
};

}  // namespace peerlab::tendermint
