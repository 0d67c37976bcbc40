// The `groups.<name>.strategy` table: what a group does instead of following the protocol,
// chosen by `kind`, and the checks that need the rest of the scenario.
#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

using bitcoin::StrategyKind;

constexpr std::string_view kSelfishKinds =
    "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn";
constexpr std::string_view kRushingKinds =
    "selfish-mining|lead-stubborn|equal-fork-stubborn|trail-stubborn|double-spend";

bool ParseKind(const Node& n, const std::string& p, Ctx& c, std::string& j) {
  std::string kind;
  if (!ReadChoice(n, p, c,
                  {"selfish-mining", "lead-stubborn", "equal-fork-stubborn", "trail-stubborn",
                   "double-spend", "censor", "black-hole", "eclipse"},
                  &kind)) {
    return false;
  }
  sim::GroupSpec& g = *c.group;
  g.strategy_name = kind;
  g.strategy = bitcoin::StrategyConfig{};
  bitcoin::StrategyConfig& s = g.strategy;
  if (kind == "double-spend") {
    s.kind = StrategyKind::kDoubleSpend;
  } else if (kind == "censor") {
    s.kind = StrategyKind::kCensor;
  } else if (kind == "black-hole") {
    s.kind = StrategyKind::kBlackHole;
  } else if (kind == "eclipse") {
    s.kind = StrategyKind::kEclipse;
  } else {
    s.kind = StrategyKind::kSelfishMining;
    s.lead_stubborn = kind == "lead-stubborn";
    s.equal_fork_stubborn = kind == "equal-fork-stubborn";
    s.trail_stubborn = kind == "trail-stubborn" ? 1 : 0;
  }
  c.kind = kind;
  j = JsonString(kind);
  return true;
}

// A duration > 0 (>= 0 with `allow_zero`) and at most `max` into `*out`; at least
// kMinTimerInterval when `timer` (a periodic timer).
bool ReadTime(const Node& n, const std::string& p, Ctx& c, bool allow_zero, DurationNs* out,
              std::string& j, DurationNs max = kMaxSpan, bool timer = false) {
  DurationNs v = 0;
  if (!ReadDuration(n, p, c, &v, max)) return false;
  if (v < 0 || (v == 0 && !allow_zero)) {
    return c.Fail(n.origin, p,
                  std::string(allow_zero ? "must be 0 or positive" : "must be positive") +
                      ", got " + Quote(n.scalar));
  }
  if (timer && v < kMinTimerInterval) {
    return c.Fail(n.origin, p, "must be at least 1 s, got " + Quote(n.scalar));
  }
  *out = v;
  j = JsonString(FormatDuration(v));
  return true;
}

bool ReadRelayAction(const Node& n, const std::string& p, Ctx& c, bool allow_delay,
                     bitcoin::RelayAction* out, std::string& j) {
  std::string v;
  const std::vector<std::string_view> with_delay = {"relay", "drop", "delay"};
  const std::vector<std::string_view> without = {"relay", "drop"};
  if (!ReadChoice(n, p, c, allow_delay ? with_delay : without, &v)) return false;
  *out = v == "drop"    ? bitcoin::RelayAction::kDrop
         : v == "delay" ? bitcoin::RelayAction::kDelay
                        : bitcoin::RelayAction::kRelay;
  j = JsonString(v);
  return true;
}

bool ValidateEclipse(Ctx& c, const sim::GroupSpec& g) {
  const sim::SimConfig& s = c.out->sim;
  const std::string path = "groups." + g.name + ".strategy";
  const bitcoin::StrategyConfig& st = g.strategy;
  if (g.rest || g.node_count != 1) {
    return c.Fail(c.OriginOf("groups." + g.name + ".nodes"), "groups." + g.name + ".nodes",
                  "an `eclipse` group must be one node (the attacker)");
  }
  if (s.topology.kind != sim::TopologyKind::kOutboundChoice) {
    return c.Fail(c.OriginOf(path + ".kind"), path + ".kind",
                  "an eclipse attack needs network.topology.kind `bitcoin` (on fixed topologies "
                  "nodes never choose their peers)");
  }
  if (st.victim >= s.nodes) {
    return c.Fail(c.OriginOf(path + ".victim"), path + ".victim",
                  "no node " + std::to_string(st.victim) + " (network.nodes is " +
                      std::to_string(s.nodes) + ")");
  }
  // Which group the victim is in comes from the same seeded placement the engine uses.
  const plan::NetworkPlan& placement = NetworkPlanOf(c);
  if (placement.group_status.ok() && s.groups[placement.group[st.victim]].name == g.name) {
    return c.Fail(c.OriginOf(path + ".victim"), path + ".victim",
                  "node " + std::to_string(st.victim) + " is the attacker itself (group " +
                      Quote(g.name) + " with this seed); pick another node");
  }
  if (st.attack_addresses < st.attack_address_groups ||
      st.attack_addresses > std::uint64_t{st.attack_address_groups} * 65534) {
    return c.Fail(c.OriginOf(path + ".addresses"), path + ".addresses",
                  "must be between address_groups (" + std::to_string(st.attack_address_groups) +
                      ") and 65534 x address_groups, got " + std::to_string(st.attack_addresses));
  }
  if (s.stop.time && st.restart_at >= *s.stop.time) {
    return c.Fail(c.OriginOf(path + ".restart_at"), path + ".restart_at",
                  "the victim restarts at " + FormatDuration(st.restart_at) +
                      ", not before stop.time (" + FormatDuration(*s.stop.time) + ")");
  }
  return true;
}

}  // namespace

const Table& StrategyTable() {
  static const Table t{
      "groups.<name>.strategy",
      "What the group does instead of following the protocol; absent: honest. Strategies act "
      "on what their node hears through the simulated network. Selfish mining, double spending, "
      "feather forks and eclipse attacks need a one-node group: nodes of a group do not "
      "coordinate. "
      "Their metrics appear in summary.json under `adversaries.<group>` (see docs/attacks.md).",
      {
          {"kind", "string", true, "", "",
           "`selfish-mining` (Eyal & Sirer 2014), `lead-stubborn`, `equal-fork-stubborn`, "
           "`trail-stubborn` (Nayak et al. 2016), `double-spend`, `censor`, `black-hole`, "
           "`eclipse` (Heilman et al. 2015).",
           &ParseKind},
          {"gamma", "share in [0, 1]", false, "0", kRushingKinds,
           "Rushing: direct low-latency links from the group's node to honest miners holding "
           "this share of honest hashrate, so that its blocks reach them first. The tie "
           "advantage the network then gives it is reported as `observed_gamma`.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             if (!ReadHashrate(n, p, c, &c.group->rushing.honest_share)) return false;
             j = FormatNumber(c.group->rushing.honest_share);
             return true;
           }},
          {"rushing_latency", "duration in (0, 365 d]", false, "1 ms", kRushingKinds,
           "One-way latency of each rushing link.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v)) return false;
             if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
             c.group->rushing.latency = v;
             j = JsonString(FormatDuration(v));
             return true;
           }},
          {"rushing_bandwidth", "bandwidth >= 1 bit/s", false, "1 Gbit/s", kRushingKinds,
           "Rate of each rushing link (its own pipe, not the node's uplink).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             if (!ReadBandwidth(n, p, c, &c.group->rushing.bandwidth_bps)) return false;
             j = JsonString(FormatBandwidth(c.group->rushing.bandwidth_bps));
             return true;
           }},
          {"lead_stubborn", "bool", false, "", kSelfishKinds,
           "With a lead, reveal one block per honest block instead of overriding (default: "
           "true for `lead-stubborn`).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadBool(n, p, c, &c.group->strategy.lead_stubborn, j);
           }},
          {"equal_fork_stubborn", "bool", false, "", kSelfishKinds,
           "Keep a block found during a tie private instead of publishing it (default: true "
           "for `equal-fork-stubborn`).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadBool(n, p, c, &c.group->strategy.equal_fork_stubborn, j);
           }},
          {"trail_stubborn", "integer >= 0", false, "", kSelfishKinds,
           "Keep mining a private branch up to this many blocks behind before adopting the "
           "public chain (default: 1 for `trail-stubborn`, else 0).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 0, 1000, &c.group->strategy.trail_stubborn, j);
           }},
          {"confirmations", "integer >= 1", false, "6", "double-spend",
           "Blocks the merchant waits for (the payment's block counts as the first).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 1000, &c.group->strategy.confirmations, j);
           }},
          {"max_deficit", "integer >= 1", false, "6", "double-spend",
           "Give the attempt up when the honest chain leads the private one by this many "
           "blocks, then start over.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 1000, &c.group->strategy.max_deficit, j);
           }},
          {"premine", "bool", false, "false", "double-spend",
           "Mine one private block before paying (Rosenfeld 2014's assumption).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadBool(n, p, c, &c.group->strategy.premine, j);
           }},
          {"class", "transaction class name", true, "", "censor",
           "The class of `transactions.classes` the group refuses.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             if (!ReadString(n, p, c, &c.group->censored_class)) return false;
             j = JsonString(c.group->censored_class);
             return true;
           }},
          {"mode", "`exclude` or `feather-fork`", false, "exclude", "censor",
           "`exclude`: leave the class out of own blocks; `feather-fork`: also refuse to "
           "build on a block carrying it until `depth` blocks are built on it (Miller 2013).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"exclude", "feather-fork"}, &v)) return false;
             c.group->strategy.censor_mode = v == "exclude" ? bitcoin::CensorMode::kExclude
                                                            : bitcoin::CensorMode::kFeatherFork;
             j = JsonString(v);
             return true;
           }},
          {"depth", "integer >= 1", false, "3", "censor",
           "Feather fork: blocks that must be built on an offending block before the group "
           "accepts it.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 100, &c.group->strategy.feather_depth, j);
           }},
          {"blocks", "`relay`, `drop` or `delay`", false, "drop", "black-hole",
           "What the group's nodes do with blocks they receive: announce them, never announce "
           "them, or announce them `delay` late. Their own blocks go out at once.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadRelayAction(n, p, c, true, &c.group->strategy.blocks, j);
           }},
          {"txs", "`relay` or `drop`", false, "drop", "black-hole",
           "What the group's nodes do with transactions they receive.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadRelayAction(n, p, c, false, &c.group->strategy.txs, j);
           }},
          {"delay", "duration in (0, 365 d]", false, "30 s", "black-hole",
           "How late `blocks: delay` announces.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v)) return false;
             if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
             c.group->strategy.block_delay = v;
             j = JsonString(FormatDuration(v));
             return true;
           }},
          {"victim", "node index", true, "", "eclipse",
           "The node attacked (0 to network.nodes - 1, not of this group).",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 0, kMaxNodes, &c.group->strategy.victim, j);
           }},
          {"addresses", "integer in [1, 1000000]", false, "4096", "eclipse",
           "IPv4 addresses the attacker controls; every one reaches its node.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 1'000'000, &c.group->strategy.attack_addresses, j);
           }},
          {"address_groups", "integer in [1, 4096]", false, "32", "eclipse",
           "/16 network groups the addresses are spread over, evenly (each group holds at most "
           "65534). More groups reach more of the victim's buckets.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 4096, &c.group->strategy.attack_address_groups, j);
           }},
          {"trash_addresses", "integer in [0, 1000000]", false, "4096", "eclipse",
           "Addresses where nobody listens, mixed into the addr floods (the paper's trash): "
           "they waste the victim's connection attempts to its new table.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 0, 1'000'000, &c.group->strategy.trash_addresses, j);
           }},
          {"connect_interval", "duration in [1 s, 365 d]", false, "10 s", "eclipse",
           "Time between the attacker's new inbound connections to the victim, each from its "
           "next address. At least 1 s, like every periodic timer: shorter ones only stall "
           "simulated time.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadTime(n, p, c, false, &c.group->strategy.attack_connect_interval, j,
                             kMaxSpan, true);
           }},
          {"connections", "integer in [1, 10000]", false, "32", "eclipse",
           "Attack connections kept open at once; opening one more closes the oldest.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadUInt32(n, p, c, 1, 10'000, &c.group->strategy.attack_connections, j);
           }},
          {"addr_interval", "duration in [1 s, 365 d]", false, "1 min", "eclipse",
           "Time between addr messages (1000 entries of its and trash addresses) on each "
           "connection with the victim; one also goes out when a connection is ready.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadTime(n, p, c, false, &c.group->strategy.flood_interval, j, kMaxSpan,
                             true);
           }},
          {"restart_at", "duration in [0, 29200 d]", false, "2 h", "eclipse",
           "When the victim goes down (a software update, say) to come back `downtime` later: "
           "the restart the attack waits for.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadTime(n, p, c, true, &c.group->strategy.restart_at, j, kTimeLimit);
           }},
          {"downtime", "duration in (0, 365 d]", false, "1 min", "eclipse",
           "How long the victim stays down.",
           [](const Node& n, const std::string& p, Ctx& c, std::string& j) {
             return ReadTime(n, p, c, false, &c.group->strategy.restart_downtime, j);
           }},
      }};
  return t;
}

bool ValidateStrategies(Ctx& c) {
  sim::SimConfig& s = c.out->sim;
  double honest_hashrate = 0;
  for (const sim::GroupSpec& g : s.groups) {
    if (g.honest()) honest_hashrate += g.hashrate;
  }
  for (sim::GroupSpec& g : s.groups) {
    if (g.honest()) continue;
    const std::string path = "groups." + g.name + ".strategy";
    const bitcoin::StrategyConfig& st = g.strategy;
    const bool mines = st.kind != StrategyKind::kBlackHole && st.kind != StrategyKind::kEclipse;
    if (mines && g.hashrate <= 0) {
      return c.Fail(c.OriginOf("groups." + g.name + ".hashrate"), "groups." + g.name + ".hashrate",
                    "a " + Quote(g.strategy_name) + " group needs hashrate > 0");
    }
    const bool coordinated = st.kind == StrategyKind::kSelfishMining ||
                             st.kind == StrategyKind::kDoubleSpend ||
                             (st.kind == StrategyKind::kCensor &&
                              st.censor_mode == bitcoin::CensorMode::kFeatherFork);
    if (coordinated && (g.rest || g.node_count != 1)) {
      return c.Fail(c.OriginOf("groups." + g.name + ".nodes"), "groups." + g.name + ".nodes",
                    "a " + Quote(g.strategy_name) +
                        " group must be one node (a pool): nodes of a group do not coordinate");
    }
    if (st.kind == StrategyKind::kEclipse && !ValidateEclipse(c, g)) return false;
    if (g.rushing.honest_share > 0 && honest_hashrate <= 0) {
      return c.Fail(c.OriginOf(path + ".gamma"), path + ".gamma",
                    "rushing links need honest miners, but no group without a strategy has "
                    "hashrate");
    }
    if (st.kind == StrategyKind::kCensor) {
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
    }
  }
  return true;
}

}  // namespace peerlab::scenario::detail
