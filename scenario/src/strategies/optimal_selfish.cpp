// Optimal selfish mining (Sapirshtein, Sompolinsky & Zohar 2016): the scenario keys, and the
// policy the strategy plays, solved here once per scenario build from the group's hashrate
// share (alpha), the rushing share (gamma) and `max_fork_length` with the MDP solver of
// analysis/optimal_selfish.hpp (the one header of analysis the scenario layer may include:
// families/ may not, so the family gets a plain table).
#include <cmath>

#include "peerlab/analysis/optimal_selfish.hpp"
#include "peerlab/scenario/units.hpp"
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {
namespace {

constexpr std::string_view kOptimalKinds = "optimal-selfish";
static_assert(analysis::kOptimalSelfishDefaultMaxForkLength == 94,
              "the `max_fork_length` default below must follow the analysis default");

}  // namespace

void ConfigureOptimalSelfish(std::string_view, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kOptimalSelfish;
}

const std::vector<Field>& OptimalSelfishFields() {
  static const std::vector<Field> f{
      {"max_fork_length", "integer in [2, 200]", false, "94", kOptimalKinds,
       "Truncation T of the MDP whose optimal policy the pool plays: branches of at most T "
       "blocks (at T it must adopt or override). 94 reproduces the paper's Table 1.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 2, 200, &c.group->strategy.optimal_policy.max_fork_length, j);
       }},
  };
  return f;
}

// A pool below half the hashrate (the MDP's range); the policy is solved here.
bool ValidateOptimalSelfish(Ctx& c, sim::GroupSpec& g) {
  if (!NeedsHashrate(c, g) || !NeedsOneNode(c, g)) return false;
  double total = 0;
  for (const sim::GroupSpec& other : c.out->sim.groups) total += other.hashrate;
  const double alpha = g.hashrate / total;
  if (!(alpha < 0.5)) {
    return c.Fail(c.OriginOf("groups." + g.name + ".hashrate"), "groups." + g.name + ".hashrate",
                  "an `optimal-selfish` group needs a hashrate share below 0.5 (the MDP's "
                  "range), got " + FormatNumber(alpha));
  }
  bitcoin::OptimalSelfishPolicy& policy = g.strategy.optimal_policy;
  const int max_fork = static_cast<int>(policy.max_fork_length);
  const analysis::OptimalSelfishResult solved =
      analysis::OptimalSelfishMining(alpha, g.rushing.honest_share, max_fork);
  policy.moves.clear();
  policy.moves.reserve(solved.policy.size());
  for (const analysis::SelfishAction action : solved.policy) {
    policy.moves.push_back(static_cast<bitcoin::SelfishMove>(action));
  }
  return true;
}

}  // namespace peerlab::scenario::detail::strategies
