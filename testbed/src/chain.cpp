#include "peerlab/testbed/chain.hpp"

namespace peerlab::testbed {
namespace {

// Bitcoin's regtest genesis header, the one sim/ gives every simulation (sim/src/simulation.cpp
// RegtestGenesis): real id 0f9188f1...466e2206, target 0x207fffff.
protocol::BlockHeader RegtestGenesis() {
  protocol::BlockHeader h;
  h.version = 1;
  static constexpr char kMerkleHex[] =
      "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
  for (int i = 0; i < 32; ++i) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    h.merkle_root.bytes[31 - i] =
        static_cast<std::uint8_t>(nibble(kMerkleHex[2 * i]) * 16 + nibble(kMerkleHex[2 * i + 1]));
  }
  h.time = 1296688602;
  h.bits = 0x207fffff;
  h.nonce = 2;
  return h;
}

protocol::NodeConfig NodeConfigFor(const ChainSetup& chain, const DaemonConfig& config,
                                   std::uint32_t unix_start) {
  protocol::NodeConfig n;
  n.relay = protocol::RelayMode::kHeaders;
  // The node's clock starts at daemon start; its Unix time (header and addr timestamps) is
  // the wall clock then plus the steady clock since, not the genesis time as in simulations.
  n.genesis_time = unix_start;
  n.bits = chain.genesis.bits;
  n.ping_interval = config.ping_interval;
  n.target_outbound = config.outbound;
  n.target_block_relay_only = 0;
  // The daemon refuses inbound connections beyond --max-inbound before the node sees them, so
  // Core's eviction (which would churn through a flood) is off here.
  n.max_inbound = 0;
  return n;
}

}  // namespace

Result<ChainSetup> LookupChain(std::string_view name) {
  if (name == "peerlab-sim") {
    ChainSetup c;
    c.name = std::string(name);
    c.magic = protocol::wire::kMagicRegtest;  // what the ns-3 backend speaks
    c.default_port = 18444;                   // regtest's port
    c.genesis = RegtestGenesis();
    c.genesis_size_bytes = 285;
    return c;
  }
  if (name == "litecoin-regtest" || name == "bitcoin-regtest") {
    return Status::Error("--chain: '" + std::string(name) +
                         "' needs chain parameters not built yet; use peerlab-sim");
  }
  return Status::Error("--chain: unknown chain '" + std::string(name) +
                       "' (known: peerlab-sim)");
}

NodeStack::NodeStack(const ChainSetup& chain, const DaemonConfig& config,
                     std::uint32_t unix_start, protocol::NetAddress local)
    : node_config(NodeConfigFor(chain, config, unix_start)),
      blocks(chain.genesis, chain.genesis_size_bytes),
      node(0, node_config, blocks, txs, config.seed, local) {}

std::unique_ptr<NodeStack> MakeNodeStack(const ChainSetup& chain, const DaemonConfig& config,
                                         std::uint32_t unix_start, protocol::NetAddress local) {
  return std::make_unique<NodeStack>(chain, config, unix_start, local);
}

}  // namespace peerlab::testbed
