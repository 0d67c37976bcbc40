// `peerlab explore FAMILY`: the command line of explore/ (docs/testing.md, "Exploration").
#include "explore_cmd.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "peerlab/cli/cli.hpp"
#include "peerlab/explore/explore.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::apps {
namespace {

constexpr const char* kDescription =
    R"(Deterministic simulation testing: draws scenarios of FAMILY (bitcoin or tendermint) from a
seeded generator (node counts, topologies, hashrate or voting-power splits, partitions and
heals, message faults, churn, attacks), runs each in a child process and checks the family's
invariants (docs/testing.md, "Exploration"). A failing case is written as a scenario that
`peerlab run` reproduces, shrunk (fewer nodes, blocks, partitions, faults) while it still
fails, and written again.)";

constexpr const char* kFooter =
    R"(Prints a summary as JSON (explore.json); for each failure, one line
`seed=SCENARIO_SEED scenario=FILE invariant=NAME: what was seen` on standard error.
Exit status: 0 when every run passed, 1 when some failed, 2 on misuse.)";

// --time-budget: a positive duration in the scenario format's units, e.g. `10 min`.
CLI::Validator PositiveDuration() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        auto d = scenario::ParseDuration(text);
        if (d.ok() && *d > 0) return {};
        return "expected a positive duration like `10 min`, got `" + text + "`" +
               (d.ok() ? "" : " (" + d.status().message() + ")");
      },
      "");
}

}  // namespace

int ExploreMain(int argc, char** argv) {
  explore::ExploreOptions options;
  options.max_failures = 10;
  options.jobs = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
  std::string family, time_budget;
  CLI::App app{kDescription, "peerlab explore"};
  cli::Configure(app, kFooter);
  app.add_option("FAMILY", family, "bitcoin or tendermint")
      ->required()
      ->check(cli::OneOf({"bitcoin", "tendermint"}));
  app.add_option("--runs", options.runs, "scenarios to run (default 100)")
      ->type_name("N")
      ->check(cli::Unsigned(1, 100'000'000));
  app.add_option("--seed", options.seed,
                 "the campaign's seed: the same seed draws the same scenarios (default 1)")
      ->type_name("S")
      ->check(cli::Unsigned(0, UINT64_MAX));
  app.add_option("--time-budget", time_budget,
                 "stop starting runs after this much wall time, e.g. `10 min` (default: none)")
      ->type_name("D")
      ->check(PositiveDuration());
  app.add_option("--out", options.out_dir,
                 "write DIR/explore.json and DIR/failures/*.yaml (default "
                 "runs/explore-FAMILY-seedS; an existing directory is written into)")
      ->type_name("DIR")
      ->check(CLI::Validator(
          [](std::string& dir) { return dir.empty() ? std::string("needs a directory") : ""; },
          ""));
  app.add_option("--jobs", options.jobs, "runs at once, 1 to 256 (default: the machine's cores)")
      ->type_name("N")
      ->check(cli::Unsigned(1, 256));
  app.add_option("--replay-every", options.replay_every,
                 "run every K-th scenario twice and compare its final state (default 10; "
                 "0: never)")
      ->type_name("K")
      ->check(cli::Unsigned(0, UINT32_MAX));
  app.add_option("--max-failures", options.max_failures,
                 "stop starting runs after N failures (default 10; 0: never)")
      ->type_name("N")
      ->check(cli::Unsigned(0, UINT32_MAX));
  app.add_flag("--quiet", quiet, "no progress line");
  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  if (!time_budget.empty()) {
    options.time_budget_s = static_cast<double>(*scenario::ParseDuration(time_budget)) / 1e9;
  }
  options.family = family;
  if (options.out_dir.empty()) {
    options.out_dir = "runs/explore-" + family + "-seed" + std::to_string(options.seed);
  }
  const bool tty = isatty(STDERR_FILENO) != 0;
  if (!quiet) {
    options.progress = [&](std::uint64_t runs, std::uint64_t failures) {
      if (!tty && runs % 100 != 0 && runs != options.runs) return;
      std::fprintf(stderr, "%s%llu/%llu runs, %llu failed%s", tty ? "\r" : "",
                   static_cast<unsigned long long>(runs),
                   static_cast<unsigned long long>(options.runs),
                   static_cast<unsigned long long>(failures), tty ? "" : "\n");
    };
  }
  auto report = explore::Explore(options);
  if (tty && !quiet) std::fputc('\n', stderr);
  if (!report.ok()) {
    std::fprintf(stderr, "%s\n", report.status().message().c_str());
    return cli::kExitUsage;
  }
  for (const explore::Failure& f : report->failures) {
    std::fprintf(stderr, "seed=%llu scenario=%s invariant=%s: %s\n",
                 static_cast<unsigned long long>(f.scenario_seed), f.shrunk_file.c_str(),
                 f.invariant.c_str(), f.detail.c_str());
  }
  std::fputs(report->ToJson(options).c_str(), stdout);
  return report->failures.empty() ? 0 : 1;
}

}  // namespace peerlab::apps
