// Public entry points: file reading, overrides, error formatting. Nothing thrown by yaml-cpp or
// the standard library escapes; every failure becomes one error line.
#include "peerlab/scenario/scenario.hpp"

#include <exception>
#include <filesystem>
#include <optional>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/tree.hpp"
#include "peerlab/sim/topology.hpp"
#include "peerlab/util/input_file.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::scenario {
namespace {

// Error output must stay one line and printable whatever bytes the file or a key contained.
std::string OneLine(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Format(const detail::Error& e, const std::string& file_label,
                   const std::vector<std::string>& overrides) {
  std::string where;
  if (e.origin.override_index >= 0 &&
      static_cast<std::size_t>(e.origin.override_index) < overrides.size()) {
    where = "--set " + overrides[static_cast<std::size_t>(e.origin.override_index)];
  } else if (e.origin.line > 0) {
    where =
        file_label + ":" + std::to_string(e.origin.line) + ":" + std::to_string(e.origin.column);
  } else {
    where = file_label;
  }
  return OneLine(where + ": " + e.path + ": " + e.message);
}

// The edge-list file is read here, at load time, so `check` refuses what `run` would. A problem
// inside the file is located in the file (`EDGES:LINE:COL: network.topology.file: ...`); one
// with the file as a whole at the scenario's `file:` key.
std::optional<std::string> CheckEdgeList(const detail::Ctx& ctx, const std::string& file_label,
                                         const std::vector<std::string>& overrides) {
  const sim::SimConfig& s = ctx.out->sim;
  if (s.topology.kind != sim::TopologyKind::kEdgeList) return std::nullopt;
  const std::string key = "network.topology.file";
  sim::EdgeListError e;
  if (sim::EdgeListTopology(s.topology.edge_file, s.nodes, &e).ok()) return std::nullopt;
  if (e.line > 0) {
    return OneLine(s.topology.edge_file + ":" + std::to_string(e.line) + ":" +
                   std::to_string(e.column) + ": " + key + ": " + e.message);
  }
  return Format({ctx.OriginOf(key), key,
                 "edge-list file `" + s.topology.edge_file + "`: " + e.message},
                file_label, overrides);
}

// The tendermint family's spec from what the shared keys parsed into the scenario: the network,
// the groups (voting power, strategy), the stop time and the transaction workload. Its own keys
// (protocol.tendermint, stop.heights) were written into it directly.
void FillTendermint(Scenario& scenario) {
  const sim::SimConfig& s = scenario.sim;
  tendermint::SimSpec& t = scenario.tendermint;
  static_cast<sim::NetworkSpec&>(t) = static_cast<const sim::NetworkSpec&>(s);
  t.groups.clear();
  for (const sim::GroupSpec& g : s.groups) {
    t.groups.push_back({g.name, g.rest, g.node_count, g.voting_power, g.strategy_name,
                        g.target_delay, g.strategy.censored_class, g.twin_of});
  }
  t.tx_classes.clear();
  for (const auto& k : s.transactions.classes) t.tx_classes.push_back({k.name, k.share});
  t.stop_time = s.stop.time;
  t.tx_rate_per_s = s.transactions.rate_per_s;
  t.tx_bytes_min = s.transactions.size_min;
  t.tx_bytes_max = s.transactions.size_max;
}

Result<Scenario> Parse(std::string_view text, const std::string& file_label,
                       const std::string& base_dir, const std::vector<std::string>& overrides) {
  auto fail = [&](const detail::Error& e) -> Result<Scenario> {
    return Status::Error(Format(e, file_label, overrides));
  };
  if (text.size() > kMaxScenarioBytes) {
    return Status::Error(OneLine(file_label + ": the scenario is " + std::to_string(text.size()) +
                                 " bytes, more than the limit of " +
                                 FormatByteLimit(kMaxScenarioBytes)));
  }
  detail::Node root;
  if (auto e = detail::LoadYaml(text, -1, "", &root)) return fail(*e);
  if (root.kind != detail::Node::Kind::kMapping) {
    return fail({root.origin, "(top level)",
                 "expected a mapping with keys version, name, stop, network, groups, ...; got " +
                     detail::Describe(root)});
  }
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (auto e = detail::ApplyOverride(&root, overrides[i], static_cast<int>(i))) return fail(*e);
  }

  Scenario scenario;
  scenario.file = file_label;
  scenario.text = std::string(text);
  scenario.overrides = overrides;
  detail::Ctx ctx;
  ctx.out = &scenario;
  ctx.base_dir = base_dir;
  Json json;
  if (!detail::ParseMapping(root, "", *detail::AllTables().front(), ctx, json) ||
      !detail::Validate(ctx)) {
    return fail(*ctx.error);
  }
  if (auto bad = CheckEdgeList(ctx, file_label, overrides)) return Status::Error(*bad);
  if (scenario.protocol == "tendermint") FillTendermint(scenario);
  scenario.resolved_json = DumpJson(json, {.pretty = false});
  return scenario;
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view text, const std::string& file_label,
                               const std::string& base_dir,
                               const std::vector<std::string>& overrides) {
  try {
    return Parse(text, file_label, base_dir, overrides);
  } catch (const std::exception& e) {
    return Status::Error(
        OneLine(file_label + ": internal error while reading the scenario: " + e.what()));
  } catch (...) {
    return Status::Error(file_label + ": internal error while reading the scenario");
  }
}

Result<Scenario> LoadScenario(const std::string& path, const std::vector<std::string>& overrides) {
  // Checked before one byte is read: /dev/zero, a FIFO or a huge file never reaches yaml-cpp.
  auto text = ReadInputFile(path, kMaxScenarioBytes);
  if (!text.ok()) return Status::Error(OneLine(path + ": cannot read file: " + text.status().message()));
  std::string base_dir;
  try {
    base_dir = std::filesystem::path(path).parent_path().string();
  } catch (const std::exception&) {
    // An unrepresentable path cannot have relative references resolved anyway.
  }
  return ParseScenario(*text, path, base_dir, overrides);
}

}  // namespace peerlab::scenario
