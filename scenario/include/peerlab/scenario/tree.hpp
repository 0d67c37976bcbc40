// Internal to the scenario layer (namespace detail): the document tree the parser walks.
//
// yaml-cpp's node graph is copied into this plain tree right after loading because (a) yaml-cpp
// types must not leak into public headers, (b) overrides need to mark the nodes they create so
// errors can name the `--set` that caused them, and (c) yaml-cpp aliases may form cycles and
// share subtrees; copying with depth and size limits turns those into ordinary errors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace peerlab::scenario::detail {

// Where a node came from: a position in the scenario file or one of the `--set` overrides.
struct Origin {
  int line = 0;  // 1-based; 0 when the node is not from the file
  int column = 0;
  int override_index = -1;  // >= 0: created by overrides[override_index]
};

struct Entry;

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  std::string scalar;          // kScalar
  std::vector<Node> items;     // kSequence
  std::vector<Entry> entries;  // kMapping, in document order (group order is meaningful)
  Origin origin;

  const Entry* Find(std::string_view key) const;
  Entry* Find(std::string_view key);
};

struct Entry {
  std::string key;
  Origin key_origin;
  Node value;
};

// One error, before it is formatted with the file name or the override text.
struct Error {
  Origin origin;
  std::string path;  // dotted field path, e.g. "network.topology.degree"
  std::string message;
};

// Parses one YAML document. Nodes get file positions, or `override_index` when >= 0 (then
// `path` names the overridden key in errors). An empty document yields a null node at 1:1.
std::optional<Error> LoadYaml(std::string_view text, int override_index, std::string_view path,
                              Node* out);

// Applies overrides[index] ("dotted.key=value") to `root`, which must be a mapping. Missing
// intermediate mappings are created; the schema check happens later, in the parser.
std::optional<Error> ApplyOverride(Node* root, const std::string& override_text, int index);

// "a mapping", "a list", "null" or the scalar in backticks, for "expected X, got Y" messages.
std::string Describe(const Node& node);

}  // namespace peerlab::scenario::detail
