// The ns-3 backend end to end (only in builds with ns-3; without, `network.backend: ns3` is
// an error, tested in scenario_test.cpp): scenarios/default.yaml, made small, runs on ns-3 and
// gives byte-identical summary.json and blocks.csv for the same seed; run.json says ns3.
#ifdef PEERLAB_HAVE_NS3
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace peerlab::scenario
#endif  // PEERLAB_HAVE_NS3
