// Context-free checks of a real block's body against its header (Core's CheckBlock, the parts
// that need no UTXO set): the merkle root, CVE-2012-2459 mutation, the coinbase's place, and
// on segwit chains the BIP141 witness commitment. Used by the open-mode store (design §3).
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/bitcoin/wire/transaction.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin {

// Bitcoin's merkle root of `leaves` (the last of an odd level is paired with itself). Sets
// *mutated when two equal hashes are paired, which lets two transaction lists share a root.
Hash256 MerkleRoot(std::vector<Hash256> leaves, bool* mutated = nullptr);
Hash256 BlockMerkleRoot(const wire::Block& block, bool* mutated = nullptr);
// The BIP141 witness merkle root (the coinbase's wtxid counts as zero).
Hash256 BlockWitnessMerkleRoot(const wire::Block& block);

// Ok when the transactions hash to the header's merkle root without mutation, the first and
// only the first is a coinbase, and witness data is committed to (segwit) or absent.
Status CheckBlockBody(const wire::Block& block, bool segwit);

// A transaction input with the null prevout (zero hash, index 0xffffffff).
bool IsCoinbaseInput(const wire::TxIn& in);

}  // namespace peerlab::bitcoin
