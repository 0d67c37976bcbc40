#include "peerlab/bitcoin/mining.hpp"

#include "peerlab/bitcoin/block_check.hpp"

namespace peerlab::bitcoin {

std::vector<std::uint8_t> HeightPush(std::uint32_t height) {
  if (height == 0) return {0x00};                                      // OP_0
  if (height <= 16) return {static_cast<std::uint8_t>(0x50 + height)};  // OP_1..OP_16
  std::vector<std::uint8_t> number;
  for (std::uint32_t v = height; v != 0; v >>= 8) number.push_back(static_cast<std::uint8_t>(v));
  if (number.back() & 0x80) number.push_back(0);  // keep it positive (CScriptNum's sign bit)
  std::vector<std::uint8_t> push = {static_cast<std::uint8_t>(number.size())};
  push.insert(push.end(), number.begin(), number.end());
  return push;
}

Result<RealBlock> MineRealBlock(const ChainParams& chain, const RealBlockRequest& request) {
  wire::Transaction coinbase;
  coinbase.version = 2;
  wire::TxIn in;
  in.prevout.index = 0xffffffff;  // null prevout: zero hash, index -1
  in.script_sig = HeightPush(request.height);
  // The extra nonce as a 4-byte push: also keeps the scriptSig at least 2 bytes (bad-cb-length).
  in.script_sig.push_back(4);
  for (int i = 0; i < 4; ++i) in.script_sig.push_back(static_cast<std::uint8_t>(request.extra_nonce >> (8 * i)));
  coinbase.inputs.push_back(std::move(in));
  wire::TxOut out;
  out.value = static_cast<std::int64_t>(BlockSubsidy(chain, request.height));
  if (request.output_script.empty()) {
    out.script_pubkey = {kOpTrue};
  } else {
    out.script_pubkey.assign(request.output_script.begin(), request.output_script.end());
  }
  coinbase.outputs.push_back(std::move(out));

  RealBlock result;
  wire::Block& block = result.block;
  block.txs.push_back(std::move(coinbase));
  block.header.version = 0x20000000;  // BIP9 top bits, no deployment signalled
  block.header.prev = request.parent;
  block.header.merkle_root = BlockMerkleRoot(block);
  block.header.time = request.time;
  block.header.bits = chain.bits;
  for (std::uint64_t nonce = 0; nonce <= UINT32_MAX; ++nonce) {
    block.header.nonce = static_cast<std::uint32_t>(nonce);
    ++result.tries;
    if (CheckProofOfWork(block.header, chain)) {
      wire::Writer w(result.bytes);
      block.Serialize(w);
      return result;
    }
  }
  return Status::Error("no nonce satisfies the target; change the time or extra nonce");
}

}  // namespace peerlab::bitcoin
