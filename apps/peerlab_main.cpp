// peerlab: command-line front end. kCommands (below) is the table of commands; each parses its
// own options with CLI11 (cli/). `run` loads and validates the scenario, runs it and prints the
// summary. Every user error is one line on stderr and exit status 2.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "peerlab/cli/cli.hpp"
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
#include "report_cmd.hpp"
#include "testbed_cmd.hpp"

namespace {

constexpr int kExitUsage = peerlab::cli::kExitUsage;

constexpr const char* kRunDescription = "Runs the scenario in FILE and prints summary.json to stdout.";

constexpr const char* kRunFooter =
    R"(The run directory holds run.json (manifest: scenario hash, resolved scenario, seed, version,
wall time, perf), summary.json and blocks.csv. Exit status: 0 ok, 1 a failed --wire-check or
(Tendermint) broken agreement, 2 bad input (also a scenario too big for the available memory,
and running out of memory: one line, and the unfinished run directory is removed).)";

constexpr const char* kCheckDescription =
    R"(Parses and validates FILE (with overrides) and prints "ok: NAME (N nodes), estimated peak memory
X MiB" or one error line `FILE:LINE:COL: field: message`. A scenario whose estimated peak
memory exceeds the memory available now is refused in one line too, as `peerlab run` would
refuse it, unless --ignore-memory-estimate (a scenario meant for a bigger machine).)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitUsage;
}

// What `run` and `check` share: the scenario and its overrides.
struct ScenarioArgs {
  std::string file;
  std::vector<std::string> overrides;  // --set, in the order given
  bool ignore_memory_estimate = false;
};

void AddScenarioOptions(CLI::App& app, ScenarioArgs& args) {
  app.add_option("FILE", args.file, "the scenario (docs/scenario-reference.md)")->required();
  app.add_option("--set", args.overrides,
                 "override a scenario key by its dotted path, e.g. "
                 "--set network.nodes=500 --set groups.pools.hashrate=0.6 (validated like the "
                 "file; may be repeated)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

const char* kIgnoreMemoryHelp =
    "run even when the estimated peak memory (`peerlab check` prints it) exceeds the memory "
    "available (MemAvailable, the cgroup limit, ulimit -v); without it such a run is refused "
    "before it starts (docs/limits.md)";

// --threads: 1 to Engine::kMaxShards, or `auto`.
CLI::Validator ThreadCount() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        unsigned threads = 0;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), threads);
        const bool number = !text.empty() && ec == std::errc() &&
                            ptr == text.data() + text.size() && threads >= 1 &&
                            threads <= peerlab::sim::Engine::kMaxShards;
        if (number || text == "auto") return {};
        return "expected 1 to " + std::to_string(peerlab::sim::Engine::kMaxShards) +
               " or `auto`, got `" + text + "`";
      },
      "");
}

std::string FormatSimTime(peerlab::TimeNs t) {
  const long long s = t / peerlab::kSecond;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%lldd %02lld:%02lld:%02lld", s / 86400, (s / 3600) % 24,
                (s / 60) % 60, s % 60);
  return buf;
}

int RunMain(int argc, char** argv) {
  CLI::App app{kRunDescription, "peerlab run"};
  peerlab::cli::Configure(app, kRunFooter);
  ScenarioArgs args;
  AddScenarioOptions(app, args);
  std::string seed, threads, out;
  bool quiet = false, force = false, wire_check = false;
  app.add_option("--seed", seed, "use seed N instead of the scenario's `seed`")
      ->type_name("N")
      ->check(peerlab::cli::Unsigned(0, UINT64_MAX));
  app.add_option("--threads", threads,
                 "worker threads of the parallel engine, 1 to 62 or `auto` (the scenario's "
                 "`engine.threads`; auto: the cores from 5,000 nodes on, else 1). Results are "
                 "the same for every N; at most one thread per core runs the N shards "
                 "(run.json's perf.threads and perf.shards say what ran)")
      ->type_name("N")
      ->check(ThreadCount());
  app.add_option("--out", out, "run directory to write (default: runs/NAME-seedN); must "
                               "not exist")
      ->type_name("DIR");
  app.add_flag("--force", force,
               "replace DIR if it holds a previous peerlab run (its run.json manifest); any "
               "other directory, `.`, `..`, `/` and parents of the working directory are "
               "refused");
  app.add_flag("--wire-check", wire_check,
               "encode every message to Bitcoin wire bytes and decode it back, checking the "
               "engine's sizes and contents (slow; exit status 1 on a mismatch)");
  app.add_flag("--quiet", quiet, "no progress line on stderr");
  app.add_flag("--ignore-memory-estimate", args.ignore_memory_estimate, kIgnoreMemoryHelp);
  if (auto done = peerlab::cli::Parse(app, argc, argv, 2)) return *done;
  // The flags are overrides like --set's, applied after them.
  if (!seed.empty()) args.overrides.push_back("seed=" + std::to_string(std::stoull(seed)));
  if (!threads.empty()) args.overrides.push_back("engine.threads=" + threads);

  auto loaded = peerlab::scenario::LoadScenario(args.file, args.overrides);
  if (!loaded.ok()) return Fail(loaded.status().message());
  auto& scenario = loaded.value();
  scenario.sim.wire_check = wire_check;

  peerlab::runner::RunOptions options;
  options.out_dir = !out.empty() ? out
                                 : "runs/" + scenario.name + "-seed" +
                                            std::to_string(scenario.sim.seed);
  options.replace = force;
  options.ignore_memory_estimate = args.ignore_memory_estimate;
  const bool tty = isatty(STDERR_FILENO) != 0;
  const auto started = std::chrono::steady_clock::now();
  auto last_print = started;
  const bool tendermint = scenario.protocol == "tendermint";
  const std::string blocks_total =
      tendermint ? (scenario.tendermint.stop_heights > 0
                        ? "/" + std::to_string(scenario.tendermint.stop_heights) : "")
                 : scenario.sim.stop.blocks ? "/" + std::to_string(*scenario.sim.stop.blocks) : "";
  if (!quiet) {
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
  if (!quiet && tty) std::fputs("\r\033[K", stderr);
  if (!outcome.ok()) return Fail(outcome.status().message());
  if (!outcome->wire_check.ok()) {
    // A failed wire check is a defect in peerlab, not bad input.
    std::fprintf(stderr, "%s\n", outcome->wire_check.message().c_str());
    return 1;
  }
  std::fputs(outcome->summary_json.c_str(), stdout);
  if (outcome->protocol == "tendermint") {
    if (!quiet) {
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
  if (!quiet) {
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

int CheckMain(int argc, char** argv) {
  CLI::App app{kCheckDescription, "peerlab check"};
  peerlab::cli::Configure(app, "Exit status: 0 valid, 2 invalid.");
  ScenarioArgs args;
  AddScenarioOptions(app, args);
  app.add_flag("--ignore-memory-estimate", args.ignore_memory_estimate,
               "accept a scenario whose estimated peak memory exceeds the memory available now");
  if (auto done = peerlab::cli::Parse(app, argc, argv, 2)) return *done;
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

int ReferenceMain(int argc, char** argv) {
  CLI::App app{"Prints docs/scenario-reference.md: every scenario key, its type, default and "
               "meaning (Markdown).",
               "peerlab reference"};
  peerlab::cli::Configure(app);
  if (auto done = peerlab::cli::Parse(app, argc, argv, 2)) return *done;
  std::fputs(peerlab::scenario::ScenarioReferenceMarkdown().c_str(), stdout);
  return 0;
}

// `peerlab sweep` and `peerlab reproduce` are the Python package's (python/peerlab), which
// parses their arguments (`--help` included): replace this process with Debian's interpreter
// running it, the package and module found through PYTHONPATH.
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

// Every command of `peerlab`, in the order `peerlab --help` lists them: the one place a
// command is registered. `main` parses its own options from argv (argv[1] is the command's
// name) with CLI11 and returns the exit status; `huge_pages`: long runs (and a sweep's Python
// workers, which inherit the environment) are bound by memory latency, so their heap gets
// huge pages (util/huge_pages.hpp).
struct Command {
  const char* name;
  const char* summary;  // one line of `peerlab --help`
  int (*main)(int argc, char** argv);  // null: print peerlab's help
  bool huge_pages = false;
};

const Command kCommands[] = {
    {"run", "FILE [options]: run a scenario, write a run directory, print its summary", RunMain,
     true},
    {"check", "FILE [--set K=V]...: parse and validate a scenario without running it",
     CheckMain},
    {"testbed",
     "FILE [options]: run a small scenario (at most 64 nodes) as real peerlabd processes on "
     "loopback; same run directory contract",
     peerlab::apps::TestbedMain},
    {"reference", "print the scenario format reference (Markdown)", ReferenceMain},
    {"explore",
     "FAMILY [options]: generated scenarios (partitions, message faults, churn, attacks) "
     "checked against invariants; failures shrunk",
     peerlab::apps::ExploreMain},
    {"analyze", "RUN_DIR | --graph FILE: topology metrics and report of a run",
     peerlab::commands::AnalyzeMain},
    {"report",
     "RUN_DIR [--out FILE] [--open]: one self-contained HTML page of a run: report.html "
     "(propagation viewer, forks, topology, attacks)",
     peerlab::apps::ReportMain},
    {"wire", "decode|encode|mine|check-block: Bitcoin P2P bytes to JSON lines and back, real "
             "blocks",
     peerlab::commands::WireMain},
    {"theory",
     "selfish-mining|double-spend|tendermint: attack theory as JSON (closed forms, Markov "
     "chain, optimal selfish mining MDP); nothing is simulated",
     peerlab::commands::TheoryMain},
    {"sweep",
     "SWEEP.yaml: a resumable parameter sweep stored in SQLite (local cores or a Dask "
     "cluster; runs `python3 -m peerlab sweep`, docs/python.md)",
     PythonCommand, true},
    {"reproduce",
     "NAME|--list: regenerate a published result beside the paper's numbers (runs "
     "`python3 -m peerlab reproduce`, docs/gallery.md)",
     PythonCommand, true},
    {"help", "this help (as --help)", nullptr},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"peerlab: a network simulator for peer-to-peer consensus", "peerlab"};
  peerlab::cli::Configure(app, "Run `peerlab COMMAND --help` for a command's options, e.g. "
                               "`peerlab theory selfish-mining --help`.");
  app.set_version_flag("--version", std::string("peerlab ") + peerlab::kVersion + " (" +
                                        peerlab::kGitCommit + ")",
                       "print the version and exit");
  app.get_formatter()->label("SUBCOMMAND", "COMMAND");
  app.require_subcommand(1);
  for (const Command& command : kCommands) {
    // The command parses the rest itself, --help included.
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    sub->group("Commands")->prefix_command()->set_help_flag();
  }
  const std::string help = app.help();  // before parsing: afterwards it is the command's
  // Only the command's name is parsed here (argv[1]); the command parses the rest.
  if (auto done = peerlab::cli::Parse(app, std::min(argc, 2), argv, 1)) return *done;
  for (const Command& command : kCommands) {
    if (!app.got_subcommand(command.name)) continue;
    if (command.main == nullptr) {
      std::fputs(help.c_str(), stdout);
      return 0;
    }
    if (command.huge_pages) peerlab::ReexecWithHugePages(argv);
    return command.main(argc, argv);
  }
  return Fail("peerlab: no command");  // require_subcommand(1) makes this unreachable
}
