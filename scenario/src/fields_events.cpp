// Network events (`events`: partitions and heals) and the autonomous systems partitions can
// select by (`network.autonomous_systems`). Model: docs/network-model.md, "Partitions".
//
// Parsing checks what each value means on its own and the events' order; which nodes a side
// ends up with depends on the seeded placement of nodes, so ValidateEvents takes the sides from
// the engine's own network plan (plan/network_plan.hpp) and points errors at the selector.
#include <string>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

using Kind = Node::Kind;
using Selector = sim::SideSelector;
constexpr std::int64_t kMaxAses = 100'000;  // more than the ASes of the whole Internet

sim::NetworkEventSpec& CurrentEvent(Ctx& c) { return c.out->sim.events.back(); }
Selector& CurrentSelector(Ctx& c) { return *c.selector; }

std::string Index(std::size_t i) { return "[" + std::to_string(i) + "]"; }

std::string NameList(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// One AS number in [1, count].
bool ReadAs(const Node& n, const std::string& p, Ctx& c, std::uint32_t* out) {
  const std::uint32_t count = c.out->sim.autonomous_systems.count;
  std::int64_t v = 0;
  if (!ReadInt(n, p, c, INT32_MIN, kMaxU32, &v)) return false;
  if (v < 1 || v > count) {
    return c.Fail(n.origin, p,
                  "AS " + Quote(n.scalar) + " is out of range (AS numbers are 1 to " +
                      std::to_string(count) + ", network.autonomous_systems.count)");
  }
  *out = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

const Table& SideSelectorTable() {
  static const Table t{
      "events[<i>].sides[<s>][<k>]",
      "One selector of a partition side: a mapping with exactly one of these keys, or the "
      "string `rest` (every node no other side took; one side at most). A side is the union of "
      "its selectors. Selectors naming nodes (`region`, `group`, `nodes`, `as`) apply first, "
      "then `hashrate` selectors, then `rest`; a node two sides name is an error, as is a side "
      "without nodes or a node on no side.",
      {
          {"region", "region name", false, "", "", "Every node of this region.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string name;
             if (!ReadString(n, p, c, &name)) return false;
             const auto& names = c.out->sim.regions.names;
             for (std::uint32_t r = 0; r < names.size(); ++r) {
               if (names[r] != name) continue;
               CurrentSelector(c) = {Selector::Kind::kRegion, r, {}, 0};
               j = name;
               return true;
             }
             return c.Fail(n.origin, p,
                           "unknown region " + Quote(name) + " (expected one of: " +
                               NameList(names) + ")");
           }},
          {"group", "group name", false, "", "", "Every node of this group.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string name;
             if (!ReadString(n, p, c, &name)) return false;
             const auto& groups = c.out->sim.groups;
             std::vector<std::string> names;
             for (std::uint32_t g = 0; g < groups.size(); ++g) {
               names.push_back(groups[g].name);
               if (groups[g].name != name) continue;
               CurrentSelector(c) = {Selector::Kind::kGroup, g, {}, 0};
               j = name;
               return true;
             }
             return c.Fail(n.origin, p,
                           "unknown group " + Quote(name) + " (expected one of: " +
                               NameList(names) + ")");
           }},
          {"nodes", "list of node indexes", false, "", "",
           "These nodes (0-based indexes, below `network.nodes`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind != Kind::kSequence || n.items.empty()) {
               return c.Fail(n.origin, p,
                             "expected a non-empty list of node indexes, got " +
                                 (n.kind == Kind::kSequence ? "an empty list" : Describe(n)));
             }
             Selector& sel = CurrentSelector(c);
             sel = {Selector::Kind::kNodes, 0, {}, 0};
             const std::uint32_t nodes = c.out->sim.nodes;
             j = Json::array();
             for (std::size_t i = 0; i < n.items.size(); ++i) {
               const std::string item = p + Index(i);
               std::int64_t v = 0;
               if (!ReadInt(n.items[i], item, c, 0, kMaxU32, &v)) return false;
               if (v >= nodes) {
                 return c.Fail(n.items[i].origin, item,
                               "node index " + std::to_string(v) +
                                   " is out of range (network.nodes is " +
                                   std::to_string(nodes) + ", indexes start at 0)");
               }
               sel.values.push_back(static_cast<std::uint32_t>(v));
               j.push_back(v);
             }
             return true;
           }},
          {"as", "AS number, or list of them", false, "", "",
           "Every node in these autonomous systems (1 to `network.autonomous_systems.count`, "
           "1 the largest).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             Selector& sel = CurrentSelector(c);
             sel = {Selector::Kind::kAs, 0, {}, 0};
             if (n.kind == Kind::kScalar) {
               std::uint32_t as = 0;
               if (!ReadAs(n, p, c, &as)) return false;
               sel.values.push_back(as);
               j = as;
               return true;
             }
             if (n.kind != Kind::kSequence || n.items.empty()) {
               return c.Fail(n.origin, p,
                             "expected an AS number or a non-empty list of them, got " +
                                 (n.kind == Kind::kSequence ? "an empty list" : Describe(n)));
             }
             j = Json::array();
             for (std::size_t i = 0; i < n.items.size(); ++i) {
               std::uint32_t as = 0;
               if (!ReadAs(n.items[i], p + Index(i), c, &as)) return false;
               sel.values.push_back(as);
               j.push_back(as);
             }
             return true;
           }},
          {"hashrate", "share in (0, 1] or percentage", false, "", "",
           "Mining nodes until the side holds at least this share of total hashrate: one seeded "
           "shuffle of all nodes per event is walked once (by all `hashrate` selectors of the "
           "event, in file order), each selector taking the next nodes with hashrate that no "
           "side has yet, until its side's share reaches the target; it may exceed it by one "
           "node's share.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             double v = 0;
             if (!ReadHashrate(n, p, c, &v)) return false;
             if (!(v > 0)) return c.Fail(n.origin, p, "must be in (0, 1], got " + Quote(n.scalar));
             CurrentSelector(c) = {Selector::Kind::kWeight, 0, {}, v};
             j = v;
             return true;
           }},
      }};
  return t;
}

namespace {

bool ParseSelector(const Node& n, const std::string& p, Ctx& c, bool* rest, Json& j) {
  sim::PartitionSide& side = CurrentEvent(c).sides.back();
  side.emplace_back();
  c.selector = &side.back();
  c.origins[p] = n.origin;
  if (n.kind == Kind::kScalar && n.scalar == "rest") {
    side.back().kind = Selector::Kind::kRest;
    *rest = true;
    j = "rest";
    return true;
  }
  if (n.kind != Kind::kMapping) {
    return c.Fail(n.origin, p,
                  "expected a selector like `{region: europe}` or `rest`, got " + Describe(n));
  }
  if (n.entries.size() != 1) {
    std::string keys;
    for (const Entry& e : n.entries) keys += (keys.empty() ? "" : ", ") + Quote(e.key);
    return c.Fail(n.origin, p,
                  n.entries.empty()
                      ? std::string("expected one of: region, group, nodes, as, hashrate")
                      : "a selector has one key, got " + keys +
                            " (list them as separate selectors of the side)");
  }
  return ParseMapping(n, p, SideSelectorTable(), c, j);
}

bool ParseSides(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Kind::kSequence) {
    return c.Fail(n.origin, p,
                  "expected a list of sides like `[[region: europe], [rest]]`, got " +
                      Describe(n));
  }
  if (n.items.size() < 2 || n.items.size() > sim::kMaxPartitionSides) {
    return c.Fail(n.origin, p,
                  "expected 2 to " + std::to_string(sim::kMaxPartitionSides) + " sides, got " +
                      std::to_string(n.items.size()));
  }
  auto& sides = CurrentEvent(c).sides;
  std::size_t rest_side = n.items.size();
  j = Json::array();
  for (std::size_t s = 0; s < n.items.size(); ++s) {
    const Node& side = n.items[s];
    const std::string side_path = p + Index(s);
    c.origins[side_path] = side.origin;
    if (side.kind != Kind::kSequence || side.items.empty()) {
      return c.Fail(side.origin, side_path,
                    "expected a non-empty list of selectors like `[region: europe]`, got " +
                        (side.kind == Kind::kSequence ? "an empty list" : Describe(side)));
    }
    sides.emplace_back();
    Json& side_json = j.emplace_back(Json::array());
    for (std::size_t k = 0; k < side.items.size(); ++k) {
      const std::string item = side_path + Index(k);
      bool rest = false;
      Json selector_json;
      if (!ParseSelector(side.items[k], item, c, &rest, selector_json)) return false;
      if (rest && rest_side != n.items.size() && rest_side != s) {
        return c.Fail(side.items[k].origin, item,
                      "only one side may have `rest` (side " + std::to_string(rest_side) +
                          " has it)");
      }
      if (rest) rest_side = s;
      side_json.push_back(std::move(selector_json));
    }
  }
  return true;
}

}  // namespace

const Table& EventTable() {
  static const Table t{
      "events[<i>]",
      "A timed network event. Events are listed in time order; one partition is in effect at "
      "a time, and `heal` ends it. Crossing connections (between nodes on different sides) "
      "are what a partition acts on; see docs/network-model.md, \"Partitions\".",
      {
          {"kind", "one of `partition`, `heal`", true, "", "",
           "`partition`: split the nodes into `sides`; `heal`: end the partition in effect.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"partition", "heal"}, &v)) return false;
             CurrentEvent(c).kind = v == "partition" ? sim::NetworkEventSpec::Kind::kPartition
                                                     : sim::NetworkEventSpec::Kind::kHeal;
             c.kind = v;
             j = v;
             return true;
           }},
          {"at", "duration in [0, 29200 d]", true, "", "",
           "When the event takes effect, from the run's start.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadDuration(n, p, c, &CurrentEvent(c).at, kTimeLimit)) return false;
             j = FormatDuration(CurrentEvent(c).at);
             return true;
           }},
          {"sides", "list of 2 to 16 sides", true, "", "partition",
           "Each side is a list of selectors (see `events[<i>].sides[<s>][<k>]`), e.g. "
           "`[[region: north-america], [rest]]`. Every node must be on exactly one side.",
           &ParseSides},
          {"mode", "one of `drop`, `delay`", false, "drop", "partition",
           "`drop`: crossing connections close (as if TCP timed out at once) and new ones across "
           "sides fail; at `heal` each closed connection is opened again by the end that had "
           "opened it. `delay`: crossing messages arrive `delay` later; connections stay up.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"drop", "delay"}, &v)) return false;
             CurrentEvent(c).mode =
                 v == "drop" ? sim::PartitionMode::kDrop : sim::PartitionMode::kDelay;
             j = v;
             return true;
           }},
          {"delay", "duration in (0, 365 d]", false, "", "partition",
           "With `mode: delay`: extra one-way latency of every crossing message (default "
           "30 s). Not allowed with `mode: drop`.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (CurrentEvent(c).mode != sim::PartitionMode::kDelay) {
               return c.Fail(n.origin, p, "only allowed with `mode: delay`");
             }
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v)) return false;
             if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
             CurrentEvent(c).delay = v;
             j = FormatDuration(v);
             return true;
           }},
      }};
  return t;
}

bool ParseEvents(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Kind::kSequence) {
    return c.Fail(n.origin, p,
                  "expected a list of events like `[{at: 2 h, kind: partition, sides: "
                  "[[region: europe], [rest]]}, {at: 4 h, kind: heal}]`, got " +
                      Describe(n));
  }
  auto& events = c.out->sim.events;
  events.clear();
  std::size_t partition = n.items.size();  // the partition in effect, if any
  j = Json::array();
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const std::string path = p + Index(i);
    events.emplace_back();
    Json event_json;
    if (!ParseMapping(n.items[i], path, EventTable(), c, event_json)) return false;
    const sim::NetworkEventSpec& e = events.back();
    if (i > 0 && e.at < events[i - 1].at) {
      return c.Fail(c.OriginOf(path + ".at"), path + ".at",
                    "events must be in time order (" + Quote(FormatDuration(e.at)) +
                        " is before " + Quote(FormatDuration(events[i - 1].at)) + " of " + p +
                        Index(i - 1) + ")");
    }
    const bool is_partition = e.kind == sim::NetworkEventSpec::Kind::kPartition;
    if (is_partition && partition != n.items.size()) {
      return c.Fail(c.OriginOf(path + ".kind"), path + ".kind",
                    "a partition is already in effect (" + p + Index(partition) +
                        "); heal it first, one partition at a time");
    }
    if (!is_partition && partition == n.items.size()) {
      return c.Fail(c.OriginOf(path + ".kind"), path + ".kind",
                    "no partition is in effect to heal");
    }
    partition = is_partition ? i : n.items.size();
    j.push_back(std::move(event_json));
  }
  return true;
}

const Table& AutonomousSystemsTable() {
  static const Table t{
      "network.autonomous_systems",
      "Which autonomous system (AS) each node is in, drawn per node from a Zipf law: AS k (1 "
      "the largest) with probability proportional to k^-`zipf_exponent`. Partitions can select "
      "nodes by AS (`events[<i>].sides[<s>][<k>].as`).",
      {
          {"count", "integer in [1, 100000]", false, "2000", "",
           "Number of ASes. An assumption (the order of magnitude of ASes hosting Bitcoin "
           "nodes), not a measurement; what matters for partitions is the share of the largest.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxAses, &v)) return false;
             c.out->sim.autonomous_systems.count = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"zipf_exponent", "number in [0, 10], or `fitted`", false, "fitted", "",
           "`fitted`: the exponent for which the 13 largest ASes host 30 % of nodes "
           "(Apostolaki et al., \"Hijacking Bitcoin\", IEEE S&P 2017); 0.904 for 2000 ASes. 0: "
           "every AS equally likely.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             auto& spec = c.out->sim.autonomous_systems;
             if (n.kind == Kind::kScalar && n.scalar == "fitted") {
               if (spec.count <= sim::kMeasuredTopAses) {
                 return c.Fail(n.origin, p,
                               "`fitted` needs more than 13 ASes (network.autonomous_systems."
                               "count is " + std::to_string(spec.count) +
                                   "); give an exponent");
               }
               spec.zipf_exponent.reset();
               j = "fitted";
               return true;
             }
             double v = 0;
             if (!ReadNumber(n, p, c, &v)) return false;
             if (!(v >= 0 && v <= 10)) {
               return c.Fail(n.origin, p, "must be in [0, 10] or `fitted`, got " + Quote(n.scalar));
             }
             spec.zipf_exponent = v;
             j = v;
             return true;
           }},
      }};
  return t;
}

bool ValidateEvents(Ctx& c) {
  const sim::SimConfig& config = c.out->sim;
  bool any_partition = false;
  for (const auto& e : config.events) {
    any_partition = any_partition || e.kind == sim::NetworkEventSpec::Kind::kPartition;
  }
  if (!any_partition) return true;
  const plan::NetworkPlan& placement = NetworkPlanOf(c);
  if (!placement.group_status.ok()) {
    return c.Fail(c.OriginOf("groups"), "groups", placement.group_status.message());
  }
  for (const plan::PartitionPlan& partition : placement.partitions) {
    const std::optional<plan::SideError>& error = partition.error;
    if (!error) continue;
    const std::uint32_t e = partition.event;
    std::string path = "events" + Index(e) + ".sides";
    if (error->side != plan::SideError::kAll) path += Index(error->side);
    if (error->selector != plan::SideError::kAll) {
      path += Index(error->selector);
      const Selector& sel = config.events[e].sides[error->side][error->selector];
      static constexpr const char* kKeys[] = {"region", "group", "nodes", "as", "hashrate", ""};
      const char* key = kKeys[static_cast<int>(sel.kind)];
      if (*key != '\0') path += std::string(".") + key;
    }
    return c.Fail(c.OriginOf(path), path, error->message);
  }
  return true;
}

}  // namespace peerlab::scenario::detail
