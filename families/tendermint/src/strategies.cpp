#include "peerlab/tendermint/strategies.hpp"

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

}  // namespace peerlab::tendermint
