// Held digests of the shipped scenarios: every scenarios/*.yaml (but testbed-20, which runs real
// processes), at three seeds, sized down where needed to run in about a second, must give
// byte-identical summary.json, blocks.csv, nodes.csv and edges.csv. A refactor keeps every
// digest; a model change updates them (with a note saying why) by running this test with
// PEERLAB_WRITE_DIGESTS=1, which rewrites tests/data/digests/NAME.txt instead of comparing.
//
// The digests were produced at commit 6575174, before the engine split of issue 19, and checked
// against the `peerlab` binary of commit 1d16aee (before issue 24's bounds): all 27 runs, run
// through that binary's CLI with the same overrides and seeds, gave the same 108 files.
//
// Model changes since:
// - 2026-12-07, issue 23: Pareto latency jitter (the default, `network.latency_jitter`) is drawn
//   by a ziggurat (util/pareto_ziggurat.hpp) instead of u^(-1/shape) with `pow`: the same
//   distribution (tests/pareto_ziggurat_test.cpp), other numbers from the same streams, 4.3 %
//   fewer instructions per run. Every digest changed; bitcoin.yaml at 1,000 nodes, seed 1:
//   propagation p50 0.709 s to 0.714 s, p90 1.072 s to 1.085 s.
// - 2026-12-07, issue 25: the Tendermint family's connections run MConnection's keep-alive (a
//   ping every 60 s, closed when its pong is not back in 45 s), a lost message leaves a hole in
//   its TCP stream, and a node dials a persistent peer (an outbound peer of the initial
//   topology) again when its connection closes. Runs shorter than a minute are unchanged
//   (tendermint, tendermint-qa, tendermint-censor); tendermint-partition changes by the pings'
//   bytes and the redials during its drop partition (seed 1 at full size: 73 heights either
//   way, heal to commit 0.26 s to 0.40 s); tendermint-twins (new in this issue) rewritten.
// - 2026-12-07, issue 25: Bitcoin nodes run Core's peer timeouts (a block download without
//   progress for a block interval and more, a handshake not done in 60 s, a ping unanswered for
//   20 min drop the peer; Node::OnPeerTimeouts). Nothing times out in the shipped scenarios, but
//   a node's last check now runs after its last download, so bitcoin.yaml and partition.yaml end
//   later: their summary.json differs in `sim_time_s` only (every other file the same).
//   Legacy relay now takes an announced block as known to the peer (no shipped scenario uses
//   it). And a node's first getheaders to a new peer starts one block below its best header, as
//   Core's does, so an up-to-date peer answers with its best block: blocks.csv and summary.json
//   of churn, eclipse and partition (nodes that connect with a chain) change a little (partition
//   seed 1: propagation p50 0.766 s to 0.762 s, time to consistency 14.90 s to 14.79 s; edges.csv
//   of some runs too, as reconnections go differently).
// - 2026-12-06, issue 23: the flow link model's senders learn how many transfers share a
//   receiver's downlink from signals (to the receiver and back, a round trip) instead of a count
//   shared at once (sim/flow_links.hpp). Rewritten: churn, default, double-spend, partition,
//   selfish-mining, tendermint, tendermint-censor, tendermint-qa; bitcoin unchanged (its cap
//   never binds). docs/ns3-validation.md's flow cells moved by at most 0.01 s but one.
// - 2026-12-06, issue 23 (the parallel engine needs node events that change only their own
//   node at once): a dial takes the target's slot when the SYN arrives, not at the dial; a node's
//   own close leaves the other end open until the FIN arrives (what it sends meanwhile is dropped
//   on arrival); deliveries are checked against the receiving slot's generation and a freed slot
//   is reused at once (no TIME_WAIT); each node draws its latency jitter from its own stream
//   (was one stream for all); a Tendermint block id's serial counts the proposer's own blocks
//   (was every block in the run). Rewritten: all. Every other test unchanged; bitcoin.yaml at
//   10,000 nodes: propagation p50 0.767 -> 0.760 s, p90 1.222 -> 1.205 s.
// - 2026-12-06, issue 22: tendermint-partition's summary.json gained `partitions` (sides' power,
//   heights committed during, time from the heal to the next commit); nothing else changed.
// - 2026-12-06, issue 22: tendermint results gained summary.json `transactions` (per class:
//   inclusion share and delay, for censoring proposers) and heights.csv `proposer_group`; its
//   times are now written at full precision through results::Table (were 9 significant
//   digits). Consensus, edges and every value otherwise unchanged (checked against the previous
//   binary). Rewritten: tendermint, tendermint-partition; tendermint-censor added.
// - 2026-12-06, issue 22: tendermint-qa added (CometBFT's QA testnet, for the gallery entry
//   cometbft-qa-v1); no model change (its digests written after the `transactions` entry above).
// - 2026-12-06, issue 22: tendermint and tendermint-partition added (the Tendermint family;
//   summary.json, heights.csv and edges.csv), with the measured Ed25519 costs as signature
//   defaults.
// - 2026-12-06, issue 20: a node downloads a competing branch with as much work as its tip (as
//   Bitcoin Core's FindNextBlocksToDownload and HeadersDirectFetchBlocks do; it used to skip
//   equal work), and fetches an unrequested equal-work compact block whole
//   (tests/fork_fetch_test.cpp). Rewritten: default, double-spend, eclipse, partition,
//   selfish-mining; the others were unchanged.
// - 2026-12-06, issue 20: a node serves a block it is still validating (getdata, getblocktxn),
//   as Core serves its most recent block; before, such a request was ignored and the requester
//   waited for the block forever (tests/fork_fetch_test.cpp). Rewritten: selfish-mining.
// - 2026-12-06, issue 20: the default link model is now `flow` (TCP windows and shared uplinks,
//   sim/flow_links.hpp) instead of `fifo`. Rewritten: bitcoin, churn, default, double-spend,
//   eclipse, partition, selfish-mining. Unchanged: censorship and transactions, whose messages
//   all fit TCP's initial window in these sized-down runs, where `flow` sends exactly as `fifo`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

struct Shipped {
  std::string name;                    // scenarios/NAME.yaml
  std::vector<std::string> overrides;  // to size it down; empty when it is small already
  // The files compared: the Bitcoin family's four unless given (the Tendermint family writes
  // summary.json, heights.csv and edges.csv).
  std::vector<std::string> files = {"summary.json", "blocks.csv", "nodes.csv", "edges.csv"};
};

// Each shrink keeps what the scenario is about (the partition and its heal, the eclipse restart,
// the attacks' races, transaction relay), only fewer blocks or a shorter time.
const std::vector<Shipped>& ShippedScenarios() {
  static const std::vector<Shipped> kAll = {
      {"bitcoin", {"stop.blocks=12"}},
      {"censorship", {"stop.blocks=60"}},
      {"churn", {}},
      {"default", {"stop.blocks=20"}},
      {"double-spend", {"stop.blocks=300"}},
      {"eclipse", {}},
      {"partition", {}},
      {"selfish-mining", {"stop.blocks=300"}},
      {"transactions", {"stop.time=5 min"}},
      {"tendermint",
       {"stop.heights=5", "network.nodes=120", "groups.validators.nodes=30"},
       {"summary.json", "heights.csv", "edges.csv"}},
      {"tendermint-qa",
       {"network.nodes=40", "groups.validators.nodes=30", "stop.time=10 s"},
       {"summary.json", "heights.csv", "edges.csv"}},
      {"tendermint-partition",
       {"network.nodes=60", "groups.north.nodes=12", "groups.south.nodes=8", "stop.time=4 min"},
       {"summary.json", "heights.csv", "edges.csv"}},
      {"tendermint-censor",
       {"stop.heights=8", "network.nodes=60", "groups.honest.nodes=14", "groups.censors.nodes=6"},
       {"summary.json", "heights.csv", "edges.csv"}},
      {"tendermint-twins", {"stop.time=2 min"}, {"summary.json", "heights.csv", "edges.csv"}},
  };
  return kAll;
}

constexpr std::uint64_t kSeeds[] = {1, 2, 3};

std::string FileDigest(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  return Sha256({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}).ToDigestHex();
}

fs::path DigestFile(const std::string& name) {
  return fs::path(PEERLAB_SOURCE_DIR) / "tests" / "data" / "digests" / (name + ".txt");
}

// Lines `SEED FILE SHA256`, keyed by "SEED FILE".
std::map<std::string, std::string> ReadDigests(const fs::path& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path);
  std::string seed, file, digest;
  while (in >> seed >> file >> digest) out[seed + " " + file] = digest;
  return out;
}

std::string ReproduceFlags(const Shipped& shipped) {
  std::string flags;
  for (const std::string& o : shipped.overrides) flags += " --set '" + o + "'";
  return flags;
}

// Runs `scenario` into a fresh directory named after `tag` and returns the digest of each of
// `files` (empty after a failure, which is reported).
std::map<std::string, std::string> RunAndDigest(const Scenario& scenario,
                                                const std::vector<std::string>& files,
                                                const std::string& tag) {
  const fs::path out =
      fs::path(::testing::TempDir()) / ("peerlab_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(out);
  runner::RunOptions options;
  options.out_dir = out.string();
  auto ran = runner::RunScenario(scenario, options);
  std::map<std::string, std::string> digests;
  if (!ran.ok()) {
    ADD_FAILURE() << tag << ": " << ran.status().message();
    return digests;
  }
  for (const std::string& file : files) digests[file] = FileDigest(out / file);
  fs::remove_all(out);
  return digests;
}

class ShippedDigests : public ::testing::TestWithParam<Shipped> {};

TEST_P(ShippedDigests, ResultsAreByteIdentical) {
  const Shipped& shipped = GetParam();
  const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/" + shipped.name + ".yaml";
  const bool write = std::getenv("PEERLAB_WRITE_DIGESTS") != nullptr;
  const std::map<std::string, std::string> expected = ReadDigests(DigestFile(shipped.name));
  if (!write) {
    ASSERT_FALSE(expected.empty()) << DigestFile(shipped.name) << " is missing";
  }
  std::ostringstream actual;
  for (const std::uint64_t seed : kSeeds) {
    std::vector<std::string> overrides = shipped.overrides;
    overrides.push_back("seed=" + std::to_string(seed));
    auto loaded = LoadScenario(path, overrides);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    const auto digests =
        RunAndDigest(*loaded, shipped.files, "digests_" + shipped.name + "_" + std::to_string(seed));
    ASSERT_EQ(digests.size(), shipped.files.size());
    for (const std::string& file : shipped.files) {
      const std::string key = std::to_string(seed) + " " + file;
      const std::string& digest = digests.at(file);
      actual << key << " " << digest << "\n";
      if (!write) {
        const auto it = expected.find(key);
        EXPECT_TRUE(it != expected.end() && it->second == digest)
            << "seed=" << seed << " scenario=" << path << " " << file
            << ": digest " << digest << " differs from the held "
            << (it == expected.end() ? std::string("(none)") : it->second)
            << "; reproduce with: peerlab run " << path << " --seed " << seed
            << ReproduceFlags(shipped);
      }
    }
  }
  if (write) {
    std::ofstream(DigestFile(shipped.name), std::ios::trunc) << actual.str();
  }
}

// Digest of `shipped` at seed 1 with `configure` applied to the loaded scenario, against the
// held digests.
void ExpectHeldDigests(const Shipped& shipped, const std::string& tag,
                       const std::function<void(Scenario&)>& configure) {
  const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/" + shipped.name + ".yaml";
  const std::map<std::string, std::string> expected = ReadDigests(DigestFile(shipped.name));
  std::vector<std::string> overrides = shipped.overrides;
  overrides.push_back("seed=1");
  auto loaded = LoadScenario(path, overrides);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  configure(*loaded);
  const auto digests = RunAndDigest(*loaded, shipped.files, tag + "_" + shipped.name);
  for (const std::string& file : shipped.files) {
    const auto it = expected.find("1 " + file);
    ASSERT_TRUE(it != expected.end() && digests.count(file) == 1);
    EXPECT_EQ(digests.at(file), it->second) << "seed=1 scenario=" << path << " " << file << " with "
                                            << tag << ReproduceFlags(shipped);
  }
}

// The engine can hold what nodes send and reserve receivers' downlinks at the end of windows as
// long as the latency floor (what the parallel engine's shards do): the same files, byte for
// byte. One seed per scenario.
TEST_P(ShippedDigests, NetworkWindowsChangeNothing) {
  ExpectHeldDigests(GetParam(), "network windows", [](Scenario& s) {
    s.sim.network_window = sim::NetworkSpec::kWindowFloor;
    s.tendermint.network_window = sim::NetworkSpec::kWindowFloor;
    // Held work collected in a random order (as shards would) is sorted back at each window's
    // end.
    s.sim.shuffle_held_for_tests = 7;
    s.tendermint.shuffle_held_for_tests = 7;
  });
}

// Shards run one after another on one thread, in any order within a window (ascending,
// descending, shuffled): what the threads do, without threads. Finds any dependence between
// shards that a window would break.
TEST_P(ShippedDigests, ShardsInAnyOrderChangeNothing) {
  const struct {
    std::uint32_t shards;
    std::uint64_t order;
  } kCases[] = {{2, 0}, {7, 1}, {3, 11}};
  for (const auto& c : kCases) {
    ExpectHeldDigests(GetParam(),
                      "shards " + std::to_string(c.shards) + " order " + std::to_string(c.order),
                      [&c](Scenario& s) {
                        s.sim.shards_for_tests = c.shards;
                        s.sim.shard_order_for_tests = c.order;
                      });
  }
}

// The parallel engine on 2, 4 and 8 threads (more than this machine's cores included) gives
// the single-threaded files, byte for byte.
TEST_P(ShippedDigests, ThreadsChangeNothing) {
  for (const std::uint32_t threads : {2u, 4u, 8u}) {
    ExpectHeldDigests(GetParam(), "--threads " + std::to_string(threads),
                      [threads](Scenario& s) {
                        s.sim.threads = threads;
                        s.tendermint.threads = threads;
                      });
  }
}

// What no shipped scenario has: a delay partition (signals and messages held back across the
// cut, drained in order after the heal), with feelers and churn opening and closing connections
// throughout. The same files with windows as without.
TEST(NetworkWindows, ADelayPartitionWithChurnGivesTheSameFiles) {
  const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/partition.yaml";
  const std::vector<std::string> overrides = {
      "stop.blocks=16", "network.nodes=300", "protocol.peers.feeler_interval=2 min",
      "churn={share: 0.3, session: {kind: exponential, mean: 30 min}, downtime: {kind: exponential, mean: 5 min}, link_failures: {rate: 0.5}}",
      "events[0]={at: 30 min, kind: partition, sides: [[as: [1, 2, 3, 4, 5]], [rest]], mode: delay, delay: 1 min}",
      "events[1]={at: 90 min, kind: heal}"};
  std::map<std::string, std::string> digests[2];
  for (int windowed = 0; windowed < 2; ++windowed) {
    auto loaded = LoadScenario(path, overrides);
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    if (windowed) loaded->sim.network_window = sim::NetworkSpec::kWindowFloor;
    digests[windowed] = RunAndDigest(*loaded, {"summary.json", "blocks.csv"},
                                     "delay_" + std::to_string(windowed));
  }
  ASSERT_EQ(digests[0].size(), 2u);
  EXPECT_EQ(digests[0], digests[1]);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedDigests, ::testing::ValuesIn(ShippedScenarios()),
                         [](const ::testing::TestParamInfo<Shipped>& info) {
                           std::string name = info.param.name;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace peerlab::scenario
