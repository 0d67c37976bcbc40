// Topology analysis (analysis/graph.hpp) on graphs whose answers are known in closed form;
// tests/python/test_analyze.py cross-checks random graphs against networkx.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "peerlab/analysis/graph.hpp"
#include "peerlab/analysis/topology.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::analysis {
namespace {

Graph Cycle(NodeId n) {
  std::vector<Edge> edges;
  for (NodeId v = 0; v < n; ++v) edges.emplace_back(v, (v + 1) % n);
  return Graph::FromEdges(n, edges);
}

Graph Petersen() {
  std::vector<Edge> edges;
  for (NodeId v = 0; v < 5; ++v) {
    edges.emplace_back(v, (v + 1) % 5);          // outer cycle
    edges.emplace_back(5 + v, 5 + (v + 2) % 5);  // inner pentagram
    edges.emplace_back(v, 5 + v);                // spokes
  }
  return Graph::FromEdges(10, edges);
}

// A dense random graph on [0, n) (each pair with probability 1/2, from a fixed pattern).
Graph Pseudorandom(NodeId n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Edge> edges;
  for (NodeId u = 0; u < n; ++u) {
    for (NodeId v = u + 1; v < n; ++v) {
      if (rng.Below(4) == 0) edges.emplace_back(u, v);
    }
  }
  return Graph::FromEdges(n, edges);
}

TEST(GraphIo, CsvCountsTypesAndMergesDuplicates) {
  auto loaded = ParseEdgeList(
      "source,target,type\n0,1,full-relay\n1,0,full-relay\n2,2,rushing\n1,3,block-relay-only\n",
      "edges.csv");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->graph.node_count(), 4u);
  EXPECT_EQ(loaded->graph.edge_count(), 2u);
  EXPECT_EQ(loaded->rows, 4u);
  EXPECT_EQ(loaded->self_loops, 1u);
  EXPECT_EQ(loaded->duplicate_rows, 1u);
  EXPECT_EQ(loaded->rows_by_type.at("full-relay"), 2u);
  EXPECT_TRUE(loaded->graph.HasEdge(3, 1));
  EXPECT_FALSE(loaded->graph.HasEdge(0, 3));
}

TEST(GraphIo, WhitespaceWithCommentsAndColumnOrder) {
  auto loaded = ParseEdgeList("# a comment\n0 5  # trailing\n\n\t5\t2\n", "g.txt");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->graph.node_count(), 6u);  // 0..5, isolated ones included
  EXPECT_EQ(loaded->graph.Degree(5), 2u);
  auto reordered = ParseEdgeList("type,target,source\nx,1,2\n", "e.csv");
  ASSERT_TRUE(reordered.ok());
  EXPECT_TRUE(reordered->graph.HasEdge(1, 2));
}

TEST(GraphIo, ErrorsNameFileAndLine) {
  EXPECT_EQ(ParseEdgeList("source,target,type\n0,1,a\n3,x,b\n", "edges.csv").status().message(),
            "edges.csv:3: expected two node ids, got \"3,x\"");
  EXPECT_EQ(ParseEdgeList("source,target\n", "edges.csv").status().message(),
            "edges.csv: no edges");
  EXPECT_EQ(ParseEdgeList("1 2 3\n", "g").status().message(),
            "g:1: expected two node ids, got \"1 2 3\"");
  EXPECT_FALSE(ParseEdgeList("0 99999999999\n", "g").ok());
  EXPECT_EQ(ParseNodeAttributes("node,region,as,group,hashrate\n", "nodes.csv")
                .status()
                .message(),
            "nodes.csv:1: header lacks column `online`");
  EXPECT_EQ(ParseNodeAttributes("node,region,as,group,hashrate,online\n0,eu,1,g,0.5,yes\n",
                                "nodes.csv")
                .status()
                .message(),
            "nodes.csv:2: online must be true or false, got \"yes\"");
  auto nodes = ParseNodeAttributes(
      "node,region,as,group,hashrate,online\n2,eu,AS1,pools,0.5,true\n0,us,AS2,x,0,false\n",
      "nodes.csv");
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->hashrate.size(), 3u);
  EXPECT_EQ(nodes->as[2], "AS1");
  EXPECT_TRUE(nodes->online[2]);
}

TEST(GraphMetrics, PetersenGraph) {
  const Graph g = Petersen();
  const Components c = ConnectedComponents(g);
  EXPECT_EQ(c.count, 1u);
  EXPECT_EQ(VertexConnectivity(g, c, 1e12, 0, 1).value, 3u);
  const Connectivity edge = EdgeConnectivity(g, c);
  EXPECT_EQ(edge.value, 3u);
  EXPECT_EQ(edge.cut_edges.size(), 3u);
  const Distances d = ComputeDistances(g, c, 100, 0, 1);
  EXPECT_TRUE(d.exact);
  EXPECT_EQ(d.diameter, 2u);
  EXPECT_DOUBLE_EQ(d.mean, (3 * 1 + 6 * 2) / 9.0);
  const Spectrum s = ComputeSpectrum(g, c, 100);
  ASSERT_EQ(s.laplacian_eigenvalues.size(), 10u);
  EXPECT_NEAR(s.algebraic_connectivity, 2.0, 1e-12);  // spectrum 0, 2^5, 5^4
  EXPECT_NEAR(s.laplacian_eigenvalues[9], 5.0, 1e-12);
  EXPECT_NEAR(s.spectral_gap, 2.0 / 3.0, 1e-12);  // 3-regular: lambda / 3
  EXPECT_TRUE(ArticulationPointsAndBridges(g).bridges.empty());
  for (std::uint32_t core : CoreNumbers(g)) EXPECT_EQ(core, 3u);
  // Vertex-transitive: every node has the same betweenness.
  const Betweenness b = ComputeBetweenness(g, 100, 0, 1);
  for (double x : b.normalized) EXPECT_NEAR(x, b.normalized[0], 1e-12);
}

TEST(GraphMetrics, PathStarAndComplete) {
  const Graph path = Graph::FromEdges(4, {{0, 1}, {1, 2}, {2, 3}});
  const CutPoints cuts = ArticulationPointsAndBridges(path);
  EXPECT_EQ(cuts.articulation_points, (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(cuts.bridges.size(), 3u);
  const Betweenness b = ComputeBetweenness(path, 100, 0, 1);
  EXPECT_NEAR(b.normalized[1], 2.0 / 3.0, 1e-12);  // pairs (0,2), (0,3) of 3 not holding 1
  std::vector<Edge> k5;
  for (NodeId u = 0; u < 5; ++u) {
    for (NodeId v = u + 1; v < 5; ++v) k5.emplace_back(u, v);
  }
  const Graph complete = Graph::FromEdges(5, k5);
  const Components c = ConnectedComponents(complete);
  EXPECT_EQ(VertexConnectivity(complete, c, 1e12, 0, 1).value, 4u);
  EXPECT_EQ(EdgeConnectivity(complete, c).value, 4u);
  const Graph split = Graph::FromEdges(5, {{0, 1}, {3, 4}});
  const Components parts = ConnectedComponents(split);
  EXPECT_EQ(parts.count, 3u);
  EXPECT_EQ(VertexConnectivity(split, parts, 1e12, 0, 1).value, 0u);
  EXPECT_EQ(ComputeSpectrum(split, parts, 100).algebraic_connectivity, 0.0);
}

TEST(GraphMetrics, CycleSpectrumDenseAndLanczosAgree) {
  const Graph g = Cycle(40);
  const Components c = ConnectedComponents(g);
  const double expected = 2 - 2 * std::cos(2 * std::numbers::pi / 40);
  const Spectrum dense = ComputeSpectrum(g, c, 100);
  const Spectrum lanczos = ComputeSpectrum(g, c, 10);
  EXPECT_EQ(ComputeSpectrum(Cycle(3), ConnectedComponents(Cycle(3)), 0).method, "dense");
  EXPECT_EQ(lanczos.method, "lanczos");
  ASSERT_TRUE(lanczos.converged);
  EXPECT_NEAR(dense.algebraic_connectivity, expected, 1e-12);
  EXPECT_NEAR(lanczos.algebraic_connectivity, expected, 1e-9);
  EXPECT_NEAR(lanczos.spectral_gap, expected / 2, 1e-9);
  const Graph r = Pseudorandom(300, 4);
  const Components rc = ConnectedComponents(r);
  EXPECT_NEAR(ComputeSpectrum(r, rc, 1000).algebraic_connectivity,
              ComputeSpectrum(r, rc, 10).algebraic_connectivity, 1e-8);
}

TEST(GraphMetrics, SampledFiguresAreBoundsAndDeterministic) {
  const Graph g = Pseudorandom(200, 7);
  const Components c = ConnectedComponents(g);
  const Distances exact = ComputeDistances(g, c, 1000, 0, 1);
  const Distances sampled = ComputeDistances(g, c, 10, 40, 3);
  EXPECT_FALSE(sampled.exact);
  EXPECT_EQ(sampled.sources, 40u);
  EXPECT_LE(sampled.diameter, exact.diameter);
  EXPECT_LE(std::abs(sampled.mean - exact.mean), 5 * sampled.mean_standard_error + 1e-12);
  EXPECT_EQ(ComputeBetweenness(g, 10, 50, 9).normalized,
            ComputeBetweenness(g, 10, 50, 9).normalized);
  const Connectivity exact_kappa = VertexConnectivity(g, c, 1e15, 0, 1);
  const Connectivity bound = VertexConnectivity(g, c, 0, 5, 1);
  EXPECT_EQ(bound.method, "upper-bound");
  EXPECT_GE(bound.value, exact_kappa.value);
  EXPECT_EQ(bound.cut_nodes.size(), bound.value);
}

TEST(Resilience, HashrateBehindCutVertexIsExact) {
  // Two triangles joined through node 0; all hashrate on the right triangle's far nodes.
  const Graph g = Graph::FromEdges(7, {{1, 2}, {2, 3}, {1, 3}, {0, 1}, {0, 4}, {4, 5}, {5, 6},
                                       {4, 6}});
  NodeAttributes nodes;
  nodes.hashrate = {0, 0, 0, 0, 0, 0.5, 0.5};
  nodes.as = {"A", "A", "A", "A", "B", "B", "B"};
  nodes.region = {"eu", "eu", "eu", "eu", "us", "us", "asia"};
  nodes.group.assign(7, "g");
  nodes.online.assign(7, true);
  const auto cuts = PartitionResilience(g, &nodes, {});
  ASSERT_EQ(cuts.size(), 6u);
  EXPECT_EQ(cuts[0].unit, "node");
  EXPECT_EQ(cuts[0].measure, "hashrate");
  EXPECT_EQ(cuts[0].method, "exact");
  EXPECT_EQ(cuts[0].count, 1u);  // either miner alone holds half
  EXPECT_LE(cuts[0].largest_part_share, 0.5);
  EXPECT_EQ(cuts[1].measure, "nodes");
  EXPECT_EQ(cuts[1].count, 1u);  // node 0 splits 7 nodes into 3 + 3
  EXPECT_EQ(cuts[1].removed, std::vector<std::string>{"0"});
  EXPECT_EQ(cuts[4].unit, "region");
  EXPECT_EQ(cuts[4].count, 1u);  // removing asia (node 6) leaves 0.5
}

// Two random halves of 400 nodes (each node links to 5 random others of its half) joined by 6
// cross edges between random nodes: 6 removals cut the node count in half, but nothing marks
// those 6 by degree, and 800 nodes are too many for the adaptive greedy search.
TEST(Resilience, SpectralSweepFindsTheBottleneckOfTwoJoinedHalves) {
  constexpr NodeId kHalf = 400;
  Rng rng(7);
  std::vector<Edge> edges;
  for (NodeId base : {NodeId{0}, kHalf}) {
    for (NodeId v = 0; v < kHalf; ++v) {
      for (int i = 0; i < 5; ++i) {
        edges.emplace_back(base + v, base + static_cast<NodeId>(rng.Below(kHalf)));
      }
    }
  }
  for (int i = 0; i < 6; ++i) {
    edges.emplace_back(static_cast<NodeId>(rng.Below(kHalf)),
                       kHalf + static_cast<NodeId>(rng.Below(kHalf)));
  }
  const Graph g = Graph::FromEdges(2 * kHalf, edges);
  const Components c = ConnectedComponents(g);
  ASSERT_EQ(c.count, 1u);
  const Spectrum spectrum = ComputeSpectrum(g, c, 100);
  ASSERT_EQ(spectrum.fiedler_vector.size(), 2 * kHalf);

  const PartitionCut without = PartitionResilience(g, nullptr, {})[0];
  ResilienceOptions options;
  options.fiedler_vector = &spectrum.fiedler_vector;
  const PartitionCut with = PartitionResilience(g, nullptr, options)[0];
  EXPECT_EQ(with.measure, "nodes");
  EXPECT_EQ(with.method, "greedy-bound");
  EXPECT_LE(with.count, 6u);
  EXPECT_LE(with.largest_part_share, 0.5);
  EXPECT_EQ(with.removed.size(), with.count);
  EXPECT_GT(without.count, 6u * 10);  // greedy removal alone is far from it
}

TEST(TopologyAnalysis, JsonHasTheContractKeys) {
  LoadedGraph input;
  input.graph = Petersen();
  input.rows = 15;
  const TopologyAnalysis a = AnalyzeTopology(input, nullptr, {});
  results::JsonWriter json;
  WriteTopologyJson(a, json);
  const std::string text = json.Finish();
  for (const char* key : {"\"nodes\"", "\"edges\"", "\"components\"", "\"vertex_connectivity\"",
                          "\"edge_connectivity\"", "\"algebraic_connectivity\"",
                          "\"spectral_gap\"", "\"diameter\"", "\"mean_shortest_path\"",
                          "\"articulation_points\"", "\"bridges\"", "\"max_core\"", "\"degree\"",
                          "\"betweenness_top\"", "\"partition_resilience\""}) {
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
  EXPECT_NE(TopologyMarkdown(a).find("Partition resilience"), std::string::npos);
}

}  // namespace
}  // namespace peerlab::analysis
