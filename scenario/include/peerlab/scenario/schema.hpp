// Internal to the scenario layer (namespace detail): the field tables of the scenario schema.
//
// One table per YAML mapping lists its keys with type, default and doc line. The same tables
// drive unknown-key rejection, default filling and the generated reference
// (docs/scenario-reference.md), so the documentation cannot disagree with the parser.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/scenario/tree.hpp"
#include "peerlab/util/json.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::scenario::detail {

// State shared by the handlers while one scenario is parsed.
struct Ctx {
  Scenario* out = nullptr;
  std::string base_dir;  // edge-list files resolve against it
  // Origin of every field value seen (defaults get their parent's), for cross-field errors.
  std::map<std::string, Origin> origins;
  std::string kind;                 // last `kind` value, read by ParseMapping
  sim::GroupSpec* group = nullptr;  // the group being parsed
  sim::SideSelector* selector = nullptr;  // the selector being parsed (SideSelectorTable)
  // `group` selectors of network.faults, parsed before `groups`: resolved by
  // ValidateMessageFaults.
  struct PendingGroup {
    std::size_t fault;
    bool receivers;
    std::size_t selector;
    std::string name, path;
  };
  std::vector<PendingGroup> pending_groups;
  std::optional<Error> error;       // first error only: later ones are usually consequences
  // The network plan of `out->sim` (NetworkPlanOf): computed when a cross-field check first
  // needs it, after every field is parsed.
  std::optional<plan::NetworkPlan> plan;

  // Records the error and returns false so handlers can `return ctx.Fail(...)`.
  bool Fail(const Origin& origin, std::string path, std::string message);
  Origin OriginOf(const std::string& path) const;
};

// Parses `value` (the node at `path`) into ctx.out and sets `json` to its resolved value: a
// string, number, boolean, array or object (left null: the key is omitted from resolved_json).
// Numbers stay numbers of their C++ type, so an integer field is written as `5`, never `5.0`.
using Handler = bool (*)(const Node& value, const std::string& path, Ctx& ctx, Json& json);

struct Field {
  std::string_view name;
  std::string_view type;  // for the reference, e.g. "duration > 0"
  bool required = false;
  std::string_view default_yaml;  // parsed through `parse` when the key is absent; "" = none
  std::string_view only_kind;     // "" = always allowed; else only for these kinds, `a|b|c`
  std::string_view doc;
  Handler parse = nullptr;
};

struct Table {
  std::string_view path;  // "network.topology", "groups.<name>"; "" for the top level
  std::string_view doc;
  std::vector<Field> fields;

  const Field* Find(std::string_view name) const;
};

// Whether a field with this `only_kind` belongs to a mapping of kind `kind`.
bool KindAllows(std::string_view only_kind, std::string_view kind);

// Checks `node` is a mapping, rejects unknown keys, runs each field's handler in table order
// (a `kind` field first, since it decides which other keys are allowed) and fills defaults.
bool ParseMapping(const Node& node, const std::string& path, const Table& table, Ctx& ctx,
                  Json& json);

inline constexpr std::int64_t kMaxNodes = 10'000'000;
inline constexpr std::int64_t kMaxU32 = 0xffffffff;

// Bounds on scenario quantities, so that a valid scenario cannot overflow simulated time or
// stall it (docs/limits.md, "Scenario quantities"). Points in time (stop.time, events[].at,
// topology_snapshots, restart_at) are at most kTimeLimit (80 years, util/time.hpp); every
// other duration is a span of at most kMaxSpan: what nodes add to the current time is then at
// most a few spans, or 37 spans for a random draw, far below INT64_MAX even at kTimeLimit.
inline constexpr DurationNs kMaxSpan = 365 * kDay;
// Periodic timers (ping, feelers, an attacker's connections and addr floods, churn sessions
// and downtimes) fire at least this far apart: shorter ones would keep simulated time at a
// standstill (every node re-arming every few ns) while changing nothing a real node does.
inline constexpr DurationNs kMinTimerInterval = kSecond;
// Slowest link: a 4 MB block then takes about a year to send; the engine saturates what
// queues behind it (util/time.hpp), so slower links add nothing but risk.
inline constexpr double kMinBandwidthBps = 1;

// The `network` tables live in fields_network.cpp.
const Table& NetworkTable();
const Table& RegionsInlineTable();
const Table& JitterTable();
const Table& FlowTable();
const Table& BandwidthTable();
const Table& TopologyTable();
// fields_transactions.cpp
const Table& TransactionsTable();
// fields_tendermint.cpp: `protocol.tendermint` and its `timeouts`.
const Table& TendermintTable();
const Table& TendermintTimeoutsTable();
// fields_strategy.cpp
const Table& StrategyTable();
bool ValidateStrategies(Ctx& ctx);
// fields_peers.cpp
const Table& PeersTable();
const Table& AddrManTable();
const Table& CountermeasuresTable();
// fields_churn.cpp
bool ParseChurn(const Node& value, const std::string& path, Ctx& ctx, Json& json);
const Table& ChurnTable();
const Table& SessionTable();
const Table& DowntimeTable();
const Table& LinkFailuresTable();
bool ValidateChurn(Ctx& ctx);
// fields_events.cpp: `events` and `network.autonomous_systems`
const Table& EventTable();
const Table& SideSelectorTable();
const Table& AutonomousSystemsTable();
bool ParseEvents(const Node& value, const std::string& path, Ctx& ctx, Json& json);
// Reports the network plan's errors: group sizes, then each partition's sides.
bool ValidateEvents(Ctx& ctx);
// fields_faults.cpp: `network.faults`
const Table& MessageFaultTable();
bool ParseMessageFaults(const Node& value, const std::string& path, Ctx& ctx, Json& json);
bool ValidateMessageFaults(Ctx& ctx);

// Every table in reference order; the first is the top level.
const std::vector<const Table*>& AllTables();

// Checks that need several fields at once (group counts vs nodes, topology vs nodes).
bool Validate(Ctx& ctx);
// Where the engine will put every node and which side of each partition it will be on, for
// the parsed config: the engine's own plan (sim/plan_input.hpp), computed once per Ctx.
const plan::NetworkPlan& NetworkPlanOf(Ctx& ctx);

// Typed scalar readers: on failure they record an error at the node and return false.
bool ReadString(const Node& n, const std::string& path, Ctx& ctx, std::string* out);
bool ReadInt(const Node& n, const std::string& path, Ctx& ctx, std::int64_t min, std::int64_t max,
             std::int64_t* out);
bool ReadUInt64(const Node& n, const std::string& path, Ctx& ctx, std::uint64_t* out);
bool ReadNumber(const Node& n, const std::string& path, Ctx& ctx, double* out);
// A duration in [0, max]: a span (kMaxSpan) unless the caller says it is a point in time.
bool ReadDuration(const Node& n, const std::string& path, Ctx& ctx, DurationNs* out,
                  DurationNs max = kMaxSpan);
bool ReadSize(const Node& n, const std::string& path, Ctx& ctx, std::uint64_t* out);
// At least kMinBandwidthBps.
bool ReadBandwidth(const Node& n, const std::string& path, Ctx& ctx, double* out);
bool ReadHashrate(const Node& n, const std::string& path, Ctx& ctx, double* out);
// An integer in [min, max] (max <= 2^32 - 1); `json` gets it.
bool ReadUInt32(const Node& n, const std::string& path, Ctx& ctx, std::int64_t min,
                std::int64_t max, std::uint32_t* out, Json& json);
// `true` or `false`; `json` gets it.
bool ReadBool(const Node& n, const std::string& path, Ctx& ctx, bool* out, Json& json);
// One of `choices`; the message lists them.
bool ReadChoice(const Node& n, const std::string& path, Ctx& ctx,
                const std::vector<std::string_view>& choices, std::string* out);

// A list of numbers, each >= min (> min when `min_exclusive`); `json` gets the list.
bool ReadNumberList(const Node& n, const std::string& path, Ctx& ctx, double min,
                    bool min_exclusive, std::vector<double>* out, Json& json);

std::string Quote(std::string_view s);  // in backticks, as messages show user text
std::string JoinPath(std::string_view path, std::string_view key);

}  // namespace peerlab::scenario::detail
