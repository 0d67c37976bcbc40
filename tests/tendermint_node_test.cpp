// The Tendermint node (reactor gossip over the consensus core) in a small in-test network:
// nodes on a ring-plus-chords graph, each link a fixed latency in order, timers as events.
// Everything a node knows comes through its peers' gossip, as it would on the engine.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <queue>
#include <set>
#include <tuple>
#include <vector>

#include "peerlab/tendermint/node.hpp"

namespace peerlab::tendermint {
namespace {

Address Addr(int i) {
  Address a{};
  a[0] = static_cast<std::uint8_t>(i + 1);
  a[1] = 0x7e;
  return a;
}

class MiniNet {
 public:
  MiniNet(int validators, int full_nodes, int chords, DurationNs latency)
      : latency_(latency) {
    std::vector<Validator> vals;
    for (int i = 0; i < validators; ++i) vals.push_back(Validator{Addr(i), 10, 0});
    const ValidatorSet set = *ValidatorSet::Make(vals);
    const int n = validators + full_nodes;
    for (int i = 0; i < n; ++i) {
      NodeConfig c;
      c.consensus.self = Addr(i);
      c.consensus.timeout_commit = 200 * kMillisecond;
      c.verify_time = 50 * kMicrosecond;
      c.sign_time = 20 * kMicrosecond;
      nodes_.push_back(std::make_unique<Node>(set, c, &registry_));
    }
    links_.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      Connect(i, (i + 1) % n);
      for (int k = 1; k <= chords; ++k) Connect(i, (i + 1 + k * 3) % n);
    }
  }

  void Connect(int a, int b) {
    if (a == b) return;
    for (const auto& [slot, peer] : links_[a]) {
      if (peer.first == b) return;
    }
    const PeerSlot sa = static_cast<PeerSlot>(links_[a].size());
    const PeerSlot sb = static_cast<PeerSlot>(links_[b].size());
    links_[a][sa] = {b, sb};
    links_[b][sb] = {a, sa};
  }

  // Nodes in `silent` never start (crashed validators).
  void Start(const std::set<int>& silent = {}) {
    silent_ = silent;
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
      if (silent_.count(i)) continue;
      for (const auto& [slot, peer] : links_[i]) {
        if (!silent_.count(peer.first)) Deliver(i, 0, node_in::PeerUp{slot});
      }
      Deliver(i, 0, node_in::Start{});
    }
  }

  void RunUntil(TimeNs end) {
    while (!queue_.empty() && std::get<0>(queue_.top()) <= end) {
      auto [at, seq, node, input] = queue_.top();
      queue_.pop();
      Deliver(node, at, input);
    }
  }

  Height MinCommitted() const {
    Height h = -1;
    for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
      if (silent_.count(i)) continue;
      const Height c = static_cast<Height>(nodes_[i]->chain().size());
      h = h < 0 ? c : std::min(h, c);
    }
    return h;
  }

  // Every pair of nodes agrees on every height both committed.
  void ExpectAgreement() const {
    for (std::size_t a = 0; a < nodes_.size(); ++a) {
      for (std::size_t b = a + 1; b < nodes_.size(); ++b) {
        const auto& ca = nodes_[a]->chain();
        const auto& cb = nodes_[b]->chain();
        for (std::size_t h = 0; h < std::min(ca.size(), cb.size()); ++h) {
          ASSERT_EQ(ca[h].block_id, cb[h].block_id) << "nodes " << a << " and " << b
                                                    << " disagree at height " << h + 1;
        }
      }
    }
  }

  const Node& node(int i) const { return *nodes_[static_cast<std::size_t>(i)]; }
  std::uint64_t sends() const { return sends_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t commits_observed() const { return commits_observed_; }
  void Submit(int node, TxId id, TimeNs at) { Push(at, node, node_in::SubmitTx{id, 250}); }

 private:
  void Push(TimeNs at, int node, NodeInput input) {
    queue_.push({at, seq_++, node, std::move(input)});
  }

  void Deliver(int i, TimeNs at, const NodeInput& input) {
    Outbox out;
    nodes_[static_cast<std::size_t>(i)]->Handle(at, input, out);
    for (const auto& s : out.sends) {
      const auto [peer, remote_slot] = links_[i].at(s.slot);
      if (silent_.count(peer)) continue;
      ++sends_;
      bytes_ += s.envelope->wire_bytes;
      // In order per link: never earlier than the link's previous message.
      TimeNs& free = link_free_[{i, peer}];
      free = std::max(free, at + latency_);
      Push(free, peer, node_in::Receive{remote_slot, s.envelope});
    }
    for (const auto& t : out.timers) Push(t.at, i, node_in::TimerFired{t.timer});
    for (const auto& o : out.observations) {
      if (std::holds_alternative<observe::Committed>(o)) ++commits_observed_;
    }
  }

  using Item = std::tuple<TimeNs, std::uint64_t, int, NodeInput>;
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return std::tie(std::get<0>(a), std::get<1>(a)) > std::tie(std::get<0>(b), std::get<1>(b));
    }
  };
  DurationNs latency_;
  BlockRegistry registry_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::map<PeerSlot, std::pair<int, PeerSlot>>> links_;
  std::map<std::pair<int, int>, TimeNs> link_free_;
  std::priority_queue<Item, std::vector<Item>, Later> queue_;
  std::uint64_t seq_ = 0;
  std::set<int> silent_;
  std::uint64_t sends_ = 0, bytes_ = 0, commits_observed_ = 0;
};

TEST(TendermintNode, ValidatorsAndFullNodesCommitThroughGossip) {
  MiniNet net(7, 5, 1, 20 * kMillisecond);
  net.Start();
  net.RunUntil(60 * kSecond);
  net.ExpectAgreement();
  // Round 0 each height: commit wait 200 ms plus a few gossip hops (100 ms sleeps); at least
  // 20 heights a minute, every node including the full nodes.
  EXPECT_GE(net.MinCommitted(), 20);
  for (int i = 0; i < 12; ++i) {
    for (const CommittedBlock& b : net.node(i).chain()) EXPECT_EQ(b.round, 0);
  }
  EXPECT_GT(net.sends(), 0u);
}

TEST(TendermintNode, SilentValidatorBelowOneThirdDelaysButDoesNotStop) {
  MiniNet net(7, 0, 2, 20 * kMillisecond);
  net.Start({3, 5});  // 2 of 7 equal powers: under a third
  net.RunUntil(120 * kSecond);
  net.ExpectAgreement();
  EXPECT_GE(net.MinCommitted(), 10);
  // A height whose round-0 proposer is silent commits in a later round.
  int later_rounds = 0;
  for (const CommittedBlock& b : net.node(0).chain()) later_rounds += b.round > 0;
  EXPECT_GT(later_rounds, 0);
}

TEST(TendermintNode, MoreThanOneThirdSilentStopsCommits) {
  MiniNet net(7, 0, 2, 20 * kMillisecond);
  net.Start({1, 2, 4});  // 3 of 7: the rest hold 4/7, not more than 2/3
  net.RunUntil(60 * kSecond);
  EXPECT_EQ(net.MinCommitted(), 0);
}

TEST(TendermintNode, TransactionsFloodAndGetCommittedOnce) {
  MiniNet net(4, 4, 1, 20 * kMillisecond);
  net.Start();
  for (int t = 0; t < 200; ++t) net.Submit(t % 8, 1000 + t, t * 50 * kMillisecond);
  net.RunUntil(60 * kSecond);
  net.ExpectAgreement();
  std::set<TxId> seen;
  for (const CommittedBlock& b : net.node(0).chain()) {
    for (TxId id : b.content->txs) EXPECT_TRUE(seen.insert(id).second) << "tx " << id << " twice";
  }
  EXPECT_EQ(seen.size(), 200u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(net.node(i).mempool_size(), 0u) << "node " << i;
}

}  // namespace
}  // namespace peerlab::tendermint
