// Wire codec contract: primitives, limits, framing and hostile inputs (docs/wire-format.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fuzz/wire_corpus.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/wire_json/json.hpp"

namespace {

namespace wire = peerlab::bitcoin::wire;
using Bytes = std::vector<std::uint8_t>;

Bytes Unhex(std::string_view hex) {
  Bytes out;
  EXPECT_TRUE(wire::FromHex(hex, out)) << hex;
  return out;
}

std::string DecodeError(std::string_view command, const Bytes& payload) {
  auto m = wire::Decode(command, payload);
  return m.ok() ? "ok" : m.status().message();
}

bool Contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

TEST(WireCodec, CompactSizeIsCanonicalAndBounded) {
  struct Case {
    const char* hex;
    std::uint64_t value;
  };
  for (const Case& c : {Case{"00", 0}, Case{"fc", 252}, Case{"fdfd00", 253}, Case{"fdffff", 0xffff},
                        Case{"fe00000100", 0x10000}, Case{"fe00000002", 0x02000000}}) {
    const Bytes b = Unhex(c.hex);
    wire::Reader r(b);
    std::uint64_t v = 0;
    EXPECT_TRUE(r.ReadCompactSize(v)) << c.hex;
    EXPECT_EQ(v, c.value);
    Bytes out;
    wire::Writer(out).CompactSize(c.value);
    EXPECT_EQ(out, b);
    EXPECT_EQ(wire::CompactSizeBytes(c.value), b.size());
  }
  for (const char* hex : {"fd0000", "fdfc00", "feffff0000", "ff0100000000000000", "ffffffffff00000000"}) {
    const Bytes b = Unhex(hex);
    wire::Reader r(b);
    std::uint64_t v = 0;
    EXPECT_FALSE(r.ReadCompactSize(v, false)) << hex;
    EXPECT_TRUE(Contains(r.status().message(), "non-canonical ReadCompactSize()")) << hex;
  }
  // Overflow and MAX_SIZE: 0xff ffffffffffffffff is canonical but far too large.
  for (const char* hex : {"ffffffffffffffffff", "fe01000002"}) {
    const Bytes b = Unhex(hex);
    wire::Reader r(b);
    std::uint64_t v = 0;
    EXPECT_FALSE(r.ReadCompactSize(v)) << hex;
    EXPECT_TRUE(Contains(r.status().message(), "size too large")) << r.status().message();
    wire::Reader unchecked(b);
    EXPECT_TRUE(unchecked.ReadCompactSize(v, false));
  }
  const Bytes short_one = Unhex("fe0100");
  wire::Reader r(short_one);
  std::uint64_t v = 0;
  EXPECT_FALSE(r.ReadCompactSize(v));
  EXPECT_EQ(r.status().message(), "end of data at payload byte 1");
  EXPECT_FALSE(r.ReadU8(*reinterpret_cast<std::uint8_t*>(&v)));  // errors are sticky
}

TEST(WireCodec, AbsurdCountsFailBeforeAllocating) {
  // inv claiming 2^25 items in 1 byte, 50,001 items, and 0xff..ff.
  EXPECT_TRUE(Contains(DecodeError("inv", Unhex("fe00000002")), "inv count 33554432 exceeds limit 50000"));
  EXPECT_TRUE(Contains(DecodeError("inv", Unhex("fd51c3")), "inv count 50001 exceeds limit 50000"));
  EXPECT_TRUE(Contains(DecodeError("inv", Unhex("ffffffffffffffffff")), "size too large"));
  // Within the limit but more than the bytes left could hold.
  EXPECT_TRUE(Contains(DecodeError("inv", Unhex("fd50c3")), "inv count 50000 exceeds the 0 bytes left"));
  const Bytes block = Unhex(std::string(160, '0') + "feffffff01");  // 0x1ffffff txs in 0 bytes
  EXPECT_TRUE(Contains(DecodeError("block", block), "block tx count 33554431 exceeds the 0 bytes left"));
  EXPECT_TRUE(Contains(DecodeError("headers", Unhex("fdd107")), "headers count 2001 exceeds limit 2000"));
  EXPECT_TRUE(Contains(DecodeError("addr", Unhex("fde903")), "addr count 1001 exceeds limit 1000"));
  Bytes locator = Unhex("7f110100");
  locator.push_back(102);
  EXPECT_TRUE(Contains(DecodeError("getheaders", locator), "locator count 102 exceeds limit 101"));
  // A script length beyond the remaining bytes.
  const Bytes tx = Unhex("0100000001" + std::string(64, '0') + "00000000" + "fe00000001");
  EXPECT_TRUE(Contains(DecodeError("tx", tx), "byte count 16777216 exceeds the 0 bytes left"));
  // User agent above MAX_SUBVERSION_LENGTH.
  wire::Version v;
  v.user_agent = std::string(257, 'a');
  EXPECT_TRUE(Contains(DecodeError("version", wire::Encode(v)), "string byte count 257 exceeds limit 256"));
}

wire::Transaction SampleTx(bool segwit) {
  wire::Transaction tx;
  tx.version = 2;
  tx.inputs.resize(2);
  tx.inputs[0].prevout.index = 7;
  tx.inputs[0].script_sig = {1, 2, 3};
  tx.inputs[1].prevout.txid.bytes[0] = 9;
  if (segwit) tx.inputs[1].witness = {{0x30, 0x44}, {}, {0x02}};
  tx.outputs.push_back({1234, {0x51}});
  tx.lock_time = 99;
  return tx;
}

std::vector<wire::Message> SampleMessages() {
  wire::Version version;
  version.services = 1033;
  version.timestamp = 1700000000;
  version.addr_recv.ip = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1};
  version.addr_recv.port = 8333;
  version.nonce = 0x1122334455667788ULL;
  version.user_agent = "/Satoshi:27.0.0/";
  version.start_height = 840000;
  version.relay = true;
  wire::CmpctBlock cmpct;
  cmpct.nonce = 5;
  cmpct.short_ids = {0xffffffffffffULL, 1, 2};
  cmpct.prefilled = {{0, SampleTx(false)}, {4, SampleTx(true)}};
  wire::Addr addr;
  addr.addrs.push_back({1700000000, version.addr_recv});
  wire::AddrV2 addrv2;
  addrv2.addrs.push_back({1, 1ULL << 40, wire::kNetTorV3, Bytes(32, 7), 9050});
  addrv2.addrs.push_back({2, 0, 77, Bytes(3, 1), 1});  // unknown network: kept verbatim
  return {version, wire::Verack{}, wire::Ping{42}, wire::Pong{43}, wire::GetAddr{}, addr, addrv2,
          wire::SendAddrV2{}, wire::Inv{{{wire::kMsgWitnessTx, {}}, {wire::kMsgWtx, {}}}},
          wire::GetData{{{wire::kMsgWitnessBlock, {}}}}, wire::NotFound{},
          wire::GetHeaders{70016, {peerlab::Hash256{}}, {}}, wire::GetBlocks{70016, {}, {}},
          wire::Headers{{peerlab::bitcoin::BlockHeader{}}}, wire::SendHeaders{},
          wire::BlockMsg{{{}, {SampleTx(false), SampleTx(true)}}}, wire::TxMsg{SampleTx(true)},
          wire::SendCmpct{true, 2}, cmpct, wire::GetBlockTxn{{}, {0, 1, 5, 65535}},
          wire::BlockTxn{{}, {SampleTx(true)}}, wire::FeeFilter{1000}, wire::Mempool{},
          wire::WtxidRelay{}, wire::Unknown{"reject", {1, 2}}};
}

TEST(WireCodec, EveryMessageRoundTripsThroughBytesAndJson) {
  const auto messages = SampleMessages();
  ASSERT_EQ(messages.size(), std::variant_size_v<wire::Message>);
  for (const auto& m : messages) {
    const Bytes bytes = wire::Encode(m);
    auto back = wire::Decode(wire::CommandOf(m), bytes);
    ASSERT_TRUE(back.ok()) << wire::CommandOf(m) << ": " << back.status().message();
    EXPECT_EQ(*back, m) << wire::CommandOf(m);
    auto json = wire::MessageFromJson(wire::MessageToJson(m));
    ASSERT_TRUE(json.ok()) << wire::MessageToJson(m) << ": " << json.status().message();
    EXPECT_EQ(wire::Encode(*json), bytes) << wire::MessageToJson(m);
  }
}

// One field list per message (wire/fields.hpp): the byte-counting stream, the encoder and the
// JSON text form all follow it, so they agree for every message type.
TEST(WireFields, CountedSizeIsTheEncodedSizeAndJsonKeepsTheBytes) {
  for (const auto& m : SampleMessages()) {
    const Bytes bytes = wire::Encode(m);
    EXPECT_EQ(wire::EncodedSize(m), bytes.size()) << wire::CommandOf(m);
    const std::string json = wire::MessageToJson(m);
    auto back = wire::MessageFromJson(json);
    ASSERT_TRUE(back.ok()) << json << ": " << back.status().message();
    EXPECT_EQ(wire::Encode(*back), bytes) << json;
    EXPECT_EQ(wire::MessageToJson(*back), json);
  }
  const wire::Transaction tx = SampleTx(true);
  for (bool witness : {false, true}) {
    Bytes out;
    wire::Writer w(out);
    tx.Serialize(w, witness);
    EXPECT_EQ(tx.SerializedSize(witness), out.size()) << witness;
  }
}

TEST(WireFields, CountBoundsAreTheSizesOfDefaultElements) {
  // The least bytes per element that ReadCount checks counts against, as Core's types give them.
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::Inventory>()), 36u);
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::TimedNetAddr>()), 30u);
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::AddrV2Entry>()), 9u);
  EXPECT_EQ((wire::MinWireBytes<wire::As<wire::HeaderEntry>, peerlab::bitcoin::BlockHeader>()), 81u);
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::TxIn>()), 41u);
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::TxOut>()), 9u);
  EXPECT_EQ((wire::MinWireBytes<wire::AsIs, wire::PrefilledTx>()), 11u);
  EXPECT_EQ((wire::MinWireBytes<wire::As<wire::ShortId>, std::uint64_t>()), 6u);
  EXPECT_EQ(wire::WireBytes(peerlab::bitcoin::BlockHeader{}), peerlab::bitcoin::kHeaderBytes);
}

TEST(WireFields, JsonRulesFollowTheFormats) {
  auto err = [](std::string_view line) {
    auto m = wire::MessageFromJson(line);
    return m.ok() ? std::string("ok") : m.status().message();
  };
  const std::string zero(64, '0');
  EXPECT_EQ(err(R"({"command":"cmpctblock","header":{"version":1,"prev_block":")" + zero +
                R"(","merkle_root":")" + zero + R"(","time":0,"bits":0,"nonce":0},"nonce":1,"short_ids":[281474976710656],"prefilled":[]})"),
            "short_ids[0]: short ids have 48 bits");
  EXPECT_EQ(err(R"({"command":"addrv2","addrs":[{"time":0,"services":0,"network":1,"addr":"0102","port":1}]})"),
            "addrs[0].addr: wrong length for network 1");
  EXPECT_EQ(err(R"({"command":"version","version":1,"services":0,"timestamp":0,"addr_recv":{"services":0,"ip":"::","port":0},)"
                R"("addr_from":{"services":0,"ip":"1.2.3","port":0},"nonce":0,"user_agent":"","start_height":0})"),
            "addr_from.ip: expected an IPv4 or IPv6 address");
  EXPECT_EQ(err(R"({"command":"sendcmpct","announce":1,"version":2})"), "announce: expected true or false");
  EXPECT_EQ(err(R"({"command":"headers","headers":[{"version":1}]})"), "headers[0].prev_block: missing");
  // An absent or null relay is a version message without fRelay.
  auto v = wire::MessageFromJson(
      R"({"command":"version","version":1,"services":0,"timestamp":0,"addr_recv":{"services":0,"ip":"::","port":0},)"
      R"("addr_from":{"services":0,"ip":"::","port":0},"nonce":0,"user_agent":"","start_height":0,"relay":null})");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_FALSE(std::get<wire::Version>(*v).relay.has_value());
}

TEST(WireFields, UserAgentBytesTravelAsLatin1Escapes) {
  // Any byte string: control bytes, DEL and bytes of no UTF-8 sequence each become \u00XX.
  wire::Version version;
  version.user_agent = "/a\"b\\c\n\x7f\xe9\xff/";
  const std::string line = wire::MessageToJson(version);
  EXPECT_NE(line.find(R"("user_agent":"/a\"b\\c\u000a\u007f\u00e9\u00ff/")"), std::string::npos) << line;
  auto back = wire::MessageFromJson(line);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(std::get<wire::Version>(*back).user_agent, version.user_agent);
  // The frame facts come right after the command, the fields in their list's order.
  const wire::JsonFrameInfo frame{false, 8};
  EXPECT_EQ(wire::MessageToJson(wire::Ping{7}, &frame), R"({"command":"ping","checksum_ok":false,"length":8,"nonce":7})");
  const std::uint8_t payload[] = {0xab, 0x01};
  EXPECT_EQ(wire::UndecodedToJson("pi\"ng", frame, "too \"short\"", payload),
            R"({"command":"pi\"ng","checksum_ok":false,"length":8,"error":"too \"short\"","payload":"ab01"})");
}

TEST(WireCodec, KnownEncodings) {
  EXPECT_EQ(wire::ToHex(wire::Encode(wire::Ping{0x0102030405060708ULL})), "0807060504030201");
  EXPECT_EQ(wire::ToHex(wire::Encode(wire::SendCmpct{true, 2})), "010200000000000000");
  EXPECT_EQ(wire::ToHex(wire::Encode(wire::FeeFilter{-2})), "feffffffffffffff");
  // BIP152 differential indexes: 0, 1, 5 -> 0, 0, 3.
  EXPECT_EQ(wire::ToHex(wire::Encode(wire::GetBlockTxn{{}, {0, 1, 5}})), std::string(64, '0') + "03000003");
  // An IPv4-mapped address, port big-endian.
  wire::Addr addr;
  addr.addrs.push_back({0x01020304, {1, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 8333}});
  EXPECT_EQ(wire::ToHex(wire::Encode(addr)),
            "01" "04030201" "0100000000000000" "00000000000000000000ffff7f000001" "208d");
}

TEST(WireCodec, TruncationAtEveryByteIsAnError) {
  std::vector<std::pair<std::string, Bytes>> cases = {
      {"block", Unhex(peerlab::wire_corpus::kGenesisBlockHex)},
      {"block", Unhex(peerlab::wire_corpus::kBlock170Hex)},
      {"tx", Unhex(peerlab::wire_corpus::kBip143SignedTxHex)}};
  for (const auto& m : SampleMessages()) cases.emplace_back(std::string(wire::CommandOf(m)), wire::Encode(m));
  for (const auto& [command, bytes] : cases) {
    if (!wire::IsKnownCommand(command)) continue;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto m = wire::Decode(command, prefix);
      // version's last byte (fRelay) is optional, as in Core.
      const bool optional_tail = command == "version" && n + 1 == bytes.size();
      EXPECT_EQ(m.ok(), optional_tail) << command << " truncated to " << n << " of " << bytes.size();
    }
  }
}

TEST(WireCodec, TrailingBytesAreErrorsExceptAfterVersion) {
  for (const auto& m : SampleMessages()) {
    if (std::holds_alternative<wire::Unknown>(m)) continue;
    Bytes bytes = wire::Encode(m);
    bytes.push_back(0);
    const std::string err = DecodeError(wire::CommandOf(m), bytes);
    if (std::holds_alternative<wire::Version>(m)) {
      EXPECT_EQ(err, "ok");  // Core stops reading after fRelay
    } else {
      EXPECT_TRUE(Contains(err, "1 trailing bytes")) << wire::CommandOf(m) << ": " << err;
    }
  }
  wire::Version old;
  auto no_relay = wire::Decode("version", wire::Encode(old));
  ASSERT_TRUE(no_relay.ok());
  EXPECT_FALSE(std::get<wire::Version>(*no_relay).relay.has_value());
}

TEST(WireCodec, TransactionRulesFollowCore) {
  // Witness flag with only empty witnesses.
  EXPECT_TRUE(Contains(DecodeError("tx", Unhex("01000000" "0001" "01" + std::string(64, '0') + "00000000" "00" "ffffffff" "00" "00" "00000000")),
                       "Superfluous witness record"));
  // Unknown flag bits.
  EXPECT_TRUE(Contains(DecodeError("tx", Unhex("01000000" "0002" "00" "00" "00000000")), "Unknown transaction optional data"));
  // No inputs and no outputs: the empty input vector followed by a zero flag.
  auto empty = wire::Decode("tx", Unhex("01000000" "00" "00" "00000000"));
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_TRUE(std::get<wire::TxMsg>(*empty).tx.inputs.empty());
  // headers with a non-zero tx count.
  Bytes headers(1, 1);
  headers.resize(81, 0);
  headers.push_back(1);
  EXPECT_TRUE(Contains(DecodeError("headers", headers), "headers tx count 1 is not 0"));
  // BIP152 index overflow and BIP155 wrong sizes.
  EXPECT_TRUE(Contains(DecodeError("getblocktxn", Unhex(std::string(64, '0') + "02" "fdffff" "00")), "differential value overflow"));
  EXPECT_TRUE(Contains(DecodeError("addrv2", Unhex("01" "00000000" "00" "01" "03" "010203" "0000")), "BIP155 network 1 address with length 3"));
}

Bytes Frame(const wire::Message& m, const wire::Magic& magic = wire::kMagicMainnet) {
  Bytes out;
  wire::EncodeFrame(magic, m, out);
  return out;
}

TEST(WireFraming, AnySplitYieldsTheSameFrames) {
  Bytes stream;
  const auto messages = SampleMessages();
  for (const auto& m : messages) wire::EncodeFrame(wire::kMagicRegtest, m, stream);
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{24}, stream.size()}) {
    wire::FrameDecoder dec(wire::kMagicRegtest);
    std::vector<wire::Message> got;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      std::span<const std::uint8_t> in(stream.data() + at, std::min(piece, stream.size() - at));
      while (!in.empty() || dec.FrameComplete()) {
        ASSERT_TRUE(dec.ReceivedBytes(in));
        if (!dec.FrameComplete()) break;
        EXPECT_EQ(dec.error(), wire::FrameError::kNone);
        auto m = wire::Decode(dec.frame().command, dec.frame().payload);
        ASSERT_TRUE(m.ok()) << m.status().message();
        got.push_back(*m);
        dec.NextFrame();
      }
    }
    EXPECT_EQ(got, messages) << "piece " << piece;
    EXPECT_EQ(dec.offset(), stream.size());
  }
}

TEST(WireFraming, OversizeLengthIsFatalBeforeThePayload) {
  Bytes frame = Frame(wire::Ping{1});
  frame[16] = 0x01, frame[17] = 0x09, frame[18] = 0x3d, frame[19] = 0x00;  // 4,000,001
  wire::FrameDecoder dec(wire::kMagicMainnet);
  std::span<const std::uint8_t> in(frame.data(), 24);
  EXPECT_FALSE(dec.ReceivedBytes(in));
  EXPECT_EQ(dec.error(), wire::FrameError::kOversize);
  EXPECT_EQ(dec.frame().length, 4'000'001u);
  std::span<const std::uint8_t> more(frame.data() + 24, frame.size() - 24);
  EXPECT_FALSE(dec.ReceivedBytes(more));
  EXPECT_EQ(more.size(), frame.size() - 24);  // nothing more consumed
  // Exactly the limit is fine (waits for the payload).
  frame[16] = 0x00;
  wire::FrameDecoder ok(wire::kMagicMainnet);
  std::span<const std::uint8_t> head(frame.data(), 24);
  EXPECT_TRUE(ok.ReceivedBytes(head));
  EXPECT_FALSE(ok.FrameComplete());
}

TEST(WireFraming, BadMagicIsFatal) {
  Bytes frame = Frame(wire::Verack{}, wire::kMagicTestnet3);
  wire::FrameDecoder dec(wire::kMagicMainnet);
  std::span<const std::uint8_t> in(frame);
  EXPECT_FALSE(dec.ReceivedBytes(in));
  EXPECT_EQ(dec.error(), wire::FrameError::kBadMagic);
  EXPECT_EQ(wire::FrameErrorName(dec.error()), "bad magic");
}

TEST(WireFraming, BadChecksumAndBadCommandStopOnlyThatFrame) {
  Bytes stream = Frame(wire::Ping{1});
  stream[23] ^= 1;
  Bytes bad_command = Frame(wire::Pong{2});
  bad_command[4 + 4] = 0;    // "pong" -> "pong" + NUL ... then a letter after the padding
  bad_command[4 + 6] = 'x';
  Bytes good = Frame(wire::Verack{});
  stream.insert(stream.end(), bad_command.begin(), bad_command.end());
  stream.insert(stream.end(), good.begin(), good.end());
  wire::FrameDecoder dec(wire::kMagicMainnet);
  std::span<const std::uint8_t> in(stream);
  ASSERT_TRUE(dec.ReceivedBytes(in));
  ASSERT_TRUE(dec.FrameComplete());
  EXPECT_EQ(dec.error(), wire::FrameError::kBadChecksum);
  EXPECT_FALSE(dec.frame().checksum_ok);
  EXPECT_EQ(in.size(), stream.size() - 32);  // paused at the frame boundary
  ASSERT_TRUE(dec.ReceivedBytes(in));
  EXPECT_EQ(in.size(), stream.size() - 32);  // and stays paused until NextFrame
  dec.NextFrame();
  ASSERT_TRUE(dec.ReceivedBytes(in));
  EXPECT_EQ(dec.error(), wire::FrameError::kBadCommand);
  dec.NextFrame();
  ASSERT_TRUE(dec.ReceivedBytes(in));
  EXPECT_EQ(dec.error(), wire::FrameError::kNone);
  EXPECT_EQ(dec.frame().command, "verack");
  EXPECT_TRUE(in.empty());
}

TEST(WireFraming, CommandRules) {
  auto field = [](std::string_view s) {
    std::array<std::uint8_t, 12> f{};
    std::copy(s.begin(), s.end(), f.begin());
    return f;
  };
  EXPECT_TRUE(wire::IsValidCommandField(field("sendaddrv2")));
  EXPECT_TRUE(wire::IsValidCommandField(field("")));  // Core accepts an empty name
  EXPECT_FALSE(wire::IsValidCommandField(field("ver")));
  auto f = field("ping");
  f[6] = 'x';
  EXPECT_FALSE(wire::IsValidCommandField(f));
  // Unknown but valid commands decode to Unknown; the caller decides.
  auto m = wire::Decode("filterload", Bytes{1, 2, 3});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<wire::Unknown>(*m).command, "filterload");
  EXPECT_EQ(std::get<wire::Unknown>(*m).payload, (Bytes{1, 2, 3}));
}

TEST(WireFraming, EncoderSupportsPartialWrites) {
  wire::FrameEncoder enc(wire::kMagicMainnet);
  Bytes expected;
  for (const auto& m : SampleMessages()) {
    enc.Push(m);
    wire::EncodeFrame(wire::kMagicMainnet, m, expected);
  }
  Bytes sent;
  std::size_t n = 1;
  while (!enc.empty()) {
    auto span = enc.BytesToSend();
    const std::size_t k = std::min(n, span.size());
    sent.insert(sent.end(), span.begin(), span.begin() + static_cast<std::ptrdiff_t>(k));
    enc.MarkBytesSent(k);
    n = n * 3 % 101 + 1;
    if (sent.size() == 50) enc.Push(wire::Ping{9}), wire::EncodeFrame(wire::kMagicMainnet, wire::Ping{9}, expected);
  }
  EXPECT_EQ(sent, expected);
}

TEST(WireJson, ErrorsNameTheField) {
  auto err = [](std::string_view line) {
    auto m = wire::MessageFromJson(line);
    return m.ok() ? std::string("ok") : m.status().message();
  };
  EXPECT_EQ(err(R"({"command":"ping","nonce":-1})"), "nonce: expected an integer in [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"command":"tx","version":1,"inputs":[{"prev_txid":"00","prev_index":0,"script_sig":"","sequence":0}],"outputs":[],"lock_time":0})"),
            "inputs[0].prev_txid: expected a 64-digit hex hash");
  EXPECT_EQ(err(R"({"command":"ping","nonce":1,"nonse":2})"), "nonse: unknown field");
  EXPECT_EQ(err(R"({"command":"getblocktxn","block_hash":")" + std::string(64, '0') + R"(","indexes":[3,3]})"),
            "indexes[1]: indexes must be strictly increasing");
  EXPECT_EQ(err(R"({"command":"ping")"),
            "line 1, column 18: syntax error while parsing object - unexpected end of input; expected '}'");
  EXPECT_EQ(err(R"({"command":"ping","nonce":1,"nonce":2})"), "duplicate key \"nonce\"");
  EXPECT_EQ(err(R"({"command":"ping","nonce":1.0})"), "nonce: expected an integer in [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"command":"ping","nonce":-0})"), "nonce: expected an integer in [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"command":"ping","nonce":18446744073709551616})"),
            "nonce: expected an integer in [0, 18446744073709551615]");
  EXPECT_EQ(err(R"({"command":"ping","nonce":18446744073709551615})"), "ok");
  EXPECT_EQ(err(R"({"command":"bogus"})"), R"(command: unknown command 'bogus' needs a "payload" (hex))");
  EXPECT_EQ(err(R"({"command":"bogus","payload":"0a0b"})"), "ok");
}

TEST(WireJson, IpText) {
  std::array<std::uint8_t, 16> ip{};
  ASSERT_TRUE(wire::ParseIp("1.2.3.4", ip));
  EXPECT_EQ(wire::FormatIp(ip), "1.2.3.4");
  ASSERT_TRUE(wire::ParseIp("2001:db8::1", ip));
  EXPECT_EQ(wire::FormatIp(ip), "2001:db8::1");
  ASSERT_TRUE(wire::ParseIp("::", ip));
  EXPECT_EQ(wire::FormatIp(ip), "::");
  ASSERT_TRUE(wire::ParseIp("1:0:0:2:0:0:0:3", ip));
  EXPECT_EQ(wire::FormatIp(ip), "1:0:0:2::3");
  ASSERT_TRUE(wire::ParseIp("::ffff:10.0.0.1", ip));
  EXPECT_EQ(wire::FormatIp(ip), "10.0.0.1");
  EXPECT_FALSE(wire::ParseIp("1.2.3", ip));
  EXPECT_FALSE(wire::ParseIp("1::2::3", ip));
  EXPECT_FALSE(wire::ParseIp("256.1.1.1", ip));
}

}  // namespace
