// Censoring a transaction class (excluding it, or a feather fork): the scenario keys and checks.
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {

void ConfigureCensor(std::string_view, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kCensor;
}

const std::vector<Field>& CensorFields() {
  static const std::vector<Field> f{
      {"class", "transaction class name", true, "", "censor",
       "The class of `transactions.classes` the group refuses.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         if (!ReadString(n, p, c, &c.group->censored_class)) return false;
         j = c.group->censored_class;
         return true;
       }},
      {"mode", "`exclude` or `feather-fork`", false, "exclude", "censor",
       "`exclude`: leave the class out of own blocks (protocol.kind tendermint: out of own "
       "proposals); `feather-fork` (bitcoin only): also refuse to build on a block carrying it "
       "until `depth` blocks are built on it (Miller 2013).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         std::string v;
         if (!ReadChoice(n, p, c, {"exclude", "feather-fork"}, &v)) return false;
         c.group->strategy.censor_mode = v == "exclude" ? bitcoin::CensorMode::kExclude
                                                        : bitcoin::CensorMode::kFeatherFork;
         j = v;
         return true;
       }},
      {"depth", "integer >= 1", false, "3", "censor",
       "Feather fork: blocks that must be built on an offending block before the group "
       "accepts it.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 100, &c.group->strategy.feather_depth, j);
       }},
  };
  return f;
}

namespace {

// The class name resolves to its index in `transactions.classes`.
bool ResolveCensoredClass(Ctx& c, sim::GroupSpec& g) {
  const sim::SimConfig& s = c.out->sim;
  const std::string path = "groups." + g.name + ".strategy";
  if (s.transactions.rate_per_s <= 0) {
    return c.Fail(c.OriginOf(path + ".class"), path + ".class",
                  "censoring needs transactions (set `transactions.rate`)");
  }
  const auto& classes = s.transactions.classes;
  std::string names;
  bool found = false;
  for (std::size_t k = 0; k < classes.size(); ++k) {
    names += (k == 0 ? "" : ", ") + classes[k].name;
    if (classes[k].name == g.censored_class) {
      g.strategy.censored_class = static_cast<std::uint16_t>(k);
      found = true;
    }
  }
  if (!found) {
    return c.Fail(c.OriginOf(path + ".class"), path + ".class",
                  "unknown transaction class " + Quote(g.censored_class) +
                      " (expected one of: " + names + ")");
  }
  return true;
}

}  // namespace

// A feather fork's refusals must be one node's to be a credible threat; excluding needs none.
bool ValidateCensor(Ctx& c, sim::GroupSpec& g) {
  if (!NeedsHashrate(c, g)) return false;
  if (g.strategy.censor_mode == bitcoin::CensorMode::kFeatherFork && !NeedsOneNode(c, g)) {
    return false;
  }
  return ResolveCensoredClass(c, g);
}

// A committed Tendermint block is final: there is no fork to threaten, so only `exclude`.
bool ValidateTendermintCensor(Ctx& c, sim::GroupSpec& g) {
  if (g.strategy.censor_mode == bitcoin::CensorMode::kFeatherFork) {
    const std::string path = "groups." + g.name + ".strategy.mode";
    return c.Fail(c.OriginOf(path), path,
                  "protocol.kind tendermint has no forks to threaten (a committed block is "
                  "final): only `exclude`");
  }
  return ResolveCensoredClass(c, g);
}

}  // namespace peerlab::scenario::detail::strategies
