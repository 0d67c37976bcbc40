// report.md lines that put an attack's simulated figures next to theory (docs/theory.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace peerlab::commands {

// For adversary `group` of summary.json (`adversary` = adversaries.<group>), given the run's
// resolved scenario (run.json `resolved_scenario`; may be null): Markdown bullet lines, or ""
// when no closed form applies (e.g. stubborn variants, black holes).
std::string AttackTheoryLines(const std::string& group, const YAML::Node& adversary,
                              const YAML::Node& resolved_scenario);

}  // namespace peerlab::commands
