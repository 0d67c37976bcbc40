// Message <-> JSON mapping for the wire codec's text form (json.hpp, docs/wire-format.md).
#include <cstdio>
#include <initializer_list>
#include <limits>
#include <type_traits>

#include "peerlab/bitcoin/wire/json.hpp"

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

void Write(Out& o, const NetAddr& a) {
  o.Open('{').Key("services").U(a.services).Key("ip").Str(FormatIp(a.ip)).Key("port").U(a.port).Close('}');
}

void WriteHeaderObj(Out& o, const BlockHeader& h) {
  o.Open('{')
      .Key("hash").Hash(h.Id())
      .Key("version").I(h.version)
      .Key("prev_block").Hash(h.prev)
      .Key("merkle_root").Hash(h.merkle_root)
      .Key("time").U(h.time)
      .Key("bits").U(h.bits)
      .Key("nonce").U(h.nonce)
      .Close('}');
}

void WriteTxFields(Out& o, const Transaction& tx) {
  o.Key("txid").Hash(tx.Txid()).Key("wtxid").Hash(tx.Wtxid()).Key("version").I(tx.version);
  o.Key("inputs").Open('[');
  for (const TxIn& in : tx.inputs) {
    o.Open('{').Key("prev_txid").Hash(in.prevout.txid).Key("prev_index").U(in.prevout.index);
    o.Key("script_sig").Hex(in.script_sig).Key("sequence").U(in.sequence).Key("witness").Open('[');
    for (const auto& item : in.witness) o.Hex(item);
    o.Close(']').Close('}');
  }
  o.Close(']').Key("outputs").Open('[');
  for (const TxOut& out : tx.outputs) {
    o.Open('{').Key("value").I(out.value).Key("script_pubkey").Hex(out.script_pubkey).Close('}');
  }
  o.Close(']').Key("lock_time").U(tx.lock_time);
}

void WriteTxObj(Out& o, const Transaction& tx) {
  o.Open('{');
  WriteTxFields(o, tx);
  o.Close('}');
}

void WriteInvItems(Out& o, const std::vector<Inventory>& items) {
  o.Key("items").Open('[');
  for (const Inventory& i : items) o.Open('{').Key("type").U(i.type).Key("hash").Hash(i.hash).Close('}');
  o.Close(']');
}

void WriteLocator(Out& o, std::uint32_t version, const std::vector<Hash256>& loc, const Hash256& stop) {
  o.Key("version").U(version).Key("locator").Open('[');
  for (const Hash256& h : loc) o.Hash(h);
  o.Close(']').Key("hash_stop").Hash(stop);
}

void Fields(Out& o, const Version& m) {
  o.Key("version").I(m.version).Key("services").U(m.services).Key("timestamp").I(m.timestamp);
  o.Key("addr_recv");
  Write(o, m.addr_recv);
  o.Key("addr_from");
  Write(o, m.addr_from);
  o.Key("nonce").U(m.nonce).Key("user_agent").Str(m.user_agent).Key("start_height").I(m.start_height);
  if (m.relay) o.Key("relay").B(*m.relay);
}
void Fields(Out&, const Verack&) {}
void Fields(Out&, const GetAddr&) {}
void Fields(Out&, const SendHeaders&) {}
void Fields(Out&, const Mempool&) {}
void Fields(Out&, const WtxidRelay&) {}
void Fields(Out&, const SendAddrV2&) {}
void Fields(Out& o, const Ping& m) { o.Key("nonce").U(m.nonce); }
void Fields(Out& o, const Pong& m) { o.Key("nonce").U(m.nonce); }
void Fields(Out& o, const Addr& m) {
  o.Key("addrs").Open('[');
  for (const TimedNetAddr& a : m.addrs) {
    o.Open('{').Key("time").U(a.time).Key("services").U(a.addr.services);
    o.Key("ip").Str(FormatIp(a.addr.ip)).Key("port").U(a.addr.port).Close('}');
  }
  o.Close(']');
}
void Fields(Out& o, const AddrV2& m) {
  o.Key("addrs").Open('[');
  for (const AddrV2Entry& a : m.addrs) {
    o.Open('{').Key("time").U(a.time).Key("services").U(a.services).Key("network").U(a.network);
    o.Key("addr").Hex(a.addr).Key("port").U(a.port).Close('}');
  }
  o.Close(']');
}
void Fields(Out& o, const Inv& m) { WriteInvItems(o, m.items); }
void Fields(Out& o, const GetData& m) { WriteInvItems(o, m.items); }
void Fields(Out& o, const NotFound& m) { WriteInvItems(o, m.items); }
void Fields(Out& o, const GetHeaders& m) { WriteLocator(o, m.version, m.locator, m.hash_stop); }
void Fields(Out& o, const GetBlocks& m) { WriteLocator(o, m.version, m.locator, m.hash_stop); }
void Fields(Out& o, const Headers& m) {
  o.Key("headers").Open('[');
  for (const BlockHeader& h : m.headers) WriteHeaderObj(o, h);
  o.Close(']');
}
void Fields(Out& o, const BlockMsg& m) {
  o.Key("hash").Hash(m.block.Id()).Key("header");
  WriteHeaderObj(o, m.block.header);
  o.Key("txs").Open('[');
  for (const Transaction& tx : m.block.txs) WriteTxObj(o, tx);
  o.Close(']');
}
void Fields(Out& o, const TxMsg& m) { WriteTxFields(o, m.tx); }
void Fields(Out& o, const SendCmpct& m) { o.Key("announce").B(m.announce).Key("version").U(m.version); }
void Fields(Out& o, const CmpctBlock& m) {
  o.Key("header");
  WriteHeaderObj(o, m.header);
  o.Key("nonce").U(m.nonce).Key("short_ids").Open('[');
  for (std::uint64_t id : m.short_ids) o.U(id);
  o.Close(']').Key("prefilled").Open('[');
  for (const PrefilledTx& p : m.prefilled) {
    o.Open('{').Key("index").U(p.index).Key("tx");
    WriteTxObj(o, p.tx);
    o.Close('}');
  }
  o.Close(']');
}
void Fields(Out& o, const GetBlockTxn& m) {
  o.Key("block_hash").Hash(m.block_hash).Key("indexes").Open('[');
  for (std::uint16_t i : m.indexes) o.U(i);
  o.Close(']');
}
void Fields(Out& o, const BlockTxn& m) {
  o.Key("block_hash").Hash(m.block_hash).Key("txs").Open('[');
  for (const Transaction& tx : m.txs) WriteTxObj(o, tx);
  o.Close(']');
}
void Fields(Out& o, const FeeFilter& m) { o.Key("fee_rate").I(m.fee_rate); }
void Fields(Out& o, const Unknown& m) { o.Key("payload").Hex(m.payload); }

void Begin(Out& o, std::string_view command, const JsonFrameInfo* frame) {
  o.Open('{').Key("command").Str(command);
  if (frame) o.Key("checksum_ok").B(frame->checksum_ok).Key("length").U(frame->length);
}

}  // namespace

std::string MessageToJson(const Message& m, const JsonFrameInfo* frame) {
  Out o;
  Begin(o, CommandOf(m), frame);
  std::visit([&](const auto& msg) { Fields(o, msg); }, m);
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
