// Topology: who connects to whom at the start of a run.
//
// Builders return directed edges (from opens the connection to `to`, so `from` sees it as
// outbound); message flow is symmetric. Same spec + seed gives the same edges in the same order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerlab/sim/network_spec.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

struct Edge {
  std::uint32_t from;
  std::uint32_t to;
  // The family's class of connection (ConnectionKind; Bitcoin: 1 is block-relay-only).
  std::uint8_t connection_class = 0;
  bool dedicated = false;  // its own pipe (Engine::AddEdge; Bitcoin: a rushing link)
};

Result<std::vector<Edge>> BuildTopology(const TopologySpec& spec, std::uint32_t nodes, Rng& rng);

// Each node opens `outbound` connections to distinct random peers that still accept inbound
// connections (fewer than `max_inbound`), like Bitcoin Core's outbound selection without the
// address manager.
// Plus `restricted` more per node, of connection class 1 (Bitcoin: block-relay-only, Core: 2).
Result<std::vector<Edge>> OutboundTopology(std::uint32_t nodes, std::uint32_t outbound,
                                           std::uint32_t max_inbound, Rng& rng,
                                           std::uint32_t restricted = 0);
// Uniform-ish random `degree`-regular simple graph (pairing with rejection and restarts).
Result<std::vector<Edge>> RandomRegularTopology(std::uint32_t nodes, std::uint32_t degree,
                                                Rng& rng);
// Edge-list files: lines "FROM TO" with 0-based node indices, separated by spaces, tabs or a
// comma; '#' starts a comment; blank lines are skipped. The file must be a regular file of at
// most kMaxEdgeListBytes (256 MiB: a million-node graph of eight connections per node is about
// 120 MB), refused before reading; it must give at least one connection, without self-loops
// or repeats (either direction).
inline constexpr std::uint64_t kMaxEdgeListBytes = std::uint64_t{256} << 20;

// Where an edge-list problem is: `line` 0 is about the whole file (cannot read, too large, no
// connections). Lines and columns are 1-based; columns count bytes.
struct EdgeListError {
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  std::string message;
};

// The error's message is "PATH:LINE:COL: message" (or "PATH: message"); `error`, when given,
// receives the parts so the scenario layer can add its key path.
Result<std::vector<Edge>> EdgeListTopology(const std::string& path, std::uint32_t nodes,
                                           EdgeListError* error = nullptr);

}  // namespace peerlab::sim
