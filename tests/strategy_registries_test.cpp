// The three strategy registries (the node's hooks in families/bitcoin, the scenario keys in
// scenario/src/strategies, the summary.json keys in runner/src/adversaries) name the same
// strategies: a strategy added to one layer and forgotten in another fails here, not in a run.
#include <gtest/gtest.h>

#include <string>

#include "../runner/src/adversaries/adversaries.hpp"
#include "../scenario/src/strategies/strategies.hpp"
#include "peerlab/bitcoin/strategy_hooks.hpp"

namespace peerlab {
namespace {

using bitcoin::StrategyKind;

TEST(StrategyRegistries, EveryStrategyOfTheNodeHasScenarioKeysAndAReportWriter) {
  for (auto k = static_cast<int>(StrategyKind::kSelfishMining);
       k <= static_cast<int>(StrategyKind::kOptimalSelfish); ++k) {
    const auto kind = static_cast<StrategyKind>(k);
    const std::string name(bitcoin::StrategyName(kind));
    SCOPED_TRACE(name);
    const auto* scenario = scenario::detail::strategies::Find(name);
    ASSERT_NE(scenario, nullptr);
    EXPECT_EQ(scenario->name, name);
    EXPECT_NE(runner::adversaries::FindWriter(name), nullptr);
    bitcoin::StrategyConfig config;
    scenario->configure(name, config);
    EXPECT_EQ(config.kind, kind);
  }
}

TEST(StrategyRegistries, EveryScenarioKindIsANodeStrategyWithAWriter) {
  for (const auto& s : scenario::detail::strategies::Registry()) {
    std::string kinds(s.kinds);
    for (std::size_t start = 0; start <= kinds.size();) {
      const std::size_t bar = std::min(kinds.find('|', start), kinds.size());
      const std::string kind = kinds.substr(start, bar - start);
      start = bar + 1;
      SCOPED_TRACE(kind);
      bitcoin::StrategyConfig config;
      s.configure(kind, config);
      EXPECT_NE(config.kind, StrategyKind::kHonest);
      EXPECT_EQ(bitcoin::StrategyName(config.kind), s.name);
      EXPECT_NE(bitcoin::MakeStrategy(config), nullptr);
      EXPECT_NE(runner::adversaries::FindWriter(kind), nullptr);
    }
  }
}

}  // namespace
}  // namespace peerlab
