// Topology analysis of a peer-to-peer overlay (docs/analysis.md): an undirected simple graph,
// loaders for edge lists and nodes.csv, and the metrics `peerlab analyze` reports. Connections
// are treated as undirected because blocks and transactions flow both ways over them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "peerlab/util/status.hpp"

namespace peerlab::analysis {

using NodeId = std::uint32_t;
using Edge = std::pair<NodeId, NodeId>;  // always first < second

// Undirected simple graph in compressed adjacency form; neighbours sorted ascending.
class Graph {
 public:
  Graph() = default;
  // Self loops are dropped and parallel edges merged (both directions of a connection are one
  // edge); every id must be < node_count.
  static Graph FromEdges(NodeId node_count, std::vector<Edge> edges);

  NodeId node_count() const { return node_count_; }
  std::uint64_t edge_count() const { return edges_.size(); }
  std::span<const NodeId> Neighbors(NodeId v) const {
    return {targets_.data() + offsets_[v], targets_.data() + offsets_[v + 1]};
  }
  std::uint32_t Degree(NodeId v) const {
    return static_cast<std::uint32_t>(offsets_[v + 1] - offsets_[v]);
  }
  bool HasEdge(NodeId u, NodeId v) const;
  const std::vector<Edge>& edges() const { return edges_; }  // sorted, first < second

  // The graph without the nodes marked in `removed` (ids kept; removed nodes become isolated).
  Graph WithoutNodes(const std::vector<bool>& removed) const;

 private:
  NodeId node_count_ = 0;
  std::vector<std::uint64_t> offsets_{0};
  std::vector<NodeId> targets_;
  std::vector<Edge> edges_;
};

// ---- Input (graph_io.cpp) ----

struct LoadedGraph {
  Graph graph;
  std::uint64_t rows = 0;               // edge rows read
  std::uint64_t self_loops = 0;         // rows with source == target (dropped)
  std::uint64_t duplicate_rows = 0;     // rows naming an edge already seen (either direction)
  std::map<std::string, std::uint64_t> rows_by_type;  // CSV `type` column, when present
};

// The largest edge list or nodes.csv the loaders read (1 GiB: the edges.csv of a million-node
// run with eight outbound connections each is about 160 MB). Larger files, and anything but a
// regular file, are refused before reading (docs/limits.md).
inline constexpr std::uint64_t kMaxAnalysisInputBytes = std::uint64_t{1} << 30;

// An edge list: CSV whose header holds `source` and `target` (other columns ignored; `type`
// counted), or whitespace-separated `u v` lines with `#` comments. Errors name `name` and the
// line: `edges.csv:17: expected two node ids, got "3,x"`; no edges: `NAME: no edges`.
Result<LoadedGraph> ParseEdgeList(std::string_view text, const std::string& name);
Result<LoadedGraph> LoadEdgeList(const std::string& path);

// nodes.csv: `node,region,as,group,hashrate,online` (the run directory export). Sized by the
// largest node id; ids missing from the file get empty names and no hashrate.
struct NodeAttributes {
  std::vector<std::string> region;
  std::vector<std::string> as;
  std::vector<std::string> group;
  std::vector<double> hashrate;  // share of total hashrate
  std::vector<bool> online;
};
Result<NodeAttributes> ParseNodeAttributes(std::string_view text, const std::string& name);
Result<NodeAttributes> LoadNodeAttributes(const std::string& path);

// ---- Structure (graph_metrics.cpp) ----

struct Components {
  std::uint32_t count = 0;
  std::vector<std::uint32_t> component_of;  // per node
  std::vector<NodeId> largest;              // nodes of the largest component, ascending
};
Components ConnectedComponents(const Graph& graph);

struct CutPoints {
  std::vector<NodeId> articulation_points;  // ascending
  std::vector<Edge> bridges;                // sorted
};
CutPoints ArticulationPointsAndBridges(const Graph& graph);

std::vector<std::uint32_t> CoreNumbers(const Graph& graph);

struct DegreeSummary {
  std::uint32_t min = 0, max = 0;
  double mean = 0, median = 0;
  std::map<std::uint32_t, std::uint32_t> histogram;  // degree -> nodes
};
DegreeSummary SummarizeDegrees(const Graph& graph);

// Hop distances inside the largest component. Exact (BFS from every node) when the component
// has at most `exact_limit` nodes; otherwise BFS from `sample_sources` uniformly drawn sources:
// the mean is then an estimate with its standard error and the diameter a lower bound.
struct Distances {
  bool exact = true;
  std::uint32_t sources = 0;
  std::uint32_t component_nodes = 0;
  std::uint32_t diameter = 0;  // exact, or the largest eccentricity seen (lower bound)
  std::uint32_t radius = 0;    // exact only
  double mean = 0;
  double mean_standard_error = 0;  // 0 when exact
  std::vector<std::uint32_t> eccentricity;  // per node of the largest component (exact only)
};
Distances ComputeDistances(const Graph& graph, const Components& components,
                           std::uint32_t exact_limit, std::uint32_t sample_sources,
                           std::uint64_t seed);

// Brandes' betweenness (2001), normalized by the number of node pairs not including the node,
// (n-1)(n-2)/2. Exact when n <= exact_limit; else estimated from `sample_sources` sources
// scaled by n / sources (Brandes & Pich 2007).
struct Betweenness {
  bool exact = true;
  std::uint32_t sources = 0;
  std::vector<double> normalized;  // per node
};
Betweenness ComputeBetweenness(const Graph& graph, std::uint32_t exact_limit,
                               std::uint32_t sample_sources, std::uint64_t seed);

// ---- Connectivity (connectivity.cpp) ----

struct Connectivity {
  std::uint32_t value = 0;
  // "exact", or "upper-bound" when only a sample of node pairs was checked.
  std::string method = "exact";
  std::uint64_t max_flow_checks = 0;
  std::vector<NodeId> cut_nodes;  // vertex connectivity: a smallest separating node set found
  std::vector<Edge> cut_edges;    // edge connectivity: a smallest separating edge set
};
// `work_limit` bounds the estimated arc scans of the exact algorithm; beyond it the result is
// the smallest cut among `sample_pairs` checked pairs and the min-degree cut (an upper bound).
Connectivity VertexConnectivity(const Graph& graph, const Components& components,
                                double work_limit, std::uint32_t sample_pairs,
                                std::uint64_t seed);
Connectivity EdgeConnectivity(const Graph& graph, const Components& components);

// ---- Spectrum (spectral.cpp) ----

struct Spectrum {
  std::string method;  // "dense" (all eigenvalues) or "lanczos" (Spectra, extreme ones only)
  double algebraic_connectivity = 0;  // second-smallest eigenvalue of L = D - A
  double spectral_gap = 0;  // second-smallest eigenvalue of the normalized Laplacian
  std::vector<double> laplacian_eigenvalues;  // ascending; dense only
  // An eigenvector of algebraic_connectivity (connected graphs of 3+ nodes; empty when
  // Lanczos did not converge): sorting nodes by it gives the spectral partition sweep.
  std::vector<double> fiedler_vector;
  bool converged = true;
};
Spectrum ComputeSpectrum(const Graph& graph, const Components& components,
                         std::uint32_t dense_limit);

// ---- Partition resilience (resilience.cpp) ----

// The fewest units (nodes, ASes, regions) whose removal leaves no connected part holding more
// than 1 - threshold of the measure (hashrate or nodes); removed units count as cut off.
struct PartitionCut {
  std::string unit;     // "node", "as", "region"
  std::string measure;  // "hashrate", "nodes"
  std::string method;   // "exact" or "greedy-bound" (an upper bound on the fewest)
  std::optional<std::uint32_t> count;  // nullopt: no removal achieves it
  std::vector<std::string> removed;    // the units removed
  double largest_part_share = 0;       // measure share left in the largest part afterwards
};
struct ResilienceOptions {
  double threshold = 0.5;
  // Spectrum::fiedler_vector, when known: single nodes are then also removed along the best
  // separator of a sweep over the nodes in Fiedler order (spectral partitioning), which
  // greedy removal alone finds poorly on well-mixed overlays.
  const std::vector<double>* fiedler_vector = nullptr;
  double exact_work_limit = 5e7;  // component evaluations x graph size for the exact search
};
std::vector<PartitionCut> PartitionResilience(const Graph& graph, const NodeAttributes* nodes,
                                              const ResilienceOptions& options);

}  // namespace peerlab::analysis
