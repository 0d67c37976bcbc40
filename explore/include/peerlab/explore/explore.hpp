// `peerlab explore FAMILY`: deterministic simulation testing (docs/testing.md, "Exploration").
// A campaign draws scenarios from a seeded generator (bitcoin_case.hpp), runs each in a child
// process (an assertion that fires fails that run only) and checks the family's invariants
// (check.hpp); every `replay_every`-th run is run twice and must give the same final state. A
// failing case is written as a scenario `peerlab run` reproduces, then shrunk (fewer nodes,
// blocks, partitions, faults, ...) while it still fails the same invariant, and written again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "peerlab/explore/check.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::explore {

struct ExploreOptions {
  std::string family = "bitcoin";
  std::uint64_t runs = 100;
  std::uint64_t seed = 1;
  double time_budget_s = 0;  // stop starting runs after this much wall time (0: no budget)
  std::string out_dir;       // failures/*.yaml and explore.json; empty: nothing written
  std::uint32_t jobs = 1;    // child processes at once
  std::uint32_t replay_every = 10;  // 0: no replays
  std::uint32_t max_shrink_runs = 300;
  // Stop starting runs once this many have failed (0: never); those under way finish.
  std::uint32_t max_failures = 0;
  CheckOptions check;
  // Called after each run with (runs done, failures so far).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct Failure {
  std::uint64_t run = 0;  // index in the campaign
  std::uint64_t scenario_seed = 0;
  std::string invariant, detail;
  std::string yaml, shrunk_yaml;
  std::uint32_t nodes = 0, shrunk_nodes = 0;
  std::uint32_t shrink_runs = 0;
  std::string file, shrunk_file;  // where they were written (empty without out_dir)
};

struct ExploreReport {
  std::uint64_t runs = 0;     // scenarios run and checked (replays not counted)
  std::uint64_t replays = 0;  // of which run twice for determinism
  double wall_s = 0;
  double sim_time_s = 0;  // simulated, over all runs
  std::uint64_t events = 0;
  std::uint64_t faults_injected = 0;  // messages dropped, duplicated or delayed, partitions
  std::uint64_t recovery_checked = 0;  // runs the convergence invariant applied to
  std::uint64_t checkpoints = 0;  // state checks during the runs (each run's end not counted)
  bool budget_reached = false;
  std::vector<Failure> failures;
  std::string ToJson(const ExploreOptions& options) const;
};

// Errors: an unknown family, an out directory that cannot be written.
Result<ExploreReport> Explore(const ExploreOptions& options);

// One run in a child process: the verdict, or an "assertion" failure with what the child
// printed when it died.
Verdict CheckIsolated(const std::string& family, const std::string& yaml, DurationNs faults_end,
                      const CheckOptions& options);

}  // namespace peerlab::explore
