// Vertex and edge connectivity by unit-capacity max flow (augmenting shortest paths), with the
// minimum cut read off the residual graph. Algorithms and why they are exact: docs/analysis.md.
#include <algorithm>
#include <numeric>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/analysis/rng_purposes.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::analysis {

namespace {

// A flow network whose arcs come in pairs (a, a ^ 1), each the other's residual. Flow stops at
// a caller's limit because a connectivity search only asks "is this pair cut by fewer than the
// best cut so far?"; augmenting beyond that is wasted work.
class FlowNetwork {
 public:
  explicit FlowNetwork(std::uint32_t nodes) : nodes_(nodes) {}

  void AddArcPair(std::uint32_t from, std::uint32_t to, std::int32_t capacity,
                  std::int32_t reverse_capacity) {
    tail_.push_back(from);
    head_.push_back(to);
    capacity_.push_back(capacity);
    tail_.push_back(to);
    head_.push_back(from);
    capacity_.push_back(reverse_capacity);
  }

  void Finalize() {
    first_.assign(nodes_ + 1, 0);
    for (std::uint32_t t : tail_) ++first_[t + 1];
    for (std::uint32_t v = 0; v < nodes_; ++v) first_[v + 1] += first_[v];
    arcs_of_.resize(tail_.size());
    std::vector<std::uint64_t> fill(first_.begin(), first_.end() - 1);
    for (std::uint32_t a = 0; a < tail_.size(); ++a) arcs_of_[fill[tail_[a]]++] = a;
    initial_capacity_ = capacity_;
    stamp_.assign(nodes_, 0);
    parent_arc_.assign(nodes_, 0);
  }

  std::size_t arcs() const { return capacity_.size(); }

  // Units of flow from s to t, at most `limit`. When the result is below the limit, the nodes
  // reached by the last search (Reached) are the source side of a minimum cut.
  std::uint32_t MaxFlow(std::uint32_t s, std::uint32_t t, std::uint32_t limit) {
    for (std::uint32_t a : touched_) capacity_[a] = initial_capacity_[a];
    touched_.clear();
    std::uint32_t flow = 0;
    while (flow < limit) {
      if (!FindPath(s, t)) return flow;
      for (std::uint32_t v = t; v != s;) {
        const std::uint32_t a = parent_arc_[v];
        --capacity_[a];
        ++capacity_[a ^ 1];
        touched_.push_back(a);
        touched_.push_back(a ^ 1);
        v = tail_[a];
      }
      ++flow;
    }
    return flow;
  }

  bool Reached(std::uint32_t v) const { return stamp_[v] == search_; }

 private:
  bool FindPath(std::uint32_t s, std::uint32_t t) {
    ++search_;
    queue_.clear();
    queue_.push_back(s);
    stamp_[s] = search_;
    for (std::size_t head = 0; head < queue_.size(); ++head) {
      const std::uint32_t v = queue_[head];
      for (std::uint64_t i = first_[v]; i < first_[v + 1]; ++i) {
        const std::uint32_t a = arcs_of_[i];
        const std::uint32_t w = head_[a];
        if (capacity_[a] <= 0 || stamp_[w] == search_) continue;
        stamp_[w] = search_;
        parent_arc_[w] = a;
        if (w == t) return true;
        queue_.push_back(w);
      }
    }
    return false;
  }

  std::uint32_t nodes_;
  std::vector<std::uint32_t> tail_, head_;
  std::vector<std::int32_t> capacity_, initial_capacity_;
  std::vector<std::uint64_t> first_;
  std::vector<std::uint32_t> arcs_of_;
  std::vector<std::uint32_t> stamp_, parent_arc_, queue_, touched_;
  std::uint32_t search_ = 0;
};

// Menger: node-disjoint paths via node splitting. Node v becomes v_in = 2v and v_out = 2v + 1
// joined by one unit; edges get a capacity no cut can use, so minimum cuts consist of nodes.
struct SplitNetwork {
  explicit SplitNetwork(const Graph& graph) : network(2 * graph.node_count()) {
    const std::int32_t uncuttable = static_cast<std::int32_t>(graph.node_count()) + 1;
    for (NodeId v = 0; v < graph.node_count(); ++v) network.AddArcPair(2 * v, 2 * v + 1, 1, 0);
    for (auto [u, v] : graph.edges()) {
      network.AddArcPair(2 * u + 1, 2 * v, uncuttable, 0);
      network.AddArcPair(2 * v + 1, 2 * u, uncuttable, 0);
    }
    network.Finalize();
  }
  // Local connectivity of non-adjacent s, t, at most `limit`; on a smaller value `cut` gets the
  // separating nodes (in reached, out not).
  std::uint32_t Check(const Graph& graph, NodeId s, NodeId t, std::uint32_t limit,
                      std::vector<NodeId>& cut) {
    const std::uint32_t flow = network.MaxFlow(2 * s + 1, 2 * t, limit);
    if (flow < limit) {
      cut.clear();
      for (NodeId v = 0; v < graph.node_count(); ++v) {
        if (network.Reached(2 * v) && !network.Reached(2 * v + 1)) cut.push_back(v);
      }
      PEERLAB_ASSERT(cut.size() == flow);
    }
    return flow;
  }
  FlowNetwork network;
};

NodeId MinDegreeNode(const Graph& graph) {
  NodeId best = 0;
  for (NodeId v = 1; v < graph.node_count(); ++v) {
    if (graph.Degree(v) < graph.Degree(best)) best = v;
  }
  return best;
}

}  // namespace

Connectivity VertexConnectivity(const Graph& graph, const Components& components,
                                double work_limit, std::uint32_t sample_pairs,
                                std::uint64_t seed) {
  Connectivity result;
  const NodeId n = graph.node_count();
  if (n <= 1 || components.count > 1) return result;  // disconnected: the empty set cuts
  const NodeId v = MinDegreeNode(graph);
  const std::uint32_t min_degree = graph.Degree(v);
  const auto neighbors = graph.Neighbors(v);
  if (min_degree == n - 1) {
    // Complete graph: no node set disconnects it; by convention kappa = n - 1 (leaving one).
    result.value = n - 1;
    result.cut_nodes.assign(neighbors.begin(), neighbors.end());
    return result;
  }
  // Esfahanian & Hakimi (1984): with v of minimum degree, kappa is the least local
  // connectivity between v and a non-neighbour, or between two non-adjacent neighbours of v.
  std::vector<NodeId> candidates;
  for (NodeId u = 0; u < n; ++u) {
    if (u != v && !graph.HasEdge(v, u)) candidates.push_back(u);
  }
  const double neighbor_pairs = 0.5 * min_degree * (min_degree - 1.0);
  const double arcs = 2.0 * (n + 2.0 * static_cast<double>(graph.edge_count()));
  const double work = (static_cast<double>(candidates.size()) + neighbor_pairs) *
                      (min_degree + 1.0) * arcs;
  if (work > work_limit) {
    result.method = "upper-bound";
    Rng rng(seed, 1, rng_purpose::kSampling);
    const std::uint32_t keep =
        std::min<std::uint32_t>(sample_pairs, static_cast<std::uint32_t>(candidates.size()));
    for (std::uint32_t i = 0; i < keep; ++i) {
      std::swap(candidates[i], candidates[i + rng.Below(candidates.size() - i)]);
    }
    candidates.resize(keep);
    std::sort(candidates.begin(), candidates.end());
  }
  SplitNetwork split(graph);
  result.value = min_degree;
  result.cut_nodes.assign(neighbors.begin(), neighbors.end());
  std::vector<NodeId> cut;
  for (NodeId u : candidates) {
    ++result.max_flow_checks;
    if (split.Check(graph, v, u, result.value, cut) < result.value) {
      result.value = static_cast<std::uint32_t>(cut.size());
      result.cut_nodes = cut;
    }
  }
  for (std::size_t i = 0; i < neighbors.size(); ++i) {
    for (std::size_t j = i + 1; j < neighbors.size(); ++j) {
      if (graph.HasEdge(neighbors[i], neighbors[j])) continue;
      ++result.max_flow_checks;
      if (split.Check(graph, neighbors[i], neighbors[j], result.value, cut) < result.value) {
        result.value = static_cast<std::uint32_t>(cut.size());
        result.cut_nodes = cut;
      }
    }
  }
  return result;
}

Connectivity EdgeConnectivity(const Graph& graph, const Components& components) {
  Connectivity result;
  const NodeId n = graph.node_count();
  if (n <= 1 || components.count > 1) return result;
  const NodeId v = MinDegreeNode(graph);
  result.value = graph.Degree(v);
  for (NodeId w : graph.Neighbors(v)) result.cut_edges.emplace_back(std::min(v, w), std::max(v, w));
  // Matula (1987): if lambda < min degree, each side of a minimum edge cut holds a node whose
  // neighbours are all on its side, so every dominating set has nodes on both sides. Fixing s
  // in a dominating set D, lambda = min(min degree, lambda(s, d) over d in D).
  std::vector<NodeId> by_degree(n);
  std::iota(by_degree.begin(), by_degree.end(), 0);
  std::stable_sort(by_degree.begin(), by_degree.end(),
                   [&](NodeId a, NodeId b) { return graph.Degree(a) > graph.Degree(b); });
  std::vector<bool> dominated(n, false);
  std::vector<NodeId> dominating;
  for (NodeId u : by_degree) {
    if (dominated[u]) continue;
    dominating.push_back(u);
    dominated[u] = true;
    for (NodeId w : graph.Neighbors(u)) dominated[w] = true;
  }
  FlowNetwork network(n);
  for (auto [a, b] : graph.edges()) network.AddArcPair(a, b, 1, 1);
  network.Finalize();
  const NodeId s = dominating.front();
  for (std::size_t i = 1; i < dominating.size(); ++i) {
    ++result.max_flow_checks;
    const std::uint32_t flow = network.MaxFlow(s, dominating[i], result.value);
    if (flow < result.value) {
      result.value = flow;
      result.cut_edges.clear();
      for (auto [a, b] : graph.edges()) {
        if (network.Reached(a) != network.Reached(b)) result.cut_edges.emplace_back(a, b);
      }
      PEERLAB_ASSERT(result.cut_edges.size() == flow);
    }
  }
  return result;
}

}  // namespace peerlab::analysis
