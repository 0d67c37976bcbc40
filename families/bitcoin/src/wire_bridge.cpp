#include "peerlab/bitcoin/wire_bridge.hpp"

#include "peerlab/bitcoin/chain_params.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace peerlab::bitcoin {
namespace {

wire::Transaction ParseTx(const std::vector<std::uint8_t>& bytes) {
  wire::Reader r(bytes);
  wire::Transaction tx;
  const bool ok = tx.Deserialize(r) && r.ExpectEnd();
  PEERLAB_ASSERT(ok);  // our own synthetic serializations are always valid
  return tx;
}

// Fill transaction `i` of a block: synthetic, spending an outpoint derived from the block id.
std::uint64_t FillOutpoint(const BlockRecord& b, std::uint32_t i) {
  std::uint64_t base;
  std::memcpy(&base, b.id.bytes.data(), sizeof(base));
  return base ^ (0x9E3779B97F4A7C15ULL * (i + 1));
}

wire::Transaction BlockTxAt(const BlockRecord& b, std::uint32_t index, const TxStore& txs) {
  if (index == 0) return ParseTx(SyntheticCoinbaseBytes(b.height));
  if (index <= b.txs.size()) return TxToWire(b.txs[index - 1], txs);
  return ParseTx(SyntheticTxBytes(b.fill_tx_bytes, FillOutpoint(b, index), kSyntheticOutputSat));
}

// Our IPv4 addresses travel as IPv4-mapped IPv6 (::ffff:a.b.c.d) on the default port.
wire::NetAddr NetAddrOf(NetAddress a) {
  wire::NetAddr n;
  n.services = kLocalServices;
  n.ip[10] = 0xff;
  n.ip[11] = 0xff;
  for (int i = 0; i < 4; ++i) n.ip[12 + i] = static_cast<std::uint8_t>(a >> (24 - 8 * i));
  n.port = kDefaultPort;
  return n;
}

// The IPv4 address of an IPv4-mapped entry; kNoAddress for other networks.
NetAddress Ipv4Of(const wire::NetAddr& n) {
  for (int i = 0; i < 10; ++i) {
    if (n.ip[i] != 0) return kNoAddress;
  }
  if (n.ip[10] != 0xff || n.ip[11] != 0xff) return kNoAddress;
  NetAddress a = 0;
  for (int i = 0; i < 4; ++i) a = (a << 8) | n.ip[12 + i];
  return a;
}

std::uint64_t CompactNonce(const BlockRecord& b) {
  std::uint64_t n;
  std::memcpy(&n, b.id.bytes.data() + 8, sizeof(n));
  return n;
}

bool SameMessage(const Message& a, const Message& b) {
  return a.type == b.type && a.flag == b.flag && a.value == b.value && a.block == b.block &&
         a.aux == b.aux && (a.items.empty() || a.items_kind == b.items_kind) &&
         a.items == b.items;
}

std::uint64_t Rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

}  // namespace

std::uint64_t SipHash24(std::uint64_t k0, std::uint64_t k1, const Hash256& value) {
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1,
                v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  };
  for (int word = 0; word < 4; ++word) {
    std::uint64_t m = 0;
    for (int i = 0; i < 8; ++i) m |= static_cast<std::uint64_t>(value.bytes[8 * word + i]) << (8 * i);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  const std::uint64_t last = static_cast<std::uint64_t>(32) << 56;  // length, no tail bytes
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

std::uint64_t ShortTxId(const BlockHeader& header, std::uint64_t nonce, const Hash256& wtxid) {
  std::uint8_t buf[kHeaderBytes + 8];
  header.Serialize(std::span<std::uint8_t, kHeaderBytes>(buf, kHeaderBytes));
  for (int i = 0; i < 8; ++i) buf[kHeaderBytes + i] = static_cast<std::uint8_t>(nonce >> (8 * i));
  const Hash256 key = Sha256(buf);
  std::uint64_t k0 = 0, k1 = 0;
  for (int i = 0; i < 8; ++i) {
    k0 |= static_cast<std::uint64_t>(key.bytes[i]) << (8 * i);
    k1 |= static_cast<std::uint64_t>(key.bytes[8 + i]) << (8 * i);
  }
  return SipHash24(k0, k1, wtxid) & 0xffffffffffffULL;
}

wire::Transaction TxToWire(TxHandle h, const TxStore& txs) {
  return ParseTx(txs.Bytes(h));
}

namespace {
// Open mode: the stored block, parsed (the store checked the bytes when it took them).
wire::Block StoredBlock(const std::vector<std::uint8_t>& bytes) {
  wire::Reader r(bytes);
  wire::Block block;
  const bool ok = block.Deserialize(r) && r.ExpectEnd();
  PEERLAB_ASSERT(ok);
  return block;
}
}  // namespace

wire::Block BlockToWire(BlockHandle h, const BlockStore& blocks, const TxStore& txs) {
  if (const auto* data = blocks.BlockData(h)) return StoredBlock(*data);
  const BlockRecord& b = blocks.Get(h);
  wire::Block block;
  block.header = b.header;
  block.txs.reserve(b.tx_count);
  for (std::uint32_t i = 0; i < b.tx_count; ++i) block.txs.push_back(BlockTxAt(b, i, txs));
  return block;
}

wire::Message ToWire(const Message& m, const BlockStore& blocks, const TxStore& txs) {
  auto items = [&](std::uint32_t block_type) {
    std::vector<wire::Inventory> out;
    for (BlockHandle b : m.blocks()) out.push_back({block_type, blocks.Get(b).id});
    for (TxHandle t : m.txs()) out.push_back({wire::kMsgTx, txs.Get(t).id});
    return out;
  };
  switch (m.type) {
    case MsgType::kInv: return wire::Inv{items(wire::kMsgBlock)};
    case MsgType::kGetData: {
      // A segwit chain's blocks are fetched with their witnesses (open mode only: simulated
      // blocks carry none, and the simulation's bytes stay as they were). In open mode a
      // compact request becomes a full one: a daemon has no mempool to rebuild blocks from
      // short ids, and a compact answer would only announce the header again.
      const bool open = blocks.chain() != nullptr;
      const bool witness = open && blocks.chain()->segwit;
      return wire::GetData{items(m.flag && !open ? wire::kMsgCmpctBlock
                                 : witness ? wire::kMsgWitnessBlock
                                           : wire::kMsgBlock)};
    }
    case MsgType::kGetHeaders: {
      wire::GetHeaders g;
      for (BlockHandle b : m.blocks()) g.locator.push_back(blocks.Get(b).id);
      if (m.block != kNoBlock) g.hash_stop = blocks.Get(m.block).id;
      return g;
    }
    case MsgType::kHeaders: {
      wire::Headers hs;
      for (BlockHandle b : m.blocks()) hs.headers.push_back(blocks.Get(b).header);
      return hs;
    }
    case MsgType::kBlock: return wire::BlockMsg{BlockToWire(m.block, blocks, txs)};
    case MsgType::kSendHeaders: return wire::SendHeaders{};
    case MsgType::kTx: return wire::TxMsg{TxToWire(m.txs()[0], txs)};
    case MsgType::kSendCmpct: return wire::SendCmpct{m.flag, m.value};
    case MsgType::kCmpctBlock: {
      const BlockRecord& b = blocks.Get(m.block);
      const auto* data = blocks.BlockData(m.block);
      const wire::Block stored = data ? StoredBlock(*data) : wire::Block{};
      auto tx_at = [&](std::uint32_t i) { return data ? stored.txs[i] : BlockTxAt(b, i, txs); };
      wire::CmpctBlock c;
      c.header = b.header;
      c.nonce = CompactNonce(b);
      c.prefilled.push_back({0, tx_at(0)});
      for (std::uint32_t i = 1; i < b.tx_count; ++i) {
        c.short_ids.push_back(ShortTxId(b.header, c.nonce, tx_at(i).Wtxid()));
      }
      return c;
    }
    case MsgType::kGetBlockTxn: {
      wire::GetBlockTxn g;
      g.block_hash = blocks.Get(m.block).id;
      for (std::uint32_t i : m.indexes()) g.indexes.push_back(static_cast<std::uint16_t>(i));
      return g;
    }
    case MsgType::kVersion: {
      wire::Version v;
      v.version = kProtocolVersion;
      v.services = kLocalServices;
      v.nonce = m.value;
      v.user_agent = std::string(kUserAgent);
      v.start_height = static_cast<std::int32_t>(m.aux);
      v.relay = m.flag;
      return v;
    }
    case MsgType::kVerack: return wire::Verack{};
    case MsgType::kPing: return wire::Ping{m.value};
    case MsgType::kPong: return wire::Pong{m.value};
    case MsgType::kGetAddr: return wire::GetAddr{};
    case MsgType::kAddr: {
      wire::Addr a;
      for (std::size_t i = 0; i < m.address_count(); ++i) {
        const TimedAddress entry = m.address(i);
        a.addrs.push_back({entry.time, NetAddrOf(entry.address)});
      }
      return a;
    }
    case MsgType::kBlockTxn: {
      const BlockRecord& b = blocks.Get(m.block);
      const auto* data = blocks.BlockData(m.block);
      const wire::Block stored = data ? StoredBlock(*data) : wire::Block{};
      wire::BlockTxn t;
      t.block_hash = b.id;
      for (std::uint32_t i : m.indexes()) t.txs.push_back(data ? stored.txs[i] : BlockTxAt(b, i, txs));
      return t;
    }
  }
  PEERLAB_ASSERT(false);
  return wire::Unknown{};
}

Status FromWire(const wire::Message& in, const BlockStore& blocks, const TxStore& txs,
                Message& out) {
  out = Message{};
  auto block_of = [&](const Hash256& id, BlockHandle* h) {
    auto found = blocks.Find(id);
    if (!found) return Status::Error("unknown block " + id.ToHex());
    *h = *found;
    return Status::Ok();
  };
  auto read_items = [&](const std::vector<wire::Inventory>& items) -> Status {
    for (const auto& item : items) {
      const std::uint32_t type = item.type & ~wire::kMsgWitnessFlag;
      if (type == wire::kMsgTx || type == wire::kMsgWtx) {
        auto t = txs.Find(item.hash);
        if (!t) return Status::Error("unknown transaction " + item.hash.ToHex());
        out.SetTxs().push_back(*t);
      } else if (type == wire::kMsgBlock || type == wire::kMsgCmpctBlock) {
        out.flag = out.flag || type == wire::kMsgCmpctBlock;
        BlockHandle h = kNoBlock;
        if (Status s = block_of(item.hash, &h); !s.ok()) return s;
        out.SetBlocks().push_back(h);
      } else {
        return Status::Error("inventory type " + std::to_string(item.type) + " is not modelled");
      }
    }
    return Status::Ok();
  };
  auto block_txs_index = [&](BlockHandle h) {
    std::map<Hash256, std::uint32_t> index;  // ordered: no unordered iteration anywhere
    const BlockRecord& b = blocks.Get(h);
    for (std::uint32_t i = 0; i < b.tx_count; ++i) index.emplace(BlockTxAt(b, i, txs).Txid(), i);
    return index;
  };
  return std::visit(
      [&](const auto& msg) -> Status {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, wire::Inv>) {
          out.type = MsgType::kInv;
          return read_items(msg.items);
        } else if constexpr (std::is_same_v<T, wire::GetData>) {
          out.type = MsgType::kGetData;
          return read_items(msg.items);
        } else if constexpr (std::is_same_v<T, wire::GetHeaders>) {
          out.type = MsgType::kGetHeaders;
          for (const auto& id : msg.locator) {
            BlockHandle h = kNoBlock;
            if (Status s = block_of(id, &h); !s.ok()) return s;
            out.SetBlocks().push_back(h);
          }
          if (msg.hash_stop != Hash256{}) return block_of(msg.hash_stop, &out.block);
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Headers>) {
          out.type = MsgType::kHeaders;
          for (const auto& header : msg.headers) {
            BlockHandle h = kNoBlock;
            if (Status s = block_of(header.Id(), &h); !s.ok()) return s;
            out.SetBlocks().push_back(h);
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::BlockMsg>) {
          out.type = MsgType::kBlock;
          if (Status s = block_of(msg.block.header.Id(), &out.block); !s.ok()) return s;
          if (!(msg.block == BlockToWire(out.block, blocks, txs))) {
            return Status::Error("block contents differ from the stored block");
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::SendHeaders>) {
          out.type = MsgType::kSendHeaders;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::TxMsg>) {
          out.type = MsgType::kTx;
          auto t = txs.Find(msg.tx.Txid());
          if (!t) return Status::Error("unknown transaction " + msg.tx.Txid().ToHex());
          out.SetTxs().push_back(*t);
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::SendCmpct>) {
          out.type = MsgType::kSendCmpct;
          out.flag = msg.announce;
          out.value = msg.version;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::CmpctBlock>) {
          out.type = MsgType::kCmpctBlock;
          if (Status s = block_of(msg.header.Id(), &out.block); !s.ok()) return s;
          const BlockRecord& b = blocks.Get(out.block);
          if (msg.short_ids.size() + msg.prefilled.size() != b.tx_count) {
            return Status::Error("compact block transaction count differs from the block");
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Version>) {
          out.type = MsgType::kVersion;
          out.value = msg.nonce;
          out.aux = static_cast<std::uint32_t>(std::max(0, msg.start_height));
          out.flag = msg.relay.value_or(true);
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Verack>) {
          out.type = MsgType::kVerack;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Ping>) {
          out.type = MsgType::kPing;
          out.value = msg.nonce;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Pong>) {
          out.type = MsgType::kPong;
          out.value = msg.nonce;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::GetAddr>) {
          out.type = MsgType::kGetAddr;
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::Addr>) {
          // Entries of other networks (IPv6, onion) are dropped: the node cannot use them.
          out.type = MsgType::kAddr;
          for (const auto& entry : msg.addrs) {
            const NetAddress a = Ipv4Of(entry.addr);
            if (a != kNoAddress) out.AddAddress({a, entry.time});
          }
          return Status::Ok();
        } else if constexpr (std::is_same_v<T, wire::GetBlockTxn>) {
          out.type = MsgType::kGetBlockTxn;
          for (std::uint16_t i : msg.indexes) out.SetIndexes().push_back(i);
          return block_of(msg.block_hash, &out.block);
        } else if constexpr (std::is_same_v<T, wire::BlockTxn>) {
          out.type = MsgType::kBlockTxn;
          if (Status s = block_of(msg.block_hash, &out.block); !s.ok()) return s;
          const auto index = block_txs_index(out.block);
          for (const auto& tx : msg.txs) {
            auto it = index.find(tx.Txid());
            if (it == index.end()) return Status::Error("blocktxn carries a transaction not in the block");
            out.SetIndexes().push_back(it->second);
          }
          return Status::Ok();
        } else {
          return Status::Error(std::string(wire::CommandOf(in)) +
                               " is not modelled by the fast engine's messages");
        }
      },
      in);
}

Status WireCheck(const Message& m, const BlockStore& blocks, const TxStore& txs) {
  const wire::Message w = ToWire(m, blocks, txs);
  const std::vector<std::uint8_t> payload = wire::Encode(w);
  const std::string command(CommandName(m.type));
  if (payload.size() + kFrameHeaderBytes != m.wire_bytes) {
    return Status::Error("wire check: " + command + " encodes to " +
                         std::to_string(payload.size() + kFrameHeaderBytes) +
                         " bytes but the engine charged " + std::to_string(m.wire_bytes));
  }
  auto decoded = wire::Decode(command, payload);
  if (!decoded.ok()) {
    return Status::Error("wire check: " + command + " does not decode: " +
                         decoded.status().message());
  }
  Message back;
  if (Status s = FromWire(*decoded, blocks, txs, back); !s.ok()) {
    return Status::Error("wire check: " + command + ": " + s.message());
  }
  back.wire_bytes = m.wire_bytes;
  if (!SameMessage(m, back)) return Status::Error("wire check: " + command + " changed in a round trip");
  return Status::Ok();
}

}  // namespace peerlab::bitcoin
