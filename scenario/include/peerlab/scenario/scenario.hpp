// Scenario files: YAML in, a validated sim::SimConfig out.
//
// Every problem is reported as one line naming where it is and what is wrong:
//   scenarios/x.yaml:12:5: network.topology.degree: must be less than network.nodes (10), got 12
//   --set network.nodez=3: network.nodez: unknown key (expected one of: backend, nodes, ...)
// The schema (keys, types, defaults) is documented by ScenarioReferenceMarkdown(), generated
// from the tables the parser uses; docs/scenario-reference.md holds its output.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/sim/config.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::scenario {

struct Scenario {
  std::string file;  // path as given by the user
  std::string text;  // raw file text (hashed into the run manifest)
  int version = 1;
  std::string name;
  // `protocol.kind`: "bitcoin" (the run is `sim`) or "tendermint" (the run is `tendermint`,
  // whose network part is `sim`'s).
  std::string protocol = "bitcoin";
  sim::SimConfig sim;                  // fully filled and validated
  tendermint::SimSpec tendermint;      // filled when protocol is "tendermint"
  std::vector<std::string> outputs;    // e.g. {"summary", "blocks"}; always has "summary"
  std::vector<std::string> overrides;  // the raw "key=value" strings applied
  // The scenario after overrides and defaults as one JSON object, keys in schema order and
  // quantities in canonical units (e.g. "10 min"); for run.json. Feeding it back as a
  // scenario file gives the same SimConfig.
  std::string resolved_json;
};

// Largest scenario file (and text) accepted: 8 MiB. The node limit (250,000 nodes) is reached
// by the largest inline region table (500 regions, a 500 x 500 latency matrix) at about 2 MB in
// flow style and 4 MB in block style, so this is twice what a valid scenario can use. It also
// bounds yaml-cpp's worst case: a flow collection where a key could start (`[1, 2, ...]` at the
// top or as a list item) is tokenised whole before any node is seen, about 140 bytes of memory
// per byte of text (8 MiB: 1.2 GB and 2.6 s, measured; docs/limits.md).
inline constexpr std::uint64_t kMaxScenarioBytes = std::uint64_t{8} << 20;

// Reads and parses a file; `overrides` are "dotted.key=value" strings from `--set`.
// Relative paths inside the scenario resolve against the file's directory. Only a regular file
// is read (a FIFO or device is refused before reading, so nothing blocks); an edge-list
// topology file is read and checked here too, so a loaded scenario can run.
Result<Scenario> LoadScenario(const std::string& path, const std::vector<std::string>& overrides);

// Same, from text. `file_label` names the file in errors; relative paths inside the scenario
// (edge-list files) resolve against `base_dir` ("" = the working directory).
Result<Scenario> ParseScenario(std::string_view text, const std::string& file_label,
                               const std::string& base_dir,
                               const std::vector<std::string>& overrides);

// Markdown reference of every key, generated from the parser's field tables.
std::string ScenarioReferenceMarkdown();

}  // namespace peerlab::scenario
