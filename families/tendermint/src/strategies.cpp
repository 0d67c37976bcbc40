#include "peerlab/tendermint/strategies.hpp"

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {

void EquivocatingHooks::SignVote(const Vote& honest, std::vector<Vote>& sent) {
  sent.push_back(honest);
  Vote other = honest;
  if (!honest.block_id.IsNil()) {
    other.block_id = BlockId{};
  } else {
    // A value that exists nowhere: a vote for it can never make a block decidable.
    other.block_id.hash.bytes.fill(0xEE);
    other.block_id.part_set_header.total = 1;
    other.block_id.part_set_header.hash.bytes.fill(0xEE);
  }
  sent.push_back(other);
}

bool ClassCensor::LeaveOut(TxId id) const {
  PEERLAB_ASSERT(id >= 1 && id <= class_of_tx_->size());
  return (*class_of_tx_)[id - 1] == censored_;
}

}  // namespace peerlab::tendermint
