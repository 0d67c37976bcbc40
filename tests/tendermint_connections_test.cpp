// The Tendermint family's connections (families/tendermint/sim/src/connections.cpp): MConnection's
// keep-alive (a ping every 60 s, the connection closed when its pong is not back in 45 s), a lost
// message as a hole in a TCP stream (nothing after it is delivered), and persistent peers dialled
// again when their connection closes. D2 of docs/testing.md: without them a lost vote was never
// sent again and the chain stalled for good.
#include <gtest/gtest.h>

#include <string>

#include "peerlab/scenario/scenario.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"

namespace peerlab::tendermint {
namespace {

struct Ran {
  RunReport report;
  std::uint32_t degree_of_3 = 0;  // node 3's connections in the initial topology
};

Ran RunBlackout(std::vector<std::string> overrides) {
  auto parsed = scenario::LoadScenario(
      std::string(PEERLAB_SOURCE_DIR) + "/tests/data/explore/d2-tendermint-blackout.yaml", overrides);
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  auto built = Simulation::Build(parsed->tendermint, nullptr);
  EXPECT_TRUE(built.ok()) << built.status().message();
  EXPECT_TRUE((*built)->Run().ok());
  Ran r{(*built)->report()};
  for (const sim::Edge& e : (*built)->engine().edges()) r.degree_of_3 += e.from == 3 || e.to == 3;
  return r;
}

TEST(TendermintConnections, AStreamWithAHoleClosesOnItsPongTimeoutAndIsDialledAgain) {
  const Ran r = RunBlackout({});
  // 4 heights before the loss at 10 s; the pings of 60 s are lost behind the holes, their pongs
  // time out at 105 s, the openers dial again and the rest of the 8 heights follow.
  ASSERT_EQ(r.report.heights.size(), 8u);
  EXPECT_LT(r.report.heights[3].first_commit_at, 10 * kSecond);
  EXPECT_GE(r.report.heights[4].first_commit_at, 105 * kSecond);
  EXPECT_LT(r.report.heights[4].first_commit_at, 120 * kSecond);
  EXPECT_EQ(r.report.heights_committed, 8);
  EXPECT_GT(r.report.pong_timeouts, 0u);
}

TEST(TendermintConnections, WithoutLossNoPongTimesOut) {
  // Four rounds of pings and pongs on every connection: each pong comes back in time.
  const Ran r = RunBlackout({"network.faults=[]", "stop={heights: 1000, time: 4 min}"});
  EXPECT_EQ(r.report.pong_timeouts, 0u);
  EXPECT_GT(r.report.heights_committed, 50);
  // Delays and duplicates lose nothing: no hole, no timeout.
  const Ran late = RunBlackout({"network.faults=[{start: 10 s, end: 40 s, delay: 2 s, duplicate: 50 %}]"});
  EXPECT_EQ(late.report.pong_timeouts, 0u);
  EXPECT_EQ(late.report.heights_committed, 8);
}

TEST(TendermintConnections, ALossOnOneLinkClosesOnlyThatConnection) {
  // Every message from node 3 lost for 5 s: only its connections get holes, so only they close
  // (from either end); the heights go on meanwhile, the other validators hold 2/3.
  const Ran r = RunBlackout({"network.faults=[{from: [nodes: [3]], start: 10 s, end: 15 s, drop: 100 %}]",
                     "stop={heights: 60, time: 10 min}"});
  EXPECT_GT(r.report.pong_timeouts, 0u);
  // At most both ends of each of node 3's connections (one ping each way is lost at most).
  EXPECT_GT(r.degree_of_3, 0u);
  EXPECT_LE(r.report.pong_timeouts, 2u * r.degree_of_3);
  EXPECT_EQ(r.report.heights_committed, 60);
}

}  // namespace
}  // namespace peerlab::tendermint
