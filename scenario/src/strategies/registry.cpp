// The scenario's strategy registry: one row per strategy, by the scenario name
// families/bitcoin's registry uses. Adding a strategy adds a row here (docs/attacks.md,
// "Adding an attack").
#include <array>

#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {
namespace {

constexpr std::array kRegistry = {
    ScenarioStrategy{"selfish-mining",
                     "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn",
                     &ConfigureSelfishMining, &SelfishMiningFields, &ValidateSelfishMining},
    ScenarioStrategy{"double-spend", "double-spend", &ConfigureDoubleSpend, &DoubleSpendFields,
                     &ValidateDoubleSpend},
    ScenarioStrategy{"censor", "censor", &ConfigureCensor, &CensorFields, &ValidateCensor},
    ScenarioStrategy{"black-hole", "black-hole", &ConfigureBlackHole, &BlackHoleFields,
                     &ValidateBlackHole},
    ScenarioStrategy{"eclipse", "eclipse", &ConfigureEclipse, &EclipseFields, &ValidateEclipse},
    ScenarioStrategy{"optimal-selfish", "optimal-selfish", &ConfigureOptimalSelfish,
                     &OptimalSelfishFields, &ValidateOptimalSelfish},
};

}  // namespace

std::span<const ScenarioStrategy> Registry() { return kRegistry; }

const ScenarioStrategy* Find(std::string_view kind) {
  for (const ScenarioStrategy& s : kRegistry) {
    if (KindAllows(s.kinds, kind)) return &s;
  }
  return nullptr;
}

bool NeedsHashrate(Ctx& c, const sim::GroupSpec& g) {
  if (!(g.hashrate <= 0)) return true;
  return c.Fail(c.OriginOf("groups." + g.name + ".hashrate"), "groups." + g.name + ".hashrate",
                "a " + Quote(g.strategy_name) + " group needs hashrate > 0");
}

bool NeedsOneNode(Ctx& c, const sim::GroupSpec& g) {
  if (!g.rest && g.node_count == 1) return true;
  return c.Fail(c.OriginOf("groups." + g.name + ".nodes"), "groups." + g.name + ".nodes",
                "a " + Quote(g.strategy_name) +
                    " group must be one node (a pool): nodes of a group do not coordinate");
}

}  // namespace peerlab::scenario::detail::strategies
