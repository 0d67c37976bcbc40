// Strategies inside the node (strategy.hpp, strategy_hooks.hpp, src/strategies/), on small
// hand-built networks: what a selfish miner, a double spender, a censor and a black hole
// publish, when, and on which block they mine; and the registry that maps kinds to them.
#include <gtest/gtest.h>

#include <algorithm>

#include "mini_net.hpp"
#include "peerlab/bitcoin/strategy_hooks.hpp"

namespace peerlab::bitcoin {
namespace {

using testing::MiniNet;

// Attacker 0 is connected to honest nodes 1 and 2, which are connected to each other.
struct Triangle {
  explicit Triangle(StrategyConfig s, bool tx_relay = false)
      : strategy(s), net(3, RelayMode::kHeaders, 50 * kMillisecond, tx_relay) {
    net.node(0).SetStrategy(strategy);
    net.Connect(0, 1);
    net.Connect(0, 2);
    net.Connect(1, 2);
    net.Settle();
  }
  std::vector<Observation> Observed(Observation::Kind kind) const {
    std::vector<Observation> out;
    for (const auto& [node, o] : net.observations()) {
      if (o.kind == kind) out.push_back(o);
    }
    return out;
  }
  BlockHandle LastMined() const { return Observed(Observation::Kind::kBlockMined).back().block; }

  StrategyConfig strategy;
  MiniNet net;
};

StrategyConfig Selfish() {
  StrategyConfig s;
  s.kind = StrategyKind::kSelfishMining;
  return s;
}

TEST(SelfishMining, WithholdsItsBlockThenMatchesAnHonestOne) {
  Triangle t(Selfish());
  t.net.Mine(0);
  const BlockHandle secret = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(1).tip(), kGenesis) << "the withheld block leaked";
  EXPECT_EQ(t.net.node(2).tip(), kGenesis);
  EXPECT_EQ(t.net.node(0).strategy_stats()->blocks_withheld, 1u);

  t.net.Mine(1);
  const BlockHandle honest = t.LastMined();
  t.net.Settle();
  // Node 2 heard node 1's block first (one hop against two): first seen wins there.
  EXPECT_EQ(t.net.node(2).tip(), honest);
  EXPECT_EQ(t.net.node(0).tip(), secret);
  const auto races = t.Observed(Observation::Kind::kRaceStarted);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].block, secret);
  EXPECT_EQ(races[0].previous, honest);
  EXPECT_TRUE(t.net.node(2).best_header() == honest || t.net.node(2).best_header() == secret);
}

TEST(SelfishMining, OverridesWhenTheHonestChainComesWithinOne) {
  Triangle t(Selfish());
  t.net.Mine(0);
  t.net.Mine(0);
  const BlockHandle second = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(1).tip(), kGenesis);
  t.net.Mine(1);
  t.net.Settle();
  // Lead 2 against 1: both private blocks go out and win everywhere.
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(t.net.node(i).tip(), second) << "node " << i;
  EXPECT_EQ(t.net.node(0).strategy_stats()->overrides, 1u);
}

TEST(SelfishMining, PublishesABlockFoundDuringATieAndWins) {
  Triangle t(Selfish());
  t.net.Mine(0);
  t.net.Settle();
  t.net.Mine(1);
  t.net.Settle();  // tie: node 0 on its block, node 2 on node 1's
  t.net.Mine(0);
  const BlockHandle winner = t.LastMined();
  t.net.Settle();
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(t.net.node(i).tip(), winner) << "node " << i;
}

TEST(SelfishMining, EqualForkStubbornKeepsATieBlockPrivate) {
  StrategyConfig s = Selfish();
  s.equal_fork_stubborn = true;
  Triangle t(s);
  t.net.Mine(0);
  t.net.Settle();
  t.net.Mine(1);
  const BlockHandle honest = t.LastMined();
  t.net.Settle();
  t.net.Mine(0);
  const BlockHandle kept = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(2).tip(), honest);
  EXPECT_FALSE(t.net.node(2).HasBlock(kept));
  EXPECT_EQ(t.net.node(0).strategy_stats()->blocks_withheld, 2u);
}

TEST(SelfishMining, LeadStubbornRevealsOneBlockInsteadOfOverriding) {
  StrategyConfig s = Selfish();
  s.lead_stubborn = true;
  Triangle t(s);
  t.net.Mine(0);
  const BlockHandle first = t.LastMined();
  t.net.Mine(0);
  const BlockHandle second = t.LastMined();
  t.net.Settle();
  t.net.Mine(1);
  const BlockHandle honest = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(2).tip(), honest);     // a tie, not an override
  EXPECT_TRUE(t.net.node(2).best_header() == honest || t.net.node(2).best_header() == first);
  EXPECT_FALSE(t.net.node(1).HasBlock(second)) << "the second block should still be private";
  EXPECT_EQ(t.net.node(0).strategy_stats()->overrides, 0u);
}

TEST(SelfishMining, TrailStubbornKeepsMiningBehindThenRaces) {
  StrategyConfig s = Selfish();
  s.trail_stubborn = 1;
  Triangle t(s);
  t.net.Mine(0);  // private block at height 1
  t.net.Settle();
  t.net.Mine(1);  // tie at height 1: published
  t.net.Settle();
  t.net.Mine(1);  // honest height 2 on its own block: the attacker trails by one
  t.net.Settle();
  t.net.Mine(0);  // height 2 on its branch: caught up, published, a race again
  t.net.Settle();
  EXPECT_EQ(t.Observed(Observation::Kind::kRaceStarted).size(), 2u);
  const BlockHandle ours = t.LastMined();
  EXPECT_EQ(t.net.store().Get(ours).height, 2u);
  EXPECT_EQ(t.net.node(0).tip(), ours);

  // Without trail-stubbornness it adopts the honest chain and mines on it instead.
  Triangle plain(Selfish());
  plain.net.Mine(0);
  plain.net.Settle();
  plain.net.Mine(1);
  plain.net.Settle();
  plain.net.Mine(1);
  const BlockHandle honest_tip = plain.LastMined();
  plain.net.Settle();
  plain.net.Mine(0);
  EXPECT_EQ(plain.net.store().Get(plain.LastMined()).parent, honest_tip);
}

StrategyConfig DoubleSpend(std::uint32_t z, std::uint32_t deficit) {
  StrategyConfig s;
  s.kind = StrategyKind::kDoubleSpend;
  s.confirmations = z;
  s.max_deficit = deficit;
  return s;
}

TEST(DoubleSpend, PublishesALongerChainOnceTheMerchantHasItsConfirmations) {
  Triangle t(DoubleSpend(2, 5));
  t.net.Mine(0);
  t.net.Mine(0);
  t.net.Mine(0);
  const BlockHandle private_tip = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(1).tip(), kGenesis);
  t.net.Mine(1);  // the payment's block
  const BlockHandle payment = t.LastMined();
  t.net.Settle();
  EXPECT_FALSE(t.net.node(1).HasBlock(private_tip)) << "published before the merchant shipped";
  t.net.Mine(2);  // second confirmation: now publish
  t.net.Settle();
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(t.net.node(i).tip(), private_tip) << "node " << i;
  const auto ended = t.Observed(Observation::Kind::kAttemptEnded);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].block, payment);
  EXPECT_EQ(ended[0].score, 1u);
  // The next attempt starts on the new tip.
  t.net.Mine(0);
  EXPECT_EQ(t.net.store().Get(t.LastMined()).parent, private_tip);
}

TEST(DoubleSpend, GivesUpWhenTooFarBehindAndStartsOver) {
  Triangle t(DoubleSpend(1, 2));
  t.net.Mine(1);
  t.net.Settle();
  t.net.Mine(2);
  const BlockHandle honest_tip = t.LastMined();
  t.net.Settle();
  const auto ended = t.Observed(Observation::Kind::kAttemptEnded);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].score, 0u);
  EXPECT_EQ(t.net.node(0).strategy_stats()->attempts, 2u);  // the first, and the new one
  t.net.Mine(0);
  EXPECT_EQ(t.net.store().Get(t.LastMined()).parent, honest_tip);
}

TEST(DoubleSpend, PremineWaitsForItsOwnBlockBeforePaying) {
  StrategyConfig s = DoubleSpend(1, 3);
  s.premine = true;
  Triangle t(s);
  EXPECT_EQ(t.net.node(0).strategy_stats()->attempts, 0u);
  t.net.Mine(1);  // honest first: the premine starts again on top of it
  const BlockHandle honest = t.LastMined();
  t.net.Settle();
  EXPECT_EQ(t.net.node(0).strategy_stats()->attempts, 0u);
  t.net.Mine(0);
  EXPECT_EQ(t.net.store().Get(t.LastMined()).parent, honest);
  EXPECT_EQ(t.net.node(0).strategy_stats()->attempts, 1u);
}

StrategyConfig Censor(CensorMode mode, std::uint32_t depth = 1) {
  StrategyConfig s;
  s.kind = StrategyKind::kCensor;
  s.censored_class = 1;
  s.censor_mode = mode;
  s.feather_depth = depth;
  return s;
}

TEST(Censor, LeavesTheClassOutOfItsBlocks) {
  Triangle t(Censor(CensorMode::kExclude), /*tx_relay=*/true);
  const TxHandle plain = t.net.SubmitTx(1, 250, 5000, 0);
  const TxHandle flagged = t.net.SubmitTx(1, 250, 9000, 1);
  t.net.Settle();
  ASSERT_TRUE(t.net.node(0).KnowsTx(flagged));
  t.net.Mine(0);
  const auto& txs = t.net.store().Get(t.LastMined()).txs;
  EXPECT_NE(std::find(txs.begin(), txs.end(), plain), txs.end());
  EXPECT_EQ(std::find(txs.begin(), txs.end(), flagged), txs.end());
  t.net.Settle();
  t.net.Mine(1);  // an honest miner includes it
  const auto& honest_txs = t.net.store().Get(t.LastMined()).txs;
  EXPECT_NE(std::find(honest_txs.begin(), honest_txs.end(), flagged), honest_txs.end());
}

TEST(Censor, FeatherForkRefusesToBuildOnAnOffendingBlockUntilItIsDeepEnough) {
  Triangle t(Censor(CensorMode::kFeatherFork, /*depth=*/2), /*tx_relay=*/true);
  t.net.SubmitTx(1, 250, 9000, 1);
  t.net.Settle();
  t.net.Mine(1);
  const BlockHandle offending = t.LastMined();
  t.net.Settle();
  ASSERT_EQ(t.net.node(0).tip(), offending);
  t.net.Mine(0);  // refuses: mines on the offending block's parent, and announces it
  const BlockHandle fork = t.LastMined();
  EXPECT_EQ(t.net.store().Get(fork).parent, kGenesis);
  t.net.Settle();
  EXPECT_EQ(t.net.node(0).strategy_stats()->fork_blocks, 1u);
  t.net.Mine(0);  // keeps extending its fork, which now has more work
  const BlockHandle fork2 = t.LastMined();
  EXPECT_EQ(t.net.store().Get(fork2).parent, fork);
  t.net.Settle();
  EXPECT_EQ(t.net.node(1).tip(), fork2) << "the longer fork orphans the offending block";

  // Two blocks on an offending block: the censor accepts it.
  Triangle u(Censor(CensorMode::kFeatherFork, /*depth=*/2), /*tx_relay=*/true);
  u.net.SubmitTx(1, 250, 9000, 1);
  u.net.Settle();
  u.net.Mine(1);
  u.net.Settle();
  u.net.Mine(1);
  u.net.Settle();
  u.net.Mine(2);
  const BlockHandle deep = u.LastMined();
  u.net.Settle();
  u.net.Mine(0);
  EXPECT_EQ(u.net.store().Get(u.LastMined()).parent, deep);
}

TEST(BlackHole, DropsOrDelaysTheBlocksItReceives) {
  for (RelayAction action : {RelayAction::kDrop, RelayAction::kDelay}) {
    StrategyConfig s;
    s.kind = StrategyKind::kBlackHole;
    s.blocks = action;
    s.block_delay = 30 * kSecond;
    MiniNet net(3);  // a line: 0 - 1 (black hole) - 2
    net.node(1).SetStrategy(s);
    net.Connect(0, 1);
    net.Connect(1, 2);
    net.Settle();
    net.Mine(0);
    net.RunUntil(net.now() + 20 * kSecond);
    EXPECT_EQ(net.node(1).tip(), net.node(0).tip()) << "it still accepts blocks";
    EXPECT_EQ(net.node(2).tip(), kGenesis) << "relayed too early";
    net.Settle();
    if (action == RelayAction::kDrop) {
      EXPECT_EQ(net.node(2).tip(), kGenesis);
      EXPECT_EQ(net.node(1).strategy_stats()->blocks_not_relayed, 1u);
    } else {
      EXPECT_EQ(net.node(2).tip(), net.node(0).tip());
      EXPECT_EQ(net.node(1).strategy_stats()->blocks_delayed, 1u);
    }
  }
}

TEST(BlackHole, DropsTransactionsButAnnouncesItsOwnBlocks) {
  StrategyConfig s;
  s.kind = StrategyKind::kBlackHole;
  s.blocks = RelayAction::kDrop;
  s.txs = RelayAction::kDrop;
  MiniNet net(3, RelayMode::kHeaders, 50 * kMillisecond, /*tx_relay=*/true);
  net.node(1).SetStrategy(s);
  net.Connect(0, 1);
  net.Connect(1, 2);
  net.Settle();
  const TxHandle tx = net.SubmitTx(0, 250, 5000);
  net.Settle();
  EXPECT_TRUE(net.node(1).KnowsTx(tx));
  EXPECT_FALSE(net.node(2).KnowsTx(tx));
  net.Mine(1);
  net.Settle();
  EXPECT_EQ(net.node(2).tip(), net.node(1).tip());
  EXPECT_NE(net.node(2).tip(), kGenesis);
}

TEST(StrategyRegistry, EveryKindHasHooksAndItsScenarioName) {
  const std::pair<StrategyKind, std::string_view> kinds[] = {
      {StrategyKind::kSelfishMining, "selfish-mining"}, {StrategyKind::kDoubleSpend, "double-spend"},
      {StrategyKind::kCensor, "censor"},                {StrategyKind::kBlackHole, "black-hole"},
      {StrategyKind::kEclipse, "eclipse"},              {StrategyKind::kHonest, "honest"}};
  for (const auto& [kind, name] : kinds) {
    StrategyConfig c;
    c.kind = kind;
    c.blocks = RelayAction::kDrop;
    const std::unique_ptr<StrategyHooks> hooks = MakeStrategy(c);
    ASSERT_NE(hooks, nullptr) << name;
    EXPECT_EQ(&hooks->config(), &c) << name;
    EXPECT_EQ(StrategyName(kind), name);
    // Only the black hole deviates at this decision point: the registry gave each kind its own.
    EXPECT_EQ(hooks->ServesHeaders(), kind != StrategyKind::kBlackHole) << name;
  }
}

// A node told to follow the honest kind gets the hooks' defaults: it publishes at once.
TEST(StrategyRegistry, HonestDefaultsPublishOwnBlocks) {
  Triangle t(StrategyConfig{});
  t.net.Mine(0);
  t.net.Settle();
  EXPECT_NE(t.net.node(0).tip(), kGenesis);
  EXPECT_EQ(t.net.node(1).tip(), t.net.node(0).tip());
  EXPECT_EQ(t.net.node(2).tip(), t.net.node(0).tip());
  ASSERT_NE(t.net.node(0).strategy_stats(), nullptr);
  EXPECT_EQ(t.net.node(0).strategy_stats()->blocks_withheld, 0u);
}

}  // namespace
}  // namespace peerlab::bitcoin
