// `peerlab explore` (explore/; docs/testing.md, "Exploration"): the generator draws valid and
// reproducible scenarios, a fixed-seed campaign passes every invariant (the exploration CI
// runs), a planted bug that breaks the most-work rule is found and shrunk to a small case, a
// child that dies is a failed run, and the verdicts do not depend on the process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "peerlab/explore/bitcoin_case.hpp"
#include "peerlab/explore/check.hpp"
#include "peerlab/explore/explore.hpp"
#include "peerlab/explore/tendermint_case.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::explore {
namespace {

namespace fs = std::filesystem;

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("peerlab_explore_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

TEST(Explore, TheGeneratorDrawsValidScenariosAndTheSameOnesForTheSameSeed) {
  for (std::uint64_t i = 0; i < 400; ++i) {
    const BitcoinCase c = DrawBitcoinCase(7, i);
    const std::string yaml = c.ToYaml("explore");
    EXPECT_EQ(yaml, DrawBitcoinCase(7, i).ToYaml("explore"));
    auto parsed = scenario::ParseScenario(yaml, "explore.yaml", "", {});
    ASSERT_TRUE(parsed.ok()) << "run " << i << ": " << parsed.status().message() << "\n" << yaml;
    // So does every step of the shrinker.
    for (const BitcoinCase& smaller : ShrinkSteps(c)) {
      EXPECT_LT(CaseSize(smaller), CaseSize(c));
      auto step = scenario::ParseScenario(smaller.ToYaml("s"), "s.yaml", "", {});
      ASSERT_TRUE(step.ok()) << "run " << i << " shrunk: " << step.status().message() << "\n"
                             << smaller.ToYaml("s");
    }
  }
  EXPECT_NE(DrawBitcoinCase(7, 0).ToYaml("x"), DrawBitcoinCase(8, 0).ToYaml("x"));
}

// The exploration CI runs (docs/testing.md): 300 small scenarios, every invariant, a replay of
// every 10th. A failure here prints the case to reproduce.
TEST(Explore, AFixedSeedCampaignPassesEveryInvariant) {
  ExploreOptions options;
  options.runs = 300;
  options.seed = 2026;
  options.jobs = 2;
  options.out_dir = TempDir("ci").string();
  auto report = Explore(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->runs, 300u);
  EXPECT_EQ(report->replays, 30u);
  EXPECT_GT(report->recovery_checked, 100u);
  EXPECT_GT(report->faults_injected, 0u);
  for (const Failure& f : report->failures) {
    ADD_FAILURE() << "seed=" << f.scenario_seed << " scenario=" << f.shrunk_file << " "
                  << f.invariant << ": " << f.detail << "\n" << f.shrunk_yaml;
  }
  std::ifstream json(fs::path(options.out_dir) / "explore.json");
  std::stringstream text;
  text << json.rdbuf();
  EXPECT_NE(text.str().find("\"runs\": 300"), std::string::npos) << text.str();
  fs::remove_all(options.out_dir);
}

TEST(Explore, TheTendermintGeneratorDrawsValidScenariosWithLessThanAThirdByzantine) {
  std::uint32_t twins = 0, split = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    const TendermintCase c = DrawTendermintCase(7, i);
    EXPECT_LT(3 * c.byzantine, c.validators + c.byzantine) << "run " << i;
    if (c.attack == "twins") {
      ++twins;
      // Every partition of a Twins run splits every pair: the originals on the named side.
      for (const CasePartition& p : c.disruptions.partitions) {
        ASSERT_FALSE(p.side_groups.empty()) << "run " << i;
        EXPECT_EQ(p.side_groups.front(), "byzantine");
        ++split;
      }
    }
    auto parsed = scenario::ParseScenario(c.ToYaml("explore"), "explore.yaml", "", {});
    ASSERT_TRUE(parsed.ok()) << "run " << i << ": " << parsed.status().message() << "\n"
                             << c.ToYaml("explore");
    for (const TendermintCase& smaller : ShrinkSteps(c)) {
      EXPECT_LT(CaseSize(smaller), CaseSize(c));
      EXPECT_LT(3 * smaller.byzantine, smaller.validators + smaller.byzantine);
      auto step = scenario::ParseScenario(smaller.ToYaml("s"), "s.yaml", "", {});
      ASSERT_TRUE(step.ok()) << "run " << i << " shrunk: " << step.status().message();
    }
  }
  EXPECT_GT(twins, 10u);  // 2 in 15 by the generator's odds
  EXPECT_GT(split, 0u);
}

// The Tendermint family's part of the exploration CI runs: 100 scenarios of seed 2026.
TEST(Explore, AFixedSeedTendermintCampaignPassesEveryInvariant) {
  ExploreOptions options;
  options.family = "tendermint";
  options.runs = 100;
  options.seed = 2026;
  options.jobs = 2;
  options.out_dir = TempDir("ci_tm").string();
  std::uint32_t twins = 0;
  for (std::uint64_t i = 0; i < options.runs; ++i) twins += DrawTendermintCase(2026, i).attack == "twins";
  EXPECT_GT(twins, 0u);  // Twins runs are among them
  auto report = Explore(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->runs, 100u);
  EXPECT_EQ(report->replays, 10u);
  EXPECT_GT(report->recovery_checked, 30u);
  for (const Failure& f : report->failures) {
    ADD_FAILURE() << "seed=" << f.scenario_seed << " scenario=" << f.shrunk_file << " "
                  << f.invariant << ": " << f.detail << "\n" << f.shrunk_yaml;
  }
  fs::remove_all(options.out_dir);
}

// A node that never moves to another branch (NodeConfig::planted_never_reorganise) breaks the
// most-work rule as soon as a fork happens: the campaign finds it and cuts it down.
TEST(Explore, APlantedBugIsFoundAndShrunkToAtMost20Nodes) {
  ExploreOptions options;
  options.runs = 200;
  options.seed = 1;
  options.jobs = 2;
  options.replay_every = 0;
  options.max_failures = 1;
  options.check.plant_never_reorganise = true;
  options.out_dir = TempDir("planted").string();
  auto report = Explore(options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  ASSERT_FALSE(report->failures.empty()) << "the planted bug went unnoticed in 200 runs";
  const Failure& f = report->failures.front();
  EXPECT_TRUE(f.invariant == "tip-work" || f.invariant == "convergence") << f.invariant;
  EXPECT_LE(f.shrunk_nodes, 20u) << f.shrunk_yaml;
  EXPECT_LE(f.shrunk_nodes, f.nodes);
  std::printf("planted bug: run %llu failed %s with %u nodes, shrunk to %u nodes in %u runs: %s\n",
              static_cast<unsigned long long>(f.run), f.invariant.c_str(), f.nodes,
              f.shrunk_nodes, f.shrink_runs, f.detail.c_str());
  // The shrunk case is a scenario on its own: written, and failing again when checked.
  ASSERT_TRUE(fs::exists(f.shrunk_file));
  const Verdict again =
      CheckIsolated("bitcoin", f.shrunk_yaml, DrawBitcoinCase(1, f.run).faults_end(),
                    options.check);
  EXPECT_FALSE(again.ok) << f.shrunk_yaml;
  // Without the bug the same case passes.
  EXPECT_TRUE(CheckIsolated("bitcoin", f.shrunk_yaml, 0, {}).ok) << f.shrunk_yaml;
  fs::remove_all(options.out_dir);
}

TEST(Explore, ARunsVerdictIsTheSameInAChildProcessAndAcrossReplays) {
  const BitcoinCase c = DrawBitcoinCase(3, 5);
  const Verdict here = CheckBitcoin(c.ToYaml("x"), c.faults_end(), {});
  const Verdict child = CheckIsolated("bitcoin", c.ToYaml("x"), c.faults_end(), {});
  ASSERT_TRUE(here.ok) << here.invariant << ": " << here.detail;
  EXPECT_TRUE(child.ok);
  EXPECT_EQ(here.digest, child.digest);
  EXPECT_EQ(here.events, child.events);
  EXPECT_EQ(here.recovery_checked, child.recovery_checked);
  EXPECT_EQ(here.digest.size(), 32u);
  // The state invariants ran at checkpoints during the run: every half block interval.
  EXPECT_GT(here.checkpoints, 0u);
  EXPECT_EQ(here.checkpoints, child.checkpoints);
  const TendermintCase t = DrawTendermintCase(3, 5);
  const Verdict bft = CheckTendermint(t.ToYaml("x"), t.faults_end(), {});
  ASSERT_TRUE(bft.ok) << bft.invariant << ": " << bft.detail;
  EXPECT_EQ(bft.checkpoints, static_cast<std::uint64_t>(bft.sim_time_s / 10));  // every 10 s
}

TEST(Explore, AChildThatDiesIsAFailedRunWithWhatItSaid) {
  // A scenario the checker refuses is a verdict, not a crash.
  const Verdict bad = CheckIsolated("bitcoin", "version: 1\nname: x\n", 0, {});
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.invariant, "valid-scenario");
  EXPECT_NE(bad.detail.find("stop"), std::string::npos) << bad.detail;
  // An assertion that fires kills the child only; its message is the failure's detail.
  CheckOptions assert_at_once;
  assert_at_once.assert_for_tests = true;
  const BitcoinCase c = DrawBitcoinCase(3, 5);
  const Verdict died = CheckIsolated("bitcoin", c.ToYaml("x"), c.faults_end(), assert_at_once);
  EXPECT_FALSE(died.ok);
  EXPECT_EQ(died.invariant, "no-crash");
  EXPECT_NE(died.detail.find("signal"), std::string::npos) << died.detail;
  EXPECT_NE(died.detail.find("assert_for_tests"), std::string::npos) << died.detail;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The open defects of docs/testing.md still reproduce from their files: when one is fixed, this
// fails, and the fix moves it to the fixed list with a regression test.
TEST(Explore, OpenDefectsStillReproduce) {
  const fs::path dir = fs::path(PEERLAB_SOURCE_DIR) / "tests" / "data" / "explore";
  auto d4 = scenario::LoadScenario((dir / "d4-tendermint-backlog-after-stall.yaml").string(), {});
  ASSERT_TRUE(d4.ok()) << d4.status().message();
  auto ran = runner::RunScenario(*d4, {});
  ASSERT_TRUE(ran.ok()) << ran.status().message();
  EXPECT_NE(ran->summary_json.find("\"heights_committed\": 2,"), std::string::npos)
      << "D4 no longer reproduces";
}

// Fixed defects keep the case that found them (docs/testing.md).
TEST(Explore, FixedDefectsStayFixed) {
  const fs::path dir = fs::path(PEERLAB_SOURCE_DIR) / "tests" / "data" / "explore";
  // D3: two delay partitions draining at once; the last heal at 1569.7 s.
  const Verdict d3 = CheckBitcoin(ReadFile(dir / "d3-overlapping-delay-drains.yaml"),
                                  1569700 * kMillisecond, {});
  EXPECT_TRUE(d3.ok) << d3.invariant << ": " << d3.detail;
  EXPECT_TRUE(d3.recovery_checked);
  // D2: every message lost from 10 s to 40 s stalled Tendermint for good; MConnection's
  // keep-alive now closes the connections with holes and persistent peers dial again.
  const Verdict d2 = CheckTendermint(ReadFile(dir / "d2-tendermint-blackout.yaml"),
                                     40 * kSecond, {});
  EXPECT_TRUE(d2.ok) << d2.invariant << ": " << d2.detail;
  EXPECT_TRUE(d2.recovery_checked);
  // D1: messages lost from 229.5 s to 667.0 s left downloads in flight for good; Core's block
  // download timeout now drops the stalled peer and the blocks are asked of others.
  const Verdict d1 = CheckBitcoin(ReadFile(dir / "d1-lost-block-never-asked-again.yaml"),
                                  667002 * kMillisecond, {});
  EXPECT_TRUE(d1.ok) << d1.invariant << ": " << d1.detail;
  EXPECT_TRUE(d1.recovery_checked);
}

TEST(Explore, AnUnknownFamilyIsRefused) {
  ExploreOptions options;
  options.family = "ethereum";
  auto report = Explore(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("ethereum"), std::string::npos);
}

}  // namespace
}  // namespace peerlab::explore
