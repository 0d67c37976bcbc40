// Scenario layer: YAML parsing, overrides, validation and the generated reference (units:
// scenario_units_test.cpp). Error lines are compared in full: they are the user interface of a
// scenario file.
#include "peerlab/scenario/scenario.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario {
namespace {

const std::string kDataDir = std::string(PEERLAB_SOURCE_DIR) + "/tests/data/scenarios";

// A valid scenario; tests change one line at a time. Line numbers matter for golden errors.
constexpr const char* kBase =
    "version: 1\n"                               // 1
    "name: test\n"                               // 2
    "stop:\n"                                    // 3
    "  blocks: 20\n"                             // 4
    "network:\n"                                 // 5
    "  nodes: 200\n"                             // 6
    "groups:\n"                                  // 7
    "  pools: { nodes: 20, hashrate: 1.0 }\n"    // 8
    "  others: { nodes: rest, hashrate: 0 }\n";  // 9

// `kBase` with `from` replaced by `to` (which must occur exactly once).
std::string With(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

Result<Scenario> Parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return ParseScenario(text, "s.yaml", "", overrides);
}

// The error line, or "OK" so a failing EXPECT_EQ shows that parsing unexpectedly succeeded.
std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto r = Parse(text, overrides);
  return r.ok() ? "OK" : r.status().message();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- successful parses --------------------------------------------------------------------

TEST(ScenarioParse, DefaultsAreFilled) {
  auto r = Parse(kBase);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Scenario& s = r.value();
  EXPECT_EQ(s.file, "s.yaml");
  EXPECT_EQ(s.text, kBase);
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(s.name, "test");
  EXPECT_EQ(s.sim.seed, 1u);
  EXPECT_EQ(s.sim.nodes, 200u);
  EXPECT_EQ(s.sim.stop.blocks, 20u);
  EXPECT_FALSE(s.sim.stop.time.has_value());
  EXPECT_EQ(s.sim.stop.drain, 10 * kMinute);
  EXPECT_EQ(s.sim.regions.source, "simblock-2019");
  EXPECT_EQ(s.sim.regions.size(), 6u);
  EXPECT_EQ(s.sim.jitter.kind, sim::JitterKind::kPareto);
  EXPECT_EQ(s.sim.jitter.shape, 5.0);
  EXPECT_EQ(s.sim.topology.kind, sim::TopologyKind::kOutboundChoice);
  EXPECT_EQ(s.sim.topology.outbound, 8u);
  EXPECT_EQ(s.sim.topology.max_inbound, 114u);
  EXPECT_FALSE(s.sim.upload_bps.has_value());
  EXPECT_FALSE(s.sim.download_bps.has_value());
  EXPECT_EQ(s.sim.block_interval, 600 * kSecond);
  EXPECT_EQ(s.sim.node.block_size_bytes, 1'000'000u);
  EXPECT_EQ(s.sim.node.relay, bitcoin::RelayMode::kHeaders);
  EXPECT_EQ(s.sim.node.validation_fixed, 10 * kMillisecond);
  EXPECT_EQ(s.sim.node.validation_per_mb, 50 * kMillisecond);
  EXPECT_EQ(s.sim.node.max_blocks_in_flight_per_peer,
            bitcoin::NodeConfig{}.max_blocks_in_flight_per_peer);
  EXPECT_EQ(s.outputs, (std::vector<std::string>{"summary", "blocks"}));
  EXPECT_TRUE(s.overrides.empty());
  EXPECT_EQ(
      s.resolved_json,
      R"({"version":1,"name":"test","seed":1,"stop":{"blocks":20,"drain":"10 min"},)"
      R"("network":{"backend":"fast","nodes":200,"regions":"bitcoin",)"
      R"("latency_jitter":{"kind":"pareto","shape":5},"link_model":"flow",)"
      R"("flow":{"initial_window":10,"segment_size":"1448 B","receive_window":"4 MB",)"
      R"("slow_start_after_idle":true},)"
      R"("topology":{"kind":"bitcoin","outbound":8,"block_relay_only":2,"max_inbound":114,)"
            R"("seed_addresses":32},)"
      R"("autonomous_systems":{"count":2000,"zipf_exponent":"fitted"}},)"
      R"("engine":{"threads":"auto"},)"
      R"("protocol":{"kind":"bitcoin","block_interval":"10 min","block_size":"1 MB",)"
      R"("relay":"headers","fill_tx_size":"400 B","validation":{"fixed":"10 ms","per_mb":"50 ms"},)"
            R"("peers":{"addr_gossip":"full","feeler_interval":"2 min","ping_interval":"0 s",)"
            R"("addrman":{"new_buckets":64,"tried_buckets":16,"bucket_size":8},)"
            R"("countermeasures":{"anchors":true,"feelers":true,"test_before_evict":true,)"
            R"("bucket_limits":true,"tried_outbound_only":true}}},)"
      R"("groups":{"pools":{"nodes":20,"hashrate":1},"others":{"nodes":"rest","hashrate":0}},)"
      R"("outputs":["summary","blocks"]})");
}

TEST(ScenarioParse, EveryKeySet) {
  auto r = LoadScenario(kDataDir + "/full.yaml", {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const sim::SimConfig& s = r->sim;
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.stop.blocks, 100u);
  EXPECT_EQ(s.stop.time, 2 * kDay);
  EXPECT_EQ(s.stop.drain, 30 * kMinute);
  EXPECT_EQ(s.nodes, 1000u);
  EXPECT_EQ(s.regions.source, "inline");
  EXPECT_EQ(s.regions.names, (std::vector<std::string>{"east", "west"}));
  EXPECT_EQ(s.regions.node_share, (std::vector<double>{0.25, 0.75}));
  EXPECT_EQ(s.regions.latency_ms, (std::vector<double>{5, 40, 40, 8}));
  EXPECT_EQ(s.regions.upload_bps, (std::vector<double>{10e6, 20.5e6}));
  EXPECT_EQ(s.regions.download_bps, (std::vector<double>{50e6, 100e6}));
  EXPECT_EQ(s.jitter.kind, sim::JitterKind::kUniform);
  EXPECT_EQ(s.jitter.spread, 0.2);
  EXPECT_EQ(s.upload_bps, 8e6);
  EXPECT_EQ(s.download_bps, 1e9);
  EXPECT_EQ(s.topology.kind, sim::TopologyKind::kRandomRegular);
  EXPECT_EQ(s.topology.degree, 6u);
  EXPECT_EQ(s.block_interval, 90 * kSecond);
  EXPECT_EQ(s.node.block_size_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(s.node.relay, bitcoin::RelayMode::kLegacy);
  EXPECT_EQ(s.node.validation_fixed, 2 * kMillisecond);
  EXPECT_EQ(s.node.validation_per_mb, 250 * kMicrosecond);
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].name, "attacker");
  EXPECT_DOUBLE_EQ(s.groups[0].hashrate, 0.3);
  EXPECT_EQ(r->outputs, (std::vector<std::string>{"blocks", "summary"}));
}

TEST(ScenarioParse, ResolvedJsonParsesBackToTheSameConfig) {
  auto first = LoadScenario(kDataDir + "/full.yaml", {"stop.time=36 h"});
  ASSERT_TRUE(first.ok()) << first.status().message();
  auto second = Parse(first->resolved_json);
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(second->resolved_json, first->resolved_json);
  EXPECT_EQ(second->sim.stop.time, 36 * kHour);
}

TEST(ScenarioParse, GroupOrderIsFileOrder) {
  auto r =
      Parse(With("  pools: { nodes: 20, hashrate: 1.0 }\n  others: { nodes: rest, hashrate: 0 }\n",
                 "  zeta: { nodes: 10, hashrate: 0.5 }\n"
                 "  alpha: { nodes: rest, hashrate: 0.25 }\n"
                 "  mid: { nodes: 5, hashrate: 25 % }\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->sim.groups.size(), 3u);
  EXPECT_EQ(r->sim.groups[0].name, "zeta");
  EXPECT_EQ(r->sim.groups[0].node_count, 10u);
  EXPECT_EQ(r->sim.groups[1].name, "alpha");
  EXPECT_TRUE(r->sim.groups[1].rest);
  EXPECT_EQ(r->sim.groups[2].name, "mid");
  EXPECT_DOUBLE_EQ(r->sim.groups[2].hashrate, 0.25);
  EXPECT_NE(r->resolved_json.find(R"("groups":{"zeta":{"nodes":10,"hashrate":0.5},"alpha")"),
            std::string::npos);
}

TEST(ScenarioParse, OverridesChangeValuesAndCreateKeys) {
  const std::vector<std::string> overrides = {"network.nodes=500",
                                              "stop.time=2 h",
                                              "groups.pools.hashrate=0.5",
                                              "groups.others.hashrate=50 %",
                                              "protocol.relay=legacy",
                                              "outputs=[summary]",
                                              "network.topology={kind: random-regular, degree: 4}"};
  auto r = Parse(kBase, overrides);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.nodes, 500u);
  EXPECT_EQ(r->sim.stop.time, 2 * kHour);
  EXPECT_EQ(r->sim.stop.blocks, 20u);
  EXPECT_EQ(r->sim.groups[0].hashrate, 0.5);
  EXPECT_EQ(r->sim.node.relay, bitcoin::RelayMode::kLegacy);
  EXPECT_EQ(r->sim.topology.kind, sim::TopologyKind::kRandomRegular);
  EXPECT_EQ(r->sim.topology.degree, 4u);
  EXPECT_EQ(r->outputs, (std::vector<std::string>{"summary"}));
  EXPECT_EQ(r->overrides, overrides);
  EXPECT_NE(r->resolved_json.find(R"("nodes":500)"), std::string::npos);
  EXPECT_NE(r->resolved_json.find(R"("stop":{"blocks":20,"time":"2 h","drain":"10 min"})"),
            std::string::npos);
  EXPECT_EQ(r->text, kBase) << "the raw text is what the file says, before overrides";
}

TEST(ScenarioParse, OverrideCreatesAMissingSection) {
  auto r = Parse(kBase, {"network.bandwidth.upload=8 Mbit/s", "protocol.validation.fixed=1 ms"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.upload_bps, 8e6);
  EXPECT_FALSE(r->sim.download_bps.has_value());
  EXPECT_EQ(r->sim.node.validation_fixed, kMillisecond);
  EXPECT_EQ(r->sim.node.validation_per_mb, 50 * kMillisecond);
}

TEST(ScenarioParse, EdgeListResolvesAgainstTheScenarioDirectory) {
  auto r = LoadScenario(kDataDir + "/edge_list.yaml", {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.topology.kind, sim::TopologyKind::kEdgeList);
  EXPECT_EQ(r->sim.topology.edge_file, kDataDir + "/edges.txt");
}

TEST(ScenarioParse, ScenarioFilesInTheRepositoryAreValid) {
  // Scenario files shipped in scenarios/ must keep loading as the schema evolves.
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(PEERLAB_SOURCE_DIR) + "/scenarios", ec)) {
    if (entry.path().extension() != ".yaml") continue;
    auto r = LoadScenario(entry.path().string(), {});
    EXPECT_TRUE(r.ok()) << r.status().message();
  }
}

// ---- golden errors ------------------------------------------------------------------------

TEST(ScenarioErrors, MalformedYaml) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: [200\n")),
            "s.yaml:7:7: yaml: end of sequence flow not found");
}

TEST(ScenarioErrors, UnknownKeyTopLevel) {
  EXPECT_EQ(Error(With("name: test\n", "name: test\nnmae: x\n")),
            "s.yaml:3:1: nmae: unknown key (expected one of: version, name, seed, stop, network, "
            "engine, protocol, transactions, groups, events, churn, outputs, topology_snapshots)");
}

TEST(ScenarioErrors, UnknownKeyNested) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodez: 200\n")),
            "s.yaml:6:3: network.nodez: unknown key (expected one of: backend, nodes, regions, "
            "latency_jitter, bandwidth, uplink, link_model, flow, topology, autonomous_systems, "
            "faults)");
}

TEST(ScenarioErrors, KeyOfAnotherKind) {
  EXPECT_EQ(Error(With("  nodes: 200\n",
                       "  nodes: 200\n  topology: { kind: random-regular, outbound: 8 }\n")),
            "s.yaml:7:37: network.topology.outbound: unknown key for kind `random-regular` "
            "(expected one of: kind, degree)");
}

TEST(ScenarioErrors, BadUnit) {
  EXPECT_EQ(Error(std::string(kBase) + "protocol:\n  block_interval: 10 parsecs\n"),
            "s.yaml:11:19: protocol.block_interval: unknown duration unit `parsecs` (expected "
            "one of: ns, us, µs, ms, s, min, h, d)");
}

TEST(ScenarioErrors, MissingUnit) {
  EXPECT_EQ(Error(std::string(kBase) + "protocol:\n  block_interval: 600\n"),
            "s.yaml:11:19: protocol.block_interval: needs a unit, e.g. `600 s`");
}

TEST(ScenarioErrors, NegativeHashrate) {
  EXPECT_EQ(Error(With("hashrate: 0 }", "hashrate: -0.1 }")),
            "s.yaml:9:36: groups.others.hashrate: must not be negative, got `-0.1`");
}

TEST(ScenarioErrors, HashrateOverHundredPercent) {
  EXPECT_EQ(Error(With("hashrate: 1.0 }", "hashrate: 120 % }")),
            "s.yaml:8:33: groups.pools.hashrate: must be at most 100 %, got `120 %`");
}

TEST(ScenarioErrors, HashratesNotSummingToOne) {
  EXPECT_EQ(Error(With("hashrate: 0 }", "hashrate: 0.2 }")),
            "s.yaml:8:3: groups: hashrates sum to 1.2, must sum to 1");
}

TEST(ScenarioErrors, MissingRequiredKey) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  backend: fast\n")),
            "s.yaml:6:3: network.nodes: required key is missing");
  EXPECT_EQ(Error(With("version: 1\n", "")), "s.yaml:1:1: version: required key is missing");
  EXPECT_EQ(Error(With("  blocks: 20\n", "  drain: 1 min\n")),
            "s.yaml:4:3: stop: at least one of `blocks`, `heights` and `time` is required");
}

TEST(ScenarioErrors, WrongType) {
  EXPECT_EQ(Error(With("network:\n  nodes: 200\n", "network: 5\n")),
            "s.yaml:5:10: network: expected a mapping, got `5`");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: [200]\n")),
            "s.yaml:6:10: network.nodes: expected an integer, got a list");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: lots\n")),
            "s.yaml:6:10: network.nodes: expected an integer, got `lots`");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes:\n")),
            "s.yaml:6:3: network.nodes: expected an integer, got null");
}

TEST(ScenarioErrors, OutOfRange) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 1\n")),
            "s.yaml:6:10: network.nodes: must be at least 2, got `1`");
  EXPECT_EQ(Error(std::string(kBase) + "protocol: { block_size: 80 B }\n"),
            "s.yaml:10:25: protocol.block_size: must be between 81 B and 4 MB, got `80 B`");
  EXPECT_EQ(Error(With("version: 1\n", "version: 2\n")),
            "s.yaml:1:10: version: unsupported version 2 (this build reads version 1)");
}

TEST(ScenarioErrors, DuplicateKey) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  nodes: 300\n")),
            "s.yaml:7:3: network.nodes: duplicate key");
}

TEST(ScenarioParse, LinkModelAndItsOlderNameUplink) {
  auto flow_default = Parse(kBase);
  ASSERT_TRUE(flow_default.ok());
  EXPECT_EQ(flow_default->sim.link_model, sim::LinkModelKind::kFlow);
  auto fifo = Parse(kBase, {"network.link_model=fifo"});
  ASSERT_TRUE(fifo.ok()) << fifo.status().message();
  EXPECT_EQ(fifo->sim.link_model, sim::LinkModelKind::kFifo);
  // The older key still works; resolved_json names the model under link_model.
  auto shared = Parse(With("  nodes: 200\n", "  nodes: 200\n  uplink: shared\n"));
  ASSERT_TRUE(shared.ok()) << shared.status().message();
  EXPECT_EQ(shared->sim.link_model, sim::LinkModelKind::kShared);
  EXPECT_NE(shared->resolved_json.find("\"link_model\":\"shared\""), std::string::npos);
  auto set = Parse(kBase, {"network.uplink=shared"});
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->sim.link_model, sim::LinkModelKind::kShared);
  auto flow = Parse(kBase, {"network.link_model=flow", "network.flow.initial_window=4",
                            "network.flow.slow_start_after_idle=false"});
  ASSERT_TRUE(flow.ok()) << flow.status().message();
  EXPECT_EQ(flow->sim.link_model, sim::LinkModelKind::kFlow);
  EXPECT_EQ(flow->sim.flow.initial_window_segments, 4u);
  EXPECT_FALSE(flow->sim.flow.slow_start_after_idle);
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  uplink: shared\n  link_model: flow\n")),
            "s.yaml:8:15: network.link_model: give one of `network.link_model` and "
            "`network.uplink` (its older name), not both");
  // The initial window must fit the receive window (FlowLinks relies on it).
  EXPECT_EQ(Error(kBase, {"network.flow.initial_window=1000", "network.flow.segment_size=9000 B"}),
            "--set network.flow.initial_window=1000: network.flow.receive_window: must be at "
            "least initial_window x segment_size (9 MB), got `4 MB`");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  flow: {segment_size: 100 B}\n")),
            "s.yaml:7:24: network.flow.segment_size: must be between 536 B and 9000 B, got "
            "`100 B`");
}

TEST(ScenarioErrors, UnknownChoiceAndUnavailableBackend) {
  EXPECT_EQ(Error(std::string(kBase) + "protocol: { relay: cmpct }\n"),
            "s.yaml:10:20: protocol.relay: unknown value `cmpct` (expected one of: headers, "
            "legacy, compact)");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  uplink: fair\n")),
            "s.yaml:7:11: network.uplink: unknown value `fair` (expected one of: fifo, shared, "
            "flow)");
#ifdef PEERLAB_HAVE_NS3
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  backend: ns2\n")),
            "s.yaml:7:12: network.backend: unknown value `ns2` (expected one of: fast, ns3)");
#else
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  backend: ns3\n")),
            "s.yaml:7:12: network.backend: backend ns3 is not available in this build (built "
            "without ns-3; see ns3/README.md)");
#endif
}

TEST(ScenarioErrors, GroupCounts) {
  EXPECT_EQ(Error(With("nodes: rest", "nodes: 170")),
            "s.yaml:8:3: groups: groups have 190 nodes in total but network.nodes is 200 (give "
            "one group `nodes: rest` to take the remainder)");
  EXPECT_EQ(Error(With("nodes: 20,", "nodes: 300,")),
            "s.yaml:8:3: groups: groups have 300 nodes in total but network.nodes is 200");
  EXPECT_EQ(Error(With("nodes: 20,", "nodes: rest,")),
            "s.yaml:9:20: groups.others.nodes: only one group may be `rest` (group `pools` "
            "already is)");
}

TEST(ScenarioErrors, TopologyAgainstNodeCount) {
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 5\n"), {"groups.pools.nodes=2"}),
            "s.yaml:6:3: network.topology.outbound: must be less than network.nodes (5), got 8");
  EXPECT_EQ(
      Error(kBase, {"network.topology={kind: random-regular, degree: 3}", "network.nodes=201"}),
      "--set network.topology={kind: random-regular, degree: 3}: network.topology.degree: "
      "network.nodes x degree must be even, got 201 x 3");
}

TEST(ScenarioErrors, UnknownOverrideKey) {
  EXPECT_EQ(Error(kBase, {"network.nodez=3"}),
            "--set network.nodez=3: network.nodez: unknown key (expected one of: backend, nodes, "
            "regions, latency_jitter, bandwidth, uplink, link_model, flow, topology, "
            "autonomous_systems, faults)");
}

TEST(ScenarioErrors, OverrideBadValue) {
  EXPECT_EQ(Error(kBase, {"network.nodes=abc"}),
            "--set network.nodes=abc: network.nodes: expected an integer, got `abc`");
  EXPECT_EQ(Error(kBase, {"stop.time=2"}),
            "--set stop.time=2: stop.time: needs a unit, e.g. `2 s`");
  EXPECT_EQ(Error(kBase, {"outputs=[summary"}),
            "--set outputs=[summary: outputs: invalid YAML value: this `[` is never closed (no `]` "
            "before the end of the file)");
}

TEST(ScenarioErrors, MalformedOverride) {
  EXPECT_EQ(Error(kBase, {"network.nodes"}),
            "--set network.nodes: network.nodes: expected KEY=VALUE, e.g. `network.nodes=500`");
  EXPECT_EQ(Error(kBase, {"network..nodes=3"}),
            "--set network..nodes=3: network..nodes: invalid key (expected a dotted path like "
            "`network.nodes` or `events[0].at`)");
  EXPECT_EQ(Error(kBase, {"network.nodes.x=3"}),
            "--set network.nodes.x=3: network.nodes: is a scalar, cannot set `x` inside it");
  EXPECT_EQ(Error(kBase, {"groups.new.nodes=3"}),
            "--set groups.new.nodes=3: groups.new.hashrate: required key is missing");
}

TEST(ScenarioErrors, MissingFile) {
  auto r = LoadScenario("/nonexistent/dir/x.yaml", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "/nonexistent/dir/x.yaml: cannot read file: No such file or directory");
}

TEST(ScenarioErrors, EdgeListFileMissing) {
  EXPECT_EQ(Error(With("  nodes: 200\n",
                       "  nodes: 200\n  topology:\n    kind: edge-list\n    file: nope.txt\n")),
            "s.yaml:9:11: network.topology.file: cannot read edge-list file `nope.txt`: No such "
            "file or directory");
  auto r = LoadScenario(kDataDir + "/edge_list.yaml", {"network.topology.file=missing.txt"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "--set network.topology.file=missing.txt: network.topology.file: cannot read "
            "edge-list file `" +
                kDataDir + "/missing.txt`: No such file or directory");
}

TEST(ScenarioErrors, InlineRegionTable) {
  const std::string regions =
      "  nodes: 200\n"
      "  regions:\n"
      "    names: [a, b]\n"
      "    node_share: [0.5, 0.5]\n"
      "    latency_ms: [[1, 2], [3, 4]]\n"
      "    upload_mbps: [10, 10]\n"
      "    download_mbps: [10, 10]\n";
  ASSERT_EQ(Error(With("  nodes: 200\n", regions)), "OK");
  auto bad = [&](const std::string& from, const std::string& to) {
    std::string r = regions;
    r.replace(r.find(from), from.size(), to);
    return Error(With("  nodes: 200\n", r));
  };
  EXPECT_EQ(bad("[0.5, 0.5]", "[0.2, 0.3, 0.5]"),
            "s.yaml:9:17: network.regions.node_share: has 3 entries but `names` has 2");
  EXPECT_EQ(bad("[[1, 2], [3, 4]]", "[[1, 2], [3, 4, 5]]"),
            "s.yaml:10:26: network.regions.latency_ms[1]: has 3 entries but `names` has 2");
  EXPECT_EQ(bad("[[1, 2], [3, 4]]", "[[1, 2]]"),
            "s.yaml:10:17: network.regions.latency_ms: has 1 rows but `names` has 2");
  EXPECT_EQ(bad("[[1, 2], [3, 4]]", "[[1, 2], [3, -4]]"),
            "s.yaml:10:30: network.regions.latency_ms[1][1]: must not be negative, got `-4`");
  EXPECT_EQ(bad("[0.5, 0.5]", "[0.5, 0.6]"),
            "s.yaml:9:17: network.regions.node_share: shares sum to 1.1, must sum to 1");
  EXPECT_EQ(bad("upload_mbps: [10, 10]", "upload_mbps: [10, 0]"),
            "s.yaml:11:23: network.regions.upload_mbps[1]: must be positive, got `0`");
  EXPECT_EQ(bad("    download_mbps: [10, 10]\n", ""),
            "s.yaml:8:5: network.regions.download_mbps: required key is missing");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  regions: mars\n")),
            "s.yaml:7:12: network.regions: unknown region table `mars` (expected one of: bitcoin, "
            "simblock-2015, simblock-2019, or an inline mapping)");
}

TEST(ScenarioErrors, RootIsNotAMapping) {
  EXPECT_EQ(Error("- 1\n- 2\n"),
            "s.yaml:1:1: (top level): expected a mapping with keys version, name, stop, network, "
            "groups, ...; got a list");
  EXPECT_EQ(Error(""),
            "s.yaml:1:1: (top level): expected a mapping with keys version, name, stop, network, "
            "groups, ...; got null");
}

// ---- hostile input ------------------------------------------------------------------------

TEST(ScenarioErrors, HostileInputsFailCleanly) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "[";
  std::string wide = "groups:\n";
  for (int i = 0; i < 2000; ++i) wide += "  g" + std::to_string(i) + ": {nodes: 1, hashrate: 0}\n";
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    const char prev = static_cast<char>(c - 1);
    laughs += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
              prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  const std::vector<std::string> docs = {
      "",
      "~",
      "---\n...\n",
      "- a\n- b\n",
      "just a scalar",
      "42",
      deep,
      "a: &x [*x]\n",
      "&x {network: *x}\n",
      laughs,
      wide,
      With("  nodes: 200\n", "  nodes: 1e400\n"),
      With("  nodes: 200\n", "  nodes: -3\n"),
      With("  nodes: 200\n", "  nodes: 99999999999999999999999\n"),
      With("version: 1\n", "version: 1\nseed: 99999999999999999999999\n"),
      With("version: 1\n", "version: 1\nseed: -1\n"),
      With("version: 1\n", "version: -1\n"),
      With("network:\n  nodes: 200\n", "network: [1, 2]\n"),
      With("  pools: { nodes: 20, hashrate: 1.0 }\n  others: { nodes: rest, hashrate: 0 }\n",
           "  - 1\n  - 2\n"),
      With("  pools: { nodes: 20, hashrate: 1.0 }\n  others: { nodes: rest, hashrate: 0 }\n",
           "  {}\n"),
      With("  others: { nodes: rest, hashrate: 0 }\n", "  others: 7\n"),
      With("  others: { nodes: rest, hashrate: 0 }\n", "  [a]: 7\n"),
      With("  others: { nodes: rest, hashrate: 0 }\n", "  \"a.b\": {nodes: rest, hashrate: 0}\n"),
      With("  nodes: 200\n", "  nodes: 200\n  regions: {names: 5}\n"),
      With("  nodes: 200\n",
           "  nodes: 200\n  regions: {names: [a], node_share: [1], latency_ms: [5], upload_mbps: "
           "[1], download_mbps: [1]}\n"),
      With("  nodes: 200\n", "  nodes: 200\n  regions: []\n"),
      With("  nodes: 200\n", "  nodes: 200\n  topology: {kind: [x]}\n"),
      With("  nodes: 200\n", "  nodes: 200\n  latency_jitter: {kind: pareto, shape: 1}\n"),
      With("  nodes: 200\n", "  nodes: 200\n  bandwidth: {upload: 0 Mbit/s}\n"),
      std::string(kBase) + "outputs: summary\n",
      std::string(kBase) + "outputs: [summary, summary]\n",
      std::string(kBase) + "outputs: [{a: 1}]\n",
      std::string(kBase) + "protocol: {block_interval: 0 s}\n",
      std::string(kBase) + "protocol: {block_interval: 1e30 d}\n",
      std::string(kBase) + "stop: {blocks: 1}\n",
      std::string(kBase) + "---\nversion: 1\n",
      std::string(kBase) + "\x01\xff\xfe",
      std::string("version: 1\0name: x\n", 19),
      "? [a, b]\n: c\n",
      "{{{{{{",
      "a: b: c",
      "!!binary x: y",
      "*unknown_alias",
      ",",  // yaml-cpp 0.7's LoadAll loops forever on this
      ",version: 1\nname: x\n",
      "\"multi\\nline\\rkey\": 1\n",
  };
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto r = Parse(docs[i]);
    EXPECT_FALSE(r.ok()) << "document " << i << " was accepted:\n" << docs[i];
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find_first_of("\n\r"), std::string::npos)
          << r.status().message();
      EXPECT_EQ(r.status().message().rfind("s.yaml", 0), 0u) << r.status().message();
    }
  }
  // clang-format off
  const std::vector<std::vector<std::string>> overrides = {
      {"="}, {""}, {"=5"}, {"version="}, {".=1"}, {"groups=5"}, {"groups=[1]"},
      {"outputs[0]=blocks"}, {"stop.blocks.x.y=1"}, {"network={nodez: 2}"}, {"seed=1e400"}};
  // clang-format on
  for (const auto& o : overrides) {
    auto r = Parse(kBase, o);
    EXPECT_FALSE(r.ok()) << "override " << o[0] << " was accepted";
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().rfind("--set ", 0), 0u) << r.status().message();
    }
  }
}

// ---- generated reference ------------------------------------------------------------------

TEST(ScenarioReference, DocsFileMatchesGeneratedReference) {
  const std::string path = std::string(PEERLAB_SOURCE_DIR) + "/docs/scenario-reference.md";
  EXPECT_EQ(ReadFile(path), ScenarioReferenceMarkdown())
      << path << " is out of date; regenerate it with "
      << "`peerlab reference > docs/scenario-reference.md`";
}

TEST(ScenarioReference, ExampleInReferenceIsValid) {
  const std::string md = ScenarioReferenceMarkdown();
  const std::size_t begin = md.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const std::size_t end = md.find("```\n", begin + 8);
  ASSERT_NE(end, std::string::npos);
  auto r = Parse(md.substr(begin + 8, end - begin - 8));
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(ScenarioReference, DocumentsEveryKey) {
  const std::string md = ScenarioReferenceMarkdown();
  for (const char* key : {"`block_interval`", "`max_inbound`", "`latency_ms`", "`spread`",
                          "`drain`", "`outputs`", "`per_mb`", "`hashrate`"}) {
    EXPECT_NE(md.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace peerlab::scenario

namespace peerlab::scenario {
namespace {

TEST(ScenarioTransactions, WorkloadAndClassesAreRead) {
  auto s = ParseScenario(std::string(kBase) +
                             "transactions: { rate: 7, size_min: 250 B, size_max: 250 B, "
                             "fee_rate_min: 2, fee_rate_max: 20, classes: {normal: 0.9, tracked: 10 %}, "
                             "mempool: 50 MB }\nprotocol: { relay: compact }\n",
                         "s.yaml", "", {});
  ASSERT_TRUE(s.ok()) << s.status().message();
  const auto& w = s->sim.transactions;
  EXPECT_EQ(w.rate_per_s, 7);
  EXPECT_EQ(w.size_min, 250u);
  EXPECT_EQ(w.fee_rate_max, 20);
  ASSERT_EQ(w.classes.size(), 2u);
  EXPECT_EQ(w.classes[1].name, "tracked");
  EXPECT_DOUBLE_EQ(w.classes[1].share, 0.1);
  EXPECT_EQ(s->sim.node.mempool_max_bytes, 50'000'000u);
  EXPECT_EQ(s->sim.node.relay, bitcoin::RelayMode::kCompact);
}

TEST(ScenarioTransactions, BadWorkloadsAreOneLineErrors) {
  auto err = [](const std::string& tx) {
    auto s = ParseScenario(std::string(kBase) + "transactions: " + tx + "\n", "s.yaml", "", {});
    return s.ok() ? std::string("OK") : s.status().message();
  };
  EXPECT_EQ(err("{ rate: -1 }"), "s.yaml:10:23: transactions.rate: must be between 0 and 100000 per second, got `-1`");
  EXPECT_EQ(err("{ size_min: 200 B }"), "s.yaml:10:15: transactions.rate: required key is missing");
  EXPECT_EQ(err("{ rate: 1, classes: {a: 0.5, b: 0.4} }"),
            "s.yaml:10:35: transactions.classes: class shares sum to 0.9, must sum to 1");
  EXPECT_EQ(err("{ rate: 1, size_min: 10 B }"),
            "s.yaml:10:36: transactions.size_min: must be between 82 B and 100 kB, got `10 B`");
}

}  // namespace
}  // namespace peerlab::scenario
