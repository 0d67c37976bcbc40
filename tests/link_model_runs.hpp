// A small Bitcoin flood for comparing link models inside a run (shared_uplink_test.cpp,
// flow_links_test.cpp): 60 nodes, random 8-regular topology, SimBlock's 2019 regions, 1 MB
// blocks every 600 s, 4 blocks.
#pragma once

#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/sim/regions.hpp"

namespace peerlab::sim::link_runs {

inline SimConfig SmallFlood(LinkModelKind model, bitcoin::RelayMode relay) {
  SimConfig c;
  c.seed = 5;
  c.nodes = 60;
  c.link_model = model;
  c.regions = *BuiltinRegionTable("simblock-2019");
  c.topology.kind = TopologyKind::kRandomRegular;
  c.topology.degree = 8;
  c.node.relay = relay;
  c.node.block_size_bytes = 1'000'000;
  c.block_interval = 600 * kSecond;
  c.groups = {GroupSpec::Rest("miners", 1.0)};
  c.stop.blocks = 4;
  return c;
}

// Builds and runs `c` to its stop; the report (a failed build fails the calling test).
inline SimReport RunToEnd(const SimConfig& c) {
  auto sim = Simulation::Build(c);
  EXPECT_TRUE(sim.ok()) << sim.status().message();
  if (!sim.ok()) return {};
  (*sim)->Run();
  return (*sim)->Report();
}

}  // namespace peerlab::sim::link_runs
