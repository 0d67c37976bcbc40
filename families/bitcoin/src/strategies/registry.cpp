// The strategy registry: one row per strategy kind, with its scenario name and its factory.
// Adding a strategy adds a row here (docs/attacks.md, "Adding an attack").
#include <array>

#include "peerlab/bitcoin/strategy_hooks.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin {
namespace {

struct Entry {
  StrategyKind kind;
  std::string_view name;
  std::unique_ptr<StrategyHooks> (*make)(const StrategyConfig&);
};

// The selfish-mining kind covers its stubborn variants (flags of its config); their scenario
// names are parsed in scenario/src/fields_strategy.cpp.
constexpr std::array kRegistry = {
    Entry{StrategyKind::kSelfishMining, "selfish-mining", &strategies::MakeSelfishMining},
    Entry{StrategyKind::kDoubleSpend, "double-spend", &strategies::MakeDoubleSpend},
    Entry{StrategyKind::kCensor, "censor", &strategies::MakeCensor},
    Entry{StrategyKind::kBlackHole, "black-hole", &strategies::MakeBlackHole},
    Entry{StrategyKind::kEclipse, "eclipse", &strategies::MakeEclipse},
    Entry{StrategyKind::kOptimalSelfish, "optimal-selfish", &strategies::MakeOptimalSelfish},
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeStrategy(const StrategyConfig& config) {
  for (const Entry& e : kRegistry) {
    if (e.kind == config.kind) return e.make(config);
  }
  // kHonest: the defaults (a node told to follow no strategy still counts as having one).
  return std::make_unique<StrategyHooks>(config);
}

std::string_view StrategyName(StrategyKind kind) {
  for (const Entry& e : kRegistry) {
    if (e.kind == kind) return e.name;
  }
  return "honest";
}

}  // namespace peerlab::bitcoin
