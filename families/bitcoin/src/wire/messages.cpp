#include "peerlab/bitcoin/wire/messages.hpp"

#include <utility>

namespace peerlab::bitcoin::wire {

namespace {

constexpr std::size_t kNetAddrBytes = 8 + 16 + 2;
constexpr std::size_t kInventoryBytes = 4 + 32;

// Ends a Deserialize: the whole payload must have been consumed.
Status Finish(Reader& r) {
  r.ExpectEnd();
  return r.status();
}

void WriteNetAddr(Writer& w, const NetAddr& a) {
  w.U64(a.services);
  w.Bytes(a.ip);
  w.U16BE(a.port);
}

bool ReadNetAddr(Reader& r, NetAddr& a) {
  return r.ReadU64(a.services) && r.ReadBytes(a.ip) && r.ReadU16BE(a.port);
}

void WriteInvList(Writer& w, const std::vector<Inventory>& items) {
  w.CompactSize(items.size());
  for (const Inventory& inv : items) {
    w.U32(inv.type);
    w.Hash(inv.hash);
  }
}

Status ReadInvList(Reader& r, std::vector<Inventory>& items) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxInvItems, kInventoryBytes, "inv")) return r.status();
  items.resize(n);
  for (Inventory& inv : items) {
    if (!r.ReadU32(inv.type) || !r.ReadHash(inv.hash)) return r.status();
  }
  return Finish(r);
}

void WriteLocator(Writer& w, std::uint32_t version, const std::vector<Hash256>& locator,
                  const Hash256& stop) {
  w.U32(version);
  w.CompactSize(locator.size());
  for (const Hash256& h : locator) w.Hash(h);
  w.Hash(stop);
}

Status ReadLocator(Reader& r, std::uint32_t& version, std::vector<Hash256>& locator,
                   Hash256& stop) {
  std::size_t n = 0;
  if (!r.ReadU32(version) || !r.ReadCount(n, kMaxLocatorHashes, 32, "locator")) {
    return r.status();
  }
  locator.resize(n);
  for (Hash256& h : locator) {
    if (!r.ReadHash(h)) return r.status();
  }
  r.ReadHash(stop);
  return Finish(r);
}

void WriteTxs(Writer& w, const std::vector<Transaction>& txs) {
  w.CompactSize(txs.size());
  for (const Transaction& tx : txs) tx.Serialize(w, true);
}

bool ReadTxs(Reader& r, std::vector<Transaction>& txs, const char* what) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxSize, kMinTxBytes, what)) return false;
  txs.resize(n);
  for (Transaction& tx : txs) {
    if (!tx.Deserialize(r)) return false;
  }
  return true;
}

// BIP152 differential index encoding (Core's DifferenceFormatter over uint16_t): each value is
// sent as the gap to the previous value plus one.
void WriteDiffIndex(Writer& w, std::uint16_t index, std::uint64_t& shift) {
  PEERLAB_ASSERT(index >= shift);  // indexes must be strictly increasing
  w.CompactSize(index - shift);
  shift = static_cast<std::uint64_t>(index) + 1;
}

bool ReadDiffIndex(Reader& r, std::uint16_t& index, std::uint64_t& shift) {
  std::uint64_t gap = 0;
  if (!r.ReadCompactSize(gap)) return false;
  shift += gap;  // gap <= MAX_SIZE, so no wrap-around
  if (shift > 0xffff) return r.Fail("differential value overflow");
  index = static_cast<std::uint16_t>(shift++);
  return true;
}

}  // namespace

std::size_t AddrV2Size(std::uint8_t network) {
  switch (network) {
    case kNetIpv4: return 4;
    case kNetIpv6: return 16;
    case kNetTorV2: return 10;
    case kNetTorV3: return 32;
    case kNetI2p: return 32;
    case kNetCjdns: return 16;
    default: return 0;
  }
}

void Version::Serialize(Writer& w) const {
  w.I32(version);
  w.U64(services);
  w.I64(timestamp);
  WriteNetAddr(w, addr_recv);
  WriteNetAddr(w, addr_from);
  w.U64(nonce);
  w.VarString(user_agent);
  w.I32(start_height);
  if (relay) w.Bool(*relay);
}

Status Version::Deserialize(Reader& r) {
  if (!r.ReadI32(version) || !r.ReadU64(services) || !r.ReadI64(timestamp) ||
      !ReadNetAddr(r, addr_recv) || !ReadNetAddr(r, addr_from) || !r.ReadU64(nonce) ||
      !r.ReadVarString(user_agent, kMaxUserAgentBytes) || !r.ReadI32(start_height)) {
    return r.status();
  }
  relay.reset();
  bool b = false;
  if (!r.empty() && r.ReadBool(b)) relay = b;
  // Core reads nothing after fRelay, so later bytes are ignored rather than an error.
  return r.status();
}

#define PEERLAB_EMPTY_MESSAGE(Name)                  \
  void Name::Serialize(Writer&) const {}             \
  Status Name::Deserialize(Reader& r) { return Finish(r); }
PEERLAB_EMPTY_MESSAGE(Verack)
PEERLAB_EMPTY_MESSAGE(GetAddr)
PEERLAB_EMPTY_MESSAGE(SendHeaders)
PEERLAB_EMPTY_MESSAGE(Mempool)
PEERLAB_EMPTY_MESSAGE(WtxidRelay)
PEERLAB_EMPTY_MESSAGE(SendAddrV2)
#undef PEERLAB_EMPTY_MESSAGE

void Ping::Serialize(Writer& w) const { w.U64(nonce); }
Status Ping::Deserialize(Reader& r) {
  r.ReadU64(nonce);
  return Finish(r);
}
void Pong::Serialize(Writer& w) const { w.U64(nonce); }
Status Pong::Deserialize(Reader& r) {
  r.ReadU64(nonce);
  return Finish(r);
}

void Addr::Serialize(Writer& w) const {
  w.CompactSize(addrs.size());
  for (const TimedNetAddr& a : addrs) {
    w.U32(a.time);
    WriteNetAddr(w, a.addr);
  }
}

Status Addr::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxAddrs, 4 + kNetAddrBytes, "addr")) return r.status();
  addrs.resize(n);
  for (TimedNetAddr& a : addrs) {
    if (!r.ReadU32(a.time) || !ReadNetAddr(r, a.addr)) return r.status();
  }
  return Finish(r);
}

void AddrV2::Serialize(Writer& w) const {
  w.CompactSize(addrs.size());
  for (const AddrV2Entry& a : addrs) {
    w.U32(a.time);
    w.CompactSize(a.services);
    w.U8(a.network);
    w.VarBytes(a.addr);
    w.U16BE(a.port);
  }
}

Status AddrV2::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxAddrs, 4 + 1 + 1 + 1 + 2, "addrv2")) return r.status();
  addrs.resize(n);
  for (AddrV2Entry& a : addrs) {
    // Services are a CompactSize without the MAX_SIZE check (Core's CompactSizeFormatter<false>).
    if (!r.ReadU32(a.time) || !r.ReadCompactSize(a.services, false) || !r.ReadU8(a.network) ||
        !r.ReadVarBytes(a.addr, kMaxAddrV2Bytes)) {
      return r.status();
    }
    const std::size_t want = AddrV2Size(a.network);
    if (want != 0 && a.addr.size() != want) {
      r.Fail("BIP155 network " + std::to_string(a.network) + " address with length " +
             std::to_string(a.addr.size()) + " (should be " + std::to_string(want) + ")");
      return r.status();
    }
    if (!r.ReadU16BE(a.port)) return r.status();
  }
  return Finish(r);
}

void Inv::Serialize(Writer& w) const { WriteInvList(w, items); }
Status Inv::Deserialize(Reader& r) { return ReadInvList(r, items); }
void GetData::Serialize(Writer& w) const { WriteInvList(w, items); }
Status GetData::Deserialize(Reader& r) { return ReadInvList(r, items); }
void NotFound::Serialize(Writer& w) const { WriteInvList(w, items); }
Status NotFound::Deserialize(Reader& r) { return ReadInvList(r, items); }

void GetHeaders::Serialize(Writer& w) const { WriteLocator(w, version, locator, hash_stop); }
Status GetHeaders::Deserialize(Reader& r) { return ReadLocator(r, version, locator, hash_stop); }
void GetBlocks::Serialize(Writer& w) const { WriteLocator(w, version, locator, hash_stop); }
Status GetBlocks::Deserialize(Reader& r) { return ReadLocator(r, version, locator, hash_stop); }

bool Headers::operator==(const Headers& o) const {
  if (headers.size() != o.headers.size()) return false;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (!SameHeader(headers[i], o.headers[i])) return false;
  }
  return true;
}

void Headers::Serialize(Writer& w) const {
  w.CompactSize(headers.size());
  for (const BlockHeader& h : headers) {
    WriteHeader(w, h);
    w.U8(0);  // tx count
  }
}

Status Headers::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!r.ReadCount(n, kMaxHeaders, kHeaderBytes + 1, "headers")) return r.status();
  headers.resize(n);
  for (BlockHeader& h : headers) {
    std::uint64_t tx_count = 0;
    if (!ReadHeader(r, h) || !r.ReadCompactSize(tx_count)) return r.status();
    // Core ignores this field; a non-zero value cannot be re-encoded, so we reject it.
    if (tx_count != 0) {
      r.Fail("headers tx count " + std::to_string(tx_count) + " is not 0");
      return r.status();
    }
  }
  return Finish(r);
}

void BlockMsg::Serialize(Writer& w) const { block.Serialize(w); }
Status BlockMsg::Deserialize(Reader& r) {
  if (!block.Deserialize(r)) return r.status();
  return Finish(r);
}

void TxMsg::Serialize(Writer& w) const { tx.Serialize(w, true); }
Status TxMsg::Deserialize(Reader& r) {
  if (!tx.Deserialize(r)) return r.status();
  return Finish(r);
}

void SendCmpct::Serialize(Writer& w) const {
  w.Bool(announce);
  w.U64(version);
}
Status SendCmpct::Deserialize(Reader& r) {
  r.ReadBool(announce) && r.ReadU64(version);
  return Finish(r);
}

bool CmpctBlock::operator==(const CmpctBlock& o) const {
  return SameHeader(header, o.header) && nonce == o.nonce && short_ids == o.short_ids &&
         prefilled == o.prefilled;
}

void CmpctBlock::Serialize(Writer& w) const {
  WriteHeader(w, header);
  w.U64(nonce);
  w.CompactSize(short_ids.size());
  for (std::uint64_t id : short_ids) w.U48(id);
  w.CompactSize(prefilled.size());
  std::uint64_t shift = 0;
  for (const PrefilledTx& p : prefilled) {
    WriteDiffIndex(w, p.index, shift);
    p.tx.Serialize(w, true);
  }
}

Status CmpctBlock::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!ReadHeader(r, header) || !r.ReadU64(nonce) || !r.ReadCount(n, kMaxSize, 6, "short id")) {
    return r.status();
  }
  short_ids.resize(n);
  for (std::uint64_t& id : short_ids) {
    if (!r.ReadU48(id)) return r.status();
  }
  if (!r.ReadCount(n, kMaxSize, 1 + kMinTxBytes, "prefilled tx")) return r.status();
  prefilled.resize(n);
  std::uint64_t shift = 0;
  for (PrefilledTx& p : prefilled) {
    if (!ReadDiffIndex(r, p.index, shift) || !p.tx.Deserialize(r)) return r.status();
  }
  if (short_ids.size() + prefilled.size() > 0xffff) {
    r.Fail("indexes overflowed 16 bits");
    return r.status();
  }
  return Finish(r);
}

void GetBlockTxn::Serialize(Writer& w) const {
  w.Hash(block_hash);
  w.CompactSize(indexes.size());
  std::uint64_t shift = 0;
  for (std::uint16_t i : indexes) WriteDiffIndex(w, i, shift);
}

Status GetBlockTxn::Deserialize(Reader& r) {
  std::size_t n = 0;
  if (!r.ReadHash(block_hash) || !r.ReadCount(n, 0x10000, 1, "getblocktxn index")) {
    return r.status();
  }
  indexes.resize(n);
  std::uint64_t shift = 0;
  for (std::uint16_t& i : indexes) {
    if (!ReadDiffIndex(r, i, shift)) return r.status();
  }
  return Finish(r);
}

void BlockTxn::Serialize(Writer& w) const {
  w.Hash(block_hash);
  WriteTxs(w, txs);
}
Status BlockTxn::Deserialize(Reader& r) {
  if (!r.ReadHash(block_hash) || !ReadTxs(r, txs, "blocktxn tx")) return r.status();
  return Finish(r);
}

void FeeFilter::Serialize(Writer& w) const { w.I64(fee_rate); }
Status FeeFilter::Deserialize(Reader& r) {
  r.ReadI64(fee_rate);
  return Finish(r);
}

// --- dispatch -------------------------------------------------------------------------------

namespace {

constexpr std::size_t kKnownCount = std::variant_size_v<Message> - 1;
static_assert(std::is_same_v<std::variant_alternative_t<kKnownCount, Message>, Unknown>,
              "Unknown must be the last alternative");

using DecodeFn = Status (*)(std::span<const std::uint8_t>, Message&);
struct Entry {
  std::string_view command;
  DecodeFn decode;
};

template <std::size_t I>
Status DecodeAlternative(std::span<const std::uint8_t> payload, Message& out) {
  if (out.index() != I) out.template emplace<I>();
  Reader r(payload);
  return std::get<I>(out).Deserialize(r);
}

template <std::size_t... I>
constexpr std::array<Entry, sizeof...(I)> MakeTable(std::index_sequence<I...>) {
  return {{{std::variant_alternative_t<I, Message>::kCommand, &DecodeAlternative<I>}...}};
}

constexpr auto kTable = MakeTable(std::make_index_sequence<kKnownCount>());

const Entry* Find(std::string_view command) {
  for (const Entry& e : kTable) {
    if (e.command == command) return &e;
  }
  return nullptr;
}

}  // namespace

std::string_view CommandOf(const Message& m) {
  return std::visit(
      [](const auto& msg) -> std::string_view {
        if constexpr (std::is_same_v<std::decay_t<decltype(msg)>, Unknown>) {
          return msg.command;
        } else {
          return std::decay_t<decltype(msg)>::kCommand;
        }
      },
      m);
}

bool IsKnownCommand(std::string_view command) { return Find(command) != nullptr; }

void EncodeTo(const Message& m, std::vector<std::uint8_t>& out) {
  Writer w(out);
  std::visit(
      [&](const auto& msg) {
        if constexpr (std::is_same_v<std::decay_t<decltype(msg)>, Unknown>) {
          w.Bytes(msg.payload);
        } else {
          msg.Serialize(w);
        }
      },
      m);
}

std::vector<std::uint8_t> Encode(const Message& m) {
  std::vector<std::uint8_t> out;
  EncodeTo(m, out);
  return out;
}

Status DecodeInto(std::string_view command, std::span<const std::uint8_t> payload, Message& out) {
  const Entry* e = Find(command);
  if (e == nullptr) {
    auto& u = out.emplace<Unknown>();
    u.command.assign(command);
    u.payload.assign(payload.begin(), payload.end());
    return Status::Ok();
  }
  Status s = e->decode(payload, out);
  if (!s.ok()) return Status::Error(std::string(command) + ": " + s.message());
  return s;
}

Result<Message> Decode(std::string_view command, std::span<const std::uint8_t> payload) {
  Message m;
  Status s = DecodeInto(command, payload, m);
  if (!s.ok()) return s;
  return m;
}

}  // namespace peerlab::bitcoin::wire
