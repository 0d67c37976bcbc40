// Runs every topology metric on one graph and renders the results (analysis.json `topology`,
// report.md resilience section). Approximate figures always carry their method.
#include "peerlab/analysis/topology.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <sstream>

namespace peerlab::analysis {

namespace {

std::vector<NodeId> BetweennessLeaders(const Betweenness& betweenness, std::uint32_t top) {
  std::vector<NodeId> order(betweenness.normalized.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](NodeId a, NodeId b) {
    return betweenness.normalized[a] > betweenness.normalized[b];
  });
  order.resize(std::min<std::size_t>(order.size(), top));
  return order;
}

void WriteEdges(const std::vector<Edge>& edges, results::JsonWriter& json) {
  json.BeginArray();
  for (auto [u, v] : edges) json.BeginArray().UInt(u).UInt(v).EndArray();
  json.EndArray();
}

void WriteNodes(const std::vector<NodeId>& nodes, results::JsonWriter& json) {
  json.BeginArray();
  for (NodeId v : nodes) json.UInt(v);
  json.EndArray();
}

std::string Fixed(double value, int digits = 4) {
  if (!std::isfinite(value)) return "n/a";
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << value;
  return out.str();
}

template <typename T>
std::string JoinList(const std::vector<T>& items, std::size_t limit) {
  std::ostringstream out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) out << (i ? ", " : "") << items[i];
  if (items.size() > limit) out << ", ... (" << items.size() << " in all)";
  return items.empty() ? "none" : out.str();
}

}  // namespace

GossipBounds GossipBoundsFromGap(const Graph& graph, double spectral_gap) {
  GossipBounds bounds;
  if (!(spectral_gap > 0) || graph.edge_count() == 0) return bounds;
  std::uint32_t min_degree = UINT32_MAX;
  for (NodeId v = 0; v < graph.node_count(); ++v) {
    min_degree = std::min(min_degree, graph.Degree(v));
  }
  bounds.conductance_lower = spectral_gap / 2;
  bounds.conductance_upper = std::min(1.0, std::sqrt(2 * spectral_gap));
  // Lazy walk: absolute spectral gap gap/2; t_mix(1/4) <= ln(4 / pi_min) / (gap / 2) with
  // pi_min = d_min / 2m (Levin, Peres & Wilmer, Theorem 12.4).
  const double pi_min = min_degree / (2.0 * static_cast<double>(graph.edge_count()));
  bounds.mixing_steps_upper = std::log(4.0 / pi_min) / (spectral_gap / 2);
  bounds.push_pull_rounds_order =
      std::log(static_cast<double>(graph.node_count())) / bounds.conductance_lower;
  return bounds;
}

TopologyAnalysis AnalyzeTopology(LoadedGraph input, const NodeAttributes* nodes,
                                 const TopologyOptions& options) {
  TopologyAnalysis a;
  a.input = std::move(input);
  a.options = options;
  a.have_node_attributes = nodes != nullptr;
  const Graph& graph = a.input.graph;
  a.components = ConnectedComponents(graph);
  a.cut_points = ArticulationPointsAndBridges(graph);
  a.core = CoreNumbers(graph);
  a.degree = SummarizeDegrees(graph);
  a.distances = ComputeDistances(graph, a.components, options.exact_limit,
                                 options.sample_sources, options.seed);
  a.betweenness = ComputeBetweenness(graph, options.exact_limit, options.sample_sources,
                                     options.seed);
  a.vertex = VertexConnectivity(graph, a.components, options.vertex_work_limit,
                                options.vertex_sample_pairs, options.seed);
  a.edge = EdgeConnectivity(graph, a.components);
  a.spectrum = ComputeSpectrum(graph, a.components, options.exact_limit);
  ResilienceOptions resilience;
  resilience.threshold = options.threshold;
  if (!a.spectrum.fiedler_vector.empty()) resilience.fiedler_vector = &a.spectrum.fiedler_vector;
  a.resilience = PartitionResilience(graph, nodes, resilience);
  return a;
}

void WriteTopologyJson(const TopologyAnalysis& a, results::JsonWriter& json) {
  const Graph& graph = a.input.graph;
  const bool small = graph.node_count() <= a.options.exact_limit;
  json.BeginObject();
  json.Key("nodes").UInt(graph.node_count());
  json.Key("edges").UInt(graph.edge_count());
  json.Key("input").BeginObject();
  json.Key("rows").UInt(a.input.rows);
  json.Key("self_loops_dropped").UInt(a.input.self_loops);
  json.Key("duplicate_rows_merged").UInt(a.input.duplicate_rows);
  json.Key("rows_by_type").BeginObject();
  for (const auto& [type, count] : a.input.rows_by_type) json.Key(type).UInt(count);
  json.EndObject().EndObject();

  json.Key("components").BeginObject();
  json.Key("count").UInt(a.components.count);
  json.Key("largest").UInt(a.components.largest.size());
  json.Key("largest_share")
      .Double(graph.node_count() ? static_cast<double>(a.components.largest.size()) /
                                       graph.node_count()
                                 : 0.0);
  json.EndObject();

  json.Key("vertex_connectivity").BeginObject();
  json.Key("value").UInt(a.vertex.value);
  json.Key("method").String(a.vertex.method);
  json.Key("max_flow_checks").UInt(a.vertex.max_flow_checks);
  json.Key("min_cut");
  WriteNodes(a.vertex.cut_nodes, json);
  json.EndObject();

  json.Key("edge_connectivity").BeginObject();
  json.Key("value").UInt(a.edge.value);
  json.Key("method").String(a.edge.method);
  json.Key("max_flow_checks").UInt(a.edge.max_flow_checks);
  json.Key("min_cut");
  WriteEdges(a.edge.cut_edges, json);
  json.EndObject();

  const char* spectral_method = a.spectrum.method == "dense" ? "exact" : "lanczos";
  json.Key("algebraic_connectivity").BeginObject();
  json.Key("value").Double(a.spectrum.algebraic_connectivity);
  json.Key("method").String(spectral_method);
  json.Key("converged").Bool(a.spectrum.converged);
  json.EndObject();

  const GossipBounds gossip = GossipBoundsFromGap(graph, a.spectrum.spectral_gap);
  json.Key("spectral_gap").BeginObject();
  json.Key("value").Double(a.spectrum.spectral_gap);
  json.Key("of").String("normalized Laplacian I - D^-1/2 A D^-1/2");
  json.Key("method").String(spectral_method);
  json.Key("conductance_bounds").BeginArray();
  json.Double(gossip.conductance_lower).Double(gossip.conductance_upper).EndArray();
  json.Key("mixing_time_upper_bound_steps").Double(gossip.mixing_steps_upper);
  json.Key("push_pull_rounds_order").Double(gossip.push_pull_rounds_order);
  json.EndObject();
  if (!a.spectrum.laplacian_eigenvalues.empty()) {
    json.Key("laplacian_spectrum").BeginArray();
    for (double value : a.spectrum.laplacian_eigenvalues) json.Double(value);
    json.EndArray();
  }

  json.Key("diameter").BeginObject();
  json.Key("value").UInt(a.distances.diameter);
  json.Key("method").String(a.distances.exact ? "exact" : "lower-bound");
  json.Key("of").String(a.components.count > 1 ? "largest component" : "graph");
  if (a.distances.exact) json.Key("radius").UInt(a.distances.radius);
  json.EndObject();
  if (a.distances.exact && !a.distances.eccentricity.empty()) {
    // Per node; null outside the largest component (eccentricity there is infinite).
    std::vector<std::optional<std::uint32_t>> eccentricity(graph.node_count());
    for (std::size_t i = 0; i < a.components.largest.size(); ++i) {
      eccentricity[a.components.largest[i]] = a.distances.eccentricity[i];
    }
    json.Key("eccentricity").BeginArray();
    for (const auto& e : eccentricity) {
      if (e) {
        json.UInt(*e);
      } else {
        json.Null();
      }
    }
    json.EndArray();
  }

  json.Key("mean_shortest_path").BeginObject();
  json.Key("value").Double(a.distances.mean);
  json.Key("method").String(a.distances.exact ? "exact" : "sampled");
  json.Key("sources").UInt(a.distances.sources);
  json.Key("standard_error").Double(a.distances.mean_standard_error);
  json.Key("of").String(a.components.count > 1 ? "largest component" : "graph");
  json.EndObject();

  json.Key("articulation_points");
  WriteNodes(a.cut_points.articulation_points, json);
  json.Key("bridges");
  WriteEdges(a.cut_points.bridges, json);

  json.Key("max_core").UInt(a.core.empty() ? 0 : *std::max_element(a.core.begin(), a.core.end()));
  json.Key("core_numbers").BeginArray();
  for (std::uint32_t c : a.core) json.UInt(c);
  json.EndArray();

  json.Key("degree").BeginObject();
  json.Key("min").UInt(a.degree.min);
  json.Key("mean").Double(a.degree.mean);
  json.Key("median").Double(a.degree.median);
  json.Key("max").UInt(a.degree.max);
  json.Key("histogram").BeginObject();
  for (const auto& [degree, count] : a.degree.histogram) {
    json.Key(std::to_string(degree)).UInt(count);
  }
  json.EndObject().EndObject();

  json.Key("betweenness_top").BeginObject();
  json.Key("method").String(a.betweenness.exact ? "exact" : "sampled");
  json.Key("sources").UInt(a.betweenness.sources);
  json.Key("normalization").String("pairs not containing the node, (n-1)(n-2)/2");
  json.Key("top").BeginArray();
  for (NodeId v : BetweennessLeaders(a.betweenness, a.options.top)) {
    json.BeginObject().Key("node").UInt(v).Key("betweenness").Double(a.betweenness.normalized[v]);
    json.EndObject();
  }
  json.EndArray().EndObject();
  if (small) {
    json.Key("betweenness").BeginArray();
    for (double b : a.betweenness.normalized) json.Double(b);
    json.EndArray();
  }

  json.Key("partition_resilience").BeginObject();
  json.Key("threshold").Double(a.options.threshold);
  json.Key("definition")
      .String("fewest units whose removal leaves no connected part with more than 1 - threshold "
              "of the measure; removed units count as cut off");
  json.Key("cuts").BeginArray();
  for (const PartitionCut& cut : a.resilience) {
    json.BeginObject();
    json.Key("unit").String(cut.unit).Key("measure").String(cut.measure);
    json.Key("method").String(cut.method);
    json.Key("count");
    if (cut.count) {
      json.UInt(*cut.count);
    } else {
      json.Null();
    }
    json.Key("removed").BeginArray();
    for (const auto& name : cut.removed) json.String(name);
    json.EndArray();
    json.Key("largest_part_share").Double(cut.largest_part_share);
    json.EndObject();
  }
  json.EndArray().EndObject();
  json.EndObject();
}

std::string TopologyMarkdown(const TopologyAnalysis& a) {
  const Graph& graph = a.input.graph;
  std::ostringstream md;
  md << "## Topology and resilience\n\n";
  md << "- Nodes " << graph.node_count() << ", edges " << graph.edge_count() << ", components "
     << a.components.count << " (largest " << a.components.largest.size() << ")\n";
  md << "- Degree: min " << a.degree.min << ", median " << a.degree.median << ", mean "
     << Fixed(a.degree.mean, 2) << ", max " << a.degree.max << "; max k-core "
     << (a.core.empty() ? 0 : *std::max_element(a.core.begin(), a.core.end())) << "\n";
  md << "- Diameter " << a.distances.diameter
     << (a.distances.exact ? "" : " (lower bound, sampled)")
     << ", mean shortest path " << Fixed(a.distances.mean, 3);
  if (!a.distances.exact) {
    md << " +- " << Fixed(a.distances.mean_standard_error, 3) << " (" << a.distances.sources
       << " sampled sources)";
  }
  md << "\n\n### Connectivity and cuts\n\n";
  md << "- Vertex connectivity: " << a.vertex.value
     << (a.vertex.method == "exact" ? "" : " (upper bound: " +
                                               std::to_string(a.vertex.max_flow_checks) +
                                               " max-flow checks)")
     << "; a minimum node cut: " << JoinList(a.vertex.cut_nodes, 20) << "\n";
  auto edge_names = [](const std::vector<Edge>& edges) {
    std::vector<std::string> names;
    for (auto [u, v] : edges) names.push_back(std::to_string(u) + "-" + std::to_string(v));
    return names;
  };
  const std::vector<std::string> cut_edges = edge_names(a.edge.cut_edges);
  md << "- Edge connectivity: " << a.edge.value << "; a minimum edge cut: "
     << JoinList(cut_edges, 20) << "\n";
  md << "- Articulation points: " << JoinList(a.cut_points.articulation_points, 20) << "\n";
  const std::vector<std::string> bridges = edge_names(a.cut_points.bridges);
  md << "- Bridges: " << JoinList(bridges, 20) << "\n";
  const GossipBounds gossip = GossipBoundsFromGap(graph, a.spectrum.spectral_gap);
  md << "- Algebraic connectivity " << Fixed(a.spectrum.algebraic_connectivity)
     << ", normalized spectral gap " << Fixed(a.spectrum.spectral_gap) << " ("
     << (a.spectrum.method == "dense" ? "exact" : "Lanczos") << "); conductance in ["
     << Fixed(gossip.conductance_lower) << ", " << Fixed(gossip.conductance_upper)
     << "] (Cheeger); random-walk mixing <= " << Fixed(gossip.mixing_steps_upper, 1)
     << " steps; push-pull gossip O(" << Fixed(gossip.push_pull_rounds_order, 1)
     << ") rounds\n\n";
  md << "### Centrality leaders (betweenness, "
     << (a.betweenness.exact ? "exact" : "sampled, " + std::to_string(a.betweenness.sources) +
                                             " sources")
     << ")\n\n| node | betweenness | degree |\n|---|---|---|\n";
  for (NodeId v : BetweennessLeaders(a.betweenness, a.options.top)) {
    md << "| " << v << " | " << Fixed(a.betweenness.normalized[v], 5) << " | "
       << graph.Degree(v) << " |\n";
  }
  md << "\n### Partition resilience (cut off at least " << Fixed(a.options.threshold * 100, 0)
     << " %)\n\n| remove | to cut off | fewest | method | removed |\n|---|---|---|---|---|\n";
  for (const PartitionCut& cut : a.resilience) {
    const char* units = cut.unit == "as" ? "ASes" : cut.unit == "region" ? "regions" : "nodes";
    md << "| " << units << " | " << cut.measure << " | "
       << (cut.count ? std::to_string(*cut.count) : "impossible") << " | " << cut.method
       << " | " << JoinList(cut.removed, 10) << " |\n";
  }
  if (!a.have_node_attributes) {
    md << "\nNo nodes.csv: hashrate, AS and region cuts are not computed.\n";
  }
  return md.str();
}

}  // namespace peerlab::analysis
