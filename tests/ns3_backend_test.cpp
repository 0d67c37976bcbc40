// The ns-3 backend end to end (only in builds with ns-3; without, `network.backend: ns3` is
// an error, tested in scenario_test.cpp): scenarios/default.yaml, made small, runs on ns-3 and
// gives byte-identical summary.json and blocks.csv for the same seed; run.json says ns3; and
// no block stalls in TCP retransmission backoff (docs/ns3-validation.md, "Stuck connections").
#ifdef PEERLAB_HAVE_NS3
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Scenario DefaultOnNs3() {
  const fs::path file = fs::path(PEERLAB_SOURCE_DIR) / "scenarios/default.yaml";
  auto s = ParseScenario(ReadFile(file), file.string(), file.parent_path().string(),
                         {"network.backend=ns3", "network.nodes=30", "stop.blocks=2",
                          "groups.pools.nodes=5"});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

TEST(Ns3Backend, DefaultScenarioIsDeterministic) {
  const Scenario scenario = DefaultOnNs3();
  std::string summary[2], blocks[2];
  for (int run = 0; run < 2; ++run) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("peerlab_ns3_" + std::to_string(run));
    fs::remove_all(dir);
    runner::RunOptions options;
    options.out_dir = dir.string();
    auto outcome = runner::RunScenario(scenario, options);
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    EXPECT_EQ(outcome->report.blocks_mined, 2u);
    EXPECT_GT(outcome->report.network_events, 0u);
    summary[run] = ReadFile(dir / "summary.json");
    blocks[run] = ReadFile(dir / "blocks.csv");
    const std::string manifest = ReadFile(dir / "run.json");
    EXPECT_NE(manifest.find("\"backend\": \"ns3\""), std::string::npos) << manifest.substr(0, 400);
    EXPECT_NE(manifest.find("\"ns3_events\": "), std::string::npos);
  }
  EXPECT_NE(summary[0].find("\"backend\": \"ns3\""), std::string::npos) << summary[0].substr(0, 200);
  EXPECT_EQ(summary[0], summary[1]);
  EXPECT_EQ(blocks[0], blocks[1]);
}

// Issue 20's criterion on a small case: every main-chain block reaches 99 % of the nodes
// within 3 times the time it took to reach 90 %. Before LinuxTcpSocket this case failed it
// (height 4: 99 % at 311.2 s against a p90 of 20.0 s; the last node at 365.4 s), because
// ns-3.37's stale timestamp echoes and its RTT sampling left connections in RTO backoff.
// About 13 s of CPU.
TEST(Ns3Backend, NoBlockStallsInRetransmissionBackoff) {
  const fs::path file = fs::path(PEERLAB_SOURCE_DIR) / "scenarios/default.yaml";
  auto scenario = ParseScenario(ReadFile(file), file.string(), file.parent_path().string(),
                                {"network.backend=ns3", "network.nodes=100",
                                 "protocol.relay=legacy", "stop.blocks=6"});
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  const fs::path dir = fs::path(::testing::TempDir()) / "peerlab_ns3_stalls";
  fs::remove_all(dir);
  runner::RunOptions options;
  options.out_dir = dir.string();
  auto outcome = runner::RunScenario(*scenario, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  // blocks.csv: id,height,parent,miner_group,miner_node,mined_at_s,main_chain,size_bytes,
  // reach_50_s,reach_90_s,reach_99_s,reach_100_s,partition_side
  std::istringstream csv(ReadFile(dir / "blocks.csv"));
  std::string line;
  std::getline(csv, line);
  ASSERT_EQ(line.rfind("id,height,parent,miner_group,miner_node,mined_at_s,main_chain,size_bytes,"
                       "reach_50_s,reach_90_s,reach_99_s,reach_100_s", 0), 0u) << line;
  int checked = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 12u) << line;
    if (f[6] != "true") continue;
    ASSERT_FALSE(f[9].empty()) << "main-chain block never reached 90 %: " << line;
    ASSERT_FALSE(f[10].empty()) << "main-chain block never reached 99 %: " << line;
    const double p90 = std::stod(f[9]), p99 = std::stod(f[10]);
    EXPECT_LE(p99, 3 * p90) << "height " << f[1] << " stalled: " << line;
    ++checked;
  }
  EXPECT_GE(checked, 4) << "too few main-chain blocks to check";
}

}  // namespace
}  // namespace peerlab::scenario
#endif  // PEERLAB_HAVE_NS3
