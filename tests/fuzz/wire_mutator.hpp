// Seeded mutation fuzzing of the wire codec, shared by the standalone driver (wire_fuzz.cpp),
// the libFuzzer entry point (wire_libfuzzer.cpp) and the CI test (tests/wire_fuzz_test.cpp).
//
// One case: generate a valid message of a random type (random fields, sometimes empty or
// large lists, segwit transactions), frame it (with a few neighbours), mutate the bytes (bit
// flips, truncation, insertion, deletion, CompactSize overflow 0xff ff..ff, absurd or
// non-canonical counts, oversize and wrong length fields, bad checksum, unknown or invalid
// command), usually repair the checksum so the payload parser is reached, then feed the
// stream to a FrameDecoder in random-size chunks and every complete payload to Decode (under
// its own command and, sometimes, another). Checked: nothing crashes or reads out of bounds
// (ASan), the decoder's accounting is consistent, and every message that decodes survives
// encode -> decode -> equal, and JSON -> message -> equal. Unmutated streams must decode to
// exactly the generated messages.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/wire_json/json.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::wire_fuzz {

namespace wire = peerlab::bitcoin::wire;

struct Stats {
  std::uint64_t cases = 0;
  std::uint64_t frames = 0;          // complete frames seen
  std::uint64_t decoded = 0;         // payloads that decoded (and round-tripped)
  std::uint64_t decode_errors = 0;   // payloads rejected by Decode
  std::uint64_t frame_errors = 0;    // streams or frames rejected by the FrameDecoder
};

// Aborts with a message: a fuzz finding.
[[noreturn]] inline void Finding(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "wire fuzz finding: %s %s\n", what, detail.c_str());
  std::abort();
}

class Generator {
 public:
  explicit Generator(Rng& rng) : rng_(rng) {}

  std::uint64_t U64() { return rng_.Next(); }
  std::uint64_t Below(std::uint64_t n) { return rng_.Below(n); }
  bool Chance(std::uint64_t one_in) { return rng_.Below(one_in) == 0; }

  // Mostly small counts, sometimes empty, rarely large (up to `large`).
  std::size_t Count(std::size_t large) {
    const auto r = Below(100);
    if (r < 15) return 0;
    if (r < 97) return 1 + Below(4);
    return Below(large + 1);
  }
  std::vector<std::uint8_t> Bytes(std::size_t max) {
    std::vector<std::uint8_t> b(Chance(50) ? Below(max * 4 + 1) : Below(max + 1));
    for (auto& x : b) x = static_cast<std::uint8_t>(U64());
    return b;
  }
  Hash256 Hash() {
    Hash256 h;
    for (auto& x : h.bytes) x = static_cast<std::uint8_t>(U64());
    return h;
  }
  wire::NetAddr Addr() {
    wire::NetAddr a;
    a.services = U64() & (Chance(2) ? 0xfff : ~0ULL);
    for (auto& x : a.ip) x = static_cast<std::uint8_t>(U64());
    if (Chance(2)) {
      for (int i = 0; i < 10; ++i) a.ip[i] = 0;
      a.ip[10] = a.ip[11] = 0xff;
    }
    a.port = static_cast<std::uint16_t>(U64());
    return a;
  }
  bitcoin::BlockHeader Header() {
    bitcoin::BlockHeader h;
    h.version = static_cast<std::int32_t>(U64());
    h.prev = Hash();
    h.merkle_root = Hash();
    h.time = static_cast<std::uint32_t>(U64());
    h.bits = static_cast<std::uint32_t>(U64());
    h.nonce = static_cast<std::uint32_t>(U64());
    return h;
  }
  wire::Transaction Tx() {
    wire::Transaction tx;
    tx.version = static_cast<std::int32_t>(Chance(2) ? 1 + Below(2) : U64());
    tx.lock_time = static_cast<std::uint32_t>(Chance(2) ? 0 : U64());
    // Core's format cannot express "no inputs but some outputs" (the empty input vector is the
    // segwit marker), so generated transactions have at least one input or no outputs either.
    tx.inputs.resize(Chance(20) ? 0 : 1 + Count(20));
    const bool segwit = Chance(2);
    for (auto& in : tx.inputs) {
      in.prevout.txid = Hash();
      in.prevout.index = static_cast<std::uint32_t>(Chance(2) ? Below(4) : U64());
      in.script_sig = Bytes(110);
      in.sequence = static_cast<std::uint32_t>(Chance(2) ? 0xffffffff : U64());
      if (segwit && !Chance(3)) {
        in.witness.resize(1 + Below(3));
        for (auto& item : in.witness) item = Bytes(73);
      }
    }
    if (!tx.inputs.empty()) {
      tx.outputs.resize(Count(20));
      for (auto& out : tx.outputs) {
        out.value = static_cast<std::int64_t>(Chance(2) ? Below(2100000000000000ULL) : U64());
        out.script_pubkey = Bytes(34);
      }
    }
    return tx;
  }
  std::vector<wire::Transaction> Txs(std::size_t large) {
    std::vector<wire::Transaction> txs(Count(large));
    for (auto& tx : txs) tx = Tx();
    return txs;
  }
  std::vector<std::uint16_t> Indexes(std::size_t large) {
    std::vector<std::uint16_t> v;
    std::uint32_t next = static_cast<std::uint32_t>(Below(3));
    for (std::size_t n = Count(large); n > 0 && next <= 0xffff; --n) {
      v.push_back(static_cast<std::uint16_t>(next));
      next += 1 + static_cast<std::uint32_t>(Chance(8) ? Below(3000) : Below(3));
    }
    return v;
  }

  wire::Message Message(std::size_t type) {
    switch (type) {
      case 0: {
        wire::Version v;
        v.version = static_cast<std::int32_t>(Chance(2) ? 70016 : U64());
        v.services = U64();
        v.timestamp = static_cast<std::int64_t>(U64());
        v.addr_recv = Addr();
        v.addr_from = Addr();
        v.nonce = U64();
        const auto ua = Bytes(64);
        v.user_agent.assign(ua.begin(), ua.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(ua.size(), 256)));
        v.start_height = static_cast<std::int32_t>(U64());
        if (!Chance(4)) v.relay = Chance(2);
        return v;
      }
      case 1: return wire::Verack{};
      case 2: return wire::Ping{U64()};
      case 3: return wire::Pong{U64()};
      case 4: return wire::GetAddr{};
      case 5: {
        wire::Addr m;
        m.addrs.resize(Count(wire::kMaxAddrs));
        for (auto& a : m.addrs) a = {static_cast<std::uint32_t>(U64()), Addr()};
        return m;
      }
      case 6: {
        wire::AddrV2 m;
        m.addrs.resize(Count(wire::kMaxAddrs));
        for (auto& a : m.addrs) {
          a.time = static_cast<std::uint32_t>(U64());
          a.services = Chance(2) ? Below(2000) : U64();
          a.network = static_cast<std::uint8_t>(Chance(8) ? U64() : 1 + Below(6));
          const std::size_t want = wire::AddrV2Size(a.network);
          a.addr.resize(want ? want : Below(40));
          for (auto& x : a.addr) x = static_cast<std::uint8_t>(U64());
          a.port = static_cast<std::uint16_t>(U64());
        }
        return m;
      }
      case 7: return wire::SendAddrV2{};
      case 8: case 9: case 10: {
        std::vector<wire::Inventory> items(Count(wire::kMaxInvItems));
        static constexpr std::uint32_t kTypes[] = {wire::kMsgTx, wire::kMsgBlock, wire::kMsgCmpctBlock,
                                                   wire::kMsgWtx, wire::kMsgWitnessTx, wire::kMsgWitnessBlock};
        for (auto& i : items) i = {Chance(10) ? static_cast<std::uint32_t>(U64()) : kTypes[Below(6)], Hash()};
        if (type == 8) return wire::Inv{items};
        if (type == 9) return wire::GetData{items};
        return wire::NotFound{items};
      }
      case 11: case 12: {
        std::vector<Hash256> loc(Count(wire::kMaxLocatorHashes));
        for (auto& h : loc) h = Hash();
        const auto version = static_cast<std::uint32_t>(U64());
        if (type == 11) return wire::GetHeaders{version, loc, Hash()};
        return wire::GetBlocks{version, loc, Hash()};
      }
      case 13: {
        wire::Headers m;
        m.headers.resize(Count(wire::kMaxHeaders));
        for (auto& h : m.headers) h = Header();
        return m;
      }
      case 14: return wire::SendHeaders{};
      case 15: return wire::BlockMsg{{Header(), Txs(200)}};
      case 16: return wire::TxMsg{Tx()};
      case 17: return wire::SendCmpct{Chance(2), Chance(2) ? 1 + Below(2) : U64()};
      case 18: {
        wire::CmpctBlock m;
        m.header = Header();
        m.nonce = U64();
        m.short_ids.resize(Count(5000));
        for (auto& id : m.short_ids) id = U64() >> 16;
        for (std::uint16_t i : Indexes(20)) m.prefilled.push_back({i, Tx()});
        return m;
      }
      case 19: return wire::GetBlockTxn{Hash(), Indexes(3000)};
      case 20: return wire::BlockTxn{Hash(), Txs(50)};
      case 21: return wire::FeeFilter{static_cast<std::int64_t>(Chance(2) ? Below(100000) : U64())};
      case 22: return wire::Mempool{};
      case 23: return wire::WtxidRelay{};
      default: {
        wire::Unknown u;
        static constexpr const char* kNames[] = {"reject", "alert", "filterload", "cfilter", "x", ""};
        u.command = kNames[Below(6)];
        u.payload = Bytes(64);
        return u;
      }
    }
  }
  static constexpr std::size_t kTypes = std::variant_size_v<wire::Message>;

 private:
  Rng& rng_;
};

template <std::size_t... I>
constexpr std::array<std::string_view, sizeof...(I)> CommandList(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, wire::Message>::kCommand...};
}
// Every command Decode knows.
inline constexpr auto kCommands = CommandList(std::make_index_sequence<Generator::kTypes - 1>());

// Applies 1-3 random mutations to a framed stream (frame header offsets known for the first
// frame) and usually repairs the first frame's checksum so the payload parser is exercised.
inline void Mutate(Generator& g, std::vector<std::uint8_t>& b) {
  auto pos = [&](std::size_t extra = 0) { return static_cast<std::size_t>(g.Below(b.size() + 1 + extra)); };
  auto insert = [&](std::initializer_list<std::uint8_t> bytes) {
    const auto at = pos();
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), bytes);
  };
  const std::size_t n = 1 + g.Below(3);
  bool fix_checksum = !g.Chance(8);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t payload_start = wire::kFrameHeaderSize;
    switch (g.Below(13)) {
      case 0:  // bit flips
        for (std::size_t k = 1 + g.Below(4); k > 0 && !b.empty(); --k) b[g.Below(b.size())] ^= 1u << g.Below(8);
        break;
      case 1:  // flip inside the payload only
        if (b.size() > payload_start) b[payload_start + g.Below(b.size() - payload_start)] ^= 1u << g.Below(8);
        break;
      case 2: b.resize(pos()); break;  // truncation
      case 3: {  // insertion
        const auto at = pos();
        auto extra = g.Bytes(8);
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), extra.begin(), extra.end());
        break;
      }
      case 4:  // deletion
        if (!b.empty()) {
          const auto at = g.Below(b.size());
          const auto len = std::min<std::size_t>(b.size() - at, 1 + g.Below(8));
          b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + len));
        }
        break;
      case 5: insert({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); break;  // CompactSize overflow
      case 6: insert({0xfe, 0x00, 0x00, 0x00, 0x02}); break;                          // count = MAX_SIZE
      case 7: insert({0xfe, 0xff, 0xff, 0xff, 0x7f}); break;                          // absurd count
      case 8: insert({static_cast<std::uint8_t>(0xfd + g.Below(3)), 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}); break;  // non-canonical
      case 9:  // length field: oversize, off by a little, or random
        if (b.size() >= 20) {
          std::uint32_t len = b[16] | (b[17] << 8) | (b[18] << 16) | (static_cast<std::uint32_t>(b[19]) << 24);
          const auto r = g.Below(3);
          len = r == 0 ? wire::kMaxPayloadBytes + 1 + static_cast<std::uint32_t>(g.Below(1u << 31))
                : r == 1 ? len + static_cast<std::uint32_t>(g.Below(5)) - 2 : static_cast<std::uint32_t>(g.U64());
          for (int k = 0; k < 4; ++k) b[16 + k] = static_cast<std::uint8_t>(len >> (8 * k));
        }
        break;
      case 10:  // bad checksum
        if (b.size() >= 24) b[20 + g.Below(4)] ^= static_cast<std::uint8_t>(1 + g.Below(255));
        fix_checksum = false;
        break;
      case 11:  // unknown or invalid command
        if (b.size() >= 16) {
          for (int k = 4; k < 16; ++k) b[k] = 0;
          const auto len = 1 + g.Below(12);
          for (std::size_t k = 0; k < len; ++k) b[4 + k] = static_cast<std::uint8_t>(g.Chance(10) ? g.U64() : 'a' + g.Below(26));
        }
        break;
      default:  // magic
        if (b.size() >= 4) b[g.Below(4)] ^= static_cast<std::uint8_t>(1 + g.Below(255));
        break;
    }
  }
  if (fix_checksum && b.size() >= wire::kFrameHeaderSize) {
    const std::uint32_t len = b[16] | (b[17] << 8) | (b[18] << 16) | (static_cast<std::uint32_t>(b[19]) << 24);
    if (len <= b.size() - wire::kFrameHeaderSize) {
      const Hash256 h = DoubleSha256(std::span<const std::uint8_t>(b).subspan(wire::kFrameHeaderSize, len));
      for (int k = 0; k < 4; ++k) b[20 + k] = h.bytes[k];
    }
  }
}

// Decodes `payload` under `command`; on success checks encode -> decode -> equal (and, when
// `json`, the JSON form too). Returns whether it decoded.
inline bool CheckPayload(std::string_view command, std::span<const std::uint8_t> payload, bool json,
                         wire::Message& scratch) {
  const Status s = wire::DecodeInto(command, payload, scratch);
  if (!s.ok()) return false;
  const std::vector<std::uint8_t> again = wire::Encode(scratch);
  auto redecoded = wire::Decode(command, again);
  if (!redecoded.ok()) Finding("re-encoded message does not decode:", redecoded.status().message());
  if (!(*redecoded == scratch)) Finding("decode(encode(m)) != m for", std::string(command));
  if (wire::Encode(*redecoded) != again) Finding("encoding is not stable for", std::string(command));
  if (json) {
    auto back = wire::MessageFromJson(wire::MessageToJson(scratch));
    if (!back.ok()) Finding("JSON form does not parse back:", back.status().message());
    if (!(*back == scratch)) Finding("JSON round trip differs for", std::string(command));
  }
  return true;
}

// Feeds `stream` to a FrameDecoder in chunks whose sizes come from `g`, checks every complete
// frame, and returns the decoded messages (those whose frame and payload were good).
inline std::vector<wire::Message> FeedStream(Generator& g, std::span<const std::uint8_t> stream, bool json,
                                            Stats& stats) {
  std::vector<wire::Message> out;
  wire::FrameDecoder dec(wire::kMagicMainnet);
  wire::Message scratch;
  std::size_t fed = 0;
  while (fed < stream.size()) {
    const std::size_t chunk = g.Chance(4) ? 1 : 1 + g.Below(g.Chance(2) ? 64 : stream.size());
    std::span<const std::uint8_t> piece = stream.subspan(fed, std::min(chunk, stream.size() - fed));
    const std::size_t before = piece.size();
    while (true) {
      if (!dec.ReceivedBytes(piece)) {
        ++stats.frame_errors;
        if (!wire::IsFatal(dec.error())) Finding("non-fatal error returned false");
        return out;
      }
      if (!dec.FrameComplete()) break;
      ++stats.frames;
      const auto& f = dec.frame();
      if (f.payload.size() != f.length || f.length > wire::kMaxPayloadBytes) Finding("frame length mismatch");
      if (dec.offset() - dec.frame_offset() != wire::kFrameHeaderSize + f.length) Finding("frame offsets");
      if (f.error != wire::FrameError::kNone) {
        ++stats.frame_errors;
      } else if (CheckPayload(f.command, f.payload, json, scratch)) {
        ++stats.decoded;
        out.push_back(scratch);
      } else {
        ++stats.decode_errors;
      }
      dec.NextFrame();
    }
    if (!piece.empty()) Finding("decoder left bytes unconsumed without a complete frame");
    fed += before;
  }
  if (dec.offset() != stream.size()) Finding("decoder offset differs from bytes fed");
  return out;
}

// Runs one case; `mutate` false checks that a clean stream decodes to the generated messages.
inline void RunCase(Rng& rng, bool mutate, Stats& stats) {
  Generator g(rng);
  ++stats.cases;
  std::vector<wire::Message> msgs(1 + (g.Chance(4) ? g.Below(3) : 0));
  std::vector<std::uint8_t> stream;
  for (auto& m : msgs) {
    m = g.Message(g.Below(Generator::kTypes));
    wire::EncodeFrame(wire::kMagicMainnet, m, stream);
  }
  const bool json = g.Chance(4);
  if (!mutate) {
    const auto got = FeedStream(g, stream, json, stats);
    if (got != msgs) Finding("clean stream did not decode to the generated messages");
    return;
  }
  Mutate(g, stream);
  FeedStream(g, stream, json, stats);
  // The payload decoders directly, under every command, on the mutated payload bytes.
  if (stream.size() > wire::kFrameHeaderSize) {
    std::span<const std::uint8_t> payload = std::span<const std::uint8_t>(stream).subspan(wire::kFrameHeaderSize);
    wire::Message scratch;
    const std::string_view command = g.Chance(3) ? kCommands[g.Below(kCommands.size())] : wire::CommandOf(msgs[0]);
    if (CheckPayload(command, payload, json, scratch)) ++stats.decoded; else ++stats.decode_errors;
  }
}

// Runs `count` cases from `seed`: one in 16 is an unmutated stream.
inline Stats RunCases(std::uint64_t count, std::uint64_t seed) {
  Stats stats;
  Rng rng(seed);
  for (std::uint64_t i = 0; i < count; ++i) RunCase(rng, (i & 15) != 0, stats);
  return stats;
}

// libFuzzer-style entry: arbitrary bytes as a stream (first byte picks the chunking) and as a
// payload for every command.
inline void CheckArbitraryBytes(std::span<const std::uint8_t> data) {
  Stats stats;
  Rng rng(data.empty() ? 0 : data[0]);
  Generator g(rng);
  FeedStream(g, data, true, stats);
  wire::Message scratch;
  for (std::string_view command : kCommands) CheckPayload(command, data, false, scratch);
}

}  // namespace peerlab::wire_fuzz
