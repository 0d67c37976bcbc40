// The eclipse attack (Heilman et al. 2015) on one victim: the scenario keys and checks.
#include "peerlab/scenario/units.hpp"
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {
namespace {

// A duration > 0 (>= 0 with `allow_zero`) and at most `max` into `*out`; at least
// kMinTimerInterval when `timer` (a periodic timer).
bool ReadTime(const Node& n, const std::string& p, Ctx& c, bool allow_zero, DurationNs* out,
              Json& j, DurationNs max = kMaxSpan, bool timer = false) {
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
  j = FormatDuration(v);
  return true;
}

}  // namespace

void ConfigureEclipse(std::string_view, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kEclipse;
}

const std::vector<Field>& EclipseFields() {
  static const std::vector<Field> f{
      {"victim", "node index", true, "", "eclipse",
       "The node attacked (0 to network.nodes - 1, not of this group).",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 0, kMaxNodes, &c.group->strategy.victim, j);
       }},
      {"addresses", "integer in [1, 1000000]", false, "4096", "eclipse",
       "IPv4 addresses the attacker controls; every one reaches its node.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 1'000'000, &c.group->strategy.attack_addresses, j);
       }},
      {"address_groups", "integer in [1, 4096]", false, "32", "eclipse",
       "/16 network groups the addresses are spread over, evenly (each group holds at most "
       "65534). More groups reach more of the victim's buckets.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 4096, &c.group->strategy.attack_address_groups, j);
       }},
      {"trash_addresses", "integer in [0, 1000000]", false, "4096", "eclipse",
       "Addresses where nobody listens, mixed into the addr floods (the paper's trash): "
       "they waste the victim's connection attempts to its new table.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 0, 1'000'000, &c.group->strategy.trash_addresses, j);
       }},
      {"connect_interval", "duration in [1 s, 365 d]", false, "10 s", "eclipse",
       "Time between the attacker's new inbound connections to the victim, each from its "
       "next address. At least 1 s, like every periodic timer: shorter ones only stall "
       "simulated time.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadTime(n, p, c, false, &c.group->strategy.attack_connect_interval, j,
                         kMaxSpan, true);
       }},
      {"connections", "integer in [1, 10000]", false, "32", "eclipse",
       "Attack connections kept open at once; opening one more closes the oldest.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadUInt32(n, p, c, 1, 10'000, &c.group->strategy.attack_connections, j);
       }},
      {"addr_interval", "duration in [1 s, 365 d]", false, "1 min", "eclipse",
       "Time between addr messages (1000 entries of its and trash addresses) on each "
       "connection with the victim; one also goes out when a connection is ready.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadTime(n, p, c, false, &c.group->strategy.flood_interval, j, kMaxSpan, true);
       }},
      {"restart_at", "duration in [0, 29200 d]", false, "2 h", "eclipse",
       "When the victim goes down (a software update, say) to come back `downtime` later: "
       "the restart the attack waits for.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadTime(n, p, c, true, &c.group->strategy.restart_at, j, kTimeLimit);
       }},
      {"downtime", "duration in (0, 365 d]", false, "1 min", "eclipse",
       "How long the victim stays down.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadTime(n, p, c, false, &c.group->strategy.restart_downtime, j);
       }},
  };
  return f;
}

// One attacker node, on a topology where nodes choose their peers, against a node of another
// group; its addresses fit its /16 groups, and the victim's restart happens within the run.
bool ValidateEclipse(Ctx& c, sim::GroupSpec& g) {
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

}  // namespace peerlab::scenario::detail::strategies
