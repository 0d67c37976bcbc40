// The P2P messages of Bitcoin Core's v1 protocol as plain structs, each with its command name
// (kCommand) and a Serialize(Writer&) / Deserialize(Reader&) -> Status pair, and `Message`,
// a variant holding any of them. Decode dispatches by command name through a table built from
// the variant's alternatives.
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

#include "peerlab/bitcoin/block_store.hpp"
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
};

struct TimedNetAddr {
  std::uint32_t time = 0;
  NetAddr addr;
  bool operator==(const TimedNetAddr&) const = default;
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
};

struct Inventory {
  std::uint32_t type = kMsgTx;
  Hash256 hash;
  bool operator==(const Inventory&) const = default;
};

#define PEERLAB_WIRE_MESSAGE(Name, command)         \
  static constexpr std::string_view kCommand = command; \
  void Serialize(Writer& w) const;                  \
  Status Deserialize(Reader& r);                    \
  bool operator==(const Name&) const

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
  PEERLAB_WIRE_MESSAGE(Version, "version") = default;
};

struct Verack { PEERLAB_WIRE_MESSAGE(Verack, "verack") = default; };
struct GetAddr { PEERLAB_WIRE_MESSAGE(GetAddr, "getaddr") = default; };
struct SendHeaders { PEERLAB_WIRE_MESSAGE(SendHeaders, "sendheaders") = default; };
struct Mempool { PEERLAB_WIRE_MESSAGE(Mempool, "mempool") = default; };
struct WtxidRelay { PEERLAB_WIRE_MESSAGE(WtxidRelay, "wtxidrelay") = default; };
struct SendAddrV2 { PEERLAB_WIRE_MESSAGE(SendAddrV2, "sendaddrv2") = default; };

struct Ping {
  std::uint64_t nonce = 0;
  PEERLAB_WIRE_MESSAGE(Ping, "ping") = default;
};
struct Pong {
  std::uint64_t nonce = 0;
  PEERLAB_WIRE_MESSAGE(Pong, "pong") = default;
};

struct Addr {
  std::vector<TimedNetAddr> addrs;  // at most 1000
  PEERLAB_WIRE_MESSAGE(Addr, "addr") = default;
};
struct AddrV2 {
  std::vector<AddrV2Entry> addrs;  // at most 1000
  PEERLAB_WIRE_MESSAGE(AddrV2, "addrv2") = default;
};

struct Inv {
  std::vector<Inventory> items;  // at most 50,000 (also getdata, notfound)
  PEERLAB_WIRE_MESSAGE(Inv, "inv") = default;
};
struct GetData {
  std::vector<Inventory> items;
  PEERLAB_WIRE_MESSAGE(GetData, "getdata") = default;
};
struct NotFound {
  std::vector<Inventory> items;
  PEERLAB_WIRE_MESSAGE(NotFound, "notfound") = default;
};

struct GetHeaders {
  std::uint32_t version = 70016;
  std::vector<Hash256> locator;  // at most 101, newest first
  Hash256 hash_stop;
  PEERLAB_WIRE_MESSAGE(GetHeaders, "getheaders") = default;
};
struct GetBlocks {
  std::uint32_t version = 70016;
  std::vector<Hash256> locator;
  Hash256 hash_stop;
  PEERLAB_WIRE_MESSAGE(GetBlocks, "getblocks") = default;
};

// Each header is followed on the wire by a CompactSize tx count, which must be 0.
struct Headers {
  std::vector<BlockHeader> headers;  // at most 2000
  PEERLAB_WIRE_MESSAGE(Headers, "headers");
};

struct BlockMsg {
  Block block;
  PEERLAB_WIRE_MESSAGE(BlockMsg, "block") = default;
};
struct TxMsg {
  Transaction tx;
  PEERLAB_WIRE_MESSAGE(TxMsg, "tx") = default;
};

struct SendCmpct {
  bool announce = false;
  std::uint64_t version = 2;
  PEERLAB_WIRE_MESSAGE(SendCmpct, "sendcmpct") = default;
};

// BIP152. Indexes are absolute here; on the wire they are differentially encoded.
struct PrefilledTx {
  std::uint16_t index = 0;
  Transaction tx;
  bool operator==(const PrefilledTx&) const = default;
};
struct CmpctBlock {
  BlockHeader header;
  std::uint64_t nonce = 0;
  std::vector<std::uint64_t> short_ids;  // 48-bit values
  std::vector<PrefilledTx> prefilled;    // indexes strictly increasing
  PEERLAB_WIRE_MESSAGE(CmpctBlock, "cmpctblock");
};
struct GetBlockTxn {
  Hash256 block_hash;
  std::vector<std::uint16_t> indexes;  // strictly increasing
  PEERLAB_WIRE_MESSAGE(GetBlockTxn, "getblocktxn") = default;
};
struct BlockTxn {
  Hash256 block_hash;
  std::vector<Transaction> txs;
  PEERLAB_WIRE_MESSAGE(BlockTxn, "blocktxn") = default;
};

struct FeeFilter {
  std::int64_t fee_rate = 0;  // satoshis per 1000 virtual bytes
  PEERLAB_WIRE_MESSAGE(FeeFilter, "feefilter") = default;
};

#undef PEERLAB_WIRE_MESSAGE

// A command we do not decode (or do not know); Core ignores these.
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

// Appends the payload of `m` to `out` (no frame header).
void EncodeTo(const Message& m, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> Encode(const Message& m);
// Decodes a payload received under `command`. Errors name the command and the payload byte.
Result<Message> Decode(std::string_view command, std::span<const std::uint8_t> payload);
// As Decode, into an existing Message so its vectors' capacity is reused.
Status DecodeInto(std::string_view command, std::span<const std::uint8_t> payload, Message& out);

}  // namespace peerlab::bitcoin::wire
