// `peerlab analyze`: reads a run directory's edges.csv (and nodes.csv, summary.json when
// present) or any edge list, runs the topology metrics of the analysis layer and writes
// analysis.json and report.md. Argument handling, files and the run-summary part of the report
// live here; every metric is computed in analysis/.
#include "peerlab/commands/analyze_cmd.hpp"
#include "attack_theory_report.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "peerlab/analysis/topology.hpp"
#include "peerlab/cli/cli.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/util/input_file.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::commands {

namespace {

namespace fs = std::filesystem;

constexpr const char* kAnalyzeDescription =
    R"(Topology analysis of a run's overlay (RUN_DIR/edges.csv, with RUN_DIR/nodes.csv for hashrate,
AS and region cuts) or of any edge list: components, vertex and edge connectivity with minimum
cuts, articulation points, bridges, degrees, k-cores, distances, betweenness, Laplacian spectrum
and partition resilience (docs/analysis.md).

RUN_DIR mode writes RUN_DIR/analysis.json and RUN_DIR/report.md (adding partition recovery,
inclusion delays and adversary metrics from summary.json). --graph mode writes both to DIR
with --out, else prints analysis.json to stdout.)";

constexpr const char* kAnalyzeFooter =
    R"(An edge list is CSV with a header naming `source` and `target` (other columns ignored) or
whitespace-separated `u v` lines with `#` comments; node ids are integers 0..N-1.

Exit status: 0 ok, 2 bad input.)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return cli::kExitUsage;
}

Status WriteFile(const fs::path& path, const std::string& text) {
  // Write beside the target and rename, so a reader never sees half a file.
  const fs::path staging = path.string() + ".partial";
  {
    std::ofstream out(staging, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error(path.string() + ": cannot write");
    out << text;
    if (!out.flush()) return Status::Error(path.string() + ": write error");
  }
  std::error_code ec;
  fs::rename(staging, path, ec);
  if (ec) return Status::Error(path.string() + ": " + ec.message());
  return Status::Ok();
}

std::string Scalar(const Json& node) {
  if (node.is_null()) return "n/a";
  if (node.is_number_float()) {
    // Shares like 0.7000000000000001 read better as 0.7 in a report.
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", node.get<double>());
    return buf;
  }
  if (node.is_string()) return node.get<std::string>();
  const auto& d = results::summary::kDistribution;  // mean, p50, p90, p99
  if (node.is_object() && node.contains(std::string(d[0]))) {
    return std::string(d[0]) + " " + Scalar(At(node, d[0])) + ", " + std::string(d[1]) + " " +
           Scalar(At(node, d[1])) + ", " + std::string(d[2]) + " " + Scalar(At(node, d[2])) +
           ", " + std::string(d[3]) + " " + Scalar(At(node, d[3]));
  }
  return DumpJson(node, {.pretty = false});  // integers, booleans, other objects, arrays
}

// The parts of report.md that come from the simulation's summary.json (design §6).
// `resolved` is run.json's resolved scenario (null when absent): strategy parameters for theory.
std::string RunMarkdown(const Json& summary, const Json& resolved) {
  using namespace results::summary;
  std::ostringstream md;
  const Json& partitions = At(summary, kPartitions);
  if (partitions.is_array() && !partitions.empty()) {
    md << "## Partitions and recovery\n\n| at (s) | healed (s) | mode | sides (nodes / hashrate "
          "/ mined / orphaned) | time to consistency after heal (s) |\n|---|---|---|---|---|\n";
    for (const Json& p : partitions) {
      std::string sides;
      for (const Json& side : Items(At(p, kSides))) {
        sides += (sides.empty() ? "" : "; ") + Scalar(At(side, kNodes)) + " / " +
                 Scalar(At(side, kHashrate)) + " / " + Scalar(At(side, kBlocksMined)) + " / " +
                 Scalar(At(side, kBlocksOrphaned));
      }
      md << "| " << Scalar(At(p, kAtS)) << " | " << Scalar(At(p, kHealedAtS)) << " | "
         << Scalar(At(p, kMode)) << " | " << sides << " | "
         << Scalar(At(p, kTimeToConsistencyS)) << " |\n";
    }
    md << "\n";
  }
  const Json& classes = At(At(summary, kTransactions), kClasses);
  if (classes.is_object()) {
    md << "## Transaction inclusion by class\n\n| class | created | included share | delay (s) "
          "| delay (blocks) |\n|---|---|---|---|---|\n";
    for (const auto& [name, c] : classes.items()) {
      md << "| " << name << " | " << Scalar(At(c, kCreated)) << " | "
         << Scalar(At(c, kIncludedShare)) << " | " << Scalar(At(c, kInclusionDelayS)) << " | "
         << Scalar(At(c, kInclusionDelayBlocks)) << " |\n";
    }
    md << "\n";
  }
  const Json& adversaries = At(summary, kAdversaries);
  if (adversaries.is_object() && !adversaries.empty()) {
    md << "## Adversaries\n\n";
    for (const auto& [group, adversary] : adversaries.items()) {
      md << "### " << group << "\n\n";
      if (!adversary.is_object()) continue;
      for (const auto& [metric, value] : adversary.items()) {
        md << "- " << metric << ": " << Scalar(value) << "\n";
      }
      md << AttackTheoryLines(group, adversary, resolved) << "\n";
    }
  }
  return md.str();
}

}  // namespace

Result<AnalyzeOutput> RunAnalyze(const AnalyzeRequest& args) {
  auto fail = [](std::string message) { return Status::Error(std::move(message)); };
  std::error_code ec;
  std::string edges_path = args.graph_file;
  std::optional<analysis::NodeAttributes> nodes;
  Json summary;   // null when the run has none
  Json resolved;  // run.json resolved_scenario
  const bool run_mode = !args.run_dir.empty();
  if (run_mode) {
    const fs::path dir(args.run_dir);
    if (!fs::is_directory(dir, ec)) return fail(args.run_dir + ": no such run directory");
    edges_path = (dir / results::EdgeRow::kFile).string();
    if (!fs::exists(edges_path, ec)) {
      return fail(edges_path + ": missing (the run directory has no topology export)");
    }
    const fs::path nodes_path = dir / results::NodeRow::kFile;
    if (fs::exists(nodes_path, ec)) {
      auto loaded = analysis::LoadNodeAttributes(nodes_path.string());
      if (!loaded.ok()) return loaded.status();
      nodes = std::move(loaded.value());
    }
    for (const std::string_view name : {results::summary::kFile, results::kManifestFile}) {
      const fs::path path = dir / name;
      if (!fs::exists(path, ec)) continue;
      auto text = ReadInputFile(path.string(), analysis::kMaxAnalysisInputBytes);
      if (!text.ok()) return fail(path.string() + ": " + text.status().message());
      auto loaded = ParseJson(*text);
      if (!loaded.ok()) return fail(path.string() + ": not valid JSON: " + loaded.status().message());
      if (name == results::summary::kFile) {
        summary = std::move(*loaded);
      } else {
        resolved = At(*loaded, results::kResolvedScenario);
      }
    }
  }
  auto loaded = analysis::LoadEdgeList(edges_path);
  if (!loaded.ok()) return loaded.status();
  analysis::LoadedGraph input = std::move(loaded.value());
  if (nodes) {
    const auto listed = static_cast<analysis::NodeId>(nodes->hashrate.size());
    if (listed < input.graph.node_count()) {
      return fail(edges_path + ": names node " + std::to_string(input.graph.node_count() - 1) +
                  " but " + std::string(results::NodeRow::kFile) + " lists only nodes up to " + std::to_string(listed - 1));
    }
    // Nodes without connections at the end of the run still count (isolated).
    if (listed > input.graph.node_count()) {
      input.graph = analysis::Graph::FromEdges(listed, input.graph.edges());
    }
  }

  const auto analysis = analysis::AnalyzeTopology(std::move(input), nodes ? &*nodes : nullptr,
                                                   args.options);
  AnalyzeOutput out;
  results::JsonWriter json;
  json.BeginObject();
  json.Key("source").String(edges_path);
  json.Key("topology");
  analysis::WriteTopologyJson(analysis, json);
  json.EndObject();
  out.analysis_json = json.Finish();

  std::ostringstream report;
  report << "# peerlab analysis: " << (run_mode ? args.run_dir : edges_path) << "\n\n";
  if (summary.is_object()) {
    using namespace results::summary;
    report << "Scenario `" << Scalar(At(summary, kScenario)) << "`, seed "
           << Scalar(At(summary, kSeed)) << ", " << Scalar(At(summary, kNodes)) << " nodes.\n\n";
  }
  report << analysis::TopologyMarkdown(analysis) << "\n";
  if (summary.is_object()) report << RunMarkdown(summary, resolved);
  out.report_md = report.str();

  if (!run_mode && args.out.empty()) return out;
  const fs::path out_dir = run_mode ? fs::path(args.run_dir) : fs::path(args.out);
  fs::create_directories(out_dir, ec);
  if (ec) return fail(out_dir.string() + ": cannot create directory: " + ec.message());
  for (const auto& [name, text] : {std::pair<const char*, const std::string*>{
                                       "analysis.json", &out.analysis_json},
                                   {"report.md", &out.report_md}}) {
    const Status status = WriteFile(out_dir / name, *text);
    if (!status.ok()) return status;
  }
  out.written_dir = out_dir.string();
  return out;
}

int AnalyzeMain(int argc, char** argv) {
  AnalyzeRequest args;
  CLI::App app{kAnalyzeDescription, "peerlab analyze"};
  cli::Configure(app, kAnalyzeFooter);
  app.add_option("RUN_DIR", args.run_dir, "a run directory (peerlab run --out)");
  CLI::Option* graph =
      app.add_option("--graph", args.graph_file, "analyze this edge list instead of a run directory")
          ->type_name("FILE")
          ->excludes("RUN_DIR");
  app.add_option("--out", args.out,
                 "(with --graph) directory to write analysis.json and report.md into")
      ->type_name("DIR")
      ->needs(graph);
  cli::AddNumber(app, "--threshold", args.options.threshold,
                 "share to cut off for partition resilience, in (0, 1] (default 0.5)")
      ->type_name("X")
      ->check(cli::Number(0.0, 1.0, false, true));
  app.add_option("--seed", args.options.seed,
                 "seed for sampled sources on large graphs (default 1)")
      ->type_name("N")
      ->check(cli::Unsigned(0, UINT64_MAX));
  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  if (args.graph_file.empty() && args.run_dir.empty()) {
    return cli::Misuse(app, "missing RUN_DIR or --graph FILE");
  }
  auto result = RunAnalyze(args);
  if (!result.ok()) return Fail(result.status().message());
  const AnalyzeOutput& out = result.value();
  if (out.written_dir.empty()) {
    std::fputs(out.analysis_json.c_str(), stdout);
    return 0;
  }
  const fs::path out_dir(out.written_dir);
  std::fprintf(stderr, "peerlab: wrote %s and %s\n", (out_dir / "analysis.json").c_str(),
               (out_dir / "report.md").c_str());
  return 0;
}

}  // namespace peerlab::commands
