// Selfish mining and its stubborn variants: the scenario keys and checks.
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {
namespace {

constexpr std::string_view kSelfishKinds =
    "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn";

}  // namespace

void ConfigureSelfishMining(std::string_view kind, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kSelfishMining;
  s.lead_stubborn = kind == "lead-stubborn";
  s.equal_fork_stubborn = kind == "equal-fork-stubborn";
  s.trail_stubborn = kind == "trail-stubborn" ? 1 : 0;
}

const std::vector<Field>& SelfishMiningFields() {
  static const std::vector<Field> f{
      {"lead_stubborn", "bool", false, "", kSelfishKinds,
       "With a lead, reveal one block per honest block instead of overriding (default: "
       "true for `lead-stubborn`).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadBool(n, p, c, &c.group->strategy.lead_stubborn, j);
       }},
      {"equal_fork_stubborn", "bool", false, "", kSelfishKinds,
       "Keep a block found during a tie private instead of publishing it (default: true "
       "for `equal-fork-stubborn`).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadBool(n, p, c, &c.group->strategy.equal_fork_stubborn, j);
       }},
      {"trail_stubborn", "integer >= 0", false, "", kSelfishKinds,
       "Keep mining a private branch up to this many blocks behind before adopting the "
       "public chain (default: 1 for `trail-stubborn`, else 0).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 0, 1000, &c.group->strategy.trail_stubborn, j);
       }},
  };
  return f;
}

// A pool: its private branch is one node's.
bool ValidateSelfishMining(Ctx& c, sim::GroupSpec& g) {
  return NeedsHashrate(c, g) && NeedsOneNode(c, g);
}

}  // namespace peerlab::scenario::detail::strategies
