#include "peerlab/scenario/tree.hpp"

#include <yaml-cpp/yaml.h>

#include <unordered_set>
#include <utility>

#include "yaml_gate.hpp"

namespace peerlab::scenario::detail {
namespace {

// Depth: the schema is at most five levels deep; anything far deeper is garbage or an alias
// cycle. Count: bounds alias expansion ("billion laughs"). The gate applied the same limits to
// the text before yaml-cpp loaded it; here they also cover what aliases expand to.
constexpr int kMaxDepth = kMaxYamlDepth;
constexpr std::size_t kMaxNodes = kMaxYamlNodes;

std::string Join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

class Converter {
 public:
  explicit Converter(int override_index) : override_index_(override_index) {}

  std::optional<Error> Convert(const YAML::Node& in, const std::string& path, int depth,
                               Node* out) {
    out->origin = OriginOf(in.Mark());
    if (++count_ > kMaxNodes) {
      return Error{out->origin, "yaml", kYamlTooLarge};
    }
    if (depth > kMaxDepth) {
      // The path would be as deep as the nesting; "yaml" keeps the error line short.
      return Error{out->origin, "yaml", kYamlTooDeep};
    }
    switch (in.Type()) {
      case YAML::NodeType::Scalar:
        out->kind = Node::Kind::kScalar;
        out->scalar = in.Scalar();
        return std::nullopt;
      case YAML::NodeType::Sequence: {
        out->kind = Node::Kind::kSequence;
        std::size_t i = 0;
        for (const YAML::Node& item : in) {
          out->items.emplace_back();
          const std::string item_path = path + "[" + std::to_string(i++) + "]";
          if (auto e = Convert(item, item_path, depth + 1, &out->items.back())) return e;
        }
        return std::nullopt;
      }
      case YAML::NodeType::Map: {
        out->kind = Node::Kind::kMapping;
        std::unordered_set<std::string> seen;
        for (auto it = in.begin(); it != in.end(); ++it) {
          const Origin key_origin = OriginOf(it->first.Mark());
          if (!it->first.IsScalar()) {
            return Error{key_origin, path.empty() ? "yaml" : path,
                         "mapping keys must be plain strings"};
          }
          const std::string key = it->first.Scalar();
          const std::string child_path = Join(path, key);
          // yaml-cpp keeps both entries of a duplicated key; the second would be silently
          // ignored by lookups, so it is an error.
          if (!seen.insert(key).second) return Error{key_origin, child_path, "duplicate key"};
          out->entries.push_back(Entry{key, key_origin, Node{}});
          Node& value = out->entries.back().value;
          if (auto e = Convert(it->second, child_path, depth + 1, &value)) return e;
          // yaml-cpp marks an empty value at the next token, often on a later line; the key
          // is where the user looks.
          if (value.kind == Node::Kind::kNull) value.origin = key_origin;
        }
        return std::nullopt;
      }
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        out->kind = Node::Kind::kNull;
        return std::nullopt;
    }
    return std::nullopt;
  }

  Origin OriginOf(const YAML::Mark& mark) const {
    Origin o;
    if (override_index_ >= 0) {
      o.override_index = override_index_;
    } else {
      o.line = mark.line >= 0 ? mark.line + 1 : 1;
      o.column = mark.column >= 0 ? mark.column + 1 : 1;
    }
    return o;
  }

 private:
  int override_index_;
  std::size_t count_ = 0;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

const Entry* Node::Find(std::string_view key) const {
  for (const Entry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

Entry* Node::Find(std::string_view key) {
  for (Entry& e : entries) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

std::optional<Error> LoadYaml(std::string_view text, int override_index, std::string_view path,
                              Node* out) {
  Converter converter(override_index);
  const std::string label = override_index >= 0 ? std::string(path) : "yaml";
  const std::string prefix = override_index >= 0 ? "invalid YAML value: " : "";
  YAML::Node doc;
  try {
    const std::string copy(text);
    if (auto bad = GateYaml(copy)) {
      return Error{converter.OriginOf(bad->mark), label, prefix + bad->message};
    }
    doc = YAML::Load(copy);
  } catch (const YAML::ParserException& e) {
    return Error{converter.OriginOf(e.mark), label, prefix + e.msg};
  } catch (const YAML::Exception& e) {
    return Error{converter.OriginOf(e.mark), label, prefix + e.msg};
  }
  *out = Node{};
  out->origin = converter.OriginOf(YAML::Mark::null_mark());
  if (!doc.IsDefined() || doc.IsNull()) {
    // An empty file has no mark; a `~` document does.
    if (doc.IsDefined()) out->origin = converter.OriginOf(doc.Mark());
    return std::nullopt;
  }
  return converter.Convert(doc, override_index >= 0 ? std::string(path) : "", 0, out);
}

namespace {

// One dotted part of an override key: a mapping key, then list indexes (`sides[1][0]`).
struct KeyStep {
  std::string key;
  std::vector<std::size_t> indexes;
};

std::optional<std::vector<KeyStep>> ParseKey(const std::string& key) {
  constexpr std::size_t kMaxIndexDigits = 9;
  std::vector<KeyStep> steps;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    const std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    KeyStep step;
    std::size_t at = part.find('[');
    step.key = part.substr(0, at);
    if (step.key.empty() || step.key.find(']') != std::string::npos) return std::nullopt;
    while (at != std::string::npos && at < part.size()) {
      const std::size_t close = part.find(']', at);
      if (part[at] != '[' || close == std::string::npos || close == at + 1 ||
          close - at - 1 > kMaxIndexDigits) {
        return std::nullopt;
      }
      std::size_t index = 0;
      for (std::size_t i = at + 1; i < close; ++i) {
        if (part[i] < '0' || part[i] > '9') return std::nullopt;
        index = index * 10 + static_cast<std::size_t>(part[i] - '0');
      }
      step.indexes.push_back(index);
      at = close + 1;
    }
    steps.push_back(std::move(step));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return steps;
}

const char* KindName(Node::Kind kind) {
  switch (kind) {
    case Node::Kind::kScalar: return "a scalar";
    case Node::Kind::kSequence: return "a list";
    case Node::Kind::kMapping: return "a mapping";
    case Node::Kind::kNull: break;
  }
  return "null";
}

}  // namespace

std::optional<Error> ApplyOverride(Node* root, const std::string& override_text, int index) {
  Origin origin;
  origin.override_index = index;
  const std::size_t eq = override_text.find('=');
  if (eq == std::string::npos) {
    const std::string_view shown = Trim(override_text);
    return Error{origin, shown.empty() ? "(empty)" : std::string(shown),
                 "expected KEY=VALUE, e.g. `network.nodes=500`"};
  }
  const std::string key(Trim(std::string_view(override_text).substr(0, eq)));
  const std::string_view value = std::string_view(override_text).substr(eq + 1);
  const auto steps = ParseKey(key);
  if (!steps) {
    return Error{origin, key.empty() ? "(empty key)" : key,
                 "invalid key (expected a dotted path like `network.nodes` or `events[0].at`)"};
  }

  Node replacement;
  if (auto e = LoadYaml(value, index, key, &replacement)) return e;

  Node* cur = root;
  std::string path;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const KeyStep& step = (*steps)[i];
    const bool last = i + 1 == steps->size();
    path = Join(path, step.key);
    Entry* entry = cur->Find(step.key);
    Node* node = nullptr;
    if (step.indexes.empty()) {
      if (last) {
        if (entry != nullptr) {
          entry->value = std::move(replacement);
        } else {
          cur->entries.push_back(Entry{step.key, origin, std::move(replacement)});
        }
        return std::nullopt;
      }
      if (entry == nullptr) {
        Node mapping;
        mapping.kind = Node::Kind::kMapping;
        mapping.origin = origin;
        cur->entries.push_back(Entry{step.key, origin, std::move(mapping)});
        entry = &cur->entries.back();
      }
      node = &entry->value;
    } else {
      // Only items that exist can be set: a list's length is the user's to choose.
      if (entry == nullptr) {
        return Error{origin, path, "is not set, so it has no items to set (set the whole list)"};
      }
      node = &entry->value;
      for (std::size_t item : step.indexes) {
        if (node->kind != Node::Kind::kSequence) {
          return Error{origin, path, std::string("is ") + KindName(node->kind) + ", not a list"};
        }
        if (item >= node->items.size()) {
          return Error{origin, path + "[" + std::to_string(item) + "]",
                       "no such item (" + path + " has " + std::to_string(node->items.size()) +
                           (node->items.size() == 1 ? " item)" : " items)")};
        }
        path += "[" + std::to_string(item) + "]";
        node = &node->items[item];
      }
      if (last) {
        *node = std::move(replacement);
        return std::nullopt;
      }
    }
    if (node->kind == Node::Kind::kNull) {
      // `stop:` left empty in the file is an empty mapping waiting to be filled.
      node->kind = Node::Kind::kMapping;
      node->origin = origin;
    } else if (node->kind != Node::Kind::kMapping) {
      return Error{origin, path,
                   std::string("is ") + KindName(node->kind) + ", cannot set `" +
                       (*steps)[i + 1].key + "` inside it"};
    }
    cur = node;
  }
  return std::nullopt;
}

std::string Describe(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull:
      return "null";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kMapping:
      return "a mapping";
    case Node::Kind::kScalar:
      break;
  }
  constexpr std::size_t kMaxShown = 40;
  if (node.scalar.size() > kMaxShown) return "`" + node.scalar.substr(0, kMaxShown) + "...`";
  return "`" + node.scalar + "`";
}

}  // namespace peerlab::scenario::detail
