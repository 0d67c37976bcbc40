// The `network` part of the schema: size, regions, jitter, bandwidth, topology.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"
#include "peerlab/sim/regions.hpp"

namespace peerlab::scenario::detail {
namespace {

using Kind = Node::Kind;

sim::LinkModelKind LinkModelOf(const std::string& name) {
  if (name == "flow") return sim::LinkModelKind::kFlow;
  return name == "shared" ? sim::LinkModelKind::kShared : sim::LinkModelKind::kFifo;
}

// The bounds of scenario spans and bandwidths (schema.hpp) in the inline table's units.
constexpr double kMaxLatencyMs = static_cast<double>(kMaxSpan / kMillisecond);  // 365 d
constexpr double kMinMbps = kMinBandwidthBps / 1e6;

// A per-region bandwidth list in Mbit/s (each at least 1 bit/s), stored in bit/s.
bool ReadMbpsList(const Node& n, const std::string& p, Ctx& c, std::vector<double>* bps,
                  Json& j) {
  if (!ReadNumberList(n, p, c, 0, true, bps, j)) return false;
  for (std::size_t i = 0; i < bps->size(); ++i) {
    if ((*bps)[i] < kMinMbps) {
      return c.Fail(n.items[i].origin, p + "[" + std::to_string(i) + "]",
                    "must be at least 0.000001 (1 bit/s), got " + Quote(n.items[i].scalar));
    }
    (*bps)[i] *= 1e6;
  }
  return true;
}

}  // namespace

// ---- network ------------------------------------------------------------------------------

const Table& RegionsInlineTable() {
  static const Table t{
      "network.regions",
      "An inline region table, used when `network.regions` is a mapping instead of a built-in "
      "name. Every list has one entry per region, in the order of `names`.",
      {
          {"names", "list of strings", true, "", "", "Region names, unique.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind != Kind::kSequence || n.items.empty()) {
               return c.Fail(n.origin, p,
                             "expected a non-empty list of names, got " +
                                 (n.kind == Kind::kSequence ? "an empty list" : Describe(n)));
             }
             auto& names = c.out->sim.regions.names;
             j = Json::array();
             for (std::size_t i = 0; i < n.items.size(); ++i) {
               const std::string item = p + "[" + std::to_string(i) + "]";
               std::string name;
               if (!ReadString(n.items[i], item, c, &name)) return false;
               if (name.empty()) return c.Fail(n.items[i].origin, item, "must not be empty");
               for (const std::string& other : names) {
                 if (other == name) {
                   return c.Fail(n.items[i].origin, item, "duplicate region " + Quote(name));
                 }
               }
               names.push_back(name);
               j.push_back(name);
             }
             return true;
           }},
          {"node_share", "list of numbers >= 0", true, "", "",
           "Share of the nodes placed in each region; must sum to 1 (within 1e-6).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadNumberList(n, p, c, 0, false, &c.out->sim.regions.node_share, j);
           }},
          {"latency_ms", "list of lists of numbers in [0, 31536000000]", true, "", "",
           "Square matrix: mean one-way latency in milliseconds from region (row) to region "
           "(column); at most 365 d like every span (docs/limits.md).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind != Kind::kSequence) {
               return c.Fail(n.origin, p, "expected a list of lists, got " + Describe(n));
             }
             const std::size_t size = c.out->sim.regions.names.size();
             if (n.items.size() != size) {
               return c.Fail(n.origin, p,
                             "has " + std::to_string(n.items.size()) + " rows but `names` has " +
                                 std::to_string(size));
             }
             auto& matrix = c.out->sim.regions.latency_ms;
             j = Json::array();
             for (std::size_t i = 0; i < n.items.size(); ++i) {
               const std::string row_path = p + "[" + std::to_string(i) + "]";
               std::vector<double> row;
               Json row_json;
               if (!ReadNumberList(n.items[i], row_path, c, 0, false, &row, row_json)) {
                 return false;
               }
               if (row.size() != size) {
                 return c.Fail(n.items[i].origin, row_path,
                               "has " + std::to_string(row.size()) + " entries but `names` has " +
                                   std::to_string(size));
               }
               for (std::size_t k = 0; k < row.size(); ++k) {
                 if (row[k] > kMaxLatencyMs) {
                   return c.Fail(n.items[i].items[k].origin,
                                 row_path + "[" + std::to_string(k) + "]",
                                 "must be at most 31536000000 (365 d), got " +
                                     Quote(n.items[i].items[k].scalar));
                 }
               }
               matrix.insert(matrix.end(), row.begin(), row.end());
               j.push_back(std::move(row_json));
             }
             return true;
           }},
          {"upload_mbps", "list of numbers >= 0.000001", true, "", "",
           "Upload bandwidth of a node in each region, in Mbit/s (at least 1 bit/s).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadMbpsList(n, p, c, &c.out->sim.regions.upload_bps, j);
           }},
          {"download_mbps", "list of numbers >= 0.000001", true, "", "",
           "Download bandwidth of a node in each region, in Mbit/s (at least 1 bit/s).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadMbpsList(n, p, c, &c.out->sim.regions.download_bps, j);
           }},
      }};
  return t;
}

// Per-region lists must match `names`; checked after the whole mapping is read so the
// message can name both lengths.
static bool CheckRegionLengths(const std::string& p, Ctx& c) {
  const sim::RegionTable& r = c.out->sim.regions;
  const std::size_t size = r.names.size();
  const std::pair<const char*, std::size_t> lists[] = {{"node_share", r.node_share.size()},
                                                       {"upload_mbps", r.upload_bps.size()},
                                                       {"download_mbps", r.download_bps.size()}};
  for (const auto& [name, count] : lists) {
    if (count == size) continue;
    const std::string path = p + "." + name;
    return c.Fail(
        c.OriginOf(path), path,
        "has " + std::to_string(count) + " entries but `names` has " + std::to_string(size));
  }
  double sum = 0;
  for (double s : r.node_share) sum += s;
  if (std::fabs(sum - 1.0) > 1e-6) {
    const std::string path = p + ".node_share";
    return c.Fail(c.OriginOf(path), path, "shares sum to " + FormatNumber(sum) + ", must sum to 1");
  }
  return true;
}

static std::string BuiltinNames() {
  std::string out;
  for (const std::string& name : sim::BuiltinRegionTableNames()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

const Table& JitterTable() {
  static const Table t{
      "network.latency_jitter",
      "How each message's latency varies around its region pair's mean.",
      {
          {"kind", "one of `none`, `uniform`, `pareto`", false, "pareto", "",
           "`none`: exactly the mean; `uniform`: mean x U[1 - spread, 1 + spread]; `pareto`: "
           "Pareto-distributed with the given shape, scaled to keep the mean.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"none", "uniform", "pareto"}, &v)) return false;
             c.out->sim.jitter.kind = v == "none"      ? sim::JitterKind::kNone
                                      : v == "uniform" ? sim::JitterKind::kUniform
                                                       : sim::JitterKind::kPareto;
             c.kind = v;
             j = v;
             return true;
           }},
          {"spread", "number in [0, 1)", false, "0.1", "uniform",
           "Relative half-width of the uniform draw.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             double v = 0;
             if (!ReadNumber(n, p, c, &v)) return false;
             if (!(v >= 0 && v < 1)) {
               return c.Fail(n.origin, p, "must be in [0, 1), got " + Quote(n.scalar));
             }
             c.out->sim.jitter.spread = v;
             j = v;
             return true;
           }},
          {"shape", "number > 1", false, "5", "pareto",
           "Pareto shape; smaller means a heavier tail (the mean is finite only above 1).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             double v = 0;
             if (!ReadNumber(n, p, c, &v)) return false;
             if (!(v > 1)) {
               return c.Fail(n.origin, p, "must be greater than 1, got " + Quote(n.scalar));
             }
             c.out->sim.jitter.shape = v;
             j = v;
             return true;
           }},
      }};
  return t;
}

template <std::optional<double> sim::NetworkSpec::*Member>
static bool ParseBandwidthField(const Node& n, const std::string& p, Ctx& c, Json& j) {
  double v = 0;
  if (!ReadBandwidth(n, p, c, &v)) return false;
  c.out->sim.*Member = v;
  j = FormatBandwidth(v);
  return true;
}

const Table& BandwidthTable() {
  static const Table t{
      "network.bandwidth",
      "Per-node bandwidth for every node, replacing the region table's values.",
      {
          {"upload", "bandwidth >= 1 bit/s", false, "", "", "Upload bandwidth of every node.",
           &ParseBandwidthField<&sim::NetworkSpec::upload_bps>},
          {"download", "bandwidth >= 1 bit/s", false, "", "", "Download bandwidth of every node.",
           &ParseBandwidthField<&sim::NetworkSpec::download_bps>},
      }};
  return t;
}

const Table& FlowTable() {
  static const Table t{
      "network.flow",
      "TCP parameters of `network.link_model: flow` (docs/network-model.md, \"Links\").",
      {
          {"initial_window", "integer in [1, 1000] (segments)", false, "10", "",
           "Initial congestion window in segments (RFC 6928; Linux's default).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadUInt32(n, p, c, 1, 1000, &c.out->sim.flow.initial_window_segments, j);
           }},
          {"segment_size", "size in [536 B, 9000 B]", false, "1448 B", "",
           "Maximum segment size (1448 B: a 1500-byte MTU with TCP timestamps).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < 536 || v > 9000) {
               return c.Fail(n.origin, p, "must be between 536 B and 9000 B, got " + Quote(n.scalar));
             }
             c.out->sim.flow.segment_bytes = static_cast<std::uint32_t>(v);
             j = FormatSize(v);
             return true;
           }},
          {"receive_window", "size in [64 kB, 1 GB]", false, "4 MB", "",
           "Largest window a receiver grants (its receive buffer; the ns-3 backend's is 4 MB).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::uint64_t v = 0;
             if (!ReadSize(n, p, c, &v)) return false;
             if (v < 64'000 || v > 1'000'000'000) {
               return c.Fail(n.origin, p, "must be between 64 kB and 1 GB, got " + Quote(n.scalar));
             }
             // Parsed after initial_window and segment_size: the first flight must fit.
             const std::uint64_t flight = std::uint64_t{c.out->sim.flow.initial_window_segments} *
                                          c.out->sim.flow.segment_bytes;
             if (v < flight) {
               return c.Fail(n.origin, p,
                             "must be at least initial_window x segment_size (" +
                                 FormatSize(flight) + "), got " + Quote(FormatSize(v)));
             }
             c.out->sim.flow.receive_window_bytes = static_cast<std::uint32_t>(v);
             j = FormatSize(v);
             return true;
           }},
          {"slow_start_after_idle", "boolean", false, "true", "",
           "Restart the window after a connection was idle longer than one RTO, as Linux does "
           "by default (net.ipv4.tcp_slow_start_after_idle = 1); ns-3 3.37 does not.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadBool(n, p, c, &c.out->sim.flow.slow_start_after_idle, j);
           }},
      }};
  return t;
}

const Table& TopologyTable() {
  static const Table t{
      "network.topology",
      "How nodes are connected. Keys of another kind than the chosen one are rejected.",
      {
          {"kind", "one of `bitcoin`, `random-regular`, `edge-list`", false, "bitcoin", "",
           "`bitcoin`: each node opens `outbound` connections to random nodes with free inbound "
           "slots; `random-regular`: every node has exactly `degree` peers; `edge-list`: read "
           "from a file.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadChoice(n, p, c, {"bitcoin", "random-regular", "edge-list"}, &v)) {
               return false;
             }
             c.out->sim.topology.kind = v == "bitcoin"          ? sim::TopologyKind::kOutboundChoice
                                        : v == "random-regular" ? sim::TopologyKind::kRandomRegular
                                                                : sim::TopologyKind::kEdgeList;
             c.kind = v;
             j = v;
             return true;
           }},
          {"outbound", "integer >= 1", false, "8", "bitcoin",
           "Outbound connections each node opens (Bitcoin Core: 8 full-relay). Must be less "
           "than `network.nodes`.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxU32, &v)) return false;
             c.out->sim.topology.outbound = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"block_relay_only", "integer >= 0", false, "2", "bitcoin",
           "Further outbound connections that relay blocks only, no transactions (Bitcoin "
           "Core: 2).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 0, 64, &v)) return false;
             c.out->sim.topology.restricted_outbound = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"max_inbound", "integer >= 0", false, "114", "bitcoin",
           "Inbound connections a node accepts at most (Core: 125 connections minus 8 + 2 "
           "outbound and a feeler slot). A node that is full evicts an inbound peer for a "
           "newcomer (Core's eviction rules) or refuses it. Must be at least `outbound` + "
           "`block_relay_only`, else the nodes cannot all place their outbound connections.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 0, kMaxU32, &v)) return false;
             c.out->sim.topology.max_inbound = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"seed_addresses", "integer >= 0", false, "32", "bitcoin",
           "Addresses each node's address manager starts with, drawn at random from all nodes "
           "as DNS seeds would answer; the addresses of its first peers come on top.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 0, 10'000, &v)) return false;
             c.out->sim.topology.seed_addresses = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"degree", "integer >= 1", false, "8", "random-regular",
           "Peers per node. Must be less than `network.nodes`, and nodes x degree must be "
           "even.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 1, kMaxU32, &v)) return false;
             c.out->sim.topology.degree = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"file", "path", true, "", "edge-list",
           "Edge-list file, relative to the scenario file's directory.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string file;
             if (!ReadString(n, p, c, &file)) return false;
             if (file.empty()) return c.Fail(n.origin, p, "must not be empty");
             std::filesystem::path resolved(file);
             if (resolved.is_relative() && !c.base_dir.empty()) {
               resolved = std::filesystem::path(c.base_dir) / resolved;
             }
             const std::string shown = resolved.string();
             // Type first: opening a FIFO for reading blocks until a writer appears.
             std::error_code ec;
             const bool exists = std::filesystem::exists(resolved, ec);
             if (exists && !std::filesystem::is_regular_file(resolved, ec)) {
               return c.Fail(n.origin, p, "edge-list file " + Quote(shown) + " is not a file");
             }
             std::FILE* f = std::fopen(shown.c_str(), "rb");
             if (f == nullptr) {
               const int err = errno;
               return c.Fail(
                   n.origin, p,
                   "cannot read edge-list file " + Quote(shown) + ": " + std::strerror(err));
             }
             std::fclose(f);
             c.out->sim.topology.edge_file = shown;
             j = shown;
             return true;
           }},
      }};
  return t;
}

const Table& NetworkTable() {
  static const Table t{
      "network",
      "The simulated network: size, geography, links and topology.",
      {
          {"backend", "one of `fast`, `ns3`", false, "fast", "",
           "Simulation engine. `fast`: peerlab's discrete-event engine. `ns3`: the same nodes "
           "over ns-3 TCP on point-to-point links (packet level, much slower; needs a build "
           "with ns-3, docs/network-model.md).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::string v;
             if (!ReadString(n, p, c, &v)) return false;
             if (v == "ns3") {
#ifdef PEERLAB_HAVE_NS3
               c.out->sim.backend = sim::Backend::kNs3;
#else
               return c.Fail(n.origin, p,
                            "backend ns3 is not available in this build (built without ns-3; "
                            "see ns3/README.md)");
#endif
             } else if (v == "fast") {
               c.out->sim.backend = sim::Backend::kFast;
             } else {
               return c.Fail(n.origin, p, "unknown value " + Quote(v) + " (expected one of: fast, ns3)");
             }
             j = v;
             return true;
           }},
          {"nodes", "integer in [2, 10000000]", true, "", "", "Number of nodes.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             std::int64_t v = 0;
             if (!ReadInt(n, p, c, 2, kMaxNodes, &v)) return false;
             c.out->sim.nodes = static_cast<std::uint32_t>(v);
             j = v;
             return true;
           }},
          {"regions", "built-in table name, or mapping", false, "bitcoin", "",
           "Region table: latency between regions, node shares and bandwidth. A name among "
           "`bitcoin` (= `simblock-2019`), `simblock-2015`, `simblock-2019`, or an inline table "
           "(see `network.regions` below).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             if (n.kind == Kind::kMapping) {
               c.out->sim.regions = sim::RegionTable{};
               c.out->sim.regions.source = "inline";
               return ParseMapping(n, p, RegionsInlineTable(), c, j) && CheckRegionLengths(p, c);
             }
             if (n.kind != Kind::kScalar) {
               return c.Fail(n.origin, p,
                             "expected a region table name or a mapping, got " + Describe(n));
             }
             auto table = sim::BuiltinRegionTable(n.scalar);
             if (!table) {
               return c.Fail(n.origin, p,
                             "unknown region table " + Quote(n.scalar) + " (expected one of: " +
                                 BuiltinNames() + ", or an inline mapping)");
             }
             c.out->sim.regions = std::move(*table);
             j = n.scalar;
             return true;
           }},
          {"latency_jitter", "mapping", false, "{kind: pareto, shape: 5}", "",
           "Per-message latency variation (see `network.latency_jitter`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, JitterTable(), c, j);
           }},
          {"bandwidth", "mapping", false, "", "",
           "Same bandwidth for every node, overriding the region table (see "
           "`network.bandwidth`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, BandwidthTable(), c, j);
           }},
          {"uplink", "one of `fifo`, `shared`, `flow`", false, "", "",
           "Older name of `link_model` (same values); give one of the two.",
           [](const Node& n, const std::string& p, Ctx& c, Json&) {
             std::string v;
             if (!ReadChoice(n, p, c, {"fifo", "shared", "flow"}, &v)) return false;
             c.out->sim.link_model = LinkModelOf(v);
             return true;  // resolved_json names it link_model
           }},
          {"link_model", "one of `fifo`, `shared`, `flow`", false, "flow", "",
           "How a message crosses the sender's uplink and the receiver's downlink (fast "
           "backend; docs/network-model.md, \"Links\"). `fifo`: whole messages one after "
           "another at full rate, so the first peer to ask for a block gets it after one "
           "transmission time. `shared`: connections with data to send share the upload "
           "equally. `flow`: each message is a TCP transfer on its connection, with a window "
           "that starts at 10 segments, grows per round trip and restarts after idle, and "
           "concurrent transfers share uplinks and downlinks max-min fairly; "
           "docs/ns3-validation.md compares the three with ns-3. Ignored by the ns3 backend, "
           "which runs real TCP.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             const Origin given = c.OriginOf(p), parent = c.OriginOf("network");
             const bool is_default = given.line == parent.line && given.column == parent.column &&
                                     given.override_index == parent.override_index;
             if (c.origins.count("network.uplink") != 0) {  // the older key was given
               if (!is_default) {
                 return c.Fail(n.origin, p,
                               "give one of `network.link_model` and `network.uplink` (its "
                               "older name), not both");
               }
               j = sim::LinkModelName(c.out->sim.link_model);
               return true;
             }
             std::string v;
             if (!ReadChoice(n, p, c, {"fifo", "shared", "flow"}, &v)) return false;
             c.out->sim.link_model = LinkModelOf(v);
             j = v;
             return true;
           }},
          {"flow", "mapping", false, "{}", "",
           "TCP parameters of the flow link model (see `network.flow`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, FlowTable(), c, j);
           }},
          {"topology", "mapping", false, "{kind: bitcoin}", "",
           "Who connects to whom (see `network.topology`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, TopologyTable(), c, j);
           }},
          {"autonomous_systems", "mapping", false, "{}", "",
           "Which autonomous system each node is in (see `network.autonomous_systems`).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseMapping(n, p, AutonomousSystemsTable(), c, j);
           }},
          {"faults", "list of message faults", false, "", "",
           "What happens to messages on their way: drops, duplicates, extra delay and "
           "reordering, per group of senders and receivers and for a stretch of time (see "
           "`network.faults[<i>]`; docs/network-model.md, \"Message faults\").",
           &ParseMessageFaults},
      }};
  return t;
}

}  // namespace peerlab::scenario::detail
