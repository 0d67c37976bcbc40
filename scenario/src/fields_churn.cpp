// The `churn` tables: nodes leaving and rejoining, and connections failing at random.
#include <cmath>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

constexpr double kMinShape = 0.1;  // below, Gamma(1 + 1/shape) overflows what a run can use
constexpr double kMaxShape = 10;

// The session and downtime tables differ only in which LifetimeSpec they fill.
template <sim::LifetimeSpec sim::ChurnSpec::*Member>
std::vector<Field> LifetimeFields() {
  return {
      {"kind", "one of `exponential`, `weibull`", false, "exponential", "",
       "Distribution of the durations.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         std::string v;
         if (!ReadChoice(n, p, c, {"exponential", "weibull"}, &v)) return false;
         (c.out->sim.churn.*Member).kind =
             v == "weibull" ? sim::LifetimeKind::kWeibull : sim::LifetimeKind::kExponential;
         c.kind = v;
         j = v;
         return true;
       }},
      {"mean", "duration in [1 s, 365 d]", true, "", "",
       "Mean duration. At least 1 s: shorter, nodes would flap without end while simulated "
       "time stands still.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         DurationNs v = 0;
         if (!ReadDuration(n, p, c, &v)) return false;
         if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
         if (v < kMinTimerInterval) {
           return c.Fail(n.origin, p, "must be at least 1 s, got " + Quote(n.scalar));
         }
         (c.out->sim.churn.*Member).mean = v;
         j = FormatDuration(v);
         return true;
       }},
      {"shape", "number in [0.1, 10]", false, "0.5", "weibull",
       "Weibull shape k: below 1 many short durations and a few very long ones (k = 1 is "
       "the exponential). The scale is set so that the mean is `mean`.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         double v = 0;
         if (!ReadNumber(n, p, c, &v)) return false;
         if (!(v >= kMinShape && v <= kMaxShape)) {
           return c.Fail(n.origin, p, "must be between 0.1 and 10, got " + Quote(n.scalar));
         }
         (c.out->sim.churn.*Member).shape = v;
         j = v;
         return true;
       }},
  };
}

const char* TopologyName(sim::TopologyKind kind) {
  switch (kind) {
    case sim::TopologyKind::kOutboundChoice: return "bitcoin";
    case sim::TopologyKind::kRandomRegular: return "random-regular";
    case sim::TopologyKind::kEdgeList: return "edge-list";
  }
  return "?";
}

}  // namespace

const Table& SessionTable() {
  static const Table t{"churn.session",
                       "How long a churning node stays online each time (the first session "
                       "starts at time 0, with every node online).",
                       LifetimeFields<&sim::ChurnSpec::session>()};
  return t;
}

const Table& DowntimeTable() {
  static const Table t{"churn.downtime", "How long a churning node stays offline each time.",
                       LifetimeFields<&sim::ChurnSpec::downtime>()};
  return t;
}

const Table& LinkFailuresTable() {
  static const Table t{
      "churn.link_failures",
      "Connections that fail at random (a reset, a NAT timeout), whoever is at their ends: both "
      "ends hear of it one latency later, and the node that opened it picks another peer.",
      {
          {"rate", "number >= 0 (per connection per hour)", false, "0", "",
           "Failures per open connection per hour (a connection lasts 1/rate hours on average "
           "before a random failure); 0: none.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             double v = 0;
             if (!ReadNumber(n, p, c, &v)) return false;
             if (!(v >= 0 && v <= 3600)) {
               return c.Fail(n.origin, p, "must be between 0 and 3600, got " + Quote(n.scalar));
             }
             c.out->sim.churn.link_failures_per_hour = v;
             j = v;
             return true;
           }},
      }};
  return t;
}

const Table& ChurnTable() {
  static const Table t{
      "churn",
      "Nodes leaving and rejoining (docs/attacks.md). A churning node alternates "
      "sessions online and downtimes offline; offline it receives nothing, its connections are "
      "closed and connecting to it fails after Core's 5 s connect timeout; it comes back with "
      "its chain, mempool and address manager (Core's peers.dat) and, with anchors on, first "
      "reconnects to its block-relay-only peers. The defaults are illustrative, not measured. "
      "Needs `network.topology.kind: bitcoin`. Counts appear in summary.json under `churn`.",
      {
          {"share", "share in [0, 1]", false, "0", "",
           "Share of the eligible nodes that churn: nodes of groups with hashrate 0 and no "
           "strategy (see `include_miners`); eclipse victims never churn. protocol.kind "
           "tendermint: full nodes of groups without a strategy (see `include_validators`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadHashrate(n, p, c, &c.out->sim.churn.share)) return false;
             j = c.out->sim.churn.share;
             return true;
           }},
          {"session", "mapping", false, "{kind: exponential, mean: 2 h}", "",
           "Time online (see `churn.session`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, SessionTable(), c, j);
           }},
          {"downtime", "mapping", false, "{kind: exponential, mean: 30 min}", "",
           "Time offline (see `churn.downtime`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, DowntimeTable(), c, j);
           }},
          {"include_miners", "bool", false, "false", "",
           "Let nodes of groups with hashrate churn too (their hashrate is lost while they are "
           "offline, so blocks come slower).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.churn_include_miners, j);
           }},
          {"include_validators", "bool", false, "false", "",
           "protocol.kind tendermint: let validators churn too (offline, their votes are "
           "missing; more than a third of the power offline stops commits).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->tendermint.churn_include_validators, j);
           }},
          {"link_failures", "mapping", false, "{rate: 0}", "",
           "Random connection failures (see `churn.link_failures`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, LinkFailuresTable(), c, j);
           }},
      }};
  return t;
}

bool ParseChurn(const Node& n, const std::string& p, Ctx& c, Json& j) {
  c.out->sim.churn.enabled = true;
  return ParseMapping(n, p, ChurnTable(), c, j);
}

bool ValidateChurn(Ctx& c) {
  const sim::SimConfig& s = c.out->sim;
  const sim::ChurnSpec& churn = s.churn;
  // Each family's key for its power holders, checked whether or not anything churns.
  const bool tendermint = c.out->protocol == "tendermint";
  if (tendermint && s.churn_include_miners) {
    return c.Fail(c.OriginOf("churn.include_miners"), "churn.include_miners",
                  "protocol.kind tendermint has no miners: use `include_validators`");
  }
  if (!tendermint && c.out->tendermint.churn_include_validators) {
    return c.Fail(c.OriginOf("churn.include_validators"), "churn.include_validators",
                  "only for protocol.kind tendermint (bitcoin: `include_miners`)");
  }
  if (!churn.enabled || (churn.share <= 0 && churn.link_failures_per_hour <= 0)) return true;
  if (s.topology.kind != sim::TopologyKind::kOutboundChoice) {
    return c.Fail(c.OriginOf("churn"), "churn",
                  std::string("needs network.topology.kind `bitcoin`, got `") +
                      TopologyName(s.topology.kind) +
                      "` (on fixed topologies nodes never reconnect)");
  }
  if (churn.share <= 0) return true;
  bool eligible = false;
  for (const sim::GroupSpec& g : s.groups) {
    const bool may = tendermint
                         ? g.strategy_name.empty() &&
                               (g.voting_power <= 0 || c.out->tendermint.churn_include_validators)
                         : g.honest() && (g.hashrate <= 0 || s.churn_include_miners);
    eligible = eligible || (may && (g.rest || g.node_count > 0));
  }
  if (tendermint && !eligible) {
    return c.Fail(c.OriginOf("churn.share"), "churn.share",
                  "no node can churn: every group has voting power or a strategy (add a group "
                  "with voting_power 0, or set `churn.include_validators: true`)");
  }
  if (!eligible) {
    return c.Fail(c.OriginOf("churn.share"), "churn.share",
                  "no node can churn: every group has hashrate or a strategy (add a group with "
                  "hashrate 0, or set `churn.include_miners: true`)");
  }
  return true;
}

}  // namespace peerlab::scenario::detail
