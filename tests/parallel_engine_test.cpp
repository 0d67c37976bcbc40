// The parallel engine (sim/engine.hpp, "Shards"; docs/performance.md, "The parallel engine") on
// small runs: the same files for every thread count, with every feature that crosses between
// shards (connections opened and closed by nodes, feelers, churn and outages, drop and delay
// partitions, transactions, eclipse attacks, rushing links). Small enough to run under
// ThreadSanitizer in CI (scripts/test-tsan runs this suite); the shipped scenarios' held digests
// at 2, 4 and 8 threads are in shipped_digests_test.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/engine.hpp"
#include "peerlab/sim/shard_claims.hpp"
#include "peerlab/util/cache_line.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Case {
  std::string name;  // for messages
  std::string file;  // scenarios/FILE.yaml
  std::vector<std::string> overrides;
};

// The files of `c` run with `threads` threads (run.json aside: it says how many ran).
std::map<std::string, std::string> RunFiles(const Case& c, std::uint32_t threads) {
  std::vector<std::string> overrides = c.overrides;
  overrides.push_back("engine.threads=" + std::to_string(threads));
  auto loaded = LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/" + c.file + ".yaml",
                             overrides);
  std::map<std::string, std::string> files;
  if (!loaded.ok()) {
    ADD_FAILURE() << c.name << ": " << loaded.status().message();
    return files;
  }
  const fs::path out = fs::path(::testing::TempDir()) /
                       ("peerlab_parallel_" + c.name + "_" + std::to_string(threads) + "_" +
                        std::to_string(::getpid()));
  fs::remove_all(out);
  runner::RunOptions options;
  options.out_dir = out.string();
  auto ran = runner::RunScenario(*loaded, options);
  if (!ran.ok()) {
    ADD_FAILURE() << c.name << ": " << ran.status().message();
    return files;
  }
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    if (name != "run.json") files[name] = ReadAll(entry.path());
  }
  // The nodes were split into `threads` shards, run by at most one thread per core.
  const std::string manifest = ReadAll(out / "run.json");
  const unsigned ran_on = std::min(threads, std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_NE(manifest.find("\"threads\": " + std::to_string(ran_on)), std::string::npos)
      << c.name << ": run.json does not say " << ran_on << " threads ran";
  EXPECT_NE(manifest.find("\"shards\": " + std::to_string(threads)), std::string::npos)
      << c.name << ": run.json does not say " << threads << " shards";
  fs::remove_all(out);
  return files;
}

const std::vector<Case>& Cases() {
  static const std::vector<Case> kCases = {
      {"bitcoin", "bitcoin", {"network.nodes=200", "stop.blocks=3"}},
      {"feelers-and-churn",
       "churn",
       {"network.nodes=150", "stop.blocks=4", "protocol.peers.feeler_interval=2 min"}},
      {"drop-partition", "partition", {"network.nodes=150", "stop.blocks=8"}},
      {"delay-partition",
       "partition",
       {"network.nodes=150", "stop.blocks=8",
        "events[0]={at: 20 min, kind: partition, sides: [[as: [1, 2, 3]], [rest]], mode: delay, "
        "delay: 1 min}",
        "events[1]={at: 50 min, kind: heal}"}},
      {"transactions", "transactions", {"network.nodes=150", "stop.time=2 min"}},
      {"eclipse",
       "eclipse",
       {"stop.time=35 min", "groups.attacker.strategy.restart_at=30 min",
        "groups.attacker.strategy.addresses=2048", "groups.attacker.strategy.trash_addresses=2048"}},
      {"selfish-mining", "selfish-mining", {"network.nodes=150", "stop.blocks=20"}},
      {"message-faults",
       "bitcoin",
       {"network.nodes=200", "stop.blocks=3",
        "network.faults=[{from: [region: europe], drop: 10 %, duplicate: 20 %, reorder: 300 ms}, "
        "{to: [group: pools], delay: 50 ms, duplicate: 5 %}]"}},
  };
  return kCases;
}

TEST(ParallelEngine, SmallRunsGiveTheSameFilesOnEveryThreadCount) {
  for (const Case& c : Cases()) {
    const auto one = RunFiles(c, 1);
    ASSERT_FALSE(one.empty()) << c.name;
    for (const std::uint32_t threads : {2u, 3u, 4u}) {
      const auto many = RunFiles(c, threads);
      ASSERT_EQ(many.size(), one.size()) << c.name << " with " << threads << " threads";
      for (const auto& [file, text] : one) {
        EXPECT_TRUE(many.at(file) == text)
            << "scenario=" << c.file << " (" << c.name << ") " << file << " differs with "
            << threads << " threads";
      }
    }
  }
}

// engine.threads: auto resolves to 1 below 5,000 nodes and to the machine's cores from there,
// never past the limit; an explicit count stands as given.
TEST(ParallelEngine, AutoThreadsFollowTheDocumentedRule) {
  EXPECT_EQ(sim::Engine::ResolveThreads(0, 4999), 1u);
  const std::uint32_t big = sim::Engine::ResolveThreads(0, 5000);
  EXPECT_GE(big, 1u);
  EXPECT_LE(big, sim::Engine::kMaxShards);
  EXPECT_EQ(sim::Engine::ResolveThreads(3, 100), 3u);
  EXPECT_EQ(sim::Engine::ResolveThreads(500, 100), sim::Engine::kMaxShards);
}

// What cannot run on several shards runs on one, and says so in run.json.
TEST(ParallelEngine, TendermintRunsOnOneThreadWhateverIsAsked) {
  auto loaded = LoadScenario(std::string(PEERLAB_SOURCE_DIR) + "/scenarios/tendermint.yaml",
                             {"stop.heights=2", "network.nodes=40", "groups.validators.nodes=10",
                              "engine.threads=4"});
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  const fs::path out =
      fs::path(::testing::TempDir()) / ("peerlab_parallel_tm_" + std::to_string(::getpid()));
  fs::remove_all(out);
  runner::RunOptions options;
  options.out_dir = out.string();
  ASSERT_TRUE(runner::RunScenario(*loaded, options).ok());
  EXPECT_NE(ReadAll(out / "run.json").find("\"threads\": 1"), std::string::npos);
  fs::remove_all(out);
}

TEST(ParallelEngine, BadThreadCountsAreRefusedWithTheirPlace) {
  const std::string file = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/bitcoin.yaml";
  for (const char* bad : {"engine.threads=0", "engine.threads=63", "engine.threads=two",
                          "engine.threads=-1"}) {
    auto loaded = LoadScenario(file, {bad});
    ASSERT_FALSE(loaded.ok()) << bad;
    EXPECT_NE(loaded.status().message().find("engine.threads"), std::string::npos)
        << loaded.status().message();
  }
  EXPECT_TRUE(LoadScenario(file, {"engine.threads=auto"}).ok());
  EXPECT_TRUE(LoadScenario(file, {"engine.threads=62"}).ok());
}

// Who runs which shard (sim/shard_claims.hpp): a worker's own places first, in order, then the
// places other workers have not started, each one's last first; every place exactly once.
TEST(ShardClaims, OwnPlacesFirstThenOthersLastFirst) {
  sim::ShardClaims claims(7, 3);  // worker 0 owns 0, 3, 6; worker 1: 1, 4; worker 2: 2, 5
  std::vector<std::uint32_t> ran;
  EXPECT_EQ(claims.ForEach(1, [&](std::uint32_t p) { ran.push_back(p); }), 5u);
  EXPECT_EQ(ran, (std::vector<std::uint32_t>{1, 4, 5, 2, 6, 3, 0}));
  ran.clear();
  EXPECT_EQ(claims.ForEach(0, [&](std::uint32_t p) { ran.push_back(p); }), 0u);
  EXPECT_TRUE(ran.empty());  // all taken
  claims.Reset();
  claims.ForEach(2, [&](std::uint32_t p) {  // worker 2 is "slow": the others take its places
    ran.push_back(p);
    if (p == 2) {
      claims.ForEach(0, [&](std::uint32_t q) { ran.push_back(100 + q); });
    }
  });
  // Worker 2 runs 2; meanwhile worker 0 runs 0, 3, 6, then worker 1's 4, 1, then 2's last (5).
  EXPECT_EQ(ran, (std::vector<std::uint32_t>{2, 100, 103, 106, 104, 101, 105}));
}

TEST(ShardClaims, MoreWorkersThanPlaces) {
  sim::ShardClaims claims(2, 5);
  std::vector<std::uint32_t> ran;
  EXPECT_EQ(claims.ForEach(4, [&](std::uint32_t p) { ran.push_back(p); }), 2u);
  EXPECT_EQ(ran, (std::vector<std::uint32_t>{0, 1}));  // from the next worker on: 0, then 1
}

TEST(ShardClaims, ConcurrentWorkersRunEveryPlaceOnce) {
  constexpr std::uint32_t kPlaces = 9, kWorkers = 4, kRounds = 300;
  sim::ShardClaims claims(kPlaces, kWorkers);
  std::vector<std::atomic<std::uint32_t>> runs(kPlaces);
  for (std::uint32_t round = 0; round < kRounds; ++round) {
    claims.Reset();
    std::vector<std::thread> threads;
    for (std::uint32_t w = 0; w < kWorkers; ++w) {
      threads.emplace_back([&, w] {
        claims.ForEach(w, [&](std::uint32_t p) { runs[p].fetch_add(1, std::memory_order_relaxed); });
      });
    }
    for (std::thread& t : threads) t.join();
    for (std::uint32_t p = 0; p < kPlaces; ++p) {
      ASSERT_EQ(runs[p].exchange(0), 1u) << "place " << p << " in round " << round;
    }
  }
}

// Per-thread state side by side (a pool, a journal, a queue per shard) must not share cache
// lines, or the shards' threads take the lines from each other on every write.
TEST(OnOwnLines, ElementsOfAVectorShareNoCacheLine) {
  std::vector<OnOwnLines<std::vector<std::uint32_t>>> lists(5);
  for (std::size_t i = 0; i < lists.size(); ++i) {
    const auto at = reinterpret_cast<std::uintptr_t>(&lists[i]);
    EXPECT_EQ(at % kCacheLine, 0u) << "element " << i;
    if (i > 0) EXPECT_GE(at - reinterpret_cast<std::uintptr_t>(&lists[i - 1]), kCacheLine);
  }
  // Used as what it wraps.
  std::vector<std::uint32_t>& list = lists[3];
  list.push_back(7);
  EXPECT_EQ(lists[3].size(), 1u);
  EXPECT_EQ(lists[2].size(), 0u);
  std::vector<OnOwnLines<std::map<int, int>>> maps;
  maps.assign(2, {});
  maps[1][4] = 5;
  EXPECT_EQ(maps[1].at(4), 5);
  EXPECT_TRUE(maps[0].empty());
}

}  // namespace
}  // namespace peerlab::scenario
