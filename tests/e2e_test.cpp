// Scenario files end to end: a 100-node run through the whole pipeline, and determinism of
// every output file (same scenario + seed -> byte-identical summary.json and tables).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHundredNodes = R"(version: 1
name: hundred
seed: 11
stop: { blocks: 25 }
network:
  nodes: 100
  regions: bitcoin
  topology: { kind: bitcoin, outbound: 8, max_inbound: 125 }
protocol: { block_interval: 600 s, block_size: 1 MB, relay: headers }
groups:
  miners: { nodes: 10, hashrate: 0.75 }
  small:  { nodes: 2, hashrate: 0.25 }
  relays: { nodes: rest, hashrate: 0 }
)";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Digest(const fs::path& p) {
  const std::string text = ReadFile(p);
  return Sha256({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}).ToDigestHex();
}

Scenario Parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto s = ParseScenario(text, "hundred.yaml", "", overrides);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

fs::path FreshDir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / ("peerlab_e2e_" + name);
  fs::remove_all(p);
  return p;
}

TEST(EndToEnd, HundredNodeScenarioWritesConsistentResults) {
  const Scenario scenario = Parse(kHundredNodes);
  runner::RunOptions options;
  options.out_dir = FreshDir("hundred").string();
  auto outcome = runner::RunScenario(scenario, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  const sim::SimReport& r = outcome->report;
  EXPECT_EQ(r.nodes, 100u);
  EXPECT_EQ(r.blocks_mined, 25u);
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(r.groups[0].name, "miners");
  EXPECT_EQ(r.groups[0].nodes, 10u);
  EXPECT_EQ(r.groups[1].nodes, 2u);
  EXPECT_EQ(r.groups[2].nodes, 88u);
  EXPECT_EQ(r.groups[2].blocks_mined, 0u);
  EXPECT_EQ(r.groups[0].blocks_mined + r.groups[1].blocks_mined, 25u);
  for (const char* file : {"summary.json", "blocks.csv", "run.json", "edges.csv", "nodes.csv"}) {
    EXPECT_TRUE(fs::exists(fs::path(options.out_dir) / file)) << file;
  }
  EXPECT_FALSE(fs::exists(options.out_dir + ".partial"));
  EXPECT_EQ(ReadFile(fs::path(options.out_dir) / "summary.json"), outcome->summary_json);
  // One CSV row per block plus the header.
  const std::string csv = ReadFile(fs::path(options.out_dir) / "blocks.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 26);
  EXPECT_NE(outcome->summary_json.find("\"revenue_share\""), std::string::npos);
}

TEST(EndToEnd, SameScenarioAndSeedGiveByteIdenticalFiles) {
  const Scenario scenario = Parse(kHundredNodes);
  const Scenario reseeded = Parse(kHundredNodes, {"seed=12"});
  std::vector<fs::path> dirs;
  for (const auto* s : {&scenario, &scenario, &reseeded}) {
    runner::RunOptions options;
    options.out_dir = FreshDir("det" + std::to_string(dirs.size())).string();
    ASSERT_TRUE(runner::RunScenario(*s, options).ok());
    dirs.emplace_back(options.out_dir);
  }
  for (const char* file : {"summary.json", "blocks.csv", "edges.csv", "nodes.csv"}) {
    EXPECT_EQ(Digest(dirs[0] / file), Digest(dirs[1] / file))
        << "seed=11 scenario=hundred.yaml file=" << file;
    EXPECT_NE(Digest(dirs[0] / file), Digest(dirs[2] / file)) << file;
  }
}

TEST(EndToEnd, ShippedDefaultScenarioRunsAndIsDeterministic) {
  auto scenario = LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/default.yaml",
                               {"network.nodes=300", "stop.blocks=20"});
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  auto a = runner::RunScenario(*scenario, {});
  auto b = runner::RunScenario(*scenario, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->summary_json, b->summary_json)
      << "seed=" << scenario->sim.seed << " scenario=scenarios/default.yaml";
  EXPECT_EQ(runner::BlocksCsv(*scenario, a->report), runner::BlocksCsv(*scenario, b->report));
  EXPECT_EQ(a->report.blocks_mined, 20u);
}

TEST(EndToEnd, BothRelayModesPropagateEveryMainChainBlock) {
  for (const char* relay : {"protocol.relay=headers", "protocol.relay=legacy"}) {
    auto outcome = runner::RunScenario(Parse(kHundredNodes, {relay}), {});
    ASSERT_TRUE(outcome.ok());
    for (const auto& b : outcome->report.blocks) {
      if (b.main_chain) {
        EXPECT_TRUE(b.reach_s[3].has_value()) << relay << " block " << b.height;
      }
    }
  }
}

TEST(EndToEnd, TakenOutputDirectoryFailsBeforeRunningAndKeepsOldRun) {
  const Scenario scenario = Parse(kHundredNodes, {"stop.blocks=2"});
  runner::RunOptions options;
  options.out_dir = FreshDir("taken").string();
  ASSERT_TRUE(runner::RunScenario(scenario, options).ok());
  const std::string before = Digest(fs::path(options.out_dir) / "summary.json");
  auto again = runner::RunScenario(Parse(kHundredNodes, {"stop.blocks=3"}), options);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);
  EXPECT_EQ(Digest(fs::path(options.out_dir) / "summary.json"), before);
  options.replace = true;
  ASSERT_TRUE(runner::RunScenario(Parse(kHundredNodes, {"stop.blocks=3"}), options).ok());
  EXPECT_NE(Digest(fs::path(options.out_dir) / "summary.json"), before);
}

TEST(EndToEnd, BadEdgeListFailsAtLoadAndAtBuildWithoutOutput) {
  const fs::path dir = FreshDir("edges");
  fs::create_directories(dir);
  std::ofstream(dir / "edges.txt") << "0 1\n1 2\n2 100\n";
  const std::string text = std::string(kHundredNodes)
                               .replace(std::string(kHundredNodes).find("{ kind: bitcoin, outbound: 8, max_inbound: 125 }"),
                                        std::string("{ kind: bitcoin, outbound: 8, max_inbound: 125 }").size(),
                                        "{ kind: edge-list, file: edges.txt }");
  // Loading reads the edge list, so `check` refuses what `run` would, located in the file.
  auto refused = ParseScenario(text, (dir / "s.yaml").string(), dir.string(), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            (dir / "edges.txt").string() +
                ":3:3: network.topology.file: node index `100` out of range (network has 100 "
                "nodes, indices 0..99)");
  // A file that goes bad between loading and running still fails the run, before any output.
  std::ofstream(dir / "edges.txt") << "0 1\n1 2\n";
  auto scenario = ParseScenario(text, (dir / "s.yaml").string(), dir.string(), {});
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  std::ofstream(dir / "edges.txt") << "0 1\n1 2\n2 100\n";
  runner::RunOptions options;
  options.out_dir = (dir / "out").string();
  auto outcome = runner::RunScenario(*scenario, options);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("edges.txt:3:3: node index `100` out of range"),
            std::string::npos)
      << outcome.status().message();
  EXPECT_FALSE(fs::exists(dir / "out"));
  EXPECT_FALSE(fs::exists(dir / "out.partial"));
}

}  // namespace
}  // namespace peerlab::scenario

namespace peerlab::scenario {
namespace {

TEST(EndToEnd, TransactionRunsAreDeterministicToo) {
  const std::vector<std::string> overrides = {"protocol.relay=compact", "transactions.rate=1",
                                              "stop.blocks=6",
                                              "transactions.classes={a: 0.5, b: 0.5}"};
  auto first = ParseScenario(kHundredNodes, "hundred.yaml", "", overrides);
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto a = runner::RunScenario(*first, {});
  auto b = runner::RunScenario(*first, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->summary_json, b->summary_json) << "seed=11 scenario=hundred.yaml (compact, tx)";
  EXPECT_GT(a->report.txs_created, 1000u);  // about 3,600: 1 tx/s for six 600 s blocks
  ASSERT_EQ(a->report.tx_classes.size(), 2u);
  EXPECT_GT(a->report.tx_classes[1].included, 0u);
}

}  // namespace
}  // namespace peerlab::scenario
