// The Tendermint family at scale: validators and full nodes over SimBlock's 2019 regions, as
// issue 22 sizes it (150 validators, 1,000 full nodes). Prints wall time, events per second
// and peak memory, and the run's consensus figures.
//
//   build/release/bench/tendermint_bench [--validators V] [--full-nodes F] [--heights H]
//                                        [--seed S] [--tx-rate R]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "peerlab/cli/cli.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"

int main(int argc, char** argv) {
  using namespace peerlab;
  long validators = 150, full_nodes = 1000, heights = 100, seed = 1, tx_rate = 0;
  CLI::App app{"The Tendermint family at scale over SimBlock's 2019 regions; prints wall time,\n"
               "events per second, peak memory and the run's consensus figures.",
               "tendermint_bench"};
  cli::Configure(app);
  app.add_option("--validators", validators, "validators (default 150)")
      ->type_name("V")
      ->check(cli::Integer(1, 10000));
  app.add_option("--full-nodes", full_nodes, "full nodes (default 1000)")
      ->type_name("F")
      ->check(cli::Integer(0, 100000));
  app.add_option("--heights", heights, "heights to commit (default 100)")
      ->type_name("H")
      ->check(cli::Integer(1, 1000000));
  app.add_option("--seed", seed, "seed (default 1)")->type_name("S")->check(cli::Integer(0, 1L << 40));
  app.add_option("--tx-rate", tx_rate, "transactions per second (default 0)")
      ->type_name("R")
      ->check(cli::Integer(0, 100000));
  if (auto done = cli::Parse(app, argc, argv, 1)) return *done;
  tendermint::SimSpec spec;
  spec.seed = static_cast<std::uint64_t>(seed);
  spec.nodes = static_cast<std::uint32_t>(validators + full_nodes);
  spec.regions = *sim::BuiltinRegionTable("simblock-2019");
  spec.topology.kind = sim::TopologyKind::kOutboundChoice;
  spec.topology.outbound = 10;
  spec.topology.restricted_outbound = 0;
  spec.topology.max_inbound = 40;
  spec.groups.push_back({"validators", false, static_cast<std::uint32_t>(validators), 1.0, ""});
  if (full_nodes > 0) spec.groups.push_back({"full", true, 0, 0.0, ""});
  spec.stop_heights = heights;
  spec.stop_time = 30 * kDay;
  spec.node.verify_time = 0;
  spec.tx_rate_per_s = static_cast<double>(tx_rate);
  const auto t0 = std::chrono::steady_clock::now();
  auto built = tendermint::Simulation::Build(spec, nullptr);
  if (!built.ok()) {
    std::fprintf(stderr, "tendermint_bench: %s\n", built.status().message().c_str());
    return 1;
  }
  const Status s = (*built)->Run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const tendermint::RunReport& r = (*built)->report();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("nodes %u (validators %ld), heights committed %lld (max %lld), simulated %.1f s\n",
              spec.nodes, validators, static_cast<long long>(r.heights_committed),
              static_cast<long long>(r.max_height_committed), r.end_time / 1e9);
  std::printf("wall %.2f s, events %llu, %.2f M events/s, peak RSS %.0f MB\n", wall,
              static_cast<unsigned long long>(r.events), r.events / wall / 1e6,
              ru.ru_maxrss / 1024.0);
  std::printf("commit latency (median over heights) to 50/90/99%%: %.3f / %.3f / %.3f s; rounds "
              "mean %.3f max %d\n",
              r.latency_p50_s.value_or(-1), r.latency_p90_s.value_or(-1),
              r.latency_p99_s.value_or(-1), r.rounds_mean, r.rounds_max);
  std::printf("messages per node per height %.0f, wire bytes per node per height %.0f\n",
              r.messages_per_node_height, r.bytes_per_node_height);
  if (!s.ok()) {
    std::fprintf(stderr, "tendermint_bench: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
