// Internal to the scenario layer: checks on raw YAML text before yaml-cpp builds a document.
//
// yaml-cpp 0.7 (Debian 12) builds the whole node graph before anything can count it (a 52 MB
// list took 3.5 GB), recurses once per nesting level (it gives up at 500 levels with the
// message "bad file"), reads a NUL byte as something else, accepts a quoted string that never
// closes by running it to the end of the file, and can loop forever on some malformed input.
// The gate runs yaml-cpp's event parser, which builds nothing, and stops it at the first node
// past the converter's limits, so the real load only ever sees a small, shallow document.
//
// Contract: returns the first problem with its position (0-based yaml-cpp mark), or nothing.
// Syntax errors surface as the YAML::Exception yaml-cpp throws; the caller catches those.
#pragma once

#include <yaml-cpp/mark.h>

#include <cstddef>
#include <optional>
#include <string>

namespace peerlab::scenario::detail {

// Shared with the converter in tree.cpp: the schema is at most five levels deep, and the
// node count (alias expansions included there) leaves room for large inline region tables.
inline constexpr int kMaxYamlDepth = 64;
inline constexpr std::size_t kMaxYamlNodes = 250'000;
inline constexpr const char* kYamlTooLarge =
    "document too large (more than 250000 nodes, counting alias expansions)";
inline constexpr const char* kYamlTooDeep =
    "nested more than 64 levels deep (or an alias refers to itself)";

struct GateFailure {
  YAML::Mark mark;
  std::string message;  // without the "yaml: " field prefix
};

// Byte checks (NUL, control characters), then one event pass over the first document (depth,
// node count, a second document, yaml-cpp getting stuck, an unterminated quoted string).
std::optional<GateFailure> GateYaml(const std::string& text);

}  // namespace peerlab::scenario::detail
