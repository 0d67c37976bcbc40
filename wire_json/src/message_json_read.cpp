// JSON -> Message for the wire codec's text form (json.hpp), driven by each message's field list
// (peerlab/bitcoin/wire/fields.hpp). Every error names the field path.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>
#include <limits>
#include <type_traits>

#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/util/json.hpp"
#include "peerlab/wire_json/json.hpp"

namespace peerlab::bitcoin::wire {

namespace {

// The JSON types the reader asks for by name.
enum class Kind { kBool, kString, kArray, kObject };

bool Is(const Json& v, Kind kind) {
  switch (kind) {
    case Kind::kBool: return v.is_boolean();
    case Kind::kString: return v.is_string();
    case Kind::kArray: return v.is_array();
    case Kind::kObject: return v.is_object();
  }
  return false;
}

const Json* Find(const Json& object, std::string_view key) {
  const auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

const std::string& StringOf(const Json& v) { return v.get_ref<const std::string&>(); }

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string At(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

// Output-only keys the decoder writes; accepted and ignored on input.
constexpr std::string_view kDerivedKeys[] = {"checksum_ok", "length", "hash", "txid", "wtxid", "error"};

class In {
 public:
  std::string error;

  bool Fail(const std::string& path, std::string_view what) {
    if (error.empty()) error = (path.empty() ? std::string("message") : path) + ": " + std::string(what);
    return false;
  }

  // Rejects keys outside `allowed` (and the derived output keys), so typos do not pass.
  bool Keys(const Json& obj, const std::string& path, const std::vector<std::string_view>& allowed) {
    for (const auto& [key, value] : obj.items()) {
      bool ok = std::find(std::begin(kDerivedKeys), std::end(kDerivedKeys), key) != std::end(kDerivedKeys);
      for (std::string_view a : allowed) ok = ok || key == a;
      if (!ok) return Fail(Join(path, key), "unknown field");
    }
    return true;
  }

  const Json* Get(const Json& obj, std::string_view key, const std::string& path, Kind kind,
                  const char* expected) {
    const Json* v = Find(obj, key);
    if (v == nullptr) {
      Fail(Join(path, key), "missing");
      return nullptr;
    }
    if (!Is(*v, kind)) {
      Fail(Join(path, key), std::string("expected ") + expected);
      return nullptr;
    }
    return v;
  }

  // ParseJson keeps integers exact: a literal without '-' is unsigned, a negative one signed,
  // anything else (a fraction, an exponent, beyond 64 bits) a double, which no field takes.
  template <typename T>
  bool IntValue(const Json& v, const std::string& path, T& out) {
    if (!v.is_number()) return Fail(path, "expected an integer");
    if constexpr (std::is_signed_v<T>) {
      const bool fits = v.is_number_unsigned()
                            ? v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max())
                            : v.is_number_integer() && v.get<std::int64_t>() >= std::numeric_limits<T>::min() &&
                                  v.get<std::int64_t>() <= std::numeric_limits<T>::max();
      if (!fits) {
        return Fail(path, "expected an integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                              std::to_string(std::numeric_limits<T>::max()) + "]");
      }
      out = static_cast<T>(v.get<std::int64_t>());
    } else {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > std::numeric_limits<T>::max()) {
        return Fail(path, "expected an integer in [0, " + std::to_string(std::numeric_limits<T>::max()) + "]");
      }
      out = static_cast<T>(v.get<std::uint64_t>());
    }
    return true;
  }

  bool Bool(const Json& obj, std::string_view key, const std::string& path, bool& out) {
    const Json* v = Get(obj, key, path, Kind::kBool, "true or false");
    if (v) out = v->get<bool>();
    return v != nullptr;
  }

  bool HashValue(const Json& v, const std::string& path, Hash256& out) {
    std::vector<std::uint8_t> bytes;
    if (!v.is_string() || StringOf(v).size() != 64 || !FromHex(StringOf(v), bytes)) {
      return Fail(path, "expected a 64-digit hex hash");
    }
    for (std::size_t i = 0; i < 32; ++i) out.bytes[i] = bytes[31 - i];  // display order is reversed
    return true;
  }

  bool HexValue(const Json& v, const std::string& path, std::vector<std::uint8_t>& out) {
    if (!v.is_string() || !FromHex(StringOf(v), out)) return Fail(path, "expected a hex string");
    return true;
  }

  // The writer's Latin-1 escaping in reverse: every code point must be below 256.
  bool Latin1(const Json& v, const std::string& path, std::string& out) {
    if (!v.is_string()) return Fail(path, "expected a string");
    out.clear();
    const std::string& s = StringOf(v);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size()) {
        out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
      } else {
        return Fail(path, "characters above U+00FF cannot be sent");
      }
    }
    return true;
  }

  const Json* Array(const Json& obj, std::string_view key, const std::string& path) {
    return Get(obj, key, path, Kind::kArray, "an array");
  }
  bool IsObject(const Json& v, const std::string& path) {
    return v.is_object() || Fail(path, "expected an object");
  }
};

// The JSON names a struct's field list declares (flat parts included), for the unknown-key
// check that runs before any field is read.
class KeyNames {
 public:
  std::vector<std::string_view> names;

  template <class V> void Field(std::string_view name, V&&) { names.push_back(name); }
  template <class T> void Flat(T& part) { T::Fields(*this, part); }
  template <class F> void Derived(std::string_view, F&&) {}
  void Require(bool, const char*, std::string_view, std::string_view) {}
};

template <class T>
std::vector<std::string_view> NamesOf(T& part) {
  KeyNames k;
  T::Fields(k, part);
  return std::move(k.names);
}

// Reads values through their field lists (fields.hpp) from a parsed JSON object. The first
// error is kept (In); after it nothing more is read.
class JsonIn {
 public:
  JsonIn(In& in, const Json& obj) : in_(in), obj_(&obj) {}

  template <class V> void Field(std::string_view name, V&& v) {
    if (failed()) return;
    const Json* value = Find(*obj_, name);
    if (value == nullptr) {
      in_.Fail(Join(path_, name), "missing");
      return;
    }
    ValueAt(*value, Join(path_, name), v);
  }
  // Optional: absent or null means the old peers' message without fRelay.
  void Field(std::string_view name, Trailing<std::optional<bool>> f) {
    f.v.reset();
    const Json* value = Find(*obj_, name);
    if (failed() || value == nullptr || value->is_null()) return;
    bool b = false;
    if (in_.Bool(*obj_, name, path_, b)) f.v = b;
  }
  // Optional: a missing witness is an empty one.
  void Field(std::string_view name, Witness<std::vector<std::vector<std::uint8_t>>> f) {
    f.v.clear();
    if (failed() || Find(*obj_, name) == nullptr) return;
    const Json* a = in_.Array(*obj_, name, path_);
    if (a == nullptr) return;
    const std::string path = Join(path_, name);
    f.v.resize(a->size());
    for (std::size_t j = 0; j < f.v.size() && !failed(); ++j) in_.HexValue((*a)[j], At(path, j), f.v[j]);
  }
  template <class T> void Flat(T& part) { T::Fields(*this, part); }
  template <class F> void Derived(std::string_view, F&&) {}  // output only
  void Require(bool ok, const char*, std::string_view path, std::string_view why) {
    if (!ok && !failed()) in_.Fail(std::string(path), why);
  }

  // A whole message or part: the object's keys first, then its fields.
  template <class T> void Struct(const Json& v, const std::string& path, T& part,
                                 std::initializer_list<std::string_view> extra = {}) {
    if (!in_.IsObject(v, path)) return;
    std::vector<std::string_view> allowed = NamesOf(part);
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    if (!in_.Keys(v, path, allowed)) return;
    const Json* outer_obj = obj_;
    std::string outer_path = std::move(path_);
    obj_ = &v;
    path_ = path;
    T::Fields(*this, part);
    obj_ = outer_obj;
    path_ = std::move(outer_path);
  }

 private:
  bool failed() const { return !in_.error.empty(); }

  template <class T>
    requires std::is_integral_v<T>
  void ValueAt(const Json& v, const std::string& path, T& x) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) {
        in_.Fail(path, "expected true or false");
      } else {
        x = v.get<bool>();
      }
    } else {
      in_.IntValue(v, path, x);
    }
  }
  void ValueAt(const Json& v, const std::string& path, Hash256& h) { in_.HashValue(v, path, h); }
  template <class T> void ValueAt(const Json& v, const std::string& path, const Port<T>& f) {
    in_.IntValue(v, path, f.v);
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const Compact<T>& f) {
    in_.IntValue(v, path, f.v);
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const ShortId<T>& f) {
    if (in_.IntValue(v, path, f.v) && (f.v >> 48) != 0) in_.Fail(path, "short ids have 48 bits");
  }
  // Strictly increasing, as the differential encoding requires; the error names the element.
  template <class T> void ValueAt(const Json& v, const std::string& path, const DiffIndex<T>& f) {
    if (!in_.IntValue(v, path, f.v)) return;
    if (f.v < shift_) {
      in_.Fail(element_, "indexes must be strictly increasing");
      return;
    }
    shift_ = static_cast<std::uint64_t>(f.v) + 1;
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const Ip<T>& f) {
    if (!v.is_string()) {
      in_.Fail(path, "expected an IP address");
    } else if (!ParseIp(StringOf(v), f.v)) {
      in_.Fail(path, "expected an IPv4 or IPv6 address");
    }
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const Bytes<T>& f) {
    in_.HexValue(v, path, f.v);
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const NetBytes<T>& f) {
    if (!in_.HexValue(v, path, f.v)) return;
    const std::size_t want = AddrV2Size(f.network);
    if ((want != 0 && f.v.size() != want) || f.v.size() > kMaxAddrV2Bytes) {
      in_.Fail(path, "wrong length for network " + std::to_string(f.network));
    }
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const Text<T>& f) {
    if (in_.Latin1(v, path, f.v) && f.v.size() > f.limit) {
      in_.Fail(path, "longer than " + std::to_string(f.limit) + " bytes");
    }
  }
  template <class T> void ValueAt(const Json& v, const std::string& path, const HeaderEntry<T>& f) {
    ValueAt(v, path, f.v);
  }
  template <class Wrap, class V> void ValueAt(const Json& v, const std::string& path, const List<Wrap, V>& l) {
    if (!v.is_array()) {
      in_.Fail(path, "expected an array");
      return;
    }
    l.v.resize(v.size());
    const std::uint64_t outer_shift = shift_;
    std::string outer_element = std::move(element_);
    shift_ = 0;
    for (std::size_t i = 0; i < l.v.size() && !failed(); ++i) {
      element_ = At(path, i);
      ValueAt(v[i], element_, Wrap{}(l.v[i]));
    }
    shift_ = outer_shift;
    element_ = std::move(outer_element);
  }
  template <class T>
    requires HasFields<T, JsonIn>
  void ValueAt(const Json& v, const std::string& path, T& part) {
    Struct(v, path, part);
  }

  In& in_;
  const Json* obj_;
  std::string path_;     // of the object being read ("" at the top)
  std::string element_;  // of the innermost list element
  std::uint64_t shift_ = 0;  // the least next differential index
};

template <std::size_t I = 0>
bool ParseByCommand(In& in, std::string_view command, const Json& o, Message& m, bool& found) {
  if constexpr (I + 1 < std::variant_size_v<Message>) {
    using T = std::variant_alternative_t<I, Message>;
    if (T::kCommand == command) {
      found = true;
      JsonIn reader(in, o);
      reader.Struct(o, "", m.template emplace<I>(), {"command"});
      return in.error.empty();
    }
    return ParseByCommand<I + 1>(in, command, o, m, found);
  } else {
    return false;
  }
}

Result<Message> FromJson(const Json& v) {
  In in;
  if (!v.is_object()) return Status::Error("expected a JSON object");
  const Json* cmd = in.Get(v, "command", "", Kind::kString, "a string");
  if (cmd == nullptr) return Status::Error(in.error);
  const std::string& command = StringOf(*cmd);
  if (!IsValidCommand(command)) return Status::Error("command: at most 12 printable ASCII characters");
  Message m;
  if (const Json* payload = Find(v, "payload"); payload != nullptr) {
    Unknown u;
    u.command = command;
    if (!in.Keys(v, "", {"command", "payload"}) || !in.HexValue(*payload, "payload", u.payload)) {
      return Status::Error(in.error);
    }
    return Message(std::move(u));
  }
  bool found = false;
  if (!ParseByCommand(in, command, v, m, found)) {
    if (!found) return Status::Error("command: unknown command '" + command + "' needs a \"payload\" (hex)");
    return Status::Error(in.error);
  }
  return m;
}

}  // namespace

Result<Message> MessageFromJson(std::string_view line) {
  auto v = ParseJson(line);
  if (!v.ok()) return v.status();
  return FromJson(*v);
}

}  // namespace peerlab::bitcoin::wire
