// peerlab: command-line front end. Parses arguments, loads and validates the scenario, runs it
// and prints the summary. Every user error is one line on stderr and exit status 2.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "peerlab/commands/analyze_cmd.hpp"
#include "peerlab/commands/theory_cmd.hpp"
#include "peerlab/commands/wire_tool.hpp"
#include "peerlab/report/report.hpp"
#include "peerlab/runner/memory_check.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/engine.hpp"
#include "peerlab/util/huge_pages.hpp"
#include "peerlab/util/version.hpp"
#include "explore_cmd.hpp"
#include "testbed_cmd.hpp"

namespace {

constexpr int kExitUsage = 2;

constexpr const char* kMainHelp = R"HELP(peerlab: a network simulator for peer-to-peer consensus

Usage:
  peerlab run FILE [options]     run a scenario, write a run directory, print its summary
  peerlab check FILE [--set K=V]...  parse and validate a scenario without running it
  peerlab testbed FILE [options] run a small scenario (at most 64 nodes) as real peerlabd
                                 processes on loopback; same run directory contract
  peerlab reference              print the scenario format reference (Markdown)
  peerlab explore FAMILY         generated scenarios (partitions, message faults, churn,
                                 attacks) checked against invariants; failures shrunk
  peerlab analyze RUN_DIR        topology metrics and report of a run (or --graph FILE)
  peerlab report RUN_DIR         one self-contained HTML page of a run: report.html
                                 (propagation viewer, forks, topology, attacks; --open)
  peerlab wire decode|encode     Bitcoin P2P bytes to JSON lines and back
  peerlab theory selfish-mining|double-spend  attack theory as JSON (closed forms, Markov
                                 chain, optimal selfish mining MDP); nothing is simulated
  peerlab sweep SWEEP.yaml       a resumable parameter sweep stored in SQLite (local cores or
                                 a Dask cluster; runs `python3 -m peerlab sweep`, docs/python.md)
  peerlab reproduce NAME|--list  regenerate a published result beside the paper's numbers
                                 (runs `python3 -m peerlab reproduce`, docs/gallery.md)
  peerlab --version

Run `peerlab COMMAND --help` for a command's options.
)HELP";

constexpr const char* kRunHelp = R"HELP(Usage: peerlab run FILE [--seed N] [--threads N] [--out DIR] [--set KEY=VALUE]... [--quiet] [--force]
                   [--wire-check] [--ignore-memory-estimate]

Runs the scenario in FILE and prints summary.json to stdout.

Options:
  --seed N         use seed N instead of the scenario's `seed`
  --threads N      worker threads of the parallel engine, 1 to 62 or `auto` (the scenario's
                   `engine.threads`; auto: the cores from 5,000 nodes on, else 1). Results are
                   the same for every N; at most one thread per core runs the N shards
                   (run.json's perf.threads and perf.shards say what ran)
  --out DIR        run directory to write (default: runs/NAME-seedN); must not exist
  --set KEY=VALUE  override a scenario key by its dotted path, e.g.
                   --set network.nodes=500 --set groups.pools.hashrate=0.6
                   (validated like the file; may be repeated)
  --force          replace DIR if it holds a previous peerlab run (its run.json manifest);
                   any other directory, `.`, `..`, `/` and parents of the working
                   directory are refused
  --wire-check     encode every message to Bitcoin wire bytes and decode it back, checking
                   the engine's sizes and contents (slow; exit status 1 on a mismatch)
  --quiet          no progress line on stderr
  --ignore-memory-estimate
                   run even when the estimated peak memory (`peerlab check` prints it)
                   exceeds the memory available (MemAvailable, the cgroup limit, ulimit -v);
                   without it such a run is refused before it starts (docs/limits.md)
  -h, --help       this help

The run directory holds run.json (manifest: scenario hash, resolved scenario, seed, version,
wall time, perf), summary.json and blocks.csv. Exit status: 0 ok, 2 bad input (also a
scenario too big for the available memory, and running out of memory: one line, and the
unfinished run directory is removed).
)HELP";

constexpr const char* kCheckHelp = R"HELP(Usage: peerlab check FILE [--set KEY=VALUE]... [--ignore-memory-estimate]

Parses and validates FILE (with overrides) and prints "ok: NAME (N nodes), estimated peak memory
X MiB" or one error line `FILE:LINE:COL: field: message`. A scenario whose estimated peak
memory exceeds the memory available now is refused in one line too, as `peerlab run` would
refuse it, unless --ignore-memory-estimate (a scenario meant for a bigger machine).
Exit status: 0 valid, 2 invalid.
)HELP";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitUsage;
}

struct Args {
  std::string file;
  std::vector<std::string> overrides;
  std::string out;
  bool quiet = false;
  bool force = false;
  bool wire_check = false;
  bool ignore_memory_estimate = false;
  bool help = false;
};

// Parses options shared by run and check; `allow_run_options` admits run-only flags.
bool ParseArgs(int argc, char** argv, int first, bool allow_run_options, Args& args,
               std::string& error) {
  for (int i = first; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        error = std::string(flag) + ": needs a value";
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      args.help = true;
    } else if (arg == "--set") {
      const char* v = value("--set");
      if (!v) return false;
      args.overrides.emplace_back(v);
    } else if (arg.rfind("--set=", 0) == 0) {
      args.overrides.push_back(arg.substr(6));
    } else if (allow_run_options && arg == "--seed") {
      const char* v = value("--seed");
      if (!v) return false;
      std::uint64_t seed = 0;
      const char* end = v + std::strlen(v);
      auto [ptr, ec] = std::from_chars(v, end, seed);
      if (ec != std::errc() || ptr != end || *v == '\0') {
        error = std::string("--seed: expected a non-negative integer, got '") + v + "'";
        return false;
      }
      args.overrides.push_back("seed=" + std::to_string(seed));
    } else if (allow_run_options && arg == "--threads") {
      const char* v = value("--threads");
      if (!v) return false;
      const std::string text = v;
      unsigned threads = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), threads);
      if (text != "auto" &&
          (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || threads < 1 ||
           threads > peerlab::sim::Engine::kMaxShards)) {
        error = "--threads: expected 1 to " + std::to_string(peerlab::sim::Engine::kMaxShards) +
                " or `auto`, got `" + text + "`";
        return false;
      }
      args.overrides.push_back("engine.threads=" + text);
    } else if (allow_run_options && arg == "--out") {
      const char* v = value("--out");
      if (!v) return false;
      args.out = v;
    } else if (allow_run_options && arg == "--quiet") {
      args.quiet = true;
    } else if (allow_run_options && arg == "--wire-check") {
      args.wire_check = true;
    } else if (allow_run_options && arg == "--force") {
      args.force = true;
    } else if (arg == "--ignore-memory-estimate") {  // run and check alike
      args.ignore_memory_estimate = true;
    } else if (!arg.empty() && arg[0] == '-') {
      error = arg + ": unknown option (see --help)";
      return false;
    } else if (args.file.empty()) {
      args.file = arg;
    } else {
      error = arg + ": unexpected argument (one scenario file per run)";
      return false;
    }
  }
  if (!args.help && args.file.empty()) {
    error = "missing scenario FILE (see --help)";
    return false;
  }
  return true;
}

std::string FormatSimTime(peerlab::TimeNs t) {
  const long long s = t / peerlab::kSecond;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lldd %02lld:%02lld:%02lld", s / 86400, (s / 3600) % 24,
                (s / 60) % 60, s % 60);
  return buf;
}

int Run(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, 2, true, args, error)) return Fail(error);
  if (args.help) {
    std::fputs(kRunHelp, stdout);
    return 0;
  }
  auto loaded = peerlab::scenario::LoadScenario(args.file, args.overrides);
  if (!loaded.ok()) return Fail(loaded.status().message());
  auto& scenario = loaded.value();
  scenario.sim.wire_check = args.wire_check;

  peerlab::runner::RunOptions options;
  options.out_dir = !args.out.empty() ? args.out
                                      : "runs/" + scenario.name + "-seed" +
                                            std::to_string(scenario.sim.seed);
  options.replace = args.force;
  options.ignore_memory_estimate = args.ignore_memory_estimate;
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  auto last_print = started;
  const bool tendermint = scenario.protocol == "tendermint";
  const std::string blocks_total =
      tendermint ? (scenario.tendermint.stop_heights > 0
                        ? "/" + std::to_string(scenario.tendermint.stop_heights) : "")
                 : scenario.sim.stop.blocks ? "/" + std::to_string(*scenario.sim.stop.blocks) : "";
  if (!args.quiet) {
    options.progress = [&](const peerlab::sim::ProgressInfo& p) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print < std::chrono::seconds(tty ? 1 : 10)) return;
      last_print = now;
      const double wall = std::chrono::duration<double>(now - started).count();
      // The ns-3 backend's work is its packet events; the engine's are the messages.
      const bool packets = p.network_events > 0;
      const double shown = static_cast<double>(packets ? p.network_events : p.events);
      std::fprintf(stderr, "%ssim %s  %s %u%s  %s %.1fM  %.2fM/s  %.0fx real time%s",
                   tty ? "\r" : "", FormatSimTime(p.now).c_str(),
                   tendermint ? "heights" : "blocks", p.completed,
                   blocks_total.c_str(), packets ? "ns-3 events" : "events", shown / 1e6,
                   shown / wall / 1e6, peerlab::ToSeconds(p.now) / wall, tty ? "   " : "\n");
      std::fflush(stderr);
    };
  }
  auto outcome = peerlab::runner::RunScenario(scenario, options);
  if (!args.quiet && tty) std::fputs("\r\033[K", stderr);
  if (!outcome.ok()) return Fail(outcome.status().message());
  if (!outcome->wire_check.ok()) {
    // A failed wire check is a defect in peerlab, not bad input.
    std::fprintf(stderr, "%s\n", outcome->wire_check.message().c_str());
    return 1;
  }
  std::fputs(outcome->summary_json.c_str(), stdout);
  if (outcome->protocol == "tendermint") {
    if (!args.quiet) {
      std::fprintf(stderr, "peerlab: %.2f s wall, peak RSS %.0f MiB; results in %s\n",
                   outcome->wall_s, outcome->peak_rss_mb, options.out_dir.c_str());
    }
    if (!outcome->safety.ok()) {
      // Agreement broke: the run is written for study, and the exit status says so.
      std::fprintf(stderr, "peerlab: %s\n", outcome->safety.message().c_str());
      return 1;
    }
    return 0;
  }
  if (!scenario.sim.stop.time && outcome->report.sim_time >= peerlab::kTimeLimit) {
    // Shown even with --quiet: the results describe a shorter run than the scenario asked for.
    std::fprintf(stderr,
                 "peerlab: warning: the run reached the 80-year simulated time limit with %u of "
                 "%u blocks mined (docs/limits.md)\n",
                 outcome->report.blocks_mined, scenario.sim.stop.blocks.value_or(0));
  }
  if (!args.quiet) {
    const std::uint64_t packets = outcome->report.network_events;
    char ns3[96] = "";
    if (packets != 0) {
      std::snprintf(ns3, sizeof ns3, " and %llu ns-3 events (%.2fM/s)",
                    static_cast<unsigned long long>(packets),
                    static_cast<double>(packets) / outcome->wall_s / 1e6);
    }
    std::fprintf(stderr, "peerlab: %llu events%s in %.2f s wall (%.2fM events/s), peak RSS %.0f MiB; results in %s\n",
                 static_cast<unsigned long long>(outcome->report.events), ns3,
                 outcome->wall_s,
                 static_cast<double>(outcome->report.events) / outcome->wall_s / 1e6,
                 outcome->peak_rss_mb, options.out_dir.c_str());
  }
  return 0;
}

int Check(int argc, char** argv) {
  Args args;
  std::string error;
  if (!ParseArgs(argc, argv, 2, false, args, error)) return Fail(error);
  if (args.help) {
    std::fputs(kCheckHelp, stdout);
    return 0;
  }
  auto loaded = peerlab::scenario::LoadScenario(args.file, args.overrides);
  if (!loaded.ok()) return Fail(loaded.status().message());
  if (loaded->protocol == "tendermint") {
    // The memory estimate is the Bitcoin family's (docs/limits.md); none exists for this one.
    std::printf("ok: %s (%u nodes, protocol tendermint; no memory estimate for this family)\n",
                loaded->name.c_str(), loaded->sim.nodes);
    return 0;
  }
  const auto memory = peerlab::runner::CheckMemory(*loaded);
  if (auto fits = peerlab::runner::RefuseIfTooBig(*loaded, memory);
      !fits.ok() && !args.ignore_memory_estimate) {
    return Fail(fits.message());
  }
  std::printf("ok: %s (%u nodes), estimated peak memory %s\n", loaded->name.c_str(),
              loaded->sim.nodes, peerlab::sim::FormatBytes(memory.estimate.bytes).c_str());
  return 0;
}

// `peerlab sweep` and `peerlab reproduce` are the Python package's (python/peerlab): replace
// this process with Debian's interpreter running it, the package and module found through
// PYTHONPATH.
int PythonCommand(int argc, char** argv) {
  std::string path = PEERLAB_PYTHON_PATH;
  if (const char* existing = std::getenv("PYTHONPATH"); existing && *existing) {
    path += ":" + std::string(existing);
  }
  setenv("PYTHONPATH", path.c_str(), 1);
  std::vector<char*> args = {const_cast<char*>(PEERLAB_PYTHON_EXECUTABLE),
                             const_cast<char*>("-m"), const_cast<char*>("peerlab")};
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  execv(PEERLAB_PYTHON_EXECUTABLE, args.data());
  return Fail(std::string(argv[1]) + ": cannot start " + PEERLAB_PYTHON_EXECUTABLE + ": " +
              std::strerror(errno) + " (run scripts/setup.sh)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kMainHelp, stderr);
    return kExitUsage;
  }
  const std::string command = argv[1];
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kMainHelp, stdout);
    return 0;
  }
  if (command == "--version") {
    std::printf("peerlab %s (%s)\n", peerlab::kVersion, peerlab::kGitCommit);
    return 0;
  }
  // Long runs (and a sweep's Python workers, which inherit the environment) are bound by
  // memory latency: give their heap huge pages (util/huge_pages.hpp).
  if (command == "run" || command == "sweep" || command == "reproduce") {
    peerlab::ReexecWithHugePages(argv);
  }
  if (command == "run") return Run(argc, argv);
  if (command == "check") return Check(argc, argv);
  if (command == "testbed") return peerlab::apps::TestbedMain(argc, argv);
  if (command == "explore") return peerlab::apps::ExploreMain(argc, argv);
  if (command == "wire") return peerlab::commands::WireMain(argc, argv);
  if (command == "analyze") return peerlab::commands::AnalyzeMain(argc, argv);
  if (command == "report") return peerlab::report::ReportMain(argc, argv);
  if (command == "theory") return peerlab::commands::TheoryMain(argc, argv);
  if (command == "sweep" || command == "reproduce") return PythonCommand(argc, argv);
  if (command == "reference") {
    if (argc > 2 && (std::strcmp(argv[2], "-h") == 0 || std::strcmp(argv[2], "--help") == 0)) {
      std::puts("Usage: peerlab reference\n\nPrints docs/scenario-reference.md: every scenario key, its type, default and meaning.");
      return 0;
    }
    std::fputs(peerlab::scenario::ScenarioReferenceMarkdown().c_str(), stdout);
    return 0;
  }
  return Fail(command + ": unknown command (see peerlab --help)");
}
