#include "peerlab/bitcoin/block_check.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace peerlab::bitcoin {
namespace {

// BIP141: OP_RETURN, push of 36 bytes, then the commitment header aa21a9ed.
constexpr std::array<std::uint8_t, 6> kCommitmentPrefix = {0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed};

Hash256 HashPair(const Hash256& a, const Hash256& b) {
  std::uint8_t buf[64];
  std::memcpy(buf, a.bytes.data(), 32);
  std::memcpy(buf + 32, b.bytes.data(), 32);
  return DoubleSha256(buf);
}

// Index of the coinbase output holding the witness commitment (the last such output wins,
// as in Core's GetWitnessCommitmentIndex), or -1.
int CommitmentIndex(const wire::Transaction& coinbase) {
  int found = -1;
  for (std::size_t i = 0; i < coinbase.outputs.size(); ++i) {
    const auto& script = coinbase.outputs[i].script_pubkey;
    if (script.size() >= 38 &&
        std::equal(kCommitmentPrefix.begin(), kCommitmentPrefix.end(), script.begin())) {
      found = static_cast<int>(i);
    }
  }
  return found;
}

}  // namespace

bool IsCoinbaseInput(const wire::TxIn& in) {
  return in.prevout.txid == Hash256{} && in.prevout.index == 0xffffffff;
}

Hash256 MerkleRoot(std::vector<Hash256> leaves, bool* mutated) {
  if (mutated) *mutated = false;
  if (leaves.empty()) return Hash256{};
  while (leaves.size() > 1) {
    for (std::size_t i = 0; mutated && i + 1 < leaves.size(); i += 2) {
      if (leaves[i] == leaves[i + 1]) *mutated = true;
    }
    if (leaves.size() % 2 == 1) leaves.push_back(leaves.back());
    for (std::size_t i = 0; i < leaves.size() / 2; ++i) {
      leaves[i] = HashPair(leaves[2 * i], leaves[2 * i + 1]);
    }
    leaves.resize(leaves.size() / 2);
  }
  return leaves[0];
}

Hash256 BlockMerkleRoot(const wire::Block& block, bool* mutated) {
  std::vector<Hash256> leaves;
  leaves.reserve(block.txs.size());
  for (const auto& tx : block.txs) leaves.push_back(tx.Txid());
  return MerkleRoot(std::move(leaves), mutated);
}

Hash256 BlockWitnessMerkleRoot(const wire::Block& block) {
  std::vector<Hash256> leaves;
  leaves.reserve(block.txs.size());
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    leaves.push_back(i == 0 ? Hash256{} : block.txs[i].Wtxid());
  }
  return MerkleRoot(std::move(leaves));
}

Status CheckBlockBody(const wire::Block& block, bool segwit) {
  if (block.txs.empty()) return Status::Error("block has no transactions");
  bool mutated = false;
  if (BlockMerkleRoot(block, &mutated) != block.header.merkle_root) {
    return Status::Error("merkle root mismatch (bad-txnmrklroot)");
  }
  if (mutated) return Status::Error("duplicate transaction (bad-txns-duplicate)");
  for (std::size_t i = 0; i < block.txs.size(); ++i) {
    const auto& tx = block.txs[i];
    const bool coinbase = tx.inputs.size() == 1 && IsCoinbaseInput(tx.inputs[0]);
    if (i == 0 && !coinbase) return Status::Error("first transaction is not a coinbase (bad-cb-missing)");
    if (i > 0 && coinbase) return Status::Error("more than one coinbase (bad-cb-multiple)");
  }
  bool any_witness = false;
  for (const auto& tx : block.txs) any_witness = any_witness || tx.HasWitness();
  const wire::Transaction& coinbase = block.txs[0];
  const int commitment = segwit ? CommitmentIndex(coinbase) : -1;
  if (commitment < 0) {
    // Without a commitment nothing may carry witness data: it would be unauthenticated.
    if (any_witness) return Status::Error("witness data without a commitment (unexpected-witness)");
    return Status::Ok();
  }
  const auto& stack = coinbase.inputs[0].witness;
  if (stack.size() != 1 || stack[0].size() != 32) {
    return Status::Error("coinbase witness nonce is not 32 bytes (bad-witness-nonce-size)");
  }
  Hash256 nonce;
  std::memcpy(nonce.bytes.data(), stack[0].data(), 32);
  const Hash256 expected = HashPair(BlockWitnessMerkleRoot(block), nonce);
  const auto& script = coinbase.outputs[static_cast<std::size_t>(commitment)].script_pubkey;
  if (!std::equal(expected.bytes.begin(), expected.bytes.end(), script.begin() + 6)) {
    return Status::Error("witness commitment mismatch (bad-witness-merkle-match)");
  }
  return Status::Ok();
}

}  // namespace peerlab::bitcoin
