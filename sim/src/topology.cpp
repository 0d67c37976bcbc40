#include "peerlab/sim/topology.hpp"

#include <algorithm>
#include <string>

namespace peerlab::sim {
namespace {

using Adjacency = std::vector<std::vector<std::uint32_t>>;

bool Adjacent(const Adjacency& adj, std::uint32_t a, std::uint32_t b) {
  const auto& shorter = adj[a].size() <= adj[b].size() ? adj[a] : adj[b];
  const std::uint32_t other = adj[a].size() <= adj[b].size() ? b : a;
  return std::find(shorter.begin(), shorter.end(), other) != shorter.end();
}

void Connect(Adjacency& adj, std::vector<Edge>& edges, std::uint32_t from, std::uint32_t to) {
  adj[from].push_back(to);
  adj[to].push_back(from);
  edges.push_back({from, to});
}

}  // namespace

Result<std::vector<Edge>> BuildTopology(const TopologySpec& spec, std::uint32_t nodes, Rng& rng) {
  switch (spec.kind) {
    case TopologyKind::kOutboundChoice:
      return OutboundTopology(nodes, spec.outbound, spec.max_inbound, rng, spec.restricted_outbound);
    case TopologyKind::kRandomRegular: return RandomRegularTopology(nodes, spec.degree, rng);
    case TopologyKind::kEdgeList: return EdgeListTopology(spec.edge_file, nodes);
  }
  return Status::Error("unknown topology kind");
}

Result<std::vector<Edge>> OutboundTopology(std::uint32_t nodes, std::uint32_t full_relay,
                                           std::uint32_t max_inbound, Rng& rng,
                                           std::uint32_t restricted) {
  const std::uint32_t outbound = full_relay + restricted;
  if (outbound >= nodes) {
    return Status::Error("outbound (" + std::to_string(outbound) + ") must be below nodes (" +
                         std::to_string(nodes) + ")");
  }
  Adjacency adj(nodes);
  std::vector<std::uint32_t> inbound(nodes, 0);
  std::vector<Edge> edges;
  edges.reserve(static_cast<std::size_t>(nodes) * outbound);
  // Candidates still accepting inbound connections; removing full ones keeps sampling O(1).
  std::vector<std::uint32_t> open(nodes);
  std::vector<std::uint32_t> position(nodes);
  for (std::uint32_t i = 0; i < nodes; ++i) open[i] = position[i] = i;
  auto close = [&](std::uint32_t n) {
    const std::uint32_t pos = position[n];
    const std::uint32_t last = open.back();
    open[pos] = last;
    position[last] = pos;
    open.pop_back();
  };
  if (max_inbound == 0) open.clear();
  for (std::uint32_t node = 0; node < nodes; ++node) {
    std::uint32_t made = 0;
    std::uint32_t attempts = 0;
    while (made < outbound) {
      if (open.empty() || ++attempts > 64 * outbound + 1000) {
        return Status::Error("cannot give node " + std::to_string(node) + " " +
                             std::to_string(outbound) +
                             " outbound connections: too few peers accept inbound "
                             "connections (raise max_inbound or lower outbound)");
      }
      const std::uint32_t peer = open[rng.Below(open.size())];
      if (peer == node || Adjacent(adj, node, peer)) continue;
      Connect(adj, edges, node, peer);
      edges.back().connection_class = made >= full_relay ? 1 : 0;
      ++made;
      if (++inbound[peer] == max_inbound) close(peer);
    }
  }
  return edges;
}

Result<std::vector<Edge>> RandomRegularTopology(std::uint32_t nodes, std::uint32_t degree,
                                                Rng& rng) {
  if (degree >= nodes || (static_cast<std::uint64_t>(nodes) * degree) % 2 != 0) {
    return Status::Error("no " + std::to_string(degree) + "-regular graph on " +
                         std::to_string(nodes) + " nodes (need degree < nodes, nodes*degree even)");
  }
  // Steger-Wormald style: pair random free points, refusing loops and double edges; restart
  // in the rare case the last points cannot be paired.
  for (int restart = 0; restart < 100; ++restart) {
    Adjacency adj(nodes);
    std::vector<Edge> edges;
    edges.reserve(static_cast<std::size_t>(nodes) * degree / 2);
    std::vector<std::uint32_t> points;
    points.reserve(static_cast<std::size_t>(nodes) * degree);
    for (std::uint32_t n = 0; n < nodes; ++n) points.insert(points.end(), degree, n);
    std::uint32_t failures = 0;
    bool stuck = false;
    while (!points.empty()) {
      const std::size_t i = rng.Below(points.size());
      std::size_t j = rng.Below(points.size() - 1);
      if (j >= i) ++j;
      const std::uint32_t u = points[i];
      const std::uint32_t v = points[j];
      if (u == v || Adjacent(adj, u, v)) {
        if (++failures < 10'000) continue;
        // Many failures in a row: check whether any valid pair is left at all.
        bool any = false;
        for (std::size_t x = 0; x < points.size() && !any; ++x) {
          for (std::size_t y = x + 1; y < points.size() && !any; ++y) {
            any = points[x] != points[y] && !Adjacent(adj, points[x], points[y]);
          }
        }
        if (!any) {
          stuck = true;
          break;
        }
        failures = 0;
        continue;
      }
      failures = 0;
      Connect(adj, edges, std::min(u, v), std::max(u, v));
      // Remove the higher index first so the lower one stays valid.
      for (std::size_t k : {std::max(i, j), std::min(i, j)}) {
        points[k] = points.back();
        points.pop_back();
      }
    }
    if (!stuck) return edges;
  }
  return Status::Error("could not build a random regular graph after 100 attempts");
}

}  // namespace peerlab::sim
