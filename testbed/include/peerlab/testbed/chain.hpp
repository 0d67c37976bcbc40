// The seam where chain parameters plug into the daemon: one lookup from a chain name to what
// the wire and the stores need, and one function that builds the node with its stores.
//
// Every chain (protocol/chain_params.hpp: peerlab-sim, litecoin-regtest, bitcoin-regtest) runs
// in open mode: the node's BlockStore is built from the chain's parameters, headers and blocks
// from peers are checked (proof of work, bits, median time past, merkle root) and stored by
// each connection's ByteSeam::Open, and blocks mined here are real (a coinbase, a merkle root,
// a ground nonce), so daemons relay blocks to each other and to real nodes of the chain.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/node.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/testbed/config.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::testbed {

struct ChainSetup {
  std::string name;
  bitcoin::wire::Magic magic{};
  std::uint16_t default_port = 0;  // --listen default; where node-chosen addresses are dialled
  bitcoin::BlockHeader genesis;
  std::uint32_t genesis_size_bytes = 0;
  // The built-in parameters (immutable, program lifetime): the open store is built from them.
  const bitcoin::ChainParams* params = nullptr;
};

// The only place chain names are resolved. Unknown names: one-line error naming the valid ones.
Result<ChainSetup> LookupChain(std::string_view name);

// A node and what it points to; not movable (the node keeps pointers to its neighbours).
struct NodeStack {
  // `unix_start`: wall-clock Unix seconds at daemon start; the node's time 0. `local`: the
  // address the node announces (kNoAddress: none).
  NodeStack(const ChainSetup& chain, const DaemonConfig& config, std::uint32_t unix_start,
            bitcoin::NetAddress local);
  NodeStack(const NodeStack&) = delete;
  NodeStack& operator=(const NodeStack&) = delete;

  bitcoin::NodeConfig node_config;
  bitcoin::BlockStore blocks;  // open mode: ByteSeam::Open adds what peers send
  bitcoin::TxStore txs;
  bitcoin::Node node;
};

std::unique_ptr<NodeStack> MakeNodeStack(const ChainSetup& chain, const DaemonConfig& config,
                                         std::uint32_t unix_start, bitcoin::NetAddress local);

}  // namespace peerlab::testbed
