// The bridge between the node's two seams (design §3): the fast engine's decoded messages,
// which name blocks and transactions by handle, and Bitcoin's wire messages.
//
// ToWire renders a message with real contents: full blocks (coinbase, relayed transactions,
// synthetic fill, all valid serializations), real transaction bytes, compact blocks with BIP152
// SipHash short ids. FromWire maps ids back to handles through the stores. WireCheck is the
// wire-check mode: encode, compare the size with the message's cached wire_bytes, decode, map
// back and compare, so the message-level engine cannot drift from the byte-level protocol.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin {

wire::Message ToWire(const Message& m, const BlockStore& blocks, const TxStore& txs);

// Fills `out` from `in`; errors name what could not be mapped (an unknown id, a message the
// fast seam does not model).
Status FromWire(const wire::Message& in, const BlockStore& blocks, const TxStore& txs,
                Message& out);

// Open mode (a daemon's own store, `blocks.chain()` set; design §3): what peers send may name
// blocks the store has never seen. Headers (also the header of a `block` or `cmpctblock`) are
// checked and added (BlockStore::AddHeader); a `block`'s bytes are checked and kept
// (SetBlockData). Unknown ids in `inv` are counted in `aux` (the node asks for headers),
// unknown ids in `getdata`/`getheaders` are skipped; a `headers` whose first header has an
// unknown parent arrives as an empty `headers` with `flag` set (unconnecting: the node asks
// for the headers in between). A `cmpctblock` arrives as a one-header `headers` (the daemon
// has no mempool to reconstruct from). Returns true when `out` is for the node, false when the
// message is dropped (transactions, feefilter, wtxidrelay, ... : nothing the node models),
// an error for misbehaviour (bad proof of work, merkle mismatch, a block whose parent is
// unknown, non-continuous headers whose gap we cannot represent).
Result<bool> FromWireOpen(const wire::Message& in, BlockStore& blocks, const TxStore& txs,
                          Message& out);

Status WireCheck(const Message& m, const BlockStore& blocks, const TxStore& txs);

// The serialized block, as `block` messages carry it: the stored bytes when the store has
// them (open mode), else rendered from the record.
wire::Block BlockToWire(BlockHandle h, const BlockStore& blocks, const TxStore& txs);
wire::Transaction TxToWire(TxHandle h, const TxStore& txs);

// BIP152 short transaction id: SipHash-2-4 keyed by SHA256(header || nonce), low 48 bits.
std::uint64_t ShortTxId(const BlockHeader& header, std::uint64_t nonce, const Hash256& wtxid);
// SipHash-2-4 of a 32-byte value (the only input BIP152 needs).
std::uint64_t SipHash24(std::uint64_t k0, std::uint64_t k1, const Hash256& value);

}  // namespace peerlab::bitcoin
