// Structural metrics. Components, articulation points/bridges and core numbers come from
// Boost.Graph; distances and betweenness are our own BFS code because they need source
// sampling on large graphs, which Boost's Brandes implementation does not offer.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/biconnected_components.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/core_numbers.hpp>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/analysis/rng_purposes.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::analysis {

namespace {

using BoostGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property,
                          boost::property<boost::edge_index_t, std::size_t>>;

BoostGraph ToBoost(const Graph& graph) {
  BoostGraph g(graph.node_count());
  std::size_t index = 0;
  for (auto [u, v] : graph.edges()) boost::add_edge(u, v, index++, g);
  return g;
}

// Breadth-first distances from `source`; unreachable nodes keep kUnreached. Returns the
// visit order (reachable nodes by nondecreasing distance), which Brandes' pass reuses.
constexpr std::uint32_t kUnreached = UINT32_MAX;

void Bfs(const Graph& graph, NodeId source, std::vector<std::uint32_t>& distance,
         std::vector<NodeId>& order) {
  std::fill(distance.begin(), distance.end(), kUnreached);
  order.clear();
  distance[source] = 0;
  order.push_back(source);
  for (std::size_t head = 0; head < order.size(); ++head) {
    const NodeId v = order[head];
    for (NodeId w : graph.Neighbors(v)) {
      if (distance[w] == kUnreached) {
        distance[w] = distance[v] + 1;
        order.push_back(w);
      }
    }
  }
}

// `count` distinct sources drawn uniformly from `pool` (partial Fisher-Yates), sorted so the
// accumulation order, and hence every floating-point sum, is the same on every platform.
std::vector<NodeId> SampleSources(std::vector<NodeId> pool, std::uint32_t count,
                                  std::uint64_t seed) {
  Rng rng(seed, 0, rng_purpose::kSampling);
  count = std::min<std::uint32_t>(count, static_cast<std::uint32_t>(pool.size()));
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t j = i + rng.Below(pool.size() - i);
    std::swap(pool[i], pool[j]);
  }
  pool.resize(count);
  std::sort(pool.begin(), pool.end());
  return pool;
}

}  // namespace

Components ConnectedComponents(const Graph& graph) {
  Components result;
  const BoostGraph g = ToBoost(graph);
  result.component_of.assign(graph.node_count(), 0);
  result.count = graph.node_count() == 0
                     ? 0
                     : static_cast<std::uint32_t>(boost::connected_components(
                           g, boost::make_iterator_property_map(
                                  result.component_of.begin(),
                                  boost::get(boost::vertex_index, g))));
  std::vector<std::uint32_t> sizes(result.count, 0);
  for (std::uint32_t c : result.component_of) ++sizes[c];
  if (result.count > 0) {
    // Ties go to the component holding the smallest node id (Boost numbers them in id order).
    const auto biggest = static_cast<std::uint32_t>(
        std::max_element(sizes.begin(), sizes.end()) - sizes.begin());
    for (NodeId v = 0; v < graph.node_count(); ++v) {
      if (result.component_of[v] == biggest) result.largest.push_back(v);
    }
  }
  return result;
}

CutPoints ArticulationPointsAndBridges(const Graph& graph) {
  CutPoints result;
  if (graph.edge_count() == 0) return result;
  const BoostGraph g = ToBoost(graph);
  std::vector<std::size_t> component_of_edge(graph.edge_count());
  auto edge_components = boost::make_iterator_property_map(
      component_of_edge.begin(), boost::get(boost::edge_index, g));
  std::vector<std::size_t> cut_vertices;
  const auto [components, out] =
      boost::biconnected_components(g, edge_components, std::back_inserter(cut_vertices));
  (void)out;
  for (std::size_t v : cut_vertices) result.articulation_points.push_back(static_cast<NodeId>(v));
  std::sort(result.articulation_points.begin(), result.articulation_points.end());
  // A bridge is exactly a biconnected component made of one edge.
  std::vector<std::uint32_t> edges_in(components, 0);
  for (std::size_t c : component_of_edge) ++edges_in[c];
  for (std::size_t i = 0; i < graph.edge_count(); ++i) {
    if (edges_in[component_of_edge[i]] == 1) result.bridges.push_back(graph.edges()[i]);
  }
  std::sort(result.bridges.begin(), result.bridges.end());
  return result;
}

std::vector<std::uint32_t> CoreNumbers(const Graph& graph) {
  std::vector<std::uint32_t> core(graph.node_count(), 0);
  if (graph.node_count() == 0) return core;
  const BoostGraph g = ToBoost(graph);
  boost::core_numbers(
      g, boost::make_iterator_property_map(core.begin(), boost::get(boost::vertex_index, g)));
  return core;
}

DegreeSummary SummarizeDegrees(const Graph& graph) {
  DegreeSummary summary;
  const NodeId n = graph.node_count();
  if (n == 0) return summary;
  std::vector<std::uint32_t> degrees(n);
  for (NodeId v = 0; v < n; ++v) {
    degrees[v] = graph.Degree(v);
    ++summary.histogram[degrees[v]];
  }
  std::sort(degrees.begin(), degrees.end());
  summary.min = degrees.front();
  summary.max = degrees.back();
  summary.mean = 2.0 * static_cast<double>(graph.edge_count()) / n;
  summary.median = n % 2 == 1 ? degrees[n / 2] : (degrees[n / 2 - 1] + degrees[n / 2]) / 2.0;
  return summary;
}

Distances ComputeDistances(const Graph& graph, const Components& components,
                           std::uint32_t exact_limit, std::uint32_t sample_sources,
                           std::uint64_t seed) {
  Distances result;
  const auto& nodes = components.largest;
  result.component_nodes = static_cast<std::uint32_t>(nodes.size());
  if (nodes.size() < 2) return result;
  result.exact = nodes.size() <= exact_limit;
  const std::vector<NodeId> sources =
      result.exact ? nodes : SampleSources(nodes, sample_sources, seed);
  result.sources = static_cast<std::uint32_t>(sources.size());
  std::vector<std::uint32_t> distance(graph.node_count());
  std::vector<NodeId> order;
  // Per-source mean distances: their spread gives the standard error of the sampled mean.
  std::vector<double> source_means;
  source_means.reserve(sources.size());
  std::uint32_t radius = kUnreached;
  for (NodeId s : sources) {
    Bfs(graph, s, distance, order);
    PEERLAB_ASSERT(order.size() == nodes.size());
    std::uint64_t total = 0;
    for (NodeId w : order) total += distance[w];
    const std::uint32_t eccentricity = distance[order.back()];
    result.diameter = std::max(result.diameter, eccentricity);
    radius = std::min(radius, eccentricity);
    if (result.exact) result.eccentricity.push_back(eccentricity);
    source_means.push_back(static_cast<double>(total) / static_cast<double>(nodes.size() - 1));
  }
  const double k = static_cast<double>(source_means.size());
  result.mean = std::accumulate(source_means.begin(), source_means.end(), 0.0) / k;
  if (result.exact) {
    result.radius = radius;
  } else if (source_means.size() > 1) {
    double squares = 0;
    for (double m : source_means) squares += (m - result.mean) * (m - result.mean);
    // Sampling without replacement from the component: finite-population correction.
    const double population = static_cast<double>(nodes.size());
    const double correction = (population - k) / (population - 1);
    result.mean_standard_error = std::sqrt(squares / (k - 1) / k * correction);
  }
  return result;
}

Betweenness ComputeBetweenness(const Graph& graph, std::uint32_t exact_limit,
                               std::uint32_t sample_sources, std::uint64_t seed) {
  Betweenness result;
  const NodeId n = graph.node_count();
  result.normalized.assign(n, 0.0);
  if (n < 3) return result;
  std::vector<NodeId> all(n);
  std::iota(all.begin(), all.end(), 0);
  result.exact = n <= exact_limit;
  const std::vector<NodeId> sources = result.exact ? all : SampleSources(all, sample_sources, seed);
  result.sources = static_cast<std::uint32_t>(sources.size());

  std::vector<std::uint32_t> distance(n);
  std::vector<NodeId> order;
  std::vector<double> paths(n), dependency(n);
  std::vector<double> raw(n, 0.0);
  for (NodeId s : sources) {
    Bfs(graph, s, distance, order);
    for (NodeId v : order) paths[v] = 0;
    paths[s] = 1;
    for (NodeId v : order) {
      for (NodeId w : graph.Neighbors(v)) {
        if (distance[w] == distance[v] + 1) paths[w] += paths[v];
      }
    }
    // Dependencies accumulate from the farthest nodes back (Brandes 2001, Theorem 6).
    for (NodeId v : order) dependency[v] = 0;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const NodeId w = *it;
      for (NodeId v : graph.Neighbors(w)) {
        if (distance[v] + 1 == distance[w]) {
          dependency[v] += paths[v] / paths[w] * (1.0 + dependency[w]);
        }
      }
      if (w != s) raw[w] += dependency[w];
    }
  }
  // Every unordered pair was counted from both ends; pairs not containing v: (n-1)(n-2)/2.
  const double scale = static_cast<double>(n) / static_cast<double>(sources.size()) /
                       (static_cast<double>(n - 1) * static_cast<double>(n - 2));
  for (NodeId v = 0; v < n; ++v) result.normalized[v] = raw[v] * scale;
  return result;
}

}  // namespace peerlab::analysis
