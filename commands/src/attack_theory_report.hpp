// report.md lines that put an attack's simulated figures next to theory (docs/theory.md).
#pragma once

#include <string>
#include <string_view>

#include "peerlab/util/json.hpp"

namespace peerlab::commands {

// `node[key]`, or null when `node` is not an object or has no such key: the report reads
// stored files, where a part may be missing.
const Json& At(const Json& node, std::string_view key);
// `node` when it is an array, else an empty one.
const Json& Items(const Json& node);

// For adversary `group` of summary.json (`adversary` = adversaries.<group>), given the run's
// resolved scenario (run.json `resolved_scenario`; may be null): Markdown bullet lines, or ""
// when no closed form applies (e.g. stubborn variants, black holes).
std::string AttackTheoryLines(const std::string& group, const Json& adversary,
                              const Json& resolved_scenario);

}  // namespace peerlab::commands
