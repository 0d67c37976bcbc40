// `peerlab wire mine` and `peerlab wire check-block`: real blocks of a chain (chain_params.hpp)
// as hex, one per line, for cross-checks against other implementations (python-bitcoinlib,
// litecoind's submitblock and getblock; tests/python/test_chain_interop.py).
#include "wire_chain.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/bitcoin/block_check.hpp"
#include "peerlab/cli/cli.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/chain_params.hpp"
#include "peerlab/bitcoin/mining.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab::commands {
namespace {

namespace bitcoin = peerlab::bitcoin;
constexpr int kExitBadInput = cli::kExitUsage;

constexpr const char* kMineDescription =
    R"(Mines N real blocks on the chain's genesis, each on the previous one, and prints each
serialized block as one line of hex: a coinbase with the BIP34 height and the height's subsidy
paid to SCRIPT, the chain's bits, a nonce ground until the proof of work passes. Block i gets
header time T + 60*i.)";

constexpr const char* kCheckDescription =
    R"(Reads serialized blocks as hex, one per line, and prints one JSON object per block:
{"hash", "pow_hash", "pow_ok", "body_ok", "reserialized", "error"}: the proof of work checked
with the chain's function (scrypt on litecoin-regtest), the merkle root and witness
commitment recomputed against the header, and the block re-serialized to the same bytes.)";

// --chain: a name FindChainParams knows, checked while parsing so that a typo is misuse.
CLI::Validator KnownChain() {
  return CLI::Validator(
      [](std::string& name) -> std::string {
        auto chain = bitcoin::FindChainParams(name);
        return chain.ok() ? std::string() : chain.status().message();
      },
      "");
}

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

}  // namespace

CLI::App* AddMineCommand(CLI::App& wire, MineArgs& args) {
  CLI::App* mine = wire.add_subcommand("mine", kMineDescription);
  mine->footer("Exit status: 0 ok, 1 mining failed, 2 bad input.");
  mine->add_option("--chain", args.chain,
                   "peerlab-sim, litecoin-regtest or bitcoin-regtest")
      ->type_name("NAME")
      ->required()
      ->check(KnownChain());
  mine->add_option("--blocks", args.blocks, "blocks to mine, 0 to 100000 (default 1)")
      ->type_name("N")
      ->check(cli::Unsigned(0, 100'000));
  mine->add_option("--time", args.time, "header time base in Unix seconds (default: the "
                                        "genesis time)")
      ->type_name("T")
      ->check(cli::Integer(0, UINT32_MAX));
  mine->add_option("--script", args.script_hex,
                   "the coinbase output script (default 51, OP_TRUE)")
      ->type_name("HEX")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            std::vector<std::uint8_t> bytes;
            return ParseHex(text, bytes) ? std::string() : "expected hex bytes, got '" + text + "'";
          },
          ""));
  return mine;
}

CLI::App* AddCheckBlockCommand(CLI::App& wire, CheckBlockArgs& args) {
  CLI::App* check = wire.add_subcommand("check-block", kCheckDescription);
  check->footer("Exit status: 0 when every block passes, 2 otherwise (or bad input).");
  check->add_option("FILE", args.file, "hex blocks, one per line; - or none: stdin");
  check->add_option("--chain", args.chain,
                    "peerlab-sim, litecoin-regtest or bitcoin-regtest")
      ->type_name("NAME")
      ->required()
      ->check(KnownChain());
  return check;
}

int Mine(const MineArgs& args) {
  const bitcoin::ChainParams* chain = *bitcoin::FindChainParams(args.chain);
  const std::uint32_t blocks = args.blocks;
  const std::int64_t time = args.time;
  std::vector<std::uint8_t> script;
  ParseHex(args.script_hex, script);  // validated while parsing
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

int CheckBlocks(const CheckBlockArgs& args) {
  const bitcoin::ChainParams* chain = *bitcoin::FindChainParams(args.chain);
  const std::string& file = args.file;
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

}  // namespace peerlab::commands
