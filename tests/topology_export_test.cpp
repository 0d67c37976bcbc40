// Topology export: the connection graph at the end of a run and at snapshot times, and the
// files that carry it (edges.csv, nodes.csv, GraphML).
#include <gtest/gtest.h>

#include <string>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

const std::string kDefault = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/default.yaml";

bool SameEdges(const std::vector<sim::EdgeRow>& a, const std::vector<sim::EdgeRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].source != b[i].source || a[i].target != b[i].target || a[i].connection_class != b[i].connection_class ||
        a[i].dedicated != b[i].dedicated) {
      return false;
    }
  }
  return true;
}

TEST(TopologyExport, ASnapshotIsTheGraphAsItStoodAtItsTime) {
  // Feelers open and close connections all the time, so the graph changes between snapshots.
  const std::vector<std::string> base = {"network.nodes=300", "stop.blocks=12",
                                         "protocol.peers.feeler_interval=20 s"};
  auto with_snapshots = base;
  with_snapshots.push_back("topology_snapshots=[30 min, 61 min]");
  auto s = LoadScenario(kDefault, with_snapshots);
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto run = runner::RunScenario(*s, {});
  ASSERT_TRUE(run.ok());
  ASSERT_EQ(run->report.snapshots.size(), 2u) << "seed=1 scenario=scenarios/default.yaml";
  EXPECT_EQ(run->report.snapshots[0].at, 30 * kMinute);
  EXPECT_FALSE(SameEdges(run->report.snapshots[0].edges, run->report.snapshots[1].edges));
  // The same run stopped at the snapshot time ends with exactly that graph.
  for (const auto& [time, index] : {std::pair{"30 min", 0}, std::pair{"61 min", 1}}) {
    auto stop = base;
    stop.push_back(std::string("stop.time=") + time);
    auto cut = LoadScenario(kDefault, stop);
    ASSERT_TRUE(cut.ok());
    auto short_run = runner::RunScenario(*cut, {});
    ASSERT_TRUE(short_run.ok());
    EXPECT_TRUE(SameEdges(short_run->report.final_edges, run->report.snapshots[index].edges))
        << "seed=1 scenario=scenarios/default.yaml snapshot " << time;
  }
}

TEST(TopologyExport, FilesListEveryConnectionAndNode) {
  auto s = LoadScenario(kDefault, {"network.nodes=200", "stop.blocks=3"});
  ASSERT_TRUE(s.ok());
  auto run = runner::RunScenario(*s, {});
  ASSERT_TRUE(run.ok());
  const auto& r = run->report;
  const std::string edges = runner::EdgesCsv(r.final_edges);
  EXPECT_EQ(edges.rfind("source,target,type\n", 0), 0u);
  EXPECT_EQ(static_cast<std::size_t>(std::count(edges.begin(), edges.end(), '\n')),
            r.final_edges.size() + 1);
  const std::string nodes = runner::NodesCsv(*s, r);
  EXPECT_EQ(nodes.rfind("node,region,as,group,hashrate,online\n", 0), 0u);
  EXPECT_EQ(static_cast<std::size_t>(std::count(nodes.begin(), nodes.end(), '\n')), 201u);
  double hashrate = 0;
  for (const auto& n : r.node_rows) hashrate += n.hashrate;
  EXPECT_NEAR(hashrate, 1.0, 1e-12);
  const std::string graphml = runner::GraphMl(*s, r, r.final_edges);
  EXPECT_NE(graphml.find("<node id=\"n199\">"), std::string::npos);
  EXPECT_EQ(runner::SnapshotName(3600 * kSecond, "edges", ".csv"), "edges_at_3600s.csv");
  EXPECT_EQ(runner::SnapshotName(1500 * kMillisecond, "edges", ".csv"), "edges_at_1500000000ns.csv");
}

TEST(TopologyExport, SnapshotTimesMustIncrease) {
  auto bad = LoadScenario(kDefault, {"topology_snapshots=[2 h, 1 h]"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "--set topology_snapshots=[2 h, 1 h]: topology_snapshots[1]: times must be increasing");
  auto not_list = LoadScenario(kDefault, {"topology_snapshots=1 h"});
  ASSERT_FALSE(not_list.ok());
  EXPECT_EQ(not_list.status().message(),
            "--set topology_snapshots=1 h: topology_snapshots: expected a list like `[1 h, 2 h]`, "
            "got `1 h`");
}

}  // namespace
}  // namespace peerlab::scenario
