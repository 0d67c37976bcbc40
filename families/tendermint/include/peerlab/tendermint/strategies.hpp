// Byzantine validators of the Tendermint family (docs/tendermint.md, "Adversaries"): policies
// plugged into the consensus core's hooks (consensus.hpp, ConsensusHooks). Silent validators
// need no hook: their node is given no key (families/tendermint/sim).
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/tendermint/consensus.hpp"
#include "peerlab/tendermint/node.hpp"

namespace peerlab::tendermint {

// Signs every vote twice: the honest one, and one for a different value (nil for a block, or
// for nil a block id nobody proposed), which the node sends straight to half of its peers. The
// core counts the honest one as its own; peers that see both report the pair as evidence.
class EquivocatingHooks final : public ConsensusHooks {
 public:
  void SignVote(const Vote& honest, std::vector<Vote>& sent) override;
};

// Leaves one transaction class out of its node's proposals. A transaction's class is what its
// content says (an address, a contract); the driver keeps it by id in `class_of_tx` (index: id
// - 1), which must outlive the filter. The node still relays and votes as an honest one: the
// censorship is its proposals', as Miller's "exclude" mode (docs/attacks.md).
class ClassCensor final : public ProposalTxFilter {
 public:
  ClassCensor(const std::vector<std::uint16_t>* class_of_tx, std::uint16_t censored)
      : class_of_tx_(class_of_tx), censored_(censored) {}
  bool LeaveOut(TxId id) const override;

 private:
  const std::vector<std::uint16_t>* class_of_tx_;
  std::uint16_t censored_;
};

}  // namespace peerlab::tendermint
