// The sans-IO node: relay exchanges, validation delay, reorgs, first-seen ties, late sync.
#include <gtest/gtest.h>

#include <algorithm>

#include "mini_net.hpp"

namespace peerlab::testing {
namespace {

using protocol::Observation;
using protocol::RelayMode;

std::vector<std::string> Without(const std::vector<std::string>& log, const std::string& cmd) {
  std::vector<std::string> out;
  for (const auto& l : log) {
    if (l.find(":" + cmd) == std::string::npos) out.push_back(l);
  }
  return out;
}

TEST(Node, HeadersRelayIsHeadersGetdataBlock) {
  MiniNet net(2, RelayMode::kHeaders);
  net.Connect(0, 1);
  net.Settle();
  const TimeNs start = net.now();
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(Without(net.log(), "sendheaders"),
            (std::vector<std::string>{"0>1:headers", "1>0:getdata", "0>1:block"}));
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_NE(net.node(0).tip(), protocol::kGenesis);
  // 1.5 round trips of 50 ms, then validation of a 1 MB block: 1 ms + 10 ms per MB.
  EXPECT_EQ(net.now(), start + 150 * kMillisecond + 11 * kMillisecond);
}

TEST(Node, LegacyRelayIsInvGetdataBlock) {
  MiniNet net(2, RelayMode::kLegacy);
  net.Connect(0, 1);
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.log(), (std::vector<std::string>{"0>1:inv", "1>0:getdata", "0>1:block"}));
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
}

TEST(Node, LateConnectionSyncsWithGetHeaders) {
  // A node that already has a chain asks a new outbound peer for headers; the peer's longer
  // chain wins.
  MiniNet net(2, RelayMode::kHeaders);
  net.Mine(0);
  net.Mine(1);
  net.Mine(1);
  net.Connect(0, 1);  // node 0 syncs from node 1 with getheaders
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip());
  EXPECT_NE(std::find(net.log().begin(), net.log().end(), "0>1:getheaders"), net.log().end());
}

TEST(Node, LegacyRelayAcrossAGapFetchesMissingHeaders) {
  MiniNet net(2, RelayMode::kLegacy);
  net.Mine(0);
  net.Mine(0);
  net.Mine(0);
  net.Connect(1, 0);  // node 1 knows nothing; node 0 will announce only its next tip
  net.Settle();
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 4u);
}

TEST(Node, BlocksTravelAlongALineAndAreNotSentBack) {
  MiniNet net(4);
  net.Connect(0, 1);
  net.Connect(1, 2);
  net.Connect(2, 3);
  net.Settle();
  net.Mine(0);
  net.Settle();
  for (std::uint32_t i = 1; i < 4; ++i) EXPECT_EQ(net.node(i).tip(), net.node(0).tip());
  const auto blocks = std::count_if(net.log().begin(), net.log().end(),
                                    [](const std::string& l) { return l.ends_with(":block"); });
  EXPECT_EQ(blocks, 3);  // exactly one transfer per hop
}

TEST(Node, ReorgsToTheChainWithMoreWork) {
  MiniNet net(2);
  net.Mine(0);  // not connected yet: two competing chains
  net.Mine(0);
  net.Mine(1);
  const auto old_tip = net.node(1).tip();
  net.Connect(1, 0);  // node 1 has a chain, so it syncs headers from its outbound peer
  net.Settle();
  EXPECT_EQ(net.node(1).tip(), net.node(0).tip());
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 2u);
  const auto& obs = net.observations();
  auto reorg = std::find_if(obs.begin(), obs.end(), [](const auto& o) {
    return o.first == 1 && o.second.kind == Observation::Kind::kTipChanged &&
           o.second.reorg_depth > 0;
  });
  ASSERT_NE(reorg, obs.end());
  EXPECT_EQ(reorg->second.reorg_depth, 1u);
  EXPECT_EQ(reorg->second.previous, old_tip);
  // Node 0 keeps its longer chain.
  EXPECT_EQ(net.store().Get(net.node(0).tip()).height, 2u);
}

TEST(Node, FirstSeenBlockWinsATie) {
  MiniNet net(2);
  net.Mine(0);
  net.Mine(1);
  const auto tip0 = net.node(0).tip();
  const auto tip1 = net.node(1).tip();
  net.Connect(0, 1);
  net.Connect(1, 0);
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), tip0);
  EXPECT_EQ(net.node(1).tip(), tip1);
  // Equal work is not worth downloading.
  for (const auto& l : net.log()) EXPECT_FALSE(l.ends_with(":block")) << l;
  // The next block on either side resolves the tie for both.
  net.Mine(1);
  net.Settle();
  EXPECT_EQ(net.node(0).tip(), net.node(1).tip());
  EXPECT_EQ(net.store().Get(net.node(0).tip()).height, 2u);
}

TEST(Node, ValidationIsAQueueOfBlocks) {
  MiniNet net(2);
  net.Connect(0, 1);
  net.Settle();
  const TimeNs start = net.now();
  net.Mine(0);
  net.Mine(0);
  net.Mine(0);
  net.Settle();
  EXPECT_EQ(net.store().Get(net.node(1).tip()).height, 3u);
  // Three headers arrive together, the blocks come in one batch at start + 150 ms, and are
  // validated back to back: 3 x 11 ms.
  EXPECT_EQ(net.now(), start + 150 * kMillisecond + 33 * kMillisecond);
}

TEST(Node, MinedBlocksHaveRealLinkedHeaders) {
  MiniNet net(1);
  net.Mine(0);
  net.Mine(0);
  const auto& tip = net.store().Get(net.node(0).tip());
  const auto& parent = net.store().Get(tip.parent);
  EXPECT_EQ(tip.header.prev, parent.id);
  EXPECT_EQ(tip.id, tip.header.Id());
  EXPECT_EQ(tip.header.bits, 0x207fffffu);
  EXPECT_NE(tip.id, parent.id);
}

}  // namespace
}  // namespace peerlab::testing
