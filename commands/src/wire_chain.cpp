// `peerlab wire mine` and `peerlab wire check-block`: real blocks of a chain (chain_params.hpp)
// as hex, one per line, for cross-checks against other implementations (python-bitcoinlib,
// litecoind's submitblock and getblock; tests/python/test_chain_interop.py).
#include "peerlab/commands/wire_chain.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::commands {
namespace {

namespace bitcoin = peerlab::bitcoin;
constexpr int kExitBadInput = 2;

constexpr const char* kMineHelp = R"HELP(Usage: peerlab wire mine --chain NAME [--blocks N] [--time T] [--script HEX]

Mines N (default 1) real blocks on the chain's genesis, each on the previous one, and prints
each serialized block as one line of hex: a coinbase with the BIP34 height and the height's
subsidy paid to SCRIPT (default 51, OP_TRUE), the chain's bits, a nonce ground until the
proof of work passes. Block i gets header time T + 60*i (default T: the genesis time).
Chains: peerlab-sim, litecoin-regtest, bitcoin-regtest.
)HELP";

constexpr const char* kCheckHelp = R"HELP(Usage: peerlab wire check-block --chain NAME [FILE|-]

Reads serialized blocks as hex, one per line, and prints one JSON object per block:
{"hash", "pow_hash", "pow_ok", "body_ok", "reserialized", "error"}: the proof of work checked
with the chain's function (scrypt on litecoin-regtest), the merkle root and witness
commitment recomputed against the header, and the block re-serialized to the same bytes.
Exit status 0 when every block passes, 2 otherwise.
)HELP";

bool ParseHex(const std::string& text, std::vector<std::uint8_t>& out) {
  out.clear();
  std::string hex;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
  }
  if (hex.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &v) != 1) return false;
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return true;
}

std::string ToHex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

int Mine(int argc, char** argv) {
  const bitcoin::ChainParams* chain = nullptr;
  std::uint32_t blocks = 1;
  std::int64_t time = -1;
  std::vector<std::uint8_t> script;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kMineHelp, stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "peerlab wire mine: %s: missing value\n", arg.c_str());
      return kExitBadInput;
    }
    const std::string value = argv[++i];
    if (arg == "--chain") {
      auto c = bitcoin::FindChainParams(value);
      if (!c.ok()) {
        std::fprintf(stderr, "peerlab wire mine: --chain: %s\n", c.status().message().c_str());
        return kExitBadInput;
      }
      chain = *c;
    } else if (arg == "--blocks") {
      blocks = static_cast<std::uint32_t>(std::stoul(value));
    } else if (arg == "--time") {
      time = std::stoll(value);
    } else if (arg == "--script" && ParseHex(value, script)) {
    } else {
      std::fprintf(stderr, "peerlab wire mine: %s %s: not understood (see --help)\n",
                   arg.c_str(), value.c_str());
      return kExitBadInput;
    }
  }
  if (chain == nullptr) {
    std::fputs("peerlab wire mine: --chain is required (see --help)\n", stderr);
    return kExitBadInput;
  }
  const std::uint32_t base = time < 0 ? chain->genesis.time : static_cast<std::uint32_t>(time);
  bitcoin::BlockStore store(*chain);
  bitcoin::BlockHandle tip = bitcoin::kGenesis;
  for (std::uint32_t i = 1; i <= blocks; ++i) {
    bitcoin::RealBlockRequest r;
    r.parent = store.Get(tip).id;
    r.height = i;
    r.time = base + 60 * i;
    r.output_script = script;
    auto mined = bitcoin::MineRealBlock(*chain, r);
    if (!mined.ok()) {
      std::fprintf(stderr, "peerlab wire mine: %s\n", mined.status().message().c_str());
      return 1;
    }
    auto h = store.AddHeader(mined->block.header, *chain);
    if (!h.ok()) {
      std::fprintf(stderr, "peerlab wire mine: %s\n", h.status().message().c_str());
      return 1;
    }
    std::printf("%s\n", ToHex(mined->bytes).c_str());
    tip = *h;
  }
  return 0;
}

// One block's verdict as one JSON line, `{"key": value, ...}`.
void PrintLine(const Json& line) {
  std::fputs((DumpJson(line, {.pretty = true, .one_line_depth = 0}) + "\n").c_str(), stdout);
}

int CheckBlocks(int argc, char** argv) {
  const bitcoin::ChainParams* chain = nullptr;
  std::string file = "-";
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kCheckHelp, stdout);
      return 0;
    }
    if (arg == "--chain" && i + 1 < argc) {
      auto c = bitcoin::FindChainParams(argv[++i]);
      if (!c.ok()) {
        std::fprintf(stderr, "peerlab wire check-block: --chain: %s\n", c.status().message().c_str());
        return kExitBadInput;
      }
      chain = *c;
    } else {
      file = arg;
    }
  }
  if (chain == nullptr) {
    std::fputs("peerlab wire check-block: --chain is required (see --help)\n", stderr);
    return kExitBadInput;
  }
  std::ifstream in_file;
  if (file != "-") in_file.open(file);
  std::istream& in = file == "-" ? std::cin : in_file;
  if (!in) {
    std::fprintf(stderr, "peerlab wire check-block: cannot read %s\n", file.c_str());
    return kExitBadInput;
  }
  bool all_ok = true;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::uint8_t> bytes;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string error;
    bitcoin::wire::Block block;
    bool parsed = ParseHex(line, bytes);
    if (parsed) {
      bitcoin::wire::Reader r(bytes);
      parsed = block.Deserialize(r) && r.ExpectEnd();
      if (!parsed) error = r.status().message();
    } else {
      error = "not hex";
    }
    if (!parsed) {
      PrintLine(Json{{"error", error}});
      all_ok = false;
      continue;
    }
    const bool pow_ok = bitcoin::CheckProofOfWork(block.header, *chain);
    const Status body = bitcoin::CheckBlockBody(block, chain->segwit);
    std::vector<std::uint8_t> again;
    bitcoin::wire::Writer w(again);
    block.Serialize(w);
    const bool same = again == bytes;
    all_ok = all_ok && pow_ok && body.ok() && same;
    Json line = Json::object();
    line["hash"] = block.Id().ToHex();
    line["pow_hash"] = bitcoin::PowHash(block.header, *chain).ToHex();
    line["merkle_root"] = block.header.merkle_root.ToHex();
    line["pow_ok"] = pow_ok;
    line["body_ok"] = body.ok();
    line["reserialized"] = same;
    line["error"] = body.ok() ? Json(nullptr) : Json(body.message());
    PrintLine(line);
  }
  return all_ok ? 0 : kExitBadInput;
}

}  // namespace

int WireChainMain(int argc, char** argv) {
  const std::string sub = argv[2];
  return sub == "mine" ? Mine(argc, argv) : CheckBlocks(argc, argv);
}

}  // namespace peerlab::commands
