// Message -> JSON for the wire codec's text form (json.hpp, docs/wire-format.md), driven by each
// message's field list (peerlab/bitcoin/wire/fields.hpp).
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <type_traits>

#include "peerlab/wire_json/json.hpp"

namespace peerlab::bitcoin::wire {

namespace {

// --- writing --------------------------------------------------------------------------------

class Out {
 public:
  Out& Key(std::string_view k) {
    Sep();
    Quote(k);
    s_ += ':';
    after_key_ = true;
    return *this;
  }
  Out& Str(std::string_view v) {
    Sep();
    Quote(v);
    return *this;
  }
  Out& U(std::uint64_t v) {
    Sep();
    s_ += std::to_string(v);
    return *this;
  }
  Out& I(std::int64_t v) {
    Sep();
    s_ += std::to_string(v);
    return *this;
  }
  Out& B(bool v) {
    Sep();
    s_ += v ? "true" : "false";
    return *this;
  }
  Out& Hash(const Hash256& h) { return Str(h.ToHex()); }
  Out& Hex(std::span<const std::uint8_t> b) { return Str(ToHex(b)); }
  Out& Open(char c) {
    Sep();
    s_ += c;
    first_ = true;
    return *this;
  }
  Out& Close(char c) {
    s_ += c;
    first_ = false;
    return *this;
  }
  std::string Take() { return std::move(s_); }

 private:
  void Sep() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      s_ += ',';
    }
    first_ = false;
  }
  // Bytes >= 0x80 are written as \u00XX (Latin-1), so any byte string (user agents are not
  // guaranteed UTF-8) survives the trip; ReadLatin1 undoes it.
  void Quote(std::string_view v) {
    s_ += '"';
    for (char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      if (c == '"' || c == '\\') {
        s_ += '\\';
        s_ += ch;
      } else if (c < 0x20 || c >= 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        s_ += buf;
      } else {
        s_ += ch;
      }
    }
    s_ += '"';
  }
  std::string s_;
  bool first_ = true;
  bool after_key_ = false;
};

// Writes values through their field lists (fields.hpp): one JSON object per struct, a flat
// part's fields inline, lists as arrays.
class JsonOut {
 public:
  explicit JsonOut(Out& o) : o_(o) {}

  template <class V> void Field(std::string_view name, const V& v) {
    o_.Key(name);
    Value(v);
  }
  void Field(std::string_view name, const Trailing<const std::optional<bool>>& f) {
    if (f.v) o_.Key(name).B(*f.v);  // absent in old peers' messages: no key
  }
  template <class T> void Flat(const T& part) { T::Fields(*this, part); }
  template <class F> void Derived(std::string_view name, F&& value) { o_.Key(name).Hash(value()); }
  void Require(bool, const char*, std::string_view, std::string_view) {}

  template <class T>
    requires std::is_integral_v<T>
  void Value(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      o_.B(v);
    } else if constexpr (std::is_signed_v<T>) {
      o_.I(v);
    } else {
      o_.U(v);
    }
  }
  void Value(const Hash256& h) { o_.Hash(h); }
  template <class T> void Value(const Port<T>& f) { o_.U(f.v); }
  template <class T> void Value(const Compact<T>& f) { o_.U(f.v); }
  template <class T> void Value(const ShortId<T>& f) { o_.U(f.v); }
  template <class T> void Value(const DiffIndex<T>& f) { o_.U(f.v); }
  template <class T> void Value(const Ip<T>& f) { o_.Str(FormatIp(f.v)); }
  template <class T> void Value(const Bytes<T>& f) { o_.Hex(f.v); }
  template <class T> void Value(const NetBytes<T>& f) { o_.Hex(f.v); }
  template <class T> void Value(const Text<T>& f) { o_.Str(f.v); }
  template <class T> void Value(const HeaderEntry<T>& f) { Value(f.v); }
  template <class T> void Value(const Witness<T>& f) {
    o_.Open('[');
    for (const auto& item : f.v) o_.Hex(item);
    o_.Close(']');
  }
  template <class Wrap, class V> void Value(const List<Wrap, V>& l) {
    o_.Open('[');
    for (const auto& e : l.v) Value(Wrap{}(e));
    o_.Close(']');
  }
  template <class T>
    requires HasFields<const T, JsonOut>
  void Value(const T& part) {
    o_.Open('{');
    T::Fields(*this, part);
    o_.Close('}');
  }

 private:
  Out& o_;
};

void Begin(Out& o, std::string_view command, const JsonFrameInfo* frame) {
  o.Open('{').Key("command").Str(command);
  if (frame) o.Key("checksum_ok").B(frame->checksum_ok).Key("length").U(frame->length);
}

}  // namespace

std::string MessageToJson(const Message& m, const JsonFrameInfo* frame) {
  Out o;
  Begin(o, CommandOf(m), frame);
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Unknown>) {
          o.Key("payload").Hex(msg.payload);
        } else {
          JsonOut out(o);
          T::Fields(out, msg);
        }
      },
      m);
  o.Close('}');
  return o.Take();
}

std::string UndecodedToJson(std::string_view command, const JsonFrameInfo& frame,
                            std::string_view error, std::span<const std::uint8_t> payload) {
  Out o;
  Begin(o, command, &frame);
  o.Key("error").Str(error).Key("payload").Hex(payload).Close('}');
  return o.Take();
}

}  // namespace peerlab::bitcoin::wire
