#include "peerlab/testbed/chain.hpp"

namespace peerlab::testbed {
namespace {

bitcoin::NodeConfig NodeConfigFor(const ChainSetup& chain, const DaemonConfig& config,
                                   std::uint32_t unix_start) {
  bitcoin::NodeConfig n;
  n.relay = config.relay;
  n.validation_fixed = config.validation_fixed;
  n.validation_per_mb = config.validation_per_mb;
  // The node's clock starts at daemon start; its Unix time (addr timestamps; header times
  // when the caller gives none) is the wall clock then plus the steady clock since, not the
  // genesis time as in simulations.
  n.genesis_time = unix_start;
  n.bits = chain.params->bits;
  n.ping_interval = config.ping_interval;
  n.target_outbound = config.outbound;
  n.target_block_relay_only = 0;
  // Core's eviction among established inbound peers. The daemon (admission.hpp) first makes
  // room by closing a connection still in its handshake when there is one, so the node
  // evicts only when every inbound slot holds a handshaked peer.
  n.max_inbound = config.max_inbound;
  // Mined coinbases pay OP_TRUE (NodeConfig's default): a test chain needs no keys.
  return n;
}

}  // namespace

Result<ChainSetup> LookupChain(std::string_view name) {
  auto params = bitcoin::FindChainParams(name);
  if (!params.ok()) return Status::Error("--chain: " + params.status().message());
  const bitcoin::ChainParams& p = **params;
  ChainSetup c;
  c.name = std::string(name);
  c.magic = p.magic;
  c.default_port = p.default_port;
  c.genesis = p.genesis;
  c.genesis_size_bytes = static_cast<std::uint32_t>(p.genesis_block.size());
  c.params = &p;
  return c;
}

NodeStack::NodeStack(const ChainSetup& chain, const DaemonConfig& config,
                     std::uint32_t unix_start, bitcoin::NetAddress local)
    : node_config(NodeConfigFor(chain, config, unix_start)),
      blocks(*chain.params),
      node(0, node_config, blocks, txs, config.seed, local) {
  blocks.set_max_blockless_headers(config.max_blockless_headers);
}

std::unique_ptr<NodeStack> MakeNodeStack(const ChainSetup& chain, const DaemonConfig& config,
                                         std::uint32_t unix_start, bitcoin::NetAddress local) {
  return std::make_unique<NodeStack>(chain, config, unix_start, local);
}

}  // namespace peerlab::testbed
