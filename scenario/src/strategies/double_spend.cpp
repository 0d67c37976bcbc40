// Double spending against a merchant who waits for confirmations: the scenario keys and checks.
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {

void ConfigureDoubleSpend(std::string_view, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kDoubleSpend;
}

const std::vector<Field>& DoubleSpendFields() {
  static const std::vector<Field> f{
      {"confirmations", "integer >= 1", false, "6", "double-spend",
       "Blocks the merchant waits for (the payment's block counts as the first).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 1000, &c.group->strategy.confirmations, j);
       }},
      {"max_deficit", "integer >= 1", false, "6", "double-spend",
       "Give the attempt up when the honest chain leads the private one by this many "
       "blocks, then start over.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 1000, &c.group->strategy.max_deficit, j);
       }},
      {"premine", "bool", false, "false", "double-spend",
       "Mine one private block before paying (Rosenfeld 2014's assumption).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadBool(n, p, c, &c.group->strategy.premine, j);
       }},
  };
  return f;
}

// Like selfish mining, the private branch is one node's.
bool ValidateDoubleSpend(Ctx& c, sim::GroupSpec& g) {
  return NeedsHashrate(c, g) && NeedsOneNode(c, g);
}

}  // namespace peerlab::scenario::detail::strategies
