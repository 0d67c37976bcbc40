// One field list per wire type, in the spirit of Bitcoin Core's SerializationOps (our own
// code). Each message or part declares its fields once:
//
//   template <class S, class Self> static constexpr void Fields(S& s, Self& m) {
//     s.Field("nonce", m.nonce);                          // name, value (or a format below)
//     s.Field("addrs", ListOf(m.addrs, kMaxAddrs, "addr"));
//   }
//
// and every "stream" S visits that list: WireOut<Writer> encodes, WireOut<Counter> counts the
// exact size, WireIn decodes, and the JSON text form (wire_json/, outside this family) writes
// and reads it. `Self` is `const T` when writing and `T` when reading. Names are for the text
// form only; the wire order is the order of the calls.
//
// A stream offers: Field(name, value), Flat(part) (a part whose fields join the enclosing
// object in the text form), Derived(name, fn) (shown in the text form, never read or sent)
// and Require(ok, wire_error, json_path, json_error) (a rule checked after reading).
// Values are the integer types, bool, Hash256, a struct with Fields, or one of the formats
// below. A struct may replace its wire layout (not its field list) with static WriteWire /
// ReadWire, as Transaction does for BIP144.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "peerlab/bitcoin/wire/serialize.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::bitcoin::wire {

// --- formats: how a value travels when its C++ type does not say it ------------------------

template <class T> struct Port { T& v; };         // uint16, big-endian
template <class T> struct Compact { T& v; };      // CompactSize without the MAX_SIZE check
template <class T> struct Ip { T& v; };           // 16 raw bytes; text: an IP address
template <class T> struct ShortId { T& v; };      // BIP152 short id: 6 bytes little-endian
template <class T> struct DiffIndex { T& v; };    // BIP152 index, sent as the gap to the last
template <class T> struct HeaderEntry { T& v; };  // a header followed by a zero tx count
template <class T> struct Trailing { T& v; };     // optional<bool> at the payload's end
template <class T> struct Witness { T& v; };      // witness stacks: sent by the tx layout
template <class T> struct Bytes {                 // CompactSize length + bytes; text: hex
  T& v;
  std::size_t limit = kMaxSize;
};
template <class T> struct Text {                  // as Bytes; text: a Latin-1 string
  T& v;
  std::size_t limit = kMaxSize;
};
template <class T> struct NetBytes {              // BIP155 address bytes for `network`
  T& v;
  std::uint8_t network;
};
template <class T> Port(T&) -> Port<T>;
template <class T> Compact(T&) -> Compact<T>;
template <class T> Ip(T&) -> Ip<T>;
template <class T> ShortId(T&) -> ShortId<T>;
template <class T> DiffIndex(T&) -> DiffIndex<T>;
template <class T> HeaderEntry(T&) -> HeaderEntry<T>;
template <class T> Trailing(T&) -> Trailing<T>;
template <class T> Witness(T&) -> Witness<T>;
template <class T> Bytes(T&) -> Bytes<T>;
template <class T> Bytes(T&, std::size_t) -> Bytes<T>;
template <class T> Text(T&, std::size_t) -> Text<T>;
template <class T> NetBytes(T&, std::uint8_t) -> NetBytes<T>;

// How a list wraps each element (the element's format).
struct AsIs {
  template <class T> constexpr T& operator()(T& x) const { return x; }
};
template <template <class> class F>
struct As {
  template <class T> constexpr F<T> operator()(T& x) const { return F<T>{x}; }
};
struct AsBytes {
  template <class T> constexpr Bytes<T> operator()(T& x) const { return {x, kMaxSize}; }
};

// A CompactSize count and the elements. Reading checks the count against `limit` and against
// the bytes left, each element taking at least the size of a default one ("<what> count").
template <class Wrap, class V>
struct List {
  V& v;
  std::size_t limit;
  const char* what;
};
template <class Wrap = AsIs, class V>
constexpr List<Wrap, V> ListOf(V& v, std::size_t limit, const char* what) {
  return {v, limit, what};
}

// Whether T declares a field list usable with stream S.
template <class T, class S>
concept HasFields = requires(S& s, T& t) { std::remove_const_t<T>::Fields(s, t); };

// --- writing and counting -------------------------------------------------------------------

// Encodes (Sink = Writer) or counts (Sink = Counter) values through their field lists.
template <class Sink>
class WireOut {
 public:
  constexpr explicit WireOut(Sink& sink, bool witness = true) : w_(sink), witness_(witness) {}

  // Whether transactions carry their witnesses (false for txids).
  constexpr bool witness() const { return witness_; }

  template <class V> constexpr void Field(std::string_view, const V& v) { Value(v); }
  template <class T> constexpr void Flat(const T& part) { Value(part); }
  template <class F> constexpr void Derived(std::string_view, F&&) {}
  constexpr void Require(bool, const char*, std::string_view, std::string_view) {}

  constexpr void Value(std::uint8_t v) { w_.U8(v); }
  constexpr void Value(bool v) { w_.Bool(v); }
  constexpr void Value(std::uint32_t v) { w_.U32(v); }
  constexpr void Value(std::int32_t v) { w_.I32(v); }
  constexpr void Value(std::uint64_t v) { w_.U64(v); }
  constexpr void Value(std::int64_t v) { w_.I64(v); }
  constexpr void Value(const Hash256& h) { w_.Hash(h); }
  template <class T> constexpr void Value(const Port<T>& f) { w_.U16BE(f.v); }
  template <class T> constexpr void Value(const Compact<T>& f) { w_.CompactSize(f.v); }
  template <class T> constexpr void Value(const Ip<T>& f) { w_.Bytes(f.v); }
  template <class T> constexpr void Value(const ShortId<T>& f) { w_.U48(f.v); }
  template <class T> constexpr void Value(const Bytes<T>& f) { w_.VarBytes(f.v); }
  template <class T> constexpr void Value(const NetBytes<T>& f) { w_.VarBytes(f.v); }
  template <class T> constexpr void Value(const Text<T>& f) { w_.VarString(f.v); }
  template <class T> constexpr void Value(const Witness<T>&) {}
  template <class T> constexpr void Value(const Trailing<T>& f) {
    if (f.v) w_.Bool(*f.v);
  }
  template <class T> constexpr void Value(const HeaderEntry<T>& f) {
    Value(f.v);
    w_.U8(0);
  }
  template <class T> constexpr void Value(const DiffIndex<T>& f) {
    PEERLAB_ASSERT(f.v >= shift_);  // indexes must be strictly increasing
    w_.CompactSize(f.v - shift_);
    shift_ = static_cast<std::uint64_t>(f.v) + 1;
  }
  template <class Wrap, class V> constexpr void Value(const List<Wrap, V>& l) {
    w_.CompactSize(l.v.size());
    const std::uint64_t outer = shift_;  // differential indexes count per list
    shift_ = 0;
    for (auto& e : l.v) Value(Wrap{}(e));
    shift_ = outer;
  }
  template <class T>
    requires HasFields<const T, WireOut>
  constexpr void Value(const T& part) {
    if constexpr (requires { T::WriteWire(*this, part); }) {
      T::WriteWire(*this, part);
    } else {
      T::Fields(*this, part);
    }
  }

 private:
  Sink& w_;
  bool witness_;
  std::uint64_t shift_ = 0;
};

// Bytes `part` takes on the wire, counted through its field list.
template <class T>
constexpr std::size_t WireBytes(const T& part, bool witness = true) {
  Counter c;
  WireOut<Counter> out(c, witness);
  out.Value(part);
  return c.size();
}

// The smallest encoding of one list element: that of a default element (empty vectors,
// zero counts), which bounds how many elements the bytes left can hold.
template <class Wrap, class Elem>
constexpr std::size_t MinWireBytes() {
  Elem e{};
  Counter c;
  WireOut<Counter> out(c);
  out.Value(Wrap{}(e));
  return c.size();
}

// --- reading --------------------------------------------------------------------------------

// Decodes values through their field lists from a Reader; errors are the Reader's (sticky,
// "<why> at payload byte N").
class WireIn {
 public:
  explicit WireIn(Reader& r) : r_(r) {}
  Reader& reader() { return r_; }

  template <class V> void Field(std::string_view, V&& v) { Value(v); }
  template <class T> void Flat(T& part) { Value(part); }
  template <class F> void Derived(std::string_view, F&&) {}
  void Require(bool ok, const char* why, std::string_view, std::string_view) {
    if (!ok) r_.Fail(why);
  }

  void Value(std::uint8_t& v) { r_.ReadU8(v); }
  void Value(bool& v) { r_.ReadBool(v); }
  void Value(std::uint32_t& v) { r_.ReadU32(v); }
  void Value(std::int32_t& v) { r_.ReadI32(v); }
  void Value(std::uint64_t& v) { r_.ReadU64(v); }
  void Value(std::int64_t& v) { r_.ReadI64(v); }
  void Value(Hash256& h) { r_.ReadHash(h); }
  void Value(const Port<std::uint16_t>& f) { r_.ReadU16BE(f.v); }
  void Value(const Compact<std::uint64_t>& f) { r_.ReadCompactSize(f.v, false); }
  void Value(const Ip<std::array<std::uint8_t, 16>>& f) { r_.ReadBytes(f.v); }
  void Value(const ShortId<std::uint64_t>& f) { r_.ReadU48(f.v); }
  void Value(const Bytes<std::vector<std::uint8_t>>& f) { r_.ReadVarBytes(f.v, f.limit); }
  void Value(const Text<std::string>& f) { r_.ReadVarString(f.v, f.limit); }
  void Value(const Witness<std::vector<std::vector<std::uint8_t>>>& f) { f.v.clear(); }
  void Value(const Trailing<std::optional<bool>>& f);
  void Value(const DiffIndex<std::uint16_t>& f);
  void Value(const NetBytes<std::vector<std::uint8_t>>& f);
  template <class T> void Value(const HeaderEntry<T>& f) {
    Value(f.v);
    ZeroTxCount();
  }
  template <class Wrap, class V> void Value(const List<Wrap, V>& l) {
    using Elem = typename V::value_type;
    constexpr std::size_t kMinBytes = MinWireBytes<Wrap, Elem>();
    std::size_t n = 0;
    if (!r_.ReadCount(n, l.limit, kMinBytes, l.what)) return;
    l.v.resize(n);
    const std::uint64_t outer = shift_;
    shift_ = 0;
    for (auto& e : l.v) {
      Value(Wrap{}(e));
      if (r_.failed()) break;
    }
    shift_ = outer;
  }
  template <class T>
    requires HasFields<T, WireIn>
  void Value(T& part) {
    if constexpr (requires { T::ReadWire(*this, part); }) {
      T::ReadWire(*this, part);
    } else {
      T::Fields(*this, part);
    }
  }

 private:
  void ZeroTxCount();  // headers' tx count: Core ignores it, we require 0 (re-encodable)

  Reader& r_;
  std::uint64_t shift_ = 0;
};

}  // namespace peerlab::bitcoin::wire
