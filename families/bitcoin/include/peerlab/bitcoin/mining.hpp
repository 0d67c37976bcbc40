// Real mining for open mode (a daemon's node): a block another node of the chain accepts, with
// a coinbase paying the height's subsidy, a real merkle root and a nonce ground until the
// chain's proof of work passes. The simulation's synthetic blocks (Node::MineBlock) stay as
// they are; this is only used when the node's store is open (design §3).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire/transaction.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin {

// The coinbase output script used when none is given: OP_TRUE (anyone can spend; valid in a
// block, which is all a test chain needs).
inline constexpr std::uint8_t kOpTrue = 0x51;

struct RealBlockRequest {
  Hash256 parent;             // id of the block to build on
  std::uint32_t height = 0;   // height of the new block
  std::uint32_t time = 0;     // header time (Unix seconds), as the caller's clock says
  std::span<const std::uint8_t> output_script;  // empty: OP_TRUE
  std::uint32_t extra_nonce = 0;  // in the coinbase: different miners, different blocks
};

struct RealBlock {
  wire::Block block;
  std::vector<std::uint8_t> bytes;  // the serialized block
  std::uint64_t tries = 0;          // nonces tried until the proof of work passed
};

// `height` as the script push BIP34 requires at the start of a coinbase scriptSig (Core's
// CScript() << height: OP_0, OP_1..OP_16, or a minimal little-endian number push).
std::vector<std::uint8_t> HeightPush(std::uint32_t height);

// Builds the coinbase (BIP34 height and extra nonce in its scriptSig, one output of the
// subsidy for `height`, no witness, so no commitment is needed), the header (version
// 0x20000000, the chain's bits) and grinds the nonce. Fails only if no nonce passes.
Result<RealBlock> MineRealBlock(const ChainParams& chain, const RealBlockRequest& request);

}  // namespace peerlab::bitcoin
