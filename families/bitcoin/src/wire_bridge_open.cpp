// FromWireOpen: the wire bridge for a daemon's own store (open mode, design §3), where peers
// name blocks the store has not seen yet.
#include <type_traits>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/wire_bridge.hpp"

namespace peerlab::bitcoin {
namespace {

bool IsBlockInventory(std::uint32_t type) {
  const std::uint32_t base = type & ~wire::kMsgWitnessFlag;
  return base == wire::kMsgBlock || base == wire::kMsgCmpctBlock ||
         base == wire::kMsgFilteredBlock;
}

// Adds the header of a block a peer sent in full or compact form (its parent must be known).
Result<BlockHandle> AddBlockHeader(const BlockHeader& header, BlockStore& blocks) {
  if (auto known = blocks.Find(header.Id())) return *known;
  return blocks.AddHeader(header, *blocks.chain());
}

// Stores a block the peer sent whole (or compactly with every transaction prefilled): its
// header joins the store and the store checks and keeps the bytes.
Result<bool> TakeBlock(const wire::Block& block, BlockStore& blocks, Message& out) {
  out.type = MsgType::kBlock;
  if (!blocks.Find(block.header.Id()) && !blocks.Find(block.header.prev)) {
    return Status::Error("block " + block.Id().ToHex() + " with an unknown parent");
  }
  Result<BlockHandle> h = kNoBlock;
  if (auto known = blocks.Find(block.header.Id())) {
    h = *known;
  } else {
    // A new header that comes with its block is exempt from the blockless-header cap, so
    // the body is checked first: an exempt header is never left behind without its bytes.
    if (Status s = CheckBlockBody(block, blocks.chain()->segwit); !s.ok()) {
      // A bad body says nothing against the header (Core keeps it, so a mutated copy cannot
      // blacklist the real block): it is kept like an announced header, under the cap.
      if (auto kept = AddBlockHeader(block.header, blocks); !kept.ok()) return kept.status();
      return Status::Error("block " + block.Id().ToHex() + ": " + s.message());
    }
    h = blocks.AddHeader(block.header, *blocks.chain(), UINT32_MAX, 0, /*with_block=*/true);
  }
  if (!h.ok()) return h.status();
  // The codec re-serializes what it decoded byte for byte (its contract), so these are the
  // bytes the peer sent.
  std::vector<std::uint8_t> bytes;
  wire::Writer w(bytes);
  block.Serialize(w);
  if (Status s = blocks.SetBlockData(*h, std::move(bytes)); !s.ok()) return s;
  out.block = *h;
  return true;
}

// A compact block that needs no reconstruction: no short ids, the prefilled transactions
// numbered 0, 1, 2, ... (a coinbase-only block is always sent so).
bool IsComplete(const wire::CmpctBlock& c) {
  if (!c.short_ids.empty()) return false;
  for (std::size_t i = 0; i < c.prefilled.size(); ++i) {
    if (c.prefilled[i].index != i) return false;
  }
  return !c.prefilled.empty();
}

}  // namespace

Result<bool> FromWireOpen(const wire::Message& in, BlockStore& blocks, const TxStore& txs,
                          Message& out) {
  PEERLAB_ASSERT(blocks.chain() != nullptr);
  out = Message{};
  return std::visit(
      [&](const auto& msg) -> Result<bool> {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, wire::Inv> || std::is_same_v<T, wire::GetData>) {
          // Transactions are not relayed by a daemon's node (no mempool of foreign
          // transactions): their entries are skipped, as are unknown blocks in a getdata (Core
          // would answer notfound). Unknown blocks in an inv are normal: counted for the node.
          out.type = std::is_same_v<T, wire::Inv> ? MsgType::kInv : MsgType::kGetData;
          for (const auto& item : msg.items) {
            if (!IsBlockInventory(item.type)) continue;
            out.flag = out.flag || (item.type & ~wire::kMsgWitnessFlag) == wire::kMsgCmpctBlock;
            if (auto h = blocks.Find(item.hash)) {
              out.SetBlocks().push_back(*h);
            } else if (out.type == MsgType::kInv) {
              ++out.aux;
            }
          }
          if (out.type == MsgType::kInv) out.flag = false;
          return !out.blocks().empty() || out.aux != 0;
        } else if constexpr (std::is_same_v<T, wire::GetHeaders>) {
          // Core's FindForkInGlobalIndex: locator entries we do not know are passed over.
          out.type = MsgType::kGetHeaders;
          out.SetBlocks();
          for (const auto& id : msg.locator) {
            if (auto h = blocks.Find(id)) out.SetBlocks().push_back(*h);
          }
          if (auto stop = blocks.Find(msg.hash_stop)) out.block = *stop;
          return true;
        } else if constexpr (std::is_same_v<T, wire::Headers>) {
          out.type = MsgType::kHeaders;
          for (std::size_t i = 0; i < msg.headers.size(); ++i) {
            const BlockHeader& header = msg.headers[i];
            if (!blocks.Find(header.Id()) && !blocks.Find(header.prev)) {
              if (i == 0) {
                out.flag = true;  // unconnecting: the node asks for the headers in between
                return true;
              }
              return Status::Error("headers: header " + std::to_string(i) +
                                   " does not connect (non-continuous headers sequence)");
            }
            auto h = AddBlockHeader(header, blocks);
            if (!h.ok()) return h.status();
            out.SetBlocks().push_back(*h);
          }
          return true;
        } else if constexpr (std::is_same_v<T, wire::BlockMsg>) {
          return TakeBlock(msg.block, blocks, out);
        } else if constexpr (std::is_same_v<T, wire::CmpctBlock>) {
          if (IsComplete(msg)) {
            wire::Block block;
            block.header = msg.header;
            for (const wire::PrefilledTx& p : msg.prefilled) block.txs.push_back(p.tx);
            return TakeBlock(block, blocks, out);
          }
          // A daemon keeps no mempool of foreign transactions to rebuild the block from: the
          // compact block announces its header, and the node's getdata fetches it whole
          // (ToWire asks for a full block in open mode).
          out.type = MsgType::kHeaders;
          if (!blocks.Find(msg.header.Id()) && !blocks.Find(msg.header.prev)) {
            out.flag = true;
            return true;
          }
          auto h = AddBlockHeader(msg.header, blocks);
          if (!h.ok()) return h.status();
          out.SetBlocks().push_back(*h);
          return true;
        } else if constexpr (std::is_same_v<T, wire::SendHeaders> ||
                             std::is_same_v<T, wire::SendCmpct> ||
                             std::is_same_v<T, wire::Version> || std::is_same_v<T, wire::Verack> ||
                             std::is_same_v<T, wire::Ping> || std::is_same_v<T, wire::Pong> ||
                             std::is_same_v<T, wire::GetAddr> || std::is_same_v<T, wire::Addr>) {
          // Nothing here names a block or transaction: the simulation's mapping applies.
          if (Status s = FromWire(in, blocks, txs, out); !s.ok()) return s;
          return true;
        } else {
          return false;  // tx, feefilter, wtxidrelay, sendaddrv2, notfound, blocktxn, ...
        }
      },
      in);
}

}  // namespace peerlab::bitcoin
