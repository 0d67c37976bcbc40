// Every topology metric of one graph, computed together, and its two renderings: the
// `topology` object of analysis.json and the resilience section of report.md.
#pragma once

#include <string>
#include <vector>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/results/json.hpp"

namespace peerlab::analysis {

struct TopologyOptions {
  double threshold = 0.5;            // partition resilience: share to cut off
  std::uint32_t exact_limit = 2000;  // nodes: exact distances, betweenness, dense spectrum
  std::uint32_t sample_sources = 256;      // BFS sources above exact_limit
  std::uint32_t vertex_sample_pairs = 200;  // max-flow checks when kappa is only bounded
  double vertex_work_limit = 4e9;   // estimated arc scans for exact vertex connectivity
  std::uint64_t seed = 1;           // sampling stream
  std::uint32_t top = 10;           // betweenness leaders listed
};

struct TopologyAnalysis {
  LoadedGraph input;
  TopologyOptions options;
  Components components;
  CutPoints cut_points;
  std::vector<std::uint32_t> core;
  DegreeSummary degree;
  Distances distances;
  Betweenness betweenness;
  Connectivity vertex;
  Connectivity edge;
  Spectrum spectrum;
  std::vector<PartitionCut> resilience;
  bool have_node_attributes = false;
};

TopologyAnalysis AnalyzeTopology(LoadedGraph input, const NodeAttributes* nodes,
                                 const TopologyOptions& options);

// Writes the value of `topology` (an object) at the writer's current position.
void WriteTopologyJson(const TopologyAnalysis& analysis, results::JsonWriter& json);

// Markdown: connectivity, cuts, centrality leaders, spectral bounds, partition resilience.
std::string TopologyMarkdown(const TopologyAnalysis& analysis);

// Bounds implied by the normalized spectral gap (docs/analysis.md "Gossip time").
struct GossipBounds {
  double conductance_lower = 0;   // Cheeger: gap / 2
  double conductance_upper = 0;   // Cheeger: sqrt(2 gap)
  double mixing_steps_upper = 0;  // lazy random walk, total variation 1/4
  double push_pull_rounds_order = 0;  // ln(n) / conductance_lower, up to a constant
};
GossipBounds GossipBoundsFromGap(const Graph& graph, double spectral_gap);

}  // namespace peerlab::analysis
