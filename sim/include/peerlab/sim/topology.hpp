// Topology: who connects to whom at the start of a run.
//
// Builders return directed edges (from opens the connection to `to`, so `from` sees it as
// outbound); message flow is symmetric. Same spec + seed gives the same edges in the same order.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/sim/config.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

struct Edge {
  std::uint32_t from;
  std::uint32_t to;
  bool block_relay_only = false;  // no transaction (or address) relay on this connection
  bool rushing = false;           // a strategy's direct link (sim/config.hpp RushingSpec)
};

// `edge_file_label` names the file in errors (the scenario's key path is added by the caller).
Result<std::vector<Edge>> BuildTopology(const TopologySpec& spec, std::uint32_t nodes, Rng& rng);

// Each node opens `outbound` connections to distinct random peers that still accept inbound
// connections (fewer than `max_inbound`), like Bitcoin Core's outbound selection without the
// address manager.
// The last `block_relay_only` connections of each node are block-relay-only (Core: 2).
Result<std::vector<Edge>> BitcoinTopology(std::uint32_t nodes, std::uint32_t outbound,
                                          std::uint32_t max_inbound, Rng& rng,
                                          std::uint32_t block_relay_only = 0);
// Uniform-ish random `degree`-regular simple graph (pairing with rejection and restarts).
Result<std::vector<Edge>> RandomRegularTopology(std::uint32_t nodes, std::uint32_t degree,
                                                Rng& rng);
// Lines "FROM TO" with 0-based node indices; '#' starts a comment; blank lines are skipped.
Result<std::vector<Edge>> EdgeListTopology(const std::string& path, std::uint32_t nodes);

}  // namespace peerlab::sim
