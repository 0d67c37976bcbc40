// The campaign (explore.hpp): runs in child processes, `jobs` at a time, replays for
// determinism, then each failure shrunk and written.
#include "peerlab/explore/explore.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "isolated.hpp"
#include "peerlab/util/json.hpp"
#include "peerlab/explore/bitcoin_case.hpp"
#include "peerlab/explore/tendermint_case.hpp"

namespace peerlab::explore {
namespace {

namespace fs = std::filesystem;

// The campaign's figures as explore.json has always written them: six significant digits.
Json SixDigits(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return RawJson(buf);
}

bool WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

struct Active {
  std::unique_ptr<ChildRun> child;
  std::uint64_t run;
};

BitcoinCase Draw(std::uint64_t seed, std::uint64_t run, const BitcoinCase*) {
  return DrawBitcoinCase(seed, run);
}
TendermintCase Draw(std::uint64_t seed, std::uint64_t run, const TendermintCase*) {
  return DrawTendermintCase(seed, run);
}

// Cuts `failure`'s case down while it still fails the same invariant.
template <class Case>
void Shrink(const Case& original, const ExploreOptions& options, Failure& failure) {
  Case current = original;
  std::uint32_t runs = 0;
  bool smaller = true;
  while (smaller && runs < options.max_shrink_runs) {
    smaller = false;
    for (const Case& candidate : ShrinkSteps(current)) {
      if (runs >= options.max_shrink_runs) break;
      ++runs;
      const Verdict v = CheckIsolated(options.family, candidate.ToYaml("explore-shrunk"),
                                      candidate.faults_end(), options.check);
      if (!v.ok && v.invariant == failure.invariant) {
        current = candidate;
        failure.detail = v.detail;
        smaller = true;
        break;
      }
    }
  }
  failure.shrink_runs = runs;
  failure.shrunk_nodes = current.nodes;
  failure.shrunk_yaml = current.ToYaml("explore-shrunk");
}

template <class Case>
Result<ExploreReport> Campaign(const ExploreOptions& options) {
  const auto draw = [&](std::uint64_t run) { return Draw(options.seed, run, static_cast<const Case*>(nullptr)); };
  const auto started = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  ExploreReport report;
  std::map<std::uint64_t, std::string> first_digest;  // replayed runs: the first verdict's
  std::map<std::uint64_t, Case> failed;
  std::vector<Active> active;
  std::uint64_t next = 0;
  bool second_of_replay = false;  // the next child started is a replay of run next - 1
  const std::uint32_t jobs = std::max<std::uint32_t>(1, options.jobs);
  const auto replayed = [&](std::uint64_t run) {
    return options.replay_every > 0 && run % options.replay_every == 0;
  };
  const auto record = [&](std::uint64_t run, const Verdict& v) {
    if (!v.ok && failed.count(run) == 0) {
      failed.emplace(run, draw(run));
      Failure f;
      f.run = run;
      f.invariant = v.invariant;
      f.detail = v.detail;
      report.failures.push_back(f);
    }
    if (!replayed(run)) return true;  // counted once
    auto [it, fresh] = first_digest.emplace(run, v.digest);
    if (fresh) return false;  // wait for the second
    if (v.ok && it->second != v.digest && failed.count(run) == 0) {
      failed.emplace(run, draw(run));
      Failure f;
      f.run = run;
      f.invariant = "determinism";
      f.detail = "a replay ended in another state (" + it->second + " then " + v.digest + ")";
      report.failures.push_back(f);
    }
    ++report.replays;
    return true;
  };
  for (;;) {
    while (active.size() < jobs && (second_of_replay || next < options.runs)) {
      if (!second_of_replay && options.time_budget_s > 0 && elapsed() >= options.time_budget_s) {
        report.budget_reached = next < options.runs;
        break;
      }
      if (!second_of_replay && options.max_failures > 0 &&
          report.failures.size() >= options.max_failures) {
        break;
      }
      const std::uint64_t run = second_of_replay ? next - 1 : next++;
      second_of_replay = !second_of_replay && replayed(run);
      const Case c = draw(run);
      auto child = std::make_unique<ChildRun>();
      if (!child->Start(options.family, c.ToYaml("explore"), c.faults_end(), options.check)) {
        return Status::Error("explore: cannot start a child process");
      }
      active.push_back({std::move(child), run});
    }
    if (active.empty()) break;
    for (std::size_t i = 0; i < active.size();) {
      if (active[i].child->Pump()) {
        ++i;
        continue;
      }
      const Verdict v = active[i].child->Finish();
      const std::uint64_t run = active[i].run;
      active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
      const bool counted = record(run, v);
      report.sim_time_s += v.sim_time_s;
      report.events += v.events;
      report.faults_injected += v.faults_injected;
      if (counted) {
        ++report.runs;
        report.recovery_checked += v.recovery_checked;
        report.checkpoints += v.checkpoints;
        if (options.progress) options.progress(report.runs, report.failures.size());
      }
    }
  }
  // In run order, whichever child finished first.
  std::sort(report.failures.begin(), report.failures.end(),
            [](const Failure& a, const Failure& b) { return a.run < b.run; });
  for (Failure& f : report.failures) {
    const Case& c = failed.at(f.run);
    f.scenario_seed = c.seed;
    f.nodes = c.nodes;
    f.yaml = c.ToYaml("explore");
    if (f.invariant == "determinism") {
      f.shrunk_yaml = f.yaml;
      f.shrunk_nodes = f.nodes;
    } else {
      Shrink(c, options, f);
    }
    if (options.out_dir.empty()) continue;
    const std::string stem = options.family + "-seed" + std::to_string(options.seed) + "-run" +
                             std::to_string(f.run);
    const fs::path dir = fs::path(options.out_dir) / "failures";
    f.file = (dir / (stem + ".yaml")).string();
    f.shrunk_file = (dir / (stem + "-shrunk.yaml")).string();
    if (!WriteFile(f.file, f.yaml) || !WriteFile(f.shrunk_file, f.shrunk_yaml)) {
      return Status::Error(f.file + ": cannot write");
    }
  }
  report.wall_s = elapsed();
  if (!options.out_dir.empty() &&
      !WriteFile(fs::path(options.out_dir) / "explore.json", report.ToJson(options))) {
    return Status::Error(options.out_dir + "/explore.json: cannot write");
  }
  return report;
}

}  // namespace

Result<ExploreReport> Explore(const ExploreOptions& options) {
  if (options.family != "bitcoin" && options.family != "tendermint") {
    return Status::Error("explore: unknown family `" + options.family +
                         "` (families: bitcoin, tendermint)");
  }
  if (!options.out_dir.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(options.out_dir) / "failures", ec);
    if (ec) return Status::Error(options.out_dir + ": cannot create: " + ec.message());
  }
  return options.family == "bitcoin" ? Campaign<BitcoinCase>(options)
                                     : Campaign<TendermintCase>(options);
}

std::string ExploreReport::ToJson(const ExploreOptions& options) const {
  Json j = Json::object();
  j["family"] = options.family;
  j["seed"] = options.seed;
  j["runs"] = runs;
  j["replays"] = replays;
  j["budget_reached"] = budget_reached;
  j["wall_s"] = SixDigits(wall_s);
  j["runs_per_minute"] = SixDigits(wall_s > 0 ? runs * 60.0 / wall_s : 0);
  j["simulated_hours"] = SixDigits(sim_time_s / 3600);
  j["events"] = events;
  j["faults_injected"] = faults_injected;
  j["recovery_checked"] = recovery_checked;
  j["checkpoints"] = checkpoints;
  Json& list = j["failures"] = Json::array();
  for (const Failure& f : failures) {
    list.push_back(Json{{"run", f.run},
                        {"scenario_seed", f.scenario_seed},
                        {"invariant", f.invariant},
                        {"detail", f.detail},
                        {"nodes", f.nodes},
                        {"shrunk_nodes", f.shrunk_nodes},
                        {"shrink_runs", f.shrink_runs},
                        {"file", f.file},
                        {"shrunk_file", f.shrunk_file}});
  }
  // One failure a line.
  return DumpJson(j, {.pretty = true, .one_line_depth = 2, .strings = JsonFormat::Strings::kHexControl}) +
         "\n";
}

}  // namespace peerlab::explore
