// `_peerlab`: the thin pybind11 layer under the `peerlab` Python package (python/peerlab/).
// It passes scenario text, overrides and result text across and nothing else: parsing,
// validation, the run and the analysis are the same C++ code the CLI runs, so errors carry the
// CLI's exact text and results are byte-identical to `peerlab run`. Runs release the GIL and
// never call back into Python from the event loop (design §7).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "peerlab/analysis/closed_forms.hpp"
#include "peerlab/analysis/markov.hpp"
#include "peerlab/analysis/optimal_selfish.hpp"
#include "peerlab/commands/analyze_cmd.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/util/version.hpp"

namespace py = pybind11;

namespace {

using peerlab::scenario::Scenario;

// Raised for every bad scenario or override; a ValueError so callers can catch either.
PyObject* g_scenario_error = nullptr;

[[noreturn]] void ThrowScenarioError(const std::string& message) {
  PyErr_SetString(g_scenario_error, message.c_str());
  throw py::error_already_set();
}

Scenario ParseOrThrow(const std::string& text, const std::string& file_label,
                      const std::string& base_dir, const std::vector<std::string>& overrides) {
  auto parsed = peerlab::scenario::ParseScenario(text, file_label, base_dir, overrides);
  if (!parsed.ok()) ThrowScenarioError(parsed.status().message());
  return std::move(parsed.value());
}

py::dict Parse(const std::string& text, const std::string& file_label,
               const std::string& base_dir, const std::vector<std::string>& overrides) {
  const Scenario scenario = ParseOrThrow(text, file_label, base_dir, overrides);
  py::dict out;
  out["name"] = scenario.name;
  out["seed"] = scenario.sim.seed;
  out["nodes"] = scenario.sim.nodes;
  out["resolved_json"] = scenario.resolved_json;
  return out;
}

py::dict Run(const std::string& text, const std::string& file_label, const std::string& base_dir,
             const std::vector<std::string>& overrides, const std::string& out_dir,
             bool ignore_memory_estimate) {
  Scenario scenario = ParseOrThrow(text, file_label, base_dir, overrides);
  peerlab::runner::RunOptions options;
  options.out_dir = out_dir;
  options.ignore_memory_estimate = ignore_memory_estimate;
  peerlab::Result<peerlab::runner::RunOutcome> outcome = peerlab::Status::Error("not run");
  std::string blocks, nodes, edges, transactions, manifest;
  {
    py::gil_scoped_release release;
    outcome = peerlab::runner::RunScenario(scenario, options);
    if (outcome.ok() && outcome->protocol == "tendermint") {
      manifest = outcome->manifest_json;
    } else if (outcome.ok() && outcome->wire_check.ok()) {
      const auto& r = outcome->report;
      blocks = peerlab::runner::BlocksCsv(scenario, r);
      nodes = peerlab::runner::NodesCsv(scenario, r);
      edges = peerlab::runner::EdgesCsv(r.final_edges);
      transactions = peerlab::runner::TransactionsCsv(scenario, r);
      manifest = peerlab::runner::RunManifestJson(scenario, r, outcome->wall_s,
                                                    outcome->peak_rss_mb);
    }
  }
  if (!outcome.ok()) ThrowScenarioError(outcome.status().message());
  // A failed wire check is a defect in peerlab, not bad input.
  if (!outcome->wire_check.ok()) throw std::runtime_error(outcome->wire_check.message());
  py::dict out;
  out["summary_json"] = outcome->summary_json;
  out["manifest_json"] = manifest;
  out["blocks_csv"] = blocks;
  out["nodes_csv"] = nodes;
  out["edges_csv"] = edges;
  out["transactions_csv"] = transactions;
  return out;
}

std::string Analyze(const std::string& run_dir, double threshold) {
  if (!(threshold > 0 && threshold <= 1)) {
    throw py::value_error("threshold: expected a share in (0, 1], got " +
                          std::to_string(threshold));
  }
  peerlab::commands::AnalyzeRequest request;
  request.run_dir = run_dir;
  request.options.threshold = threshold;
  peerlab::Result<peerlab::commands::AnalyzeOutput> out = peerlab::Status::Error("not run");
  {
    py::gil_scoped_release release;
    out = peerlab::commands::RunAnalyze(request);
  }
  if (!out.ok()) throw py::value_error(out.status().message());
  return out->analysis_json;
}

void CheckShare(double value, const char* name, bool below_half) {
  const bool ok = below_half ? (value >= 0 && value < 0.5) : (value >= 0 && value <= 1);
  if (!ok) {
    throw py::value_error(std::string(name) + ": expected " +
                          (below_half ? "0 <= value < 0.5" : "0 <= value <= 1") + ", got " +
                          std::to_string(value));
  }
}

// The optimal selfish-mining MDP's truncation (analysis/optimal_selfish.hpp).
void CheckForkLength(int max_fork_length) {
  if (max_fork_length < 2 || max_fork_length > 200) {
    throw py::value_error("max_fork_length: expected 2..200, got " +
                          std::to_string(max_fork_length));
  }
}

}  // namespace

PYBIND11_MODULE(_peerlab, m) {
  m.doc() = "peerlab's C++ core (scenario parsing, runs, analysis, theory); use `peerlab`.";
  m.attr("version") = peerlab::kVersion;
  m.attr("git_commit") = peerlab::kGitCommit;
  g_scenario_error = PyErr_NewException("_peerlab.ScenarioError", PyExc_ValueError, nullptr);
  m.attr("ScenarioError") = py::handle(g_scenario_error);

  m.def("parse", &Parse, py::arg("text"), py::arg("file_label"), py::arg("base_dir"),
        py::arg("overrides"),
        "Validates scenario YAML text with `dotted.key=value` overrides; returns name, seed, "
        "nodes and the resolved scenario JSON. Raises ScenarioError with the CLI's message.");
  m.def("run", &Run, py::arg("text"), py::arg("file_label"), py::arg("base_dir"),
        py::arg("overrides"), py::arg("out_dir") = "", py::arg("ignore_memory_estimate") = false,
        "Runs a scenario (GIL released); returns summary and manifest JSON and the result "
        "tables as CSV text. With out_dir, also writes the run directory (which must not "
        "exist). A scenario whose memory estimate exceeds the available memory raises "
        "ScenarioError unless ignore_memory_estimate (docs/limits.md).");
  m.def("analyze", &Analyze, py::arg("run_dir"), py::arg("threshold") = 0.5,
        "`peerlab analyze RUN_DIR`: writes analysis.json and report.md into the run "
        "directory and returns the analysis JSON.");
  m.def(
      "eyal_sirer_revenue",
      [](double alpha, double gamma) {
        CheckShare(alpha, "alpha", true);
        CheckShare(gamma, "gamma", false);
        return peerlab::analysis::EyalSirerRevenue(alpha, gamma);
      },
      py::arg("alpha"), py::arg("gamma"));
  m.def(
      "selfish_chain_revenue",
      [](double alpha, double gamma) {
        CheckShare(alpha, "alpha", true);
        CheckShare(gamma, "gamma", false);
        return peerlab::analysis::SolveSelfishMiningChain(alpha, gamma).revenue;
      },
      py::arg("alpha"), py::arg("gamma"));
  m.def(
      "optimal_selfish_revenue",
      [](double alpha, double gamma, int max_fork_length) {
        CheckShare(alpha, "alpha", true);
        CheckShare(gamma, "gamma", false);
        CheckForkLength(max_fork_length);
        py::gil_scoped_release release;
        return peerlab::analysis::OptimalSelfishMiningRevenue(alpha, gamma, max_fork_length);
      },
      py::arg("alpha"), py::arg("gamma"),
      py::arg("max_fork_length") = peerlab::analysis::kOptimalSelfishDefaultMaxForkLength);
  m.def(
      "stubborn_policy_revenue",
      [](double alpha, double gamma, bool lead_stubborn, bool equal_fork_stubborn,
         int trail_stubborn, int max_fork_length) {
        CheckShare(alpha, "alpha", true);
        CheckShare(gamma, "gamma", false);
        if (trail_stubborn < 0) throw py::value_error("trail_stubborn: expected an integer >= 0");
        CheckForkLength(max_fork_length);
        peerlab::analysis::StubbornVariant variant;
        variant.lead = lead_stubborn;
        variant.equal_fork = equal_fork_stubborn;
        variant.trail = trail_stubborn;
        py::gil_scoped_release release;
        return peerlab::analysis::StubbornPolicyRevenue(alpha, gamma, variant, max_fork_length);
      },
      py::arg("alpha"), py::arg("gamma"), py::arg("lead_stubborn") = false,
      py::arg("equal_fork_stubborn") = false, py::arg("trail_stubborn") = 0,
      py::arg("max_fork_length") = peerlab::analysis::kOptimalSelfishDefaultMaxForkLength,
      "The relative revenue of selfish mining with Nayak et al. 2016's stubborn switches, as "
      "the `selfish-mining` strategy plays them, evaluated as a fixed policy in the optimal "
      "selfish-mining MDP (docs/theory.md); all switches off is SM1.");
  m.def(
      "optimal_selfish_policy",
      [](double alpha, double gamma, int max_fork_length) {
        CheckShare(alpha, "alpha", true);
        CheckShare(gamma, "gamma", false);
        CheckForkLength(max_fork_length);
        std::vector<int> actions;
        {
          py::gil_scoped_release release;
          const auto result = peerlab::analysis::OptimalSelfishMining(alpha, gamma, max_fork_length);
          actions.reserve(result.policy.size());
          for (const auto a : result.policy) actions.push_back(static_cast<int>(a));
        }
        return actions;
      },
      py::arg("alpha"), py::arg("gamma"),
      py::arg("max_fork_length") = peerlab::analysis::kOptimalSelfishDefaultMaxForkLength);
  m.def(
      "nakamoto_double_spend",
      [](double q, int z) {
        CheckShare(q, "q", false);
        if (z < 0) throw py::value_error("z: expected an integer >= 0");
        return peerlab::analysis::NakamotoDoubleSpend(q, z);
      },
      py::arg("q"), py::arg("z"));
  m.def(
      "rosenfeld_double_spend",
      [](double q, int z) {
        CheckShare(q, "q", false);
        if (z < 0) throw py::value_error("z: expected an integer >= 0");
        return peerlab::analysis::RosenfeldDoubleSpend(q, z);
      },
      py::arg("q"), py::arg("z"));
  m.def(
      "double_spend_success",
      [](double q, int z, int max_deficit, bool premine) {
        if (!(q >= 0 && q < 1)) throw py::value_error("q: expected 0 <= q < 1");
        if (z < 0) throw py::value_error("z: expected an integer >= 0");
        if (max_deficit < 1) throw py::value_error("max_deficit: expected an integer >= 1");
        return peerlab::analysis::DoubleSpendSuccess(q, z, max_deficit, premine);
      },
      py::arg("q"), py::arg("z"), py::arg("max_deficit"), py::arg("premine"),
      "The exact success probability of the simulated double-spend strategy (give-up "
      "barrier at max_deficit; docs/theory.md).");
}
