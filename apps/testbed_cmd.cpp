// `peerlab testbed FILE`: runs a scenario as real peerlabd processes on loopback.
//
// Each node gets its own loopback address (127.0.1.N) so that peers can tell nodes apart by
// address: that is what the per-peer link delay keys on (--link-delay IPV4=MS). The graph is
// the simulator's initial topology for the scenario's seed (sim::BuildTopology with the same
// RNG stream), dialled by the edge's `from` side, with node-chosen connections off. Miners find
// blocks as Poisson processes whose rates add up to one block per block_interval.
//
// Signals: SIGINT/SIGTERM/SIGCHLD are blocked and taken with sigtimedwait in the loop, so the
// stop path (SIGTERM to every child, wait, SIGKILL after a grace period) is ordinary code and
// never runs in a handler. Children die with us too (PR_SET_PDEATHSIG) if we are killed hard.
#include "testbed_cmd.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "peerlab/cli/cli.hpp"
#include "peerlab/results/run_directory.hpp"
#include "peerlab/scenario/units.hpp"
#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/bitcoin/sim/plan_input.hpp"
#include "peerlab/sim/rng_purposes.hpp"
#include "peerlab/sim/topology.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::apps {
namespace {

using testbed::NodeOutcome;
using testbed::NodeStatus;
using testbed::NodePlan;
using testbed::ReadStatus;
using testbed::RunInfo;

constexpr std::uint32_t kMaxTestbedNodes = 64;
constexpr std::uint32_t kLoopbackBase = 0x7f000100;  // 127.0.1.0: node i is 127.0.1.(i + 1)
constexpr auto kStopGrace = std::chrono::seconds(10);  // SIGTERM to SIGKILL
constexpr double kBlocksDrainS = 10;
constexpr double kMinQuietTailS = 2;  // no mining in the last max(2 s, 10 %) of a run  // after stop.blocks: time for the last block to spread

constexpr const char* kDescription =
    R"(Runs the scenario in FILE as one peerlabd process per node on loopback (at most 64 nodes),
wired as the simulator's initial topology for the scenario's seed, for stop.time of wall-clock
time, then writes a run directory with the same summary.json contract as `peerlab run`
(backend "testbed") and prints summary.json.)";

constexpr const char* kFooter =
    R"(Each daemon's datadir (status.json, blocks.csv, peers.csv, peerlabd.log) is kept under
DIR/nodes/. Exit status: 0 ok, 1 a daemon crashed or results could not be written (what
was collected is still written), 2 bad input, 130 interrupted (results still written).)";

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return cli::kExitUsage;
}

struct Args {
  std::string file, out, chain = "peerlab-sim", link_mode = "userspace-delay", peerlabd;
  std::vector<std::string> overrides;
  std::optional<DurationNs> duration;
  bool force = false, quiet = false;
};

// The command line of `peerlab testbed` into `a` (--duration as text into `duration`).
void AddOptions(CLI::App& app, Args& a, std::string& duration) {
  app.add_option("FILE", a.file, "the scenario (at most 64 nodes, honest groups)")->required();
  app.add_option("--set", a.overrides,
                 "override a scenario key (as for run; repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--out", a.out,
                 "run directory (default runs/NAME-testbed-seedN); must not exist")
      ->type_name("DIR");
  app.add_flag("--force", a.force,
               "replace DIR if it holds a previous peerlab run (its run.json manifest)");
  app.add_option("--duration", duration,
                 "wall-clock duration instead of stop.time, e.g. 20s, 10min")
      ->type_name("D")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            auto d = scenario::ParseDuration(text);
            if (d.ok() && *d > 0) return {};
            return "expected a positive duration such as 20s or 10min, got '" + text + "'";
          },
          ""));
  app.add_option("--chain", a.chain, "peerlabd --chain (default peerlab-sim)")
      ->type_name("NAME");
  app.add_option("--link-mode", a.link_mode,
                 "userspace-delay (default: the daemons hold sent bytes for the "
                 "region-pair one-way latency) or none (loopback as it is)")
      ->type_name("MODE")
      ->check(cli::OneOf({"userspace-delay", "none"}));
  app.add_option("--peerlabd", a.peerlabd,
                 "the daemon binary (default: peerlabd next to this program)")
      ->type_name("PATH");
  app.add_flag("--quiet", a.quiet, "no progress lines on stderr");
}

// What the testbed cannot reproduce is refused, naming the field, rather than run differently.
Status CheckSupported(const scenario::Scenario& s, const Args& a) {
  const sim::SimConfig& c = s.sim;
  auto err = [&](const std::string& m) { return Status::Error(s.file + ": " + m); };
  if (c.nodes > kMaxTestbedNodes) {
    return err("network.nodes: the testbed runs at most " + std::to_string(kMaxTestbedNodes) +
               " nodes (one process each), got " + std::to_string(c.nodes));
  }
  for (const sim::GroupSpec& g : c.groups) {
    if (!g.honest()) {
      return err("groups." + g.name + ".strategy: the testbed runs honest nodes only");
    }
  }
  if (c.churn.enabled) return err("churn: not supported by the testbed");
  if (!c.events.empty()) return err("events: not supported by the testbed");
  if (!c.outages.empty()) return err("outages: not supported by the testbed");
  if (c.transactions.rate_per_s > 0) return err("transactions.rate: not supported by the testbed");
  if (!a.duration && !c.stop.time) {
    return err("stop.time: the testbed needs a wall-clock duration (stop.time or --duration)");
  }
  return Status::Ok();
}

// A port the kernel considers free on `ip` now (bound then released; a daemon that still
// loses the race exits 1 and is reported as a crash).
Result<std::uint16_t> FreePort(std::uint32_t ip) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    const std::string m = std::strerror(errno);
    close(fd);
    return Status::Error("cannot bind a port on 127.0.1.x: " + m);
  }
  close(fd);
  return ntohs(a.sin_port);
}

std::string IpText(std::uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

Result<std::vector<NodePlan>> Plan(const scenario::Scenario& s, bool delays, const std::string& root) {
  const sim::SimConfig& c = s.sim;
  const std::uint32_t n = c.nodes;
  // The simulator's network plan for this seed: each daemon where the engine puts its node.
  const plan::PlanInput plan_input = sim::PlanInputOf(c);
  const plan::NetworkPlan placement = plan::ComputePlan(plan_input);
  if (!placement.group_status.ok()) {
    return Status::Error(s.file + ": " + placement.group_status.message());
  }
  const std::vector<std::uint32_t>& regions = placement.region;
  const std::vector<double> hashrates = plan::NodeHashrates(plan_input.groups, placement.group);
  // The same stream Simulation::Setup draws the topology from: the same graph for this seed.
  Rng topology_rng(c.seed, 0, sim::rng_purpose::kTopology);
  auto edges = sim::BuildTopology(c.topology, n, topology_rng);
  if (!edges.ok()) return Status::Error(s.file + ": network.topology: " + edges.status().message());
  double total = 0;
  for (double h : hashrates) total += h;
  if (total <= 0) return Status::Error(s.file + ": groups: no node has hashrate");
  std::vector<NodePlan> plan(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    NodePlan& p = plan[i];
    p.ip = kLoopbackBase + i + 1;
    auto port = FreePort(p.ip);
    if (!port.ok()) return port.status();
    p.port = *port;
    p.region = regions[i];
    p.as = placement.as[i];
    p.group = placement.group[i];
    p.hashrate = hashrates[i] / total;
    // Rates add up to one block per block_interval: mean = interval / share.
    if (p.hashrate > 0) p.mine_mean_s = ToSeconds(c.block_interval) / p.hashrate;
    p.datadir = root + "/nodes/node-" + std::to_string(i);
  }
  for (const sim::Edge& e : *edges) {
    if (std::find(plan[e.from].connect.begin(), plan[e.from].connect.end(), e.to) !=
        plan[e.from].connect.end()) {
      continue;
    }
    plan[e.from].connect.push_back(e.to);
    if (e.connection_class == sim::kBlockRelayOnlyClass) plan[e.from].connect_block_relay.push_back(e.to);
    if (delays) {
      plan[e.from].delays_ms.emplace_back(e.to, c.regions.LatencyMs(regions[e.from], regions[e.to]));
      plan[e.to].delays_ms.emplace_back(e.from, c.regions.LatencyMs(regions[e.to], regions[e.from]));
    }
  }
  return plan;
}

// Whether netem works here: a throwaway network namespace, so the host is never touched.
// A duration as decimal seconds with all nine digits, so peerlabd gets the nanoseconds exactly.
std::string SecondsText(DurationNs d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(d / kSecond),
                static_cast<long long>(d % kSecond));
  return buf;
}

std::string ProbeNetem() {
  if (geteuid() != 0) return "unavailable: not root";
  FILE* p = popen("unshare -n sh -c 'ip link set lo up && tc qdisc add dev lo root netem delay 1ms' 2>&1", "r");
  if (p == nullptr) return "unavailable: cannot run unshare/tc";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int rc = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (rc == 0) return "available (not used: only the user-space delay is implemented)";
  return "unavailable: " + (out.empty() ? std::string("unshare/tc failed") : out);
}

std::vector<std::string> DaemonArgs(const Args& a, const scenario::Scenario& s,
                                    const std::vector<NodePlan>& plan, std::uint32_t i,
                                    double mine_until_s) {
  const NodePlan& p = plan[i];
  std::vector<std::string> v = {a.peerlabd, "--chain", a.chain, "--datadir", p.datadir,
                                "--listen", IpText(p.ip) + ":" + std::to_string(p.port),
                                "--source-ip", IpText(p.ip), "--outbound", "0",
                                "--seed", std::to_string(s.sim.seed * 1000 + i + 1),
                                "--relay", std::string(bitcoin::RelayModeName(s.sim.node.relay)),
                                "--validation-fixed", SecondsText(s.sim.node.validation_fixed),
                                "--validation-per-mb", SecondsText(s.sim.node.validation_per_mb)};
  if (p.mine_mean_s > 0) {
    v.push_back("--mine");
    v.push_back(std::to_string(p.mine_mean_s));
    v.push_back("--mine-until");
    v.push_back(std::to_string(mine_until_s));
  }
  for (std::uint32_t peer : p.connect) {
    const bool blocks_only = std::find(p.connect_block_relay.begin(), p.connect_block_relay.end(),
                                       peer) != p.connect_block_relay.end();
    v.push_back(blocks_only ? "--connect-block-relay" : "--connect");
    v.push_back(IpText(plan[peer].ip) + ":" + std::to_string(plan[peer].port));
  }
  for (const auto& [peer, ms] : p.delays_ms) {
    v.push_back("--link-delay");
    v.push_back(IpText(plan[peer].ip) + "=" + std::to_string(ms));
  }
  return v;
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: our blocked signals would stay blocked across exec; peerlabd sets its own.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log >= 0) {
    dup2(log, STDERR_FILENO);
    dup2(log, STDOUT_FILENO);
  }
  std::vector<char*> argv;
  for (const std::string& s : args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  std::fprintf(stderr, "peerlab testbed: cannot run %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

void Describe(const NodeOutcome& o, std::uint32_t i, const NodePlan& p, std::string* out) {
  *out = "node " + std::to_string(i) + " (pid " + std::to_string(o.pid) + ") ";
  *out += o.signal != 0 ? std::string("killed by ") + strsignal(o.signal)
                        : "exited with status " + std::to_string(o.exit_code);
  *out += "; see " + p.datadir + "/peerlabd.log";
}

}  // namespace

int TestbedMain(int argc, char** argv) {
  Args a;
  std::string duration;
  CLI::App app{kDescription, "peerlab testbed"};
  cli::Configure(app, kFooter);
  AddOptions(app, a, duration);
  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  if (!duration.empty()) a.duration = *scenario::ParseDuration(duration);
  auto loaded = scenario::LoadScenario(a.file, a.overrides);
  if (!loaded.ok()) return Fail(loaded.status().message());
  const scenario::Scenario& s = *loaded;
  if (Status st = CheckSupported(s, a); !st.ok()) return Fail(st.message());
  if (a.peerlabd.empty()) {
    std::error_code ec;
    a.peerlabd = (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "peerlabd").string();
  }
  if (access(a.peerlabd.c_str(), X_OK) != 0) {
    return Fail("--peerlabd: " + a.peerlabd + ": not an executable (build the peerlabd target)");
  }
  RunInfo info;
  info.chain = a.chain;
  info.peerlabd = a.peerlabd;
  info.netem_probe = ProbeNetem();
  info.mode = a.link_mode;
  info.duration_s = ToSeconds(a.duration ? *a.duration : *s.sim.stop.time);
  // A quiet tail without mining lets the last blocks spread before the stop, so the tips the
  // daemons end with say whether relay worked, not whether a block was mid-flight.
  info.mining_stop_s = info.duration_s - std::min(ToSeconds(s.sim.stop.drain),
                                                   std::max(kMinQuietTailS, info.duration_s / 10));
  const std::string out = !a.out.empty() ? a.out
                                         : "runs/" + s.name + "-testbed-seed" + std::to_string(s.sim.seed);
  auto opened = results::RunDirectory::Open(out, a.force);
  if (!opened.ok()) return Fail(opened.status().message());
  results::RunDirectory dir = std::move(opened).value();
  auto planned = Plan(s, info.mode == "userspace-delay", dir.staging());
  if (!planned.ok()) {
    dir.Abandon();
    return Fail(planned.status().message());
  }
  const std::vector<NodePlan>& plan = *planned;
  const std::uint32_t n = s.sim.nodes;
  std::size_t links = 0;
  for (const NodePlan& p : plan) links += p.connect.size();
  if (!a.quiet) {
    std::fprintf(stderr, "peerlab testbed: %u peerlabd processes, %zu links, link mode %s (netem %s), %.0f s; results in %s\n",
                 n, links, info.mode.c_str(), info.netem_probe.c_str(), info.duration_s, out.c_str());
  }

  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : {SIGINT, SIGTERM, SIGCHLD}) sigaddset(&mask, sig);
  sigset_t old_mask;
  sigprocmask(SIG_BLOCK, &mask, &old_mask);

  std::vector<NodeOutcome> outcomes(n);
  const auto started = std::chrono::steady_clock::now();
  info.unix_start = std::chrono::duration<double>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  bool crashed = false;
  std::size_t running = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::error_code ec;
    std::filesystem::create_directories(plan[i].datadir, ec);
    outcomes[i].pid = Spawn(DaemonArgs(a, s, plan, i, info.mining_stop_s), plan[i].datadir + "/peerlabd.log");
    if (outcomes[i].pid > 0) {
      ++running;
    } else {
      outcomes[i].crashed = true;
      info.crashes.push_back("node " + std::to_string(i) + ": fork: " + std::strerror(errno));
      std::fprintf(stderr, "peerlab testbed: %s\n", info.crashes.back().c_str());
      crashed = true;
    }
  }
  auto reap = [&](bool stopping) {
    for (std::uint32_t i = 0; i < n; ++i) {
      NodeOutcome& o = outcomes[i];
      if (o.pid <= 0 || o.exited) continue;
      int status = 0;
      if (waitpid(o.pid, &status, WNOHANG) != o.pid) continue;
      o.exited = true;
      --running;
      if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
      if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
      o.crashed = !stopping || o.signal != 0 || o.exit_code != 0;
      if (o.crashed) {
        std::string line;
        Describe(o, i, plan[i], &line);
        if (o.killed) line += " (did not stop within 10 s of SIGTERM)";
        info.crashes.push_back(line);
        std::fprintf(stderr, "peerlab testbed: %s\n", line.c_str());
        crashed = true;
      }
    }
  };

  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last_print = started;
  double blocks_reached_at = -1;  // elapsed seconds when stop.blocks was reached
  while (true) {
    timespec wait{0, 200'000'000};
    siginfo_t si;
    const int sig = sigtimedwait(&mask, &si, &wait);
    if (sig == SIGINT || sig == SIGTERM) {
      info.interrupted = true;
      info.stop_reason = std::string("interrupted by ") + strsignal(sig);
      break;
    }
    reap(false);
    if (crashed) {
      info.stop_reason = "a daemon ended early";
      break;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed >= info.duration_s) {
      info.stop_reason = "duration reached";
      break;
    }
    const bool want_progress = !a.quiet && std::chrono::steady_clock::now() - last_print >=
                                               std::chrono::seconds(tty ? 1 : 5);
    if (!want_progress && !s.sim.stop.blocks) continue;
    std::uint64_t mined = 0, established = 0, lo = UINT64_MAX, hi = 0;
    bool same_tip = true;
    std::string first_tip;
    for (const NodePlan& p : plan) {
      const NodeStatus st = ReadStatus(p.datadir);
      if (first_tip.empty()) first_tip = st.tip_id;
      same_tip = same_tip && st.ok && st.tip_id == first_tip;
      mined += st.blocks_mined;
      established += st.established;
      lo = std::min(lo, st.tip_height);
      hi = std::max(hi, st.tip_height);
    }
    if (s.sim.stop.blocks && mined >= *s.sim.stop.blocks) {
      if (blocks_reached_at < 0) blocks_reached_at = elapsed;
      // stop.blocks reached: stop once every node has the same tip height, or after a drain.
      if (same_tip || elapsed - blocks_reached_at >= kBlocksDrainS) {
        info.stop_reason = "stop.blocks reached";
        break;
      }
    }
    if (want_progress) {
      last_print = std::chrono::steady_clock::now();
      std::fprintf(stderr, "%stestbed %.0f/%.0f s  blocks mined %llu  tip height %llu..%llu  peers up %llu/%zu%s",
                   tty ? "\r" : "", elapsed, info.duration_s, static_cast<unsigned long long>(mined),
                   static_cast<unsigned long long>(lo), static_cast<unsigned long long>(hi),
                   static_cast<unsigned long long>(established), 2 * links, tty ? "   " : "\n");
      std::fflush(stderr);
    }
  }
  if (!a.quiet && tty) std::fputs("\r\033[K", stderr);
  info.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // Stop: SIGTERM to all, then wait; SIGKILL whoever is left after the grace period.
  for (const NodeOutcome& o : outcomes) {
    if (o.pid > 0 && !o.exited) kill(o.pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (running > 0) {
    reap(true);
    if (running == 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (NodeOutcome& o : outcomes) {
        if (o.pid > 0 && !o.exited) {
          o.killed = true;
          kill(o.pid, SIGKILL);
        }
      }
      for (NodeOutcome& o : outcomes) {
        if (o.pid > 0 && !o.exited) waitpid(o.pid, nullptr, 0);
      }
      reap(true);
      break;
    }
    timespec wait{0, 50'000'000};
    siginfo_t si;
    sigtimedwait(&mask, &si, &wait);  // SIGCHLD or the timeout; a second SIGINT changes nothing
  }
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (!a.quiet) {
    std::fprintf(stderr, "peerlab testbed: stopped after %.1f s (%s)\n", info.elapsed_s,
                 info.stop_reason.c_str());
  }

  std::string summary;
  Status written = testbed::WriteResults(s, plan, outcomes, info, dir, &summary);
  if (written.ok()) written = dir.Commit();
  if (!written.ok()) {
    // The daemons' tables stay in the staging directory: nothing collected is thrown away.
    std::fprintf(stderr, "peerlab testbed: %s (the daemons' tables are in %s)\n",
                 written.message().c_str(), dir.staging().c_str());
    return 1;
  }
  std::fputs(summary.c_str(), stdout);
  if (crashed) return 1;
  return info.interrupted ? 130 : 0;
}

}  // namespace peerlab::apps
