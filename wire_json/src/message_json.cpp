// Message -> JSON for the wire codec's text form (json.hpp, docs/wire-format.md), driven by each
// message's field list (peerlab/bitcoin/wire/fields.hpp).
#include <type_traits>

#include "peerlab/util/assert.hpp"
#include "peerlab/util/json.hpp"
#include "peerlab/wire_json/json.hpp"

namespace peerlab::bitcoin::wire {

namespace {

// Builds the message's JSON object through its field list (fields.hpp): one object per struct,
// a flat part's fields inline, lists as arrays. DumpJson writes it on one line.
class JsonOut {
 public:
  explicit JsonOut(Json& object) : object_(object) {}

  template <class V> void Field(std::string_view name, const V& v) { Put(name, ValueOf(v)); }
  void Field(std::string_view name, const Trailing<const std::optional<bool>>& f) {
    if (f.v) Put(name, Json(*f.v));  // absent in old peers' messages: no key
  }
  template <class T> void Flat(const T& part) { T::Fields(*this, part); }
  template <class F> void Derived(std::string_view name, F&& value) { Put(name, Json(value().ToHex())); }
  void Require(bool, const char*, std::string_view, std::string_view) {}

 private:
  void Put(std::string_view name, Json value) {
    const bool inserted = object_.emplace(std::string(name), std::move(value)).second;
    PEERLAB_ASSERT(inserted);  // a field list names each key once
  }

  template <class T>
    requires std::is_integral_v<T>
  static Json ValueOf(T v) {
    if constexpr (std::is_same_v<T, bool>) {
      return Json(v);
    } else if constexpr (std::is_signed_v<T>) {
      return Json(static_cast<std::int64_t>(v));
    } else {
      return Json(static_cast<std::uint64_t>(v));
    }
  }
  static Json ValueOf(const Hash256& h) { return Json(h.ToHex()); }
  template <class T> static Json ValueOf(const Port<T>& f) { return Json(static_cast<std::uint64_t>(f.v)); }
  template <class T> static Json ValueOf(const Compact<T>& f) { return Json(static_cast<std::uint64_t>(f.v)); }
  template <class T> static Json ValueOf(const ShortId<T>& f) { return Json(static_cast<std::uint64_t>(f.v)); }
  template <class T> static Json ValueOf(const DiffIndex<T>& f) { return Json(static_cast<std::uint64_t>(f.v)); }
  template <class T> static Json ValueOf(const Ip<T>& f) { return Json(FormatIp(f.v)); }
  template <class T> static Json ValueOf(const Bytes<T>& f) { return Json(ToHex(f.v)); }
  template <class T> static Json ValueOf(const NetBytes<T>& f) { return Json(ToHex(f.v)); }
  // The bytes as they are: DumpJson escapes each byte outside printable ASCII (user agents are
  // not guaranteed UTF-8), and the reader's Latin-1 undoes it.
  template <class T> static Json ValueOf(const Text<T>& f) { return Json(std::string(f.v)); }
  template <class T> static Json ValueOf(const HeaderEntry<T>& f) { return ValueOf(f.v); }
  template <class T> static Json ValueOf(const Witness<T>& f) {
    Json items = Json::array();
    for (const auto& item : f.v) items.push_back(ToHex(item));
    return items;
  }
  template <class Wrap, class V> static Json ValueOf(const List<Wrap, V>& l) {
    Json items = Json::array();
    for (const auto& e : l.v) items.push_back(ValueOf(Wrap{}(e)));
    return items;
  }
  template <class T>
    requires HasFields<const T, JsonOut>
  static Json ValueOf(const T& part) {
    Json object = Json::object();
    JsonOut out(object);
    T::Fields(out, part);
    return object;
  }

  Json& object_;
};

Json Begin(std::string_view command, const JsonFrameInfo* frame) {
  Json o = Json::object();
  o["command"] = std::string(command);
  if (frame) {
    o["checksum_ok"] = frame->checksum_ok;
    o["length"] = static_cast<std::uint64_t>(frame->length);
  }
  return o;
}

std::string Line(const Json& o) {
  return DumpJson(o, {.pretty = false, .strings = JsonFormat::Strings::kBytesAsLatin1});
}

}  // namespace

std::string MessageToJson(const Message& m, const JsonFrameInfo* frame) {
  Json o = Begin(CommandOf(m), frame);
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Unknown>) {
          o["payload"] = ToHex(msg.payload);
        } else {
          JsonOut out(o);
          T::Fields(out, msg);
        }
      },
      m);
  return Line(o);
}

std::string UndecodedToJson(std::string_view command, const JsonFrameInfo& frame,
                            std::string_view error, std::span<const std::uint8_t> payload) {
  Json o = Begin(command, &frame);
  o["error"] = std::string(error);
  o["payload"] = ToHex(payload);
  return Line(o);
}

}  // namespace peerlab::bitcoin::wire
