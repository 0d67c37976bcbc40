// The scenario schema except `network` (fields_network.cpp): one table per mapping, each field
// with its handler. The doc strings end up in docs/scenario-reference.md.
#include <algorithm>
#include <limits>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

constexpr std::uint64_t kMinBlockSize = 81;  // an 80-byte header plus at least one byte
constexpr std::uint64_t kMaxBlockSize = 4'000'000;

using Kind = Node::Kind;

bool IsGroupName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Why `name` cannot name a run directory, or "" when it can. The name becomes the last
// component of `runs/NAME-seedN`, so it must not climb out of `runs/` or hide itself.
std::string RunNameProblem(std::string_view name) {
  constexpr std::size_t kMaxNameBytes = 200;  // leaves room for "-seedN" in a 255-byte name
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxNameBytes) {
    return "is " + std::to_string(name.size()) + " bytes long; at most 200 are allowed";
  }
  if (name.front() == '.') return "must not start with `.` (it names a run directory)";
  for (char c : name) {
    if (c == '/' || c == '\\') {
      return "must not contain `/` or `\\` (it names a run directory under runs/)";
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return "must not contain control characters";
    }
  }
  return "";
}

// ---- stop ---------------------------------------------------------------------------------

const Table& StopTable() {
  static const Table t{
      "stop",
      "When the run ends. At least one of `blocks` (bitcoin) or `heights` (tendermint) and "
      "`time` is required.",
      {
          {"blocks", "integer >= 1", false, "", "",
           "Mining stops after this many blocks have been found; the run then drains.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxU32, &v)) return false;
             c.out->sim.stop.blocks = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"heights", "integer >= 1", false, "", "",
           "protocol.kind tendermint: the run ends when every online node has committed this "
           "many heights.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxU32, &v)) return false;
             c.out->tendermint.stop_heights = v;
             j = v;
             return true;
           }},
          {"time", "duration in (0, 29200 d]", false, "", "",
           "Hard end of simulated time, whatever is still in flight. Every run ends by 29200 d "
           "(80 years) of simulated time, whether `time` is given or not: nodes count time in "
           "32-bit Unix seconds from 2011, which overflow 95 years in (docs/limits.md).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v, kTimeLimit)) return false;
             if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
             c.out->sim.stop.time = v;
             j = FormatDuration(v);
             return true;
           }},
          {"drain", "duration in [0, 365 d]", false, "10 min", "",
           "After the last block is mined, keep simulating at most this long so it propagates.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v)) return false;
             c.out->sim.stop.drain = v;
             j = FormatDuration(v);
             return true;
           }},
      }};
  return t;
}

// ---- engine -------------------------------------------------------------------------------

const Table& EngineTable() {
  static const Table t{
      "engine",
      "How the run is computed, never what it computes: results are byte-identical for every "
      "value.",
      {
          {"threads", "`auto` or integer in [1, 62]", false, "auto", "",
           "Worker threads of the parallel engine (docs/performance.md, \"The parallel "
           "engine\"): the nodes are split into this many shards, which advance together in "
           "windows as long as the smallest latency between two nodes, run by at most one "
           "thread per core (more would only take turns at each window's end). `auto`: the "
           "machine's cores (at most 62) for runs of at least 5,000 nodes, 1 for smaller ones (a "
           "window's work would not pay for its synchronisation). protocol.kind tendermint, "
           "`--wire-check`, the ns-3 backend and networks with a zero-latency link run on one "
           "thread whatever is asked (run.json's `perf.threads` and `perf.shards` say what ran). "
           "`peerlab run --threads N` sets it.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind == Kind::kScalar && n.scalar == "auto") {
               c.out->sim.threads = 0;
               c.out->tendermint.threads = 0;
               j = "auto";
               return true;
             }
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, 62, &v)) return false;
             c.out->sim.threads = static_cast<std::uint32_t>(v);
             c.out->tendermint.threads = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
      }};
  return t;
}

// ---- protocol -----------------------------------------------------------------------------

const Table& ValidationTable() {
  static const Table t{
      "protocol.validation",
      "Modelled CPU time to validate a received block: `fixed` + `per_mb` x size in MB. Like "
      "every duration that is not a point in time, each is at most 365 d (docs/limits.md).",
      {
          {"fixed", "duration in [0, 365 d]", false, "10 ms", "", "Per-block validation time.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadDuration(n, p, c, &c.out->sim.node.validation_fixed)) return false;
             j = FormatDuration(c.out->sim.node.validation_fixed);
             return true;
           }},
          {"per_mb", "duration in [0, 365 d]", false, "50 ms", "",
           "Additional validation time per 1,000,000 bytes of block (so at most 4 x 365 d for "
           "the largest block).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadDuration(n, p, c, &c.out->sim.node.validation_per_mb)) return false;
             j = FormatDuration(c.out->sim.node.validation_per_mb);
             return true;
           }},
      }};
  return t;
}

const Table& ProtocolTable() {
  static const Table t{
      "protocol",
      "The block-relay protocol the nodes run.",
      {
          {"kind", "one of `bitcoin`, `tendermint`", false, "bitcoin", "",
           "Protocol family: `bitcoin` (Nakamoto proof of work, docs/design.md) or "
           "`tendermint` (CometBFT's BFT consensus, docs/tendermint.md). The other keys of "
           "`protocol` belong to one family each.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"bitcoin", "tendermint"}, &v)) return false;
             c.kind = v;
             c.out->protocol = v;
             j = v;
             return true;
           }},
          {"tendermint", "mapping", false, "{}", "tendermint",
           "Consensus, gossip and mempool settings (see `protocol.tendermint`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, TendermintTable(), c, j);
           }},
          {"block_interval", "duration in [1 ms, 365 d]", false, "600 s", "bitcoin",
           "Mean time between blocks across the whole network (mining is a Poisson process). "
           "At least 1 ms: faster, a run with `stop.time` would mine without end while "
           "simulated time hardly moves.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             DurationNs v = 0;
             if (!ReadDuration(n, p, c, &v)) return false;
             if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
             if (v < kMillisecond) {
               return c.Fail(n.origin, p, "must be at least 1 ms, got " + Quote(n.scalar));
             }
             c.out->sim.block_interval = v;
             j = FormatDuration(v);
             return true;
           }},
          {"block_size", "size in [81 B, 4 MB]", false, "1 MB", "bitcoin",
           "Size of every mined block (80-byte header included).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < kMinBlockSize || v > kMaxBlockSize) {
               return c.Fail(n.origin, p, "must be between 81 B and 4 MB, got " + Quote(n.scalar));
             }
             c.out->sim.node.block_size_bytes = static_cast<std::uint32_t>(v);
             j = FormatSize(v);
             return true;
           }},
          {"relay", "one of `headers`, `legacy`, `compact`", false, "headers", "bitcoin",
           "`headers`: BIP130 announcements (headers, getdata, block; unknown invs resolved "
           "headers-first); `legacy`: pre-0.10 relay (inv, getdata, block); `compact`: BIP152 "
           "compact blocks (3 high-bandwidth peers, low-bandwidth otherwise) with headers.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"headers", "legacy", "compact"}, &v)) return false;
             c.out->sim.node.relay = *bitcoin::ParseRelayMode(v);
             j = v;
             return true;
           }},
          {"fill_tx_size", "size", false, "400 B", "bitcoin",
           "Without a transaction workload, blocks are filled with synthetic transactions of "
           "this size that every node has (they set a compact block's short-id count).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < bitcoin::kMinTxBytes || v > 100'000) {
               return c.Fail(n.origin, p, "must be between 82 B and 100 kB, got " + Quote(n.scalar));
             }
             c.out->sim.node.fill_tx_bytes = static_cast<std::uint32_t>(v);
             j = FormatSize(v);
             return true;
           }},
          {"validation", "mapping", false, "{fixed: 10 ms, per_mb: 50 ms}", "bitcoin",
           "Block validation delay (see `protocol.validation`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, ValidationTable(), c, j);
           }},
          {"peers", "mapping", false, "{}", "bitcoin",
           "Address gossip, address manager, feelers, pings (see `protocol.peers`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, PeersTable(), c, j);
           }},
      }};
  return t;
}

// ---- groups, outputs, top level -----------------------------------------------------------

const Table& GroupTable() {
  static const Table t{
      "groups.<name>",
      "A named set of nodes sharing a hashrate, split evenly among its nodes. Names may use "
      "letters, digits, `-` and `_`; groups keep their file order.",
      {
          {"nodes", "integer >= 1, or `rest`", true, "", "",
           "How many nodes the group has; `rest`: every node no other group takes (at most one "
           "group). Counts must add up to `network.nodes`.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind == Kind::kScalar && n.scalar == "rest") {
               c.group->rest = true;
               j = "rest";
               return true;
             }
             if (n.kind != Kind::kScalar) {
               return c.Fail(n.origin, p, "expected an integer or `rest`, got " + Describe(n));
             }
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxNodes, &v)) return false;
             c.group->node_count = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"hashrate", "share in [0, 1] or percentage", false, "", "",
           "protocol.kind bitcoin (required there): the group's share of total hashrate, e.g. "
           "`0.3` or `30 %`. Shares of all groups must sum to 1.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadHashrate(n, p, c, &c.group->hashrate)) return false;
             c.group->has_hashrate = true;
             j = c.group->hashrate;
             return true;
           }},
          {"voting_power", "share in [0, 1] or percentage", false, "", "",
           "protocol.kind tendermint (required there): the group's share of total voting "
           "power, split evenly over its nodes, which are validators when it is above 0. "
           "Shares of all groups must sum to 1.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadHashrate(n, p, c, &c.group->voting_power)) return false;
             c.group->has_voting_power = true;
             j = c.group->voting_power;
             return true;
           }},
          {"strategy", "mapping", false, "", "",
           "What the group does instead of following the protocol (see "
           "`groups.<name>.strategy`); absent: honest.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, StrategyTable(), c, j);
           }},
      }};
  return t;
}

bool ParseGroups(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Kind::kMapping) {
    return c.Fail(n.origin, p,
                  "expected a mapping of group name to {nodes, hashrate}, got " + Describe(n));
  }
  if (n.entries.empty()) return c.Fail(n.origin, p, "at least one group is required");
  auto& groups = c.out->sim.groups;
  groups.clear();
  groups.reserve(n.entries.size());
  j = Json::object();
  for (const Entry& e : n.entries) {
    const std::string path = p + "." + e.key;
    if (!IsGroupName(e.key)) {
      return c.Fail(e.key_origin, path,
                    "group names may only contain letters, digits, `-` and `_`");
    }
    groups.push_back(sim::GroupSpec{});
    groups.back().name = e.key;
    c.group = &groups.back();
    Json group_json;
    if (!ParseMapping(e.value, path, GroupTable(), c, group_json)) return false;
    j[e.key] = std::move(group_json);
  }
  c.group = nullptr;
  return true;
}

bool ParseOutputs(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Kind::kSequence) {
    return c.Fail(n.origin, p, "expected a list like `[summary, blocks]`, got " + Describe(n));
  }
  std::vector<std::string> outputs;
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const std::string item = p + "[" + std::to_string(i) + "]";
    std::string v;
    if (!ReadChoice(n.items[i], item, c, {"summary", "blocks", "transactions", "graphml", "heights", "reach"},
                    &v)) {
      return false;
    }
    for (const std::string& seen : outputs) {
      if (seen == v) return c.Fail(n.items[i].origin, item, "duplicate output " + Quote(v));
    }
    outputs.push_back(v);
  }
  // Every run writes a summary; listing it is optional.
  if (std::find(outputs.begin(), outputs.end(), "summary") == outputs.end()) {
    outputs.insert(outputs.begin(), "summary");
  }
  j = outputs;
  c.out->outputs = std::move(outputs);
  return true;
}

const Table& RootTable() {
  static const Table t{
      "",
      "The top level of a scenario file.",
      {
          {"version", "integer", true, "", "", "Schema version; must be 1.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 0, std::numeric_limits<std::int32_t>::max(), &v)) return false;
             if (v != 1) {
               return c.Fail(n.origin, p,
                             "unsupported version " + std::to_string(v) + " (this build reads version 1)");
             }
             c.out->version = 1;
             j = v;
             return true;
           }},
          {"name", "string", true, "", "",
           "Scenario name, copied into results and used for the default run directory "
           "`runs/NAME-seedN`, so it must be a plain file name: at most 200 bytes, no `/`, `\\` "
           "or control characters, not starting with `.`.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadString(n, p, c, &c.out->name)) return false;
             if (const std::string why = RunNameProblem(c.out->name); !why.empty()) {
               return c.Fail(n.origin, p, why);
             }
             j = c.out->name;
             return true;
           }},
          {"seed", "integer >= 0", false, "1", "",
           "Seed of every random draw; same scenario + seed = same results.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ReadUInt64(n, p, c, &c.out->sim.seed)) return false;
             j = c.out->sim.seed;
             return true;
           }},
          {"stop", "mapping", true, "", "", "When the run ends (see `stop`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (!ParseMapping(n, p, StopTable(), c, j)) return false;
             if (!c.out->sim.stop.blocks && !c.out->sim.stop.time &&
                 c.out->tendermint.stop_heights == 0) {
               return c.Fail(n.origin, p,
                             "at least one of `blocks`, `heights` and `time` is required");
             }
             return true;
           }},
          {"network", "mapping", true, "", "", "The simulated network (see `network`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, NetworkTable(), c, j);
           }},
          {"engine", "mapping", false, "{}", "",
           "How the run is computed (see `engine`); never changes its results.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, EngineTable(), c, j);
           }},
          {"protocol", "mapping", false, "{}", "",
           "The relay protocol (see `protocol`); every key has a default.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, ProtocolTable(), c, j);
           }},
          {"transactions", "mapping", false, "", "",
           "Transaction workload (see `transactions`); absent: no transactions.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, TransactionsTable(), c, j);
           }},
          {"groups", "mapping of name to group", true, "", "",
           "Miner and node groups, in file order (see `groups.<name>`).", &ParseGroups},
          {"events", "list of events", false, "", "",
           "Timed network events: partitions and heals (see `events[<i>]`); absent: none.",
           &ParseEvents},
          {"churn", "mapping", false, "", "",
           "Nodes leaving and rejoining, connections failing (see `churn`); absent: none.",
           &ParseChurn},
          {"outputs", "list of `summary`, `blocks`, `transactions`, `graphml`, `heights`, `reach`", false,
           "[summary, blocks]", "",
           "Result files to write. `summary` (summary.json) and the final connection graph "
           "(edges.csv, nodes.csv) are always written; `blocks`: blocks.csv; `transactions`: "
           "transactions.csv (one row per transaction: class, origin, creation, reach, "
           "inclusion); `graphml`: topology.graphml (and one per snapshot); `reach`: reach.csv (when "
           "each node accepted each block, for `peerlab report`'s propagation viewer; blocks.csv "
           "is written with it, its rows number the blocks). protocol.kind "
           "tendermint writes summary.json and run.json, and heights.csv (one row per height) "
           "for `blocks` or `heights`; it has no transactions table or topology files yet.",
           &ParseOutputs},
          {"topology_snapshots", "list of durations in [0, 29200 d]", false, "", "",
           "Also record the connection graph at these times: edges_at_<T>s.csv each. Times "
           "after the run's end are never reached and write nothing.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind != Kind::kSequence) {
               return c.Fail(n.origin, p, "expected a list like `[1 h, 2 h]`, got " + Describe(n));
             }
             auto& times = c.out->sim.topology_snapshots;
             times.clear();
             j = Json::array();
             for (std::size_t i = 0; i < n.items.size(); ++i) {
               const std::string item = p + "[" + std::to_string(i) + "]";
               DurationNs t = 0;
               if (!ReadDuration(n.items[i], item, c, &t, kTimeLimit)) return false;
               if (t < 0) return c.Fail(n.items[i].origin, item, "must not be negative");
               if (!times.empty() && t <= times.back()) {
                 return c.Fail(n.items[i].origin, item, "times must be increasing");
               }
               times.push_back(t);
               j.push_back(FormatDuration(t));
             }
             return true;
           }},
      }};
  return t;
}

}  // namespace

const std::vector<const Table*>& AllTables() {
  static const std::vector<const Table*> tables = {
      &RootTable(),      &StopTable(),     &EngineTable(),   &NetworkTable(),  &RegionsInlineTable(), &JitterTable(),
      &BandwidthTable(), &FlowTable(), &TopologyTable(), &ProtocolTable(), &ValidationTable(),    &PeersTable(),
      &AddrManTable(),   &CountermeasuresTable(), &TransactionsTable(), &TendermintTable(), &TendermintTimeoutsTable(), &GroupTable(),
      &StrategyTable(),  &AutonomousSystemsTable(), &EventTable(), &SideSelectorTable(), &MessageFaultTable(),
      &ChurnTable(),     &SessionTable(),  &DowntimeTable(),  &LinkFailuresTable()};
  return tables;
}

}  // namespace peerlab::scenario::detail
