// JSON -> Message for the wire codec's text form (json.hpp). Every error names the field path.
#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <limits>
#include <type_traits>

#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/json.hpp"

namespace peerlab::bitcoin::wire {

namespace {

using Kind = JsonValue::Kind;

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
  bool Keys(const JsonValue& obj, const std::string& path, std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : obj.members) {
      bool ok = std::find(std::begin(kDerivedKeys), std::end(kDerivedKeys), key) != std::end(kDerivedKeys);
      for (std::string_view a : allowed) ok = ok || key == a;
      if (!ok) return Fail(Join(path, key), "unknown field");
    }
    return true;
  }

  const JsonValue* Get(const JsonValue& obj, std::string_view key, const std::string& path, Kind kind,
                       const char* expected) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) {
      Fail(Join(path, key), "missing");
      return nullptr;
    }
    if (v->kind != kind) {
      Fail(Join(path, key), std::string("expected ") + expected);
      return nullptr;
    }
    return v;
  }

  template <typename T>
  bool IntValue(const JsonValue& v, const std::string& path, T& out) {
    if (v.kind != Kind::kNumber) return Fail(path, "expected an integer");
    const char* b = v.text.data();
    const char* e = b + v.text.size();
    if constexpr (std::is_signed_v<T>) {
      std::int64_t x = 0;
      auto [p, ec] = std::from_chars(b, e, x);
      if (ec != std::errc() || p != e || x < std::numeric_limits<T>::min() || x > std::numeric_limits<T>::max()) {
        return Fail(path, "expected an integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                              std::to_string(std::numeric_limits<T>::max()) + "]");
      }
      out = static_cast<T>(x);
    } else {
      std::uint64_t x = 0;
      auto [p, ec] = std::from_chars(b, e, x);
      if (ec != std::errc() || p != e || x > std::numeric_limits<T>::max()) {
        return Fail(path, "expected an integer in [0, " + std::to_string(std::numeric_limits<T>::max()) + "]");
      }
      out = static_cast<T>(x);
    }
    return true;
  }

  template <typename T>
  bool Int(const JsonValue& obj, std::string_view key, const std::string& path, T& out) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) return Fail(Join(path, key), "missing");
    return IntValue(*v, Join(path, key), out);
  }

  bool Bool(const JsonValue& obj, std::string_view key, const std::string& path, bool& out) {
    const JsonValue* v = Get(obj, key, path, Kind::kBool, "true or false");
    if (v) out = v->boolean;
    return v != nullptr;
  }

  bool HashValue(const JsonValue& v, const std::string& path, Hash256& out) {
    std::vector<std::uint8_t> bytes;
    if (v.kind != Kind::kString || v.text.size() != 64 || !FromHex(v.text, bytes)) {
      return Fail(path, "expected a 64-digit hex hash");
    }
    for (std::size_t i = 0; i < 32; ++i) out.bytes[i] = bytes[31 - i];  // display order is reversed
    return true;
  }

  bool Hash(const JsonValue& obj, std::string_view key, const std::string& path, Hash256& out) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) return Fail(Join(path, key), "missing");
    return HashValue(*v, Join(path, key), out);
  }

  bool HexValue(const JsonValue& v, const std::string& path, std::vector<std::uint8_t>& out) {
    if (v.kind != Kind::kString || !FromHex(v.text, out)) return Fail(path, "expected a hex string");
    return true;
  }

  bool Hex(const JsonValue& obj, std::string_view key, const std::string& path, std::vector<std::uint8_t>& out) {
    const JsonValue* v = obj.Find(key);
    if (v == nullptr) return Fail(Join(path, key), "missing");
    return HexValue(*v, Join(path, key), out);
  }

  // The writer's Latin-1 escaping in reverse: every code point must be below 256.
  bool Latin1(const JsonValue& obj, std::string_view key, const std::string& path, std::string& out) {
    const JsonValue* v = Get(obj, key, path, Kind::kString, "a string");
    if (v == nullptr) return false;
    out.clear();
    const std::string& s = v->text;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size()) {
        out += static_cast<char>(((c & 0x1f) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
      } else {
        return Fail(Join(path, key), "characters above U+00FF cannot be sent");
      }
    }
    return true;
  }

  const JsonValue* Array(const JsonValue& obj, std::string_view key, const std::string& path) {
    return Get(obj, key, path, Kind::kArray, "an array");
  }
  const JsonValue* Object(const JsonValue& obj, std::string_view key, const std::string& path) {
    return Get(obj, key, path, Kind::kObject, "an object");
  }
  bool IsObject(const JsonValue& v, const std::string& path) {
    return v.kind == Kind::kObject || Fail(path, "expected an object");
  }
};

bool ParseNetAddr(In& in, const JsonValue& obj, const std::string& path, NetAddr& a) {
  const JsonValue* ip = nullptr;
  if (!in.Keys(obj, path, {"services", "ip", "port", "time"}) || !in.Int(obj, "services", path, a.services) ||
      !in.Int(obj, "port", path, a.port) || !(ip = in.Get(obj, "ip", path, Kind::kString, "an IP address"))) {
    return false;
  }
  return ParseIp(ip->text, a.ip) || in.Fail(Join(path, "ip"), "expected an IPv4 or IPv6 address");
}

bool ParseHeaderObj(In& in, const JsonValue& obj, const std::string& path, BlockHeader& h) {
  return in.IsObject(obj, path) &&
         in.Keys(obj, path, {"version", "prev_block", "merkle_root", "time", "bits", "nonce"}) &&
         in.Int(obj, "version", path, h.version) && in.Hash(obj, "prev_block", path, h.prev) &&
         in.Hash(obj, "merkle_root", path, h.merkle_root) && in.Int(obj, "time", path, h.time) &&
         in.Int(obj, "bits", path, h.bits) && in.Int(obj, "nonce", path, h.nonce);
}

bool ParseTxFields(In& in, const JsonValue& obj, const std::string& path, Transaction& tx) {
  const JsonValue* inputs = in.Array(obj, "inputs", path);
  const JsonValue* outputs = inputs ? in.Array(obj, "outputs", path) : nullptr;
  if (!outputs || !in.Int(obj, "version", path, tx.version) || !in.Int(obj, "lock_time", path, tx.lock_time)) {
    return false;
  }
  tx.inputs.resize(inputs->items.size());
  for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
    const JsonValue& v = inputs->items[i];
    const std::string p = At(Join(path, "inputs"), i);
    TxIn& txin = tx.inputs[i];
    if (!in.IsObject(v, p) || !in.Keys(v, p, {"prev_txid", "prev_index", "script_sig", "sequence", "witness"}) ||
        !in.Hash(v, "prev_txid", p, txin.prevout.txid) || !in.Int(v, "prev_index", p, txin.prevout.index) ||
        !in.Hex(v, "script_sig", p, txin.script_sig) || !in.Int(v, "sequence", p, txin.sequence)) {
      return false;
    }
    txin.witness.clear();
    if (v.Find("witness") == nullptr) continue;
    const JsonValue* w = in.Array(v, "witness", p);
    if (w == nullptr) return false;
    txin.witness.resize(w->items.size());
    for (std::size_t j = 0; j < w->items.size(); ++j) {
      if (!in.HexValue(w->items[j], At(Join(p, "witness"), j), txin.witness[j])) return false;
    }
  }
  tx.outputs.resize(outputs->items.size());
  for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
    const JsonValue& v = outputs->items[i];
    const std::string p = At(Join(path, "outputs"), i);
    if (!in.IsObject(v, p) || !in.Keys(v, p, {"value", "script_pubkey"}) ||
        !in.Int(v, "value", p, tx.outputs[i].value) || !in.Hex(v, "script_pubkey", p, tx.outputs[i].script_pubkey)) {
      return false;
    }
  }
  return true;
}

bool ParseTxObj(In& in, const JsonValue& obj, const std::string& path, Transaction& tx) {
  return in.IsObject(obj, path) && in.Keys(obj, path, {"version", "inputs", "outputs", "lock_time"}) &&
         ParseTxFields(in, obj, path, tx);
}

bool ParseTxList(In& in, const JsonValue& obj, std::string_view key, std::vector<Transaction>& txs) {
  const JsonValue* a = in.Array(obj, key, "");
  if (a == nullptr) return false;
  txs.resize(a->items.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    if (!ParseTxObj(in, a->items[i], At(std::string(key), i), txs[i])) return false;
  }
  return true;
}

bool ParseInvItems(In& in, const JsonValue& obj, std::vector<Inventory>& items) {
  const JsonValue* a = in.Keys(obj, "", {"command", "items"}) ? in.Array(obj, "items", "") : nullptr;
  if (a == nullptr) return false;
  items.resize(a->items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const JsonValue& v = a->items[i];
    const std::string p = At("items", i);
    if (!in.IsObject(v, p) || !in.Keys(v, p, {"type", "hash"}) || !in.Int(v, "type", p, items[i].type) ||
        !in.Hash(v, "hash", p, items[i].hash)) {
      return false;
    }
  }
  return true;
}

bool ParseLocator(In& in, const JsonValue& obj, std::uint32_t& version, std::vector<Hash256>& loc, Hash256& stop) {
  const JsonValue* a = nullptr;
  if (!in.Keys(obj, "", {"command", "version", "locator", "hash_stop"}) || !in.Int(obj, "version", "", version) ||
      !(a = in.Array(obj, "locator", "")) || !in.Hash(obj, "hash_stop", "", stop)) {
    return false;
  }
  loc.resize(a->items.size());
  for (std::size_t i = 0; i < loc.size(); ++i) {
    if (!in.HashValue(a->items[i], At("locator", i), loc[i])) return false;
  }
  return true;
}

// Strictly increasing 16-bit indexes, as the differential encoding requires.
bool CheckIncreasing(In& in, const std::string& path, std::size_t i, std::uint16_t prev, std::uint16_t cur) {
  return i == 0 || cur > prev || in.Fail(At(path, i), "indexes must be strictly increasing");
}

bool Parse(In& in, const JsonValue& o, Version& m) {
  const JsonValue *recv = nullptr, *from = nullptr;
  if (!in.Keys(o, "", {"command", "version", "services", "timestamp", "addr_recv", "addr_from", "nonce",
                       "user_agent", "start_height", "relay"}) ||
      !in.Int(o, "version", "", m.version) || !in.Int(o, "services", "", m.services) ||
      !in.Int(o, "timestamp", "", m.timestamp) || !(recv = in.Object(o, "addr_recv", "")) ||
      !ParseNetAddr(in, *recv, "addr_recv", m.addr_recv) || !(from = in.Object(o, "addr_from", "")) ||
      !ParseNetAddr(in, *from, "addr_from", m.addr_from) || !in.Int(o, "nonce", "", m.nonce) ||
      !in.Latin1(o, "user_agent", "", m.user_agent) || !in.Int(o, "start_height", "", m.start_height)) {
    return false;
  }
  if (m.user_agent.size() > kMaxUserAgentBytes) return in.Fail("user_agent", "longer than 256 bytes");
  m.relay.reset();
  if (const JsonValue* r = o.Find("relay"); r != nullptr && r->kind != Kind::kNull) {
    bool b = false;
    if (!in.Bool(o, "relay", "", b)) return false;
    m.relay = b;
  }
  return true;
}

template <typename Empty>
bool ParseEmpty(In& in, const JsonValue& o, Empty&) { return in.Keys(o, "", {"command"}); }
bool Parse(In& in, const JsonValue& o, Verack& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, GetAddr& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, SendHeaders& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, Mempool& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, WtxidRelay& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, SendAddrV2& m) { return ParseEmpty(in, o, m); }
bool Parse(In& in, const JsonValue& o, Ping& m) {
  return in.Keys(o, "", {"command", "nonce"}) && in.Int(o, "nonce", "", m.nonce);
}
bool Parse(In& in, const JsonValue& o, Pong& m) {
  return in.Keys(o, "", {"command", "nonce"}) && in.Int(o, "nonce", "", m.nonce);
}

bool Parse(In& in, const JsonValue& o, Addr& m) {
  const JsonValue* a = in.Keys(o, "", {"command", "addrs"}) ? in.Array(o, "addrs", "") : nullptr;
  if (a == nullptr) return false;
  m.addrs.resize(a->items.size());
  for (std::size_t i = 0; i < m.addrs.size(); ++i) {
    const std::string p = At("addrs", i);
    if (!in.IsObject(a->items[i], p) || !ParseNetAddr(in, a->items[i], p, m.addrs[i].addr) ||
        !in.Int(a->items[i], "time", p, m.addrs[i].time)) {
      return false;
    }
  }
  return true;
}

bool Parse(In& in, const JsonValue& o, AddrV2& m) {
  const JsonValue* a = in.Keys(o, "", {"command", "addrs"}) ? in.Array(o, "addrs", "") : nullptr;
  if (a == nullptr) return false;
  m.addrs.resize(a->items.size());
  for (std::size_t i = 0; i < m.addrs.size(); ++i) {
    const JsonValue& v = a->items[i];
    const std::string p = At("addrs", i);
    AddrV2Entry& e = m.addrs[i];
    if (!in.IsObject(v, p) || !in.Keys(v, p, {"time", "services", "network", "addr", "port"}) ||
        !in.Int(v, "time", p, e.time) || !in.Int(v, "services", p, e.services) ||
        !in.Int(v, "network", p, e.network) || !in.Hex(v, "addr", p, e.addr) || !in.Int(v, "port", p, e.port)) {
      return false;
    }
    const std::size_t want = AddrV2Size(e.network);
    if ((want != 0 && e.addr.size() != want) || e.addr.size() > kMaxAddrV2Bytes) {
      return in.Fail(Join(p, "addr"), "wrong length for network " + std::to_string(e.network));
    }
  }
  return true;
}

bool Parse(In& in, const JsonValue& o, Inv& m) { return ParseInvItems(in, o, m.items); }
bool Parse(In& in, const JsonValue& o, GetData& m) { return ParseInvItems(in, o, m.items); }
bool Parse(In& in, const JsonValue& o, NotFound& m) { return ParseInvItems(in, o, m.items); }
bool Parse(In& in, const JsonValue& o, GetHeaders& m) { return ParseLocator(in, o, m.version, m.locator, m.hash_stop); }
bool Parse(In& in, const JsonValue& o, GetBlocks& m) { return ParseLocator(in, o, m.version, m.locator, m.hash_stop); }

bool Parse(In& in, const JsonValue& o, Headers& m) {
  const JsonValue* a = in.Keys(o, "", {"command", "headers"}) ? in.Array(o, "headers", "") : nullptr;
  if (a == nullptr) return false;
  m.headers.resize(a->items.size());
  for (std::size_t i = 0; i < m.headers.size(); ++i) {
    if (!ParseHeaderObj(in, a->items[i], At("headers", i), m.headers[i])) return false;
  }
  return true;
}

bool Parse(In& in, const JsonValue& o, BlockMsg& m) {
  const JsonValue* h = in.Keys(o, "", {"command", "header", "txs"}) ? in.Object(o, "header", "") : nullptr;
  return h && ParseHeaderObj(in, *h, "header", m.block.header) && ParseTxList(in, o, "txs", m.block.txs);
}

bool Parse(In& in, const JsonValue& o, TxMsg& m) {
  return in.Keys(o, "", {"command", "version", "inputs", "outputs", "lock_time"}) && ParseTxFields(in, o, "", m.tx);
}

bool Parse(In& in, const JsonValue& o, SendCmpct& m) {
  return in.Keys(o, "", {"command", "announce", "version"}) && in.Bool(o, "announce", "", m.announce) &&
         in.Int(o, "version", "", m.version);
}

bool Parse(In& in, const JsonValue& o, CmpctBlock& m) {
  const JsonValue *h = nullptr, *ids = nullptr, *pre = nullptr;
  if (!in.Keys(o, "", {"command", "header", "nonce", "short_ids", "prefilled"}) ||
      !(h = in.Object(o, "header", "")) || !ParseHeaderObj(in, *h, "header", m.header) ||
      !in.Int(o, "nonce", "", m.nonce) || !(ids = in.Array(o, "short_ids", "")) ||
      !(pre = in.Array(o, "prefilled", ""))) {
    return false;
  }
  m.short_ids.resize(ids->items.size());
  for (std::size_t i = 0; i < m.short_ids.size(); ++i) {
    if (!in.IntValue(ids->items[i], At("short_ids", i), m.short_ids[i])) return false;
    if (m.short_ids[i] >> 48) return in.Fail(At("short_ids", i), "short ids have 48 bits");
  }
  m.prefilled.resize(pre->items.size());
  for (std::size_t i = 0; i < m.prefilled.size(); ++i) {
    const JsonValue& v = pre->items[i];
    const std::string p = At("prefilled", i);
    const JsonValue* tx = nullptr;
    if (!in.IsObject(v, p) || !in.Keys(v, p, {"index", "tx"}) || !in.Int(v, "index", p, m.prefilled[i].index) ||
        !CheckIncreasing(in, "prefilled", i, i ? m.prefilled[i - 1].index : 0, m.prefilled[i].index) ||
        !(tx = in.Object(v, "tx", p)) || !ParseTxObj(in, *tx, Join(p, "tx"), m.prefilled[i].tx)) {
      return false;
    }
  }
  if (m.short_ids.size() + m.prefilled.size() > 0xffff) return in.Fail("short_ids", "more than 65535 transactions");
  return true;
}

bool Parse(In& in, const JsonValue& o, GetBlockTxn& m) {
  const JsonValue* a = nullptr;
  if (!in.Keys(o, "", {"command", "block_hash", "indexes"}) || !in.Hash(o, "block_hash", "", m.block_hash) ||
      !(a = in.Array(o, "indexes", ""))) {
    return false;
  }
  m.indexes.resize(a->items.size());
  for (std::size_t i = 0; i < m.indexes.size(); ++i) {
    if (!in.IntValue(a->items[i], At("indexes", i), m.indexes[i]) ||
        !CheckIncreasing(in, "indexes", i, i ? m.indexes[i - 1] : 0, m.indexes[i])) {
      return false;
    }
  }
  return true;
}

bool Parse(In& in, const JsonValue& o, BlockTxn& m) {
  return in.Keys(o, "", {"command", "block_hash", "txs"}) && in.Hash(o, "block_hash", "", m.block_hash) &&
         ParseTxList(in, o, "txs", m.txs);
}

bool Parse(In& in, const JsonValue& o, FeeFilter& m) {
  return in.Keys(o, "", {"command", "fee_rate"}) && in.Int(o, "fee_rate", "", m.fee_rate);
}

template <std::size_t I = 0>
bool ParseByCommand(In& in, std::string_view command, const JsonValue& o, Message& m, bool& found) {
  if constexpr (I + 1 < std::variant_size_v<Message>) {
    using T = std::variant_alternative_t<I, Message>;
    if (T::kCommand == command) {
      found = true;
      return Parse(in, o, m.template emplace<I>());
    }
    return ParseByCommand<I + 1>(in, command, o, m, found);
  } else {
    return false;
  }
}

}  // namespace

Result<Message> MessageFromJson(const JsonValue& v) {
  In in;
  if (v.kind != Kind::kObject) return Status::Error("expected a JSON object");
  const JsonValue* cmd = in.Get(v, "command", "", Kind::kString, "a string");
  if (cmd == nullptr) return Status::Error(in.error);
  if (!IsValidCommand(cmd->text)) return Status::Error("command: at most 12 printable ASCII characters");
  Message m;
  if (const JsonValue* payload = v.Find("payload"); payload != nullptr) {
    Unknown u;
    u.command = cmd->text;
    if (!in.Keys(v, "", {"command", "payload"}) || !in.HexValue(*payload, "payload", u.payload)) {
      return Status::Error(in.error);
    }
    return Message(std::move(u));
  }
  bool found = false;
  if (!ParseByCommand(in, cmd->text, v, m, found)) {
    if (!found) return Status::Error("command: unknown command '" + cmd->text + "' needs a \"payload\" (hex)");
    return Status::Error(in.error);
  }
  return m;
}

Result<Message> MessageFromJson(std::string_view line) {
  auto v = ParseJson(line);
  if (!v.ok()) return v.status();
  return MessageFromJson(*v);
}

}  // namespace peerlab::bitcoin::wire
