// The `groups.<name>.strategy` table: what a group does instead of following the protocol,
// chosen by `kind`. This file owns the keys every strategy shares (`kind`, the rushing links)
// and the checks on them; each strategy's own keys and checks are in strategies/<name>.cpp,
// found through strategies/registry.cpp.
#include <algorithm>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"
#include "strategies/strategies.hpp"

namespace peerlab::scenario::detail {
namespace {

constexpr std::string_view kRushingKinds =
    "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn|double-spend|"
    "optimal-selfish";

// The Tendermint family's strategies (docs/tendermint.md): `silent`, validators that follow
// and relay but never sign; `equivocate`, validators that sign every vote twice;
// `target-proposer`; `censor` (shared with bitcoin: a class left out of own proposals); `twins`,
// nodes that run honest code with the validator keys of another group (the Twins approach).
constexpr std::string_view kTendermintKinds = "silent|equivocate|target-proposer|censor|twins";

// Every `kind` value, in registry order (the error message lists them so), then Tendermint's.
const std::vector<std::string_view>& KindChoices() {
  static const std::vector<std::string_view> kinds = [] {
    std::vector<std::string_view> v;
    for (const strategies::ScenarioStrategy& s : strategies::Registry()) {
      std::string_view rest = s.kinds;
      while (true) {
        const std::size_t bar = rest.find('|');
        v.push_back(rest.substr(0, bar));
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
    }
    v.push_back("silent");
    v.push_back("equivocate");
    v.push_back("target-proposer");
    v.push_back("twins");
    return v;
  }();
  return kinds;
}

bool ParseKind(const Node& n, const std::string& p, Ctx& c, Json& j) {
  std::string kind;
  if (!ReadChoice(n, p, c, KindChoices(), &kind)) return false;
  sim::GroupSpec& g = *c.group;
  g.strategy_name = kind;
  g.strategy = bitcoin::StrategyConfig{};
  if (const strategies::ScenarioStrategy* s = strategies::Find(kind)) s->configure(kind, g.strategy);
  c.kind = kind;
  j = kind;
  return true;
}

// Twins (Bano et al., "Twins: BFT Systems Made Robust", OPODIS 2021, LIPIcs 217): a group mirrors another
// one node for node; the keys stay the other group's, so its power is counted once.
bool ValidateTwins(Ctx& c, const sim::GroupSpec& g) {
  const std::string base = "groups." + g.name;
  if (g.twin_of.empty()) {
    return c.Fail(c.OriginOf(base + ".strategy"), base + ".strategy.of",
                  "twins need `of`: the group whose validator keys they sign with");
  }
  const std::vector<sim::GroupSpec>& groups = c.out->sim.groups;
  const auto of = std::find_if(groups.begin(), groups.end(),
                               [&](const sim::GroupSpec& o) { return o.name == g.twin_of; });
  const std::string of_path = base + ".strategy.of";
  if (of == groups.end() || of->name == g.name) {
    return c.Fail(c.OriginOf(of_path), of_path,
                  "names no other group: " + Quote(g.twin_of));
  }
  if (of->voting_power <= 0 || !of->strategy_name.empty()) {
    return c.Fail(c.OriginOf(of_path), of_path,
                  "group " + Quote(of->name) + " must be validators without a strategy (voting "
                  "power above 0), the identities the twins duplicate");
  }
  if (g.rest || of->rest || g.node_count != of->node_count) {
    return c.Fail(c.OriginOf(base + ".nodes"), base + ".nodes",
                  "twins need as many nodes as group " + Quote(of->name) +
                      " (a count, not `rest`, for both)");
  }
  if (g.voting_power != 0) {
    return c.Fail(c.OriginOf(base + ".voting_power"), base + ".voting_power",
                  "must be 0 for twins: they sign with the keys of group " + Quote(of->name) +
                      ", whose power counts once");
  }
  for (const sim::GroupSpec& other : groups) {
    if (&other != &g && other.strategy_name == "twins" && other.twin_of == g.twin_of) {
      return c.Fail(c.OriginOf(of_path), of_path,
                    "group " + Quote(g.twin_of) + " already has twins: " + Quote(other.name));
    }
  }
  return true;
}

}  // namespace

const Table& StrategyTable() {
  static const Table t = [] {
    Table table{
        "groups.<name>.strategy",
        "What the group does instead of following the protocol; absent: honest. Strategies "
        "act on what their node hears through the simulated network. Selfish mining, double "
        "spending, feather forks and eclipse attacks need a one-node group: nodes of a group do "
        "not coordinate. "
        "Their metrics appear in summary.json under `adversaries.<group>` (see docs/attacks.md).",
        {
            {"kind", "string", true, "", "",
             "`selfish-mining` (Eyal & Sirer 2014), `lead-stubborn`, `equal-fork-stubborn`, "
             "`trail-stubborn` (Nayak et al. 2016), `double-spend`, `censor`, `black-hole`, "
             "`eclipse` (Heilman et al. 2015), `optimal-selfish` (Sapirshtein et al. 2016: the "
             "optimal policy of their MDP, solved for the group's hashrate share and `gamma`); "
             "protocol.kind tendermint: `silent` (validators that follow and relay but never "
             "sign), `equivocate` (validators that sign every vote twice, for two values), "
             "`target-proposer` (holds everything each height's round-0 proposer sends for "
             "`hold` from the start of its height), `censor` (validators that leave a "
             "transaction class out of their proposals), `twins` (the group's nodes run the "
             "protocol as written with the validator keys of group `of`, its k-th node with "
             "the key of that group's k-th node: each pair signs for two values when a "
             "partition splits it, as in Twins, Bano et al., OPODIS 2021).",
             &ParseKind},
            {"gamma", "share in [0, 1]", false, "0", kRushingKinds,
             "Rushing: direct low-latency links from the group's node to honest miners holding "
             "this share of honest hashrate, so that its blocks reach them first. The tie "
             "advantage the network then gives it is reported as `observed_gamma`. For "
             "`optimal-selfish` it is also the MDP's gamma the policy is solved for.",
             [](const Node& n, const std::string& p, Ctx& c, Json& j) {
               if (!ReadHashrate(n, p, c, &c.group->rushing.honest_share)) return false;
               j = c.group->rushing.honest_share;
               return true;
             }},
            {"hold", "duration in (0, 1 h]", false, "5 s", "target-proposer",
             "How long each targeted proposer's messages are held (a denial of service on its "
             "links, from the start of its height).",
             [](const Node& n, const std::string& p, Ctx& c, Json& j) {
               DurationNs v = 0;
               if (!ReadDuration(n, p, c, &v)) return false;
               if (v <= 0 || v > kHour) {
                 return c.Fail(n.origin, p, "must be positive and at most 1 h, got " + Quote(n.scalar));
               }
               c.group->target_delay = v;
               j = FormatDuration(v);
               return true;
             }},
            {"of", "group name", false, "", "twins",
             "The group whose validators' keys the twins sign with: same node count, voting "
             "power above 0, no strategy. The pair's power is counted once, in that group, so "
             "the twins group has `voting_power: 0`; both nodes of each pair are byzantine.",
             [](const Node& n, const std::string& p, Ctx& c, Json& j) {
               if (!ReadString(n, p, c, &c.group->twin_of)) return false;
               j = c.group->twin_of;
               return true;
             }},
            {"rushing_latency", "duration in (0, 365 d]", false, "1 ms", kRushingKinds,
             "One-way latency of each rushing link.",
             [](const Node& n, const std::string& p, Ctx& c, Json& j) {
               DurationNs v = 0;
               if (!ReadDuration(n, p, c, &v)) return false;
               if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
               c.group->rushing.latency = v;
               j = FormatDuration(v);
               return true;
             }},
            {"rushing_bandwidth", "bandwidth >= 1 bit/s", false, "1 Gbit/s", kRushingKinds,
             "Rate of each rushing link (its own pipe, not the node's uplink).",
             [](const Node& n, const std::string& p, Ctx& c, Json& j) {
               if (!ReadBandwidth(n, p, c, &c.group->rushing.bandwidth_bps)) return false;
               j = FormatBandwidth(c.group->rushing.bandwidth_bps);
               return true;
             }},
        }};
    for (const strategies::ScenarioStrategy& s : strategies::Registry()) {
      const std::vector<Field>& own = s.fields();
      table.fields.insert(table.fields.end(), own.begin(), own.end());
    }
    return table;
  }();
  return t;
}

bool ValidateStrategies(Ctx& c) {
  sim::SimConfig& s = c.out->sim;
  const bool tendermint = c.out->protocol == "tendermint";
  for (const sim::GroupSpec& g : s.groups) {
    if (g.strategy_name.empty()) continue;
    const bool tm_kind = KindAllows(kTendermintKinds, g.strategy_name);
    const bool bitcoin_kind = strategies::Find(g.strategy_name) != nullptr;
    if (tendermint ? !tm_kind : !bitcoin_kind) {
      const std::string path = "groups." + g.name + ".strategy.kind";
      return c.Fail(c.OriginOf(path), path,
                    Quote(g.strategy_name) + " is a strategy of the " +
                        (tm_kind ? "tendermint" : "bitcoin") + " family, but protocol.kind is " +
                        Quote(c.out->protocol));
    }
  }
  if (tendermint) {
    for (sim::GroupSpec& g : s.groups) {
      if (g.strategy_name == "censor" && !strategies::ValidateTendermintCensor(c, g)) return false;
      if (g.strategy_name == "twins" && !ValidateTwins(c, g)) return false;
    }
    return true;
  }
  double honest_hashrate = 0;
  for (const sim::GroupSpec& g : s.groups) {
    if (g.honest()) honest_hashrate += g.hashrate;
  }
  for (sim::GroupSpec& g : s.groups) {
    if (g.honest()) continue;
    // The strategy's own checks (hashrate, one node, ...) come first; the rushing links are
    // the only shared keys with a check.
    const strategies::ScenarioStrategy* strategy = strategies::Find(g.strategy_name);
    if (strategy != nullptr && !strategy->validate(c, g)) return false;
    const std::string path = "groups." + g.name + ".strategy";
    if (g.rushing.honest_share > 0 && honest_hashrate <= 0) {
      return c.Fail(c.OriginOf(path + ".gamma"), path + ".gamma",
                    "rushing links need honest miners, but no group without a strategy has "
                    "hashrate");
    }
  }
  return true;
}

}  // namespace peerlab::scenario::detail
