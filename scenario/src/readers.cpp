// The generic half of the parser: mapping walk, defaults, typed scalar readers.
#include <charconv>
#include <cmath>
#include <limits>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::scenario::detail {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An integer as written: optional sign, digits, `_` allowed between digits (10_000_000).
struct IntText {
  bool ok = false;
  bool negative = false;
  bool overflow = false;
  std::uint64_t magnitude = 0;
};

IntText ParseIntText(std::string_view s) {
  IntText r;
  s = Trim(s);
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    r.negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return r;
  char prev = '_';  // a leading `_` is rejected like a doubled one
  for (char c : s) {
    if (c == '_') {
      if (prev == '_') return r;
    } else if (c >= '0' && c <= '9') {
      const auto digit = static_cast<std::uint64_t>(c - '0');
      if (r.magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        r.overflow = true;
      } else {
        r.magnitude = r.magnitude * 10 + digit;
      }
    } else {
      return r;
    }
    prev = c;
  }
  r.ok = prev != '_';
  return r;
}

bool ReadScalarText(const Node& n, const std::string& path, Ctx& ctx, std::string_view expected,
                    std::string* out) {
  if (n.kind != Node::Kind::kScalar) {
    return ctx.Fail(n.origin, path, "expected " + std::string(expected) + ", got " + Describe(n));
  }
  *out = n.scalar;
  return true;
}

// Defaults are YAML text so that the reference shows exactly what the parser applies.
Node DefaultNode(std::string_view yaml, const Origin& origin) {
  Node node;
  const auto error = LoadYaml(yaml, -1, "", &node);
  PEERLAB_ASSERT(!error.has_value());
  struct Stamp {
    static void Apply(Node& n, const Origin& o) {
      n.origin = o;
      for (Node& item : n.items) Apply(item, o);
      for (Entry& e : n.entries) {
        e.key_origin = o;
        Apply(e.value, o);
      }
    }
  };
  Stamp::Apply(node, origin);
  return node;
}

std::string AllowedKeys(const Table& table, std::string_view kind) {
  std::string out;
  for (const Field& f : table.fields) {
    if (!KindAllows(f.only_kind, kind)) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

}  // namespace

bool KindAllows(std::string_view only_kind, std::string_view kind) {
  if (only_kind.empty()) return true;
  while (true) {
    const std::size_t bar = only_kind.find('|');
    if (only_kind.substr(0, bar) == kind) return true;
    if (bar == std::string_view::npos) return false;
    only_kind.remove_prefix(bar + 1);
  }
}

bool Ctx::Fail(const Origin& origin, std::string path, std::string message) {
  if (!error)
    error = Error{origin, path.empty() ? "(top level)" : std::move(path), std::move(message)};
  return false;
}

Origin Ctx::OriginOf(const std::string& path) const {
  // Fall back to the closest recorded ancestor so a cross-field error always has a place.
  std::string p = path;
  while (true) {
    if (auto it = origins.find(p); it != origins.end()) return it->second;
    const std::size_t cut = p.find_last_of(".[");
    if (cut == std::string::npos) break;
    p.resize(cut);
  }
  if (auto it = origins.find(""); it != origins.end()) return it->second;
  return Origin{1, 1, -1};
}

const Field* Table::Find(std::string_view name) const {
  for (const Field& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string JoinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

bool ParseMapping(const Node& node, const std::string& path, const Table& table, Ctx& ctx,
                  Json& json) {
  if (node.kind != Node::Kind::kMapping) {
    return ctx.Fail(node.origin, path, "expected a mapping, got " + Describe(node));
  }
  ctx.origins.emplace(path, node.origin);
  Json body = Json::object();
  auto handle = [&](const Field& f) {
    const std::string child = JoinPath(path, f.name);
    Json fragment;  // left null: the key is omitted
    if (const Entry* e = node.Find(f.name)) {
      ctx.origins[child] = e->value.origin;
      if (!f.parse(e->value, child, ctx, fragment)) return false;
    } else if (f.required) {
      return ctx.Fail(node.origin, child, "required key is missing");
    } else if (!f.default_yaml.empty()) {
      ctx.origins[child] = node.origin;
      if (!f.parse(DefaultNode(f.default_yaml, node.origin), child, ctx, fragment)) return false;
    }
    if (!fragment.is_null()) body[std::string(f.name)] = std::move(fragment);
    return true;
  };

  const Field* kind_field = table.Find("kind");
  std::string kind;
  if (kind_field != nullptr) {
    if (!handle(*kind_field)) return false;
    kind = ctx.kind;
  }
  for (const Entry& e : node.entries) {
    const Field* f = table.Find(e.key);
    if (f != nullptr && KindAllows(f->only_kind, kind)) continue;
    const std::string child = JoinPath(path, e.key);
    if (f != nullptr) {
      return ctx.Fail(e.key_origin, child,
                      "unknown key for kind " + Quote(kind) +
                          " (expected one of: " + AllowedKeys(table, kind) + ")");
    }
    return ctx.Fail(e.key_origin, child,
                    "unknown key (expected one of: " + AllowedKeys(table, kind) + ")");
  }
  for (const Field& f : table.fields) {
    if (&f == kind_field) continue;
    if (!KindAllows(f.only_kind, kind)) continue;
    if (!handle(f)) return false;
  }
  json = std::move(body);
  return true;
}

bool ReadString(const Node& n, const std::string& path, Ctx& ctx, std::string* out) {
  return ReadScalarText(n, path, ctx, "a string", out);
}

bool ReadInt(const Node& n, const std::string& path, Ctx& ctx, std::int64_t min, std::int64_t max,
             std::int64_t* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "an integer", &text)) return false;
  const IntText t = ParseIntText(text);
  if (!t.ok) return ctx.Fail(n.origin, path, "expected an integer, got " + Quote(text));
  const auto kMaxMagnitude = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (t.negative && t.magnitude != 0) {
    if (min >= 0 || t.overflow || t.magnitude > kMaxMagnitude ||
        -static_cast<std::int64_t>(t.magnitude) < min) {
      if (min == 0) return ctx.Fail(n.origin, path, "must not be negative, got " + Quote(text));
      return ctx.Fail(n.origin, path,
                      "must be at least " + std::to_string(min) + ", got " + Quote(text));
    }
    *out = -static_cast<std::int64_t>(t.magnitude);
    return true;
  }
  if (t.overflow || t.magnitude > static_cast<std::uint64_t>(max)) {
    return ctx.Fail(n.origin, path,
                    "must be at most " + std::to_string(max) + ", got " + Quote(text));
  }
  const auto v = static_cast<std::int64_t>(t.magnitude);
  if (v < min) {
    return ctx.Fail(n.origin, path,
                    "must be at least " + std::to_string(min) + ", got " + Quote(text));
  }
  *out = v;
  return true;
}

bool ReadUInt64(const Node& n, const std::string& path, Ctx& ctx, std::uint64_t* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "an integer", &text)) return false;
  const IntText t = ParseIntText(text);
  if (!t.ok) return ctx.Fail(n.origin, path, "expected an integer, got " + Quote(text));
  if (t.negative && t.magnitude != 0) {
    return ctx.Fail(n.origin, path, "must not be negative, got " + Quote(text));
  }
  if (t.overflow) {
    return ctx.Fail(n.origin, path,
                    "must be at most " + std::to_string(std::numeric_limits<std::uint64_t>::max()) +
                        ", got " + Quote(text));
  }
  *out = t.magnitude;
  return true;
}

bool ReadNumber(const Node& n, const std::string& path, Ctx& ctx, double* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "a number", &text)) return false;
  std::string_view s = Trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return ctx.Fail(n.origin, path, "expected a number, got " + Quote(text));
  }
  *out = v;
  return true;
}

bool ReadDuration(const Node& n, const std::string& path, Ctx& ctx, DurationNs* out,
                  DurationNs max) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "a duration like `600 s`", &text)) return false;
  auto r = ParseDuration(text);
  if (!r.ok()) return ctx.Fail(n.origin, path, r.status().message());
  if (r.value() > max) {
    const std::string why = max == kTimeLimit ? " (the simulated-time limit, 80 years)"
                            : max == kMaxSpan ? " (the longest duration other than a point in time, docs/limits.md)"
                                              : "";
    return ctx.Fail(n.origin, path,
                    "must be at most " + FormatDuration(max) + why + ", got " + Quote(text));
  }
  *out = r.value();
  return true;
}

bool ReadSize(const Node& n, const std::string& path, Ctx& ctx, std::uint64_t* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "a size like `1 MB`", &text)) return false;
  auto r = ParseSize(text);
  if (!r.ok()) return ctx.Fail(n.origin, path, r.status().message());
  *out = r.value();
  return true;
}

bool ReadBandwidth(const Node& n, const std::string& path, Ctx& ctx, double* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "a bandwidth like `20 Mbit/s`", &text)) return false;
  auto r = ParseBandwidth(text);
  if (!r.ok()) return ctx.Fail(n.origin, path, r.status().message());
  if (r.value() <= 0) return ctx.Fail(n.origin, path, "must be positive, got " + Quote(text));
  if (r.value() < kMinBandwidthBps) {
    return ctx.Fail(n.origin, path, "must be at least 1 bit/s, got " + Quote(text));
  }
  *out = r.value();
  return true;
}

bool ReadHashrate(const Node& n, const std::string& path, Ctx& ctx, double* out) {
  std::string text;
  if (!ReadScalarText(n, path, ctx, "a share in [0, 1] or a percentage like `30 %`", &text)) {
    return false;
  }
  auto r = ParseHashrate(text);
  if (!r.ok()) return ctx.Fail(n.origin, path, r.status().message());
  *out = r.value();
  return true;
}

bool ReadUInt32(const Node& n, const std::string& path, Ctx& ctx, std::int64_t min,
                std::int64_t max, std::uint32_t* out, Json& json) {
  std::int64_t v = 0;
  if (!ReadInt(n, path, ctx, min, max, &v)) return false;
  *out = static_cast<std::uint32_t>(v);
  json = v;
  return true;
}

bool ReadBool(const Node& n, const std::string& path, Ctx& ctx, bool* out, Json& json) {
  if (n.kind == Node::Kind::kScalar && (n.scalar == "true" || n.scalar == "false")) {
    *out = n.scalar == "true";
    json = *out;
    return true;
  }
  return ctx.Fail(n.origin, path, "expected `true` or `false`, got " + Describe(n));
}

bool ReadChoice(const Node& n, const std::string& path, Ctx& ctx,
                const std::vector<std::string_view>& choices, std::string* out) {
  std::string list;
  for (std::string_view c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  std::string text;
  if (!ReadScalarText(n, path, ctx, "one of: " + list, &text)) return false;
  for (std::string_view c : choices) {
    if (text == c) {
      *out = text;
      return true;
    }
  }
  return ctx.Fail(n.origin, path,
                  "unknown value " + Quote(text) + " (expected one of: " + list + ")");
}

// A list of numbers, each checked against a lower bound.
bool ReadNumberList(const Node& n, const std::string& path, Ctx& ctx, double min,
                    bool min_exclusive, std::vector<double>* out, Json& json) {
  if (n.kind != Node::Kind::kSequence) {
    return ctx.Fail(n.origin, path, "expected a list of numbers, got " + Describe(n));
  }
  out->clear();
  json = Json::array();
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const std::string item = path + "[" + std::to_string(i) + "]";
    double v = 0;
    if (!ReadNumber(n.items[i], item, ctx, &v)) return false;
    if (min_exclusive ? !(v > min) : !(v >= min)) {
      const std::string need = min_exclusive ? "must be positive" : "must not be negative";
      return ctx.Fail(n.items[i].origin, item, need + ", got " + Quote(n.items[i].scalar));
    }
    out->push_back(v);
    json.push_back(v);
  }
  return true;
}

std::string Quote(std::string_view s) { return "`" + std::string(s) + "`"; }


}  // namespace peerlab::scenario::detail
