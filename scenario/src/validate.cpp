// Cross-field checks, run after every field parsed on its own. Errors point at the field most
// likely to need the fix and name the other field's value.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"
#include "peerlab/bitcoin/sim/plan_input.hpp"

namespace peerlab::scenario::detail {
namespace {

// Sums of shares print with enough digits to show the discrepancy but not float noise.
std::string Approx(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

bool ValidateGroups(Ctx& c) {
  const sim::SimConfig& s = c.out->sim;
  const sim::GroupSpec* rest = nullptr;
  std::uint64_t fixed = 0;
  double sum = 0;
  bool any_hashrate = false;
  const bool tendermint = c.out->protocol == "tendermint";
  // Each family reads one share per group: bitcoin hashrate, tendermint voting power.
  for (const sim::GroupSpec& g : s.groups) {
    const std::string base = "groups." + g.name;
    if (tendermint && g.has_hashrate) {
      return c.Fail(c.OriginOf(base + ".hashrate"), base + ".hashrate",
                    "protocol.kind tendermint has no mining: give `voting_power` instead");
    }
    if (tendermint && !g.has_voting_power) {
      return c.Fail(c.OriginOf(base), base + ".voting_power",
                    "required key is missing (protocol.kind tendermint)");
    }
    if (!tendermint && g.has_voting_power) {
      return c.Fail(c.OriginOf(base + ".voting_power"), base + ".voting_power",
                    "only for protocol.kind tendermint (bitcoin groups have `hashrate`)");
    }
    if (!tendermint && !g.has_hashrate) {
      return c.Fail(c.OriginOf(base), base + ".hashrate", "required key is missing");
    }
  }
  for (const sim::GroupSpec& g : s.groups) {
    if (g.rest) {
      if (rest != nullptr) {
        const std::string path = "groups." + g.name + ".nodes";
        return c.Fail(c.OriginOf(path), path,
                      "only one group may be `rest` (group `" + rest->name + "` already is)");
      }
      rest = &g;
    } else {
      fixed += g.node_count;
    }
    const double share = tendermint ? g.voting_power : g.hashrate;
    sum += share;
    any_hashrate = any_hashrate || share > 0;
  }
  const std::string what = tendermint ? "voting powers" : "hashrates";
  if (std::fabs(sum - 1.0) > 1e-9) {
    return c.Fail(c.OriginOf("groups"), "groups",
                  what + " sum to " + Approx(sum) + ", must sum to 1");
  }
  if (!any_hashrate) {
    return c.Fail(c.OriginOf("groups"), "groups",
                  std::string("at least one group needs ") +
                      (tendermint ? "voting_power" : "hashrate") + " > 0");
  }
  const std::string nodes = std::to_string(s.nodes);
  if (fixed > s.nodes) {
    return c.Fail(
        c.OriginOf("groups"), "groups",
        "groups have " + std::to_string(fixed) + " nodes in total but network.nodes is " + nodes);
  }
  if (rest == nullptr && fixed != s.nodes) {
    return c.Fail(c.OriginOf("groups"), "groups",
                  "groups have " + std::to_string(fixed) + " nodes in total but network.nodes is " +
                      nodes + " (give one group `nodes: rest` to take the remainder)");
  }
  if (rest != nullptr && fixed == s.nodes && (tendermint ? rest->voting_power : rest->hashrate) > 0) {
    // Its hashrate would be split among zero nodes and silently vanish.
    const std::string path = "groups." + rest->name + ".nodes";
    return c.Fail(c.OriginOf(path), path,
                  "the `rest` group gets no nodes (the other groups take all " + nodes +
                      ") but has " + (tendermint ? "voting power " : "hashrate ") +
                      Approx(tendermint ? rest->voting_power : rest->hashrate));
  }
  return true;
}

bool ValidateTopology(Ctx& c) {
  const sim::SimConfig& s = c.out->sim;
  const sim::TopologySpec& t = s.topology;
  const std::string nodes = std::to_string(s.nodes);
  switch (t.kind) {
    case sim::TopologyKind::kOutboundChoice:
      if (t.outbound >= s.nodes) {
        const std::string path = "network.topology.outbound";
        return c.Fail(
            c.OriginOf(path), path,
            "must be less than network.nodes (" + nodes + "), got " + std::to_string(t.outbound));
      }
      if (t.max_inbound < t.outbound) {
        const std::string path = "network.topology.max_inbound";
        return c.Fail(c.OriginOf(path), path,
                      "must be at least outbound (" + std::to_string(t.outbound) + "), got " +
                          std::to_string(t.max_inbound));
      }
      if (t.outbound + t.restricted_outbound >= s.nodes) {
        const std::string path = "network.topology.restricted_outbound";
        return c.Fail(c.OriginOf(path), path,
                      "outbound + block_relay_only must be less than network.nodes (" + nodes +
                          "), got " + std::to_string(t.outbound) + " + " +
                          std::to_string(t.restricted_outbound));
      }
      if (t.max_inbound < t.outbound + t.restricted_outbound) {
        const std::string path = "network.topology.max_inbound";
        return c.Fail(c.OriginOf(path), path,
                      "must be at least outbound + block_relay_only (" +
                          std::to_string(t.outbound + t.restricted_outbound) + "), got " +
                          std::to_string(t.max_inbound));
      }
      return true;
    case sim::TopologyKind::kRandomRegular: {
      const std::string path = "network.topology.degree";
      if (t.degree >= s.nodes) {
        return c.Fail(
            c.OriginOf(path), path,
            "must be less than network.nodes (" + nodes + "), got " + std::to_string(t.degree));
      }
      if ((static_cast<std::uint64_t>(s.nodes) * t.degree) % 2 != 0) {
        return c.Fail(
            c.OriginOf(path), path,
            "network.nodes x degree must be even, got " + nodes + " x " + std::to_string(t.degree));
      }
      return true;
    }
    case sim::TopologyKind::kEdgeList:
      return true;  // the file's contents are checked when the topology is built
  }
  return true;
}

// Every run ends by kTimeLimit (util/time.hpp). A run that stops on blocks alone and expects to
// need more than half of that is refused here rather than cut short there: the blocks of a
// Poisson process take their expected time give or take a few square roots, so at half the
// limit a cut-off run is vanishingly rare (and the CLI says so when one happens).
bool ValidateStopHorizon(Ctx& c) {
  const sim::SimConfig& s = c.out->sim;
  if (s.stop.time || !s.stop.blocks) return true;
  const double expected_ns = static_cast<double>(*s.stop.blocks) *
                             static_cast<double>(s.block_interval);
  if (expected_ns <= static_cast<double>(kTimeLimit) / 2) return true;
  const std::string path = "stop.blocks";
  return c.Fail(c.OriginOf(path), path,
                std::to_string(*s.stop.blocks) + " blocks at protocol.block_interval " +
                    FormatDuration(s.block_interval) + " take about " +
                    Approx(expected_ns / static_cast<double>(365 * kDay)) +
                    " years of simulated time; a run ends at 80 years (29200 d), so at most 40 "
                    "years are expected of one (fewer blocks, a shorter interval, or stop.time)");
}

}  // namespace

const plan::NetworkPlan& NetworkPlanOf(Ctx& c) {
  if (!c.plan) c.plan = sim::PlanNetwork(c.out->sim);
  return *c.plan;
}

// What the tendermint family reads of the shared keys, and what it does not support yet.
bool ValidateFamilyKeys(Ctx& c) {
  const bool tendermint = c.out->protocol == "tendermint";
  const sim::SimConfig& s = c.out->sim;
  if (tendermint) {
    if (s.stop.blocks) {
      return c.Fail(c.OriginOf("stop.blocks"), "stop.blocks",
                    "protocol.kind tendermint counts heights: use `stop.heights`");
    }
    if (c.out->tendermint.stop_heights == 0 && !s.stop.time) {
      return c.Fail(c.OriginOf("stop"), "stop", "one of `heights` and `time` is required");
    }
    for (const std::string& o : c.out->outputs) {
      if (o == "transactions" || o == "graphml" || o == "reach") {
        return c.Fail(c.OriginOf("outputs"), "outputs",
                      Quote(o) + " is not written by the tendermint family yet (it writes "
                      "summary, heights)");
      }
    }
    if (!c.out->sim.topology_snapshots.empty()) {
      return c.Fail(c.OriginOf("topology_snapshots"), "topology_snapshots",
                    "not written by the tendermint family yet");
    }
  } else if (std::find(c.out->outputs.begin(), c.out->outputs.end(), "heights") !=
             c.out->outputs.end()) {
    return c.Fail(c.OriginOf("outputs"), "outputs",
                  "`heights` is the tendermint family's table (bitcoin writes `blocks`)");
  } else if (c.out->tendermint.stop_heights != 0) {
    return c.Fail(c.OriginOf("stop.heights"), "stop.heights",
                  "only for protocol.kind tendermint (bitcoin runs stop on `blocks`)");
  }
  return true;
}

bool Validate(Ctx& c) {
  return ValidateFamilyKeys(c) && ValidateGroups(c) && ValidateTopology(c) &&
         ValidateStrategies(c) && ValidateEvents(c) && ValidateMessageFaults(c) && ValidateChurn(c) &&
         (c.out->protocol == "tendermint" || ValidateStopHorizon(c));
}

}  // namespace peerlab::scenario::detail
