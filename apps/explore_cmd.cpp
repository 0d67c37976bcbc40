// `peerlab explore FAMILY`: the command line of explore/ (docs/testing.md, "Exploration").
#include "explore_cmd.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "peerlab/explore/explore.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::apps {
namespace {

constexpr int kExitUsage = 2;

constexpr const char* kHelp = R"HELP(Usage: peerlab explore FAMILY [--runs N] [--seed S] [--time-budget D] [--out DIR] [--jobs N]
                       [--replay-every K] [--max-failures N] [--quiet]

Deterministic simulation testing: draws scenarios of FAMILY (bitcoin or tendermint) from a
seeded generator (node counts, topologies, hashrate or voting-power splits, partitions and
heals, message faults, churn, attacks), runs each in a child process and checks the family's
invariants (docs/testing.md, "Exploration"). A failing case is written as a scenario that
`peerlab run` reproduces, shrunk (fewer nodes, blocks, partitions, faults) while it still
fails, and written again.

Options:
  --runs N          scenarios to run (default 100)
  --seed S          the campaign's seed: the same seed draws the same scenarios (default 1)
  --time-budget D   stop starting runs after this much wall time, e.g. `10 min` (default: none)
  --out DIR         write DIR/explore.json and DIR/failures/*.yaml (default
                    runs/explore-FAMILY-seedS; an existing directory is written into)
  --jobs N          runs at once (default: the machine's cores)
  --replay-every K  run every K-th scenario twice and compare its final state (default 10;
                    0: never)
  --max-failures N  stop starting runs after N failures (default 10; 0: never)
  --quiet           no progress line

Prints a summary as JSON (explore.json); for each failure, one line
`seed=SCENARIO_SEED scenario=FILE invariant=NAME: what was seen` on standard error.
Exit status: 0 when every run passed, 1 when some failed, 2 on misuse.
)HELP";

int Usage(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return kExitUsage;
}

bool ParseCount(const char* text, std::uint64_t min, std::uint64_t max, std::uint64_t* out) {
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, *out);
  return ec == std::errc() && ptr == end && *text != '\0' && *out >= min && *out <= max;
}

}  // namespace

int ExploreMain(int argc, char** argv) {
  explore::ExploreOptions options;
  options.max_failures = 10;
  options.jobs = std::max(1u, std::thread::hardware_concurrency());
  bool quiet = false;
  std::string family;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)flag;
      return argv[++i];
    };
    std::uint64_t n = 0;
    if (arg == "-h" || arg == "--help") {
      std::fputs(kHelp, stdout);
      return 0;
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (arg == "--runs" || arg == "--seed" || arg == "--jobs" || arg == "--replay-every" ||
               arg == "--max-failures") {
      const char* v = value(arg.c_str());
      if (v == nullptr) return Usage(arg + ": needs a value");
      const std::uint64_t min = arg == "--runs" || arg == "--jobs" ? 1 : 0;
      const std::uint64_t max = arg == "--jobs" ? 256 : arg == "--runs" ? 100'000'000 : UINT64_MAX;
      if (!ParseCount(v, min, max, &n)) {
        return Usage(arg + ": expected an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], got `" + v + "`");
      }
      if (arg == "--runs") options.runs = n;
      if (arg == "--seed") options.seed = n;
      if (arg == "--jobs") options.jobs = static_cast<std::uint32_t>(n);
      if (arg == "--max-failures") {
        options.max_failures = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
      }
      if (arg == "--replay-every") {
        options.replay_every = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, UINT32_MAX));
      }
    } else if (arg == "--time-budget") {
      const char* v = value("--time-budget");
      if (v == nullptr) return Usage("--time-budget: needs a value");
      auto d = scenario::ParseDuration(v);
      if (!d.ok() || *d <= 0) {
        return Usage(std::string("--time-budget: expected a positive duration like `10 min`, got `") +
                     v + "`" + (d.ok() ? "" : " (" + d.status().message() + ")"));
      }
      options.time_budget_s = static_cast<double>(*d) / 1e9;
    } else if (arg == "--out") {
      const char* v = value("--out");
      if (v == nullptr || *v == '\0') return Usage("--out: needs a directory");
      options.out_dir = v;
    } else if (!arg.empty() && arg[0] == '-') {
      return Usage(arg + ": unknown option (see peerlab explore --help)");
    } else if (family.empty()) {
      family = arg;
    } else {
      return Usage(arg + ": unexpected argument (one family)");
    }
  }
  if (family.empty()) {
    return Usage("missing FAMILY: bitcoin or tendermint (see peerlab explore --help)");
  }
  if (family != "bitcoin" && family != "tendermint") {
    return Usage("explore: unknown family `" + family + "` (families: bitcoin, tendermint)");
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
  if (!report.ok()) return Usage(report.status().message());
  for (const explore::Failure& f : report->failures) {
    std::fprintf(stderr, "seed=%llu scenario=%s invariant=%s: %s\n",
                 static_cast<unsigned long long>(f.scenario_seed), f.shrunk_file.c_str(),
                 f.invariant.c_str(), f.detail.c_str());
  }
  std::fputs(report->ToJson(options).c_str(), stdout);
  return report->failures.empty() ? 0 : 1;
}

}  // namespace peerlab::apps
