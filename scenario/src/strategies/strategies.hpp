// Internal to the scenario layer: each strategy's part of the `groups.<name>.strategy` table,
// one file per strategy in this folder, and the registry (registry.cpp) that lists them by the
// scenario name families/bitcoin's strategy registry uses. fields_strategy.cpp owns the keys
// every strategy shares (`kind`, the rushing links) and dispatches through the registry.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "peerlab/scenario/schema.hpp"

namespace peerlab::scenario::detail::strategies {

struct ScenarioStrategy {
  // The scenario name, as in families/bitcoin/src/strategies/registry.cpp.
  std::string_view name;
  // Every `kind` value this strategy answers to, `a|b|c` (its name first); variants such as
  // `lead-stubborn` are flags of the same strategy.
  std::string_view kinds;
  // Sets the `StrategyKind` and the flags a `kind` value implies on a reset config.
  void (*configure)(std::string_view kind, bitcoin::StrategyConfig& config);
  // Its keys, in reference order; each field's `only_kind` names its kinds.
  const std::vector<Field>& (*fields)();
  // Its cross-field checks, run after every field is parsed (may resolve names into `group`).
  bool (*validate)(Ctx& ctx, sim::GroupSpec& group);
};

// Every strategy, in the order of the reference and of the `kind` choices.
std::span<const ScenarioStrategy> Registry();
// The strategy answering to `kind`, or nullptr.
const ScenarioStrategy* Find(std::string_view kind);

// Checks several strategies share: the group mines (hashrate > 0), and the group is one node
// because its nodes would need to coordinate.
bool NeedsHashrate(Ctx& ctx, const sim::GroupSpec& group);
bool NeedsOneNode(Ctx& ctx, const sim::GroupSpec& group);

// Per strategy file.
void ConfigureSelfishMining(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& SelfishMiningFields();
bool ValidateSelfishMining(Ctx& ctx, sim::GroupSpec& group);

void ConfigureDoubleSpend(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& DoubleSpendFields();
bool ValidateDoubleSpend(Ctx& ctx, sim::GroupSpec& group);

void ConfigureCensor(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& CensorFields();
bool ValidateCensor(Ctx& ctx, sim::GroupSpec& group);
// The tendermint family's censoring validators: the same `class`, `exclude` only.
bool ValidateTendermintCensor(Ctx& ctx, sim::GroupSpec& group);

void ConfigureBlackHole(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& BlackHoleFields();
bool ValidateBlackHole(Ctx& ctx, sim::GroupSpec& group);

void ConfigureEclipse(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& EclipseFields();
bool ValidateEclipse(Ctx& ctx, sim::GroupSpec& group);

void ConfigureOptimalSelfish(std::string_view kind, bitcoin::StrategyConfig& config);
const std::vector<Field>& OptimalSelfishFields();
bool ValidateOptimalSelfish(Ctx& ctx, sim::GroupSpec& group);

}  // namespace peerlab::scenario::detail::strategies
