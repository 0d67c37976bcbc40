// The P2P messages of Bitcoin Core's v1 protocol as plain structs, each with its command name
// (kCommand) and its one field list (Fields, see fields.hpp), from which encoding, decoding,
// the exact size and the JSON text form (wire_json/) all derive; and `Message`, a variant
// holding any of them. Decode dispatches by command name through a table built from the
// variant's alternatives. Adding a field to a message touches its Fields only.
//
// Contract: Deserialize accepts exactly the payloads Core accepts, except where noted in
// docs/wire-format.md (we are stricter about trailing bytes, headers' tx count and old
// truncated version messages); counts are checked against Core's limits and the bytes left
// before anything is allocated. Whatever Decode accepts, Encode turns back into a message
// that decodes equal (non-zero booleans normalise to 1). Unknown commands decode to Unknown,
// carrying the command and raw payload: Core ignores them, the caller decides.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "peerlab/bitcoin/primitives.hpp"
#include "peerlab/bitcoin/wire/fields.hpp"
#include "peerlab/bitcoin/wire/serialize.hpp"
#include "peerlab/bitcoin/wire/transaction.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin::wire {

// inv types (protocol.h GetDataMsg).
inline constexpr std::uint32_t kMsgTx = 1;
inline constexpr std::uint32_t kMsgBlock = 2;
inline constexpr std::uint32_t kMsgFilteredBlock = 3;
inline constexpr std::uint32_t kMsgCmpctBlock = 4;
inline constexpr std::uint32_t kMsgWtx = 5;
inline constexpr std::uint32_t kMsgWitnessFlag = 1u << 30;
inline constexpr std::uint32_t kMsgWitnessTx = kMsgTx | kMsgWitnessFlag;
inline constexpr std::uint32_t kMsgWitnessBlock = kMsgBlock | kMsgWitnessFlag;

// A network address without the time field (26 bytes): as in version messages.
struct NetAddr {
  std::uint64_t services = 0;
  std::array<std::uint8_t, 16> ip{};  // IPv6, or IPv4-mapped ::ffff:a.b.c.d
  std::uint16_t port = 0;             // big-endian on the wire
  bool operator==(const NetAddr&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& a) {
    s.Field("services", a.services);
    s.Field("ip", Ip{a.ip});
    s.Field("port", Port{a.port});
  }
};

struct TimedNetAddr {
  std::uint32_t time = 0;
  NetAddr addr;
  bool operator==(const TimedNetAddr&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& a) {
    s.Field("time", a.time);
    s.Flat(a.addr);
  }
};

// BIP155 network ids and their address sizes (0 = unknown network, any size up to 512).
inline constexpr std::uint8_t kNetIpv4 = 1, kNetIpv6 = 2, kNetTorV2 = 3, kNetTorV3 = 4,
                              kNetI2p = 5, kNetCjdns = 6;
std::size_t AddrV2Size(std::uint8_t network);

struct AddrV2Entry {
  std::uint32_t time = 0;
  std::uint64_t services = 0;  // CompactSize on the wire
  std::uint8_t network = kNetIpv4;
  std::vector<std::uint8_t> addr;
  std::uint16_t port = 0;
  bool operator==(const AddrV2Entry&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& a) {
    s.Field("time", a.time);
    s.Field("services", Compact{a.services});  // Core's CompactSizeFormatter<false>
    s.Field("network", a.network);
    s.Field("addr", NetBytes{a.addr, a.network});
    s.Field("port", Port{a.port});
  }
};

struct Inventory {
  std::uint32_t type = kMsgTx;
  Hash256 hash;
  bool operator==(const Inventory&) const = default;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& i) {
    s.Field("type", i.type);
    s.Field("hash", i.hash);
  }
};

// Field lists that several messages share.
template <class S, class Self>
constexpr void InvFields(S& s, Self& m) {
  s.Field("items", ListOf(m.items, kMaxInvItems, "inv"));
}
template <class S, class Self>
constexpr void LocatorFields(S& s, Self& m) {
  s.Field("version", m.version);
  s.Field("locator", ListOf(m.locator, kMaxLocatorHashes, "locator"));
  s.Field("hash_stop", m.hash_stop);
}

// kTrailingBytesIgnored: Decode accepts bytes after the last field (only `version`: Core reads
// nothing after fRelay); every other message must consume its whole payload.
#define PEERLAB_WIRE_MESSAGE(Name, command)             \
  static constexpr std::string_view kCommand = command; \
  bool operator==(const Name&) const = default
#define PEERLAB_NO_FIELDS \
  template <class S, class Self> static constexpr void Fields(S&, Self&) {}

struct Version {
  std::int32_t version = 70016;
  std::uint64_t services = 0;
  std::int64_t timestamp = 0;
  NetAddr addr_recv;
  NetAddr addr_from;
  std::uint64_t nonce = 0;
  std::string user_agent;  // at most 256 bytes (MAX_SUBVERSION_LENGTH)
  std::int32_t start_height = 0;
  std::optional<bool> relay;  // BIP37 fRelay; absent in old peers' messages
  PEERLAB_WIRE_MESSAGE(Version, "version");
  static constexpr bool kTrailingBytesIgnored = true;

  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("version", m.version);
    s.Field("services", m.services);
    s.Field("timestamp", m.timestamp);
    s.Field("addr_recv", m.addr_recv);
    s.Field("addr_from", m.addr_from);
    s.Field("nonce", m.nonce);
    s.Field("user_agent", Text{m.user_agent, kMaxUserAgentBytes});
    s.Field("start_height", m.start_height);
    s.Field("relay", Trailing{m.relay});
  }
};

struct Verack { PEERLAB_WIRE_MESSAGE(Verack, "verack"); PEERLAB_NO_FIELDS };
struct GetAddr { PEERLAB_WIRE_MESSAGE(GetAddr, "getaddr"); PEERLAB_NO_FIELDS };
struct SendHeaders { PEERLAB_WIRE_MESSAGE(SendHeaders, "sendheaders"); PEERLAB_NO_FIELDS };
struct Mempool { PEERLAB_WIRE_MESSAGE(Mempool, "mempool"); PEERLAB_NO_FIELDS };
struct WtxidRelay { PEERLAB_WIRE_MESSAGE(WtxidRelay, "wtxidrelay"); PEERLAB_NO_FIELDS };
struct SendAddrV2 { PEERLAB_WIRE_MESSAGE(SendAddrV2, "sendaddrv2"); PEERLAB_NO_FIELDS };

struct Ping {
  std::uint64_t nonce = 0;
  PEERLAB_WIRE_MESSAGE(Ping, "ping");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) { s.Field("nonce", m.nonce); }
};
struct Pong {
  std::uint64_t nonce = 0;
  PEERLAB_WIRE_MESSAGE(Pong, "pong");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) { s.Field("nonce", m.nonce); }
};

struct Addr {
  std::vector<TimedNetAddr> addrs;  // at most 1000
  PEERLAB_WIRE_MESSAGE(Addr, "addr");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) { s.Field("addrs", ListOf(m.addrs, kMaxAddrs, "addr")); }
};
struct AddrV2 {
  std::vector<AddrV2Entry> addrs;  // at most 1000
  PEERLAB_WIRE_MESSAGE(AddrV2, "addrv2");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) { s.Field("addrs", ListOf(m.addrs, kMaxAddrs, "addrv2")); }
};

struct Inv {
  std::vector<Inventory> items;  // at most 50,000 (also getdata, notfound)
  PEERLAB_WIRE_MESSAGE(Inv, "inv");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { InvFields(s, m); }
};
struct GetData {
  std::vector<Inventory> items;
  PEERLAB_WIRE_MESSAGE(GetData, "getdata");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { InvFields(s, m); }
};
struct NotFound {
  std::vector<Inventory> items;
  PEERLAB_WIRE_MESSAGE(NotFound, "notfound");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { InvFields(s, m); }
};

struct GetHeaders {
  std::uint32_t version = 70016;
  std::vector<Hash256> locator;  // at most 101, newest first
  Hash256 hash_stop;
  PEERLAB_WIRE_MESSAGE(GetHeaders, "getheaders");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { LocatorFields(s, m); }
};
struct GetBlocks {
  std::uint32_t version = 70016;
  std::vector<Hash256> locator;
  Hash256 hash_stop;
  PEERLAB_WIRE_MESSAGE(GetBlocks, "getblocks");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { LocatorFields(s, m); }
};

// Each header is followed on the wire by a CompactSize tx count, which must be 0.
struct Headers {
  std::vector<BlockHeader> headers;  // at most 2000
  PEERLAB_WIRE_MESSAGE(Headers, "headers");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("headers", ListOf<As<HeaderEntry>>(m.headers, kMaxHeaders, "headers"));
  }
};

struct BlockMsg {
  Block block;
  PEERLAB_WIRE_MESSAGE(BlockMsg, "block");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { s.Flat(m.block); }
};
struct TxMsg {
  Transaction tx;
  PEERLAB_WIRE_MESSAGE(TxMsg, "tx");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { s.Flat(m.tx); }
};

struct SendCmpct {
  bool announce = false;
  std::uint64_t version = 2;
  PEERLAB_WIRE_MESSAGE(SendCmpct, "sendcmpct");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("announce", m.announce);
    s.Field("version", m.version);
  }
};

// BIP152. Indexes are absolute here; on the wire they are differentially encoded.
struct PrefilledTx {
  std::uint16_t index = 0;
  Transaction tx;
  bool operator==(const PrefilledTx&) const = default;
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& p) {
    s.Field("index", DiffIndex{p.index});
    s.Field("tx", p.tx);
  }
};
struct CmpctBlock {
  BlockHeader header;
  std::uint64_t nonce = 0;
  std::vector<std::uint64_t> short_ids;  // 48-bit values
  std::vector<PrefilledTx> prefilled;    // indexes strictly increasing
  PEERLAB_WIRE_MESSAGE(CmpctBlock, "cmpctblock");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("header", m.header);
    s.Field("nonce", m.nonce);
    s.Field("short_ids", ListOf<As<ShortId>>(m.short_ids, kMaxSize, "short id"));
    s.Field("prefilled", ListOf(m.prefilled, kMaxSize, "prefilled tx"));
    s.Require(m.short_ids.size() + m.prefilled.size() <= 0xffff, "indexes overflowed 16 bits",
              "short_ids", "more than 65535 transactions");
  }
};
struct GetBlockTxn {
  Hash256 block_hash;
  std::vector<std::uint16_t> indexes;  // strictly increasing
  PEERLAB_WIRE_MESSAGE(GetBlockTxn, "getblocktxn");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("block_hash", m.block_hash);
    s.Field("indexes", ListOf<As<DiffIndex>>(m.indexes, 0x10000, "getblocktxn index"));
  }
};
struct BlockTxn {
  Hash256 block_hash;
  std::vector<Transaction> txs;
  PEERLAB_WIRE_MESSAGE(BlockTxn, "blocktxn");
  template <class S, class Self>
  static constexpr void Fields(S& s, Self& m) {
    s.Field("block_hash", m.block_hash);
    s.Field("txs", ListOf(m.txs, kMaxSize, "blocktxn tx"));
  }
};

struct FeeFilter {
  std::int64_t fee_rate = 0;  // satoshis per 1000 virtual bytes
  PEERLAB_WIRE_MESSAGE(FeeFilter, "feefilter");
  template <class S, class Self> static constexpr void Fields(S& s, Self& m) { s.Field("fee_rate", m.fee_rate); }
};

#undef PEERLAB_NO_FIELDS
#undef PEERLAB_WIRE_MESSAGE

// A command we do not decode (or do not know); Core ignores these. No field list: its payload
// is opaque bytes.
struct Unknown {
  std::string command;
  std::vector<std::uint8_t> payload;
  bool operator==(const Unknown&) const = default;
};

using Message =
    std::variant<Version, Verack, Ping, Pong, GetAddr, Addr, AddrV2, SendAddrV2, Inv, GetData,
                 NotFound, GetHeaders, GetBlocks, Headers, SendHeaders, BlockMsg, TxMsg,
                 SendCmpct, CmpctBlock, GetBlockTxn, BlockTxn, FeeFilter, Mempool, WtxidRelay,
                 Unknown>;

std::string_view CommandOf(const Message& m);
// Whether Decode knows `command` (else it yields Unknown).
bool IsKnownCommand(std::string_view command);

// Bytes of the payload of `m` (no frame header), counted through its field list.
std::size_t EncodedSize(const Message& m);
// Appends the payload of `m` to `out` (no frame header).
void EncodeTo(const Message& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> Encode(const Message& m);
// Decodes a payload received under `command`. Errors name the command and the payload byte.
Result<Message> Decode(std::string_view command, std::span<const std::uint8_t> payload);
// As Decode, into an existing Message so its vectors' capacity is reused.
Status DecodeInto(std::string_view command, std::span<const std::uint8_t> payload, Message& out);

}  // namespace peerlab::bitcoin::wire
