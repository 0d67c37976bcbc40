// `peerlab wire`: a thin CLI over protocol/wire. Decode streams its input and prints one JSON
// object per framed message as soon as the frame is complete, and keeps going past per-frame
// errors (bad checksum, bad command, undecodable payload) because the frame boundary is still
// known; it stops at a bad magic or oversize length, where it is not. Encode is all-or-nothing: any bad line writes no bytes.
#include "peerlab/commands/wire_tool.hpp"

#include "wire_chain.hpp"

#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/cli/cli.hpp"
#include "peerlab/wire_json/json.hpp"

namespace peerlab::commands {

namespace {

namespace wire = peerlab::bitcoin::wire;

constexpr int kExitBadInput = cli::kExitUsage;
// One JSON line of `wire encode`: a block at the 4,000,000-byte payload limit is 8 MB of hex,
// plus its fields.
constexpr std::size_t kMaxEncodeLine = std::size_t{16} << 20;

constexpr const char* kWireDescription =
    "Bitcoin P2P messages (v1 framing) to JSON lines and back, and real blocks of built-in "
    "chains (docs/wire-format.md).";

constexpr const char* kDecodeDescription =
    R"(Reads a raw P2P byte stream (several framed messages in a row) from FILE or stdin and prints
one JSON object per message: {"command", "checksum_ok", "length", then the decoded fields}.
Hashes are in Bitcoin's display (reversed) hex order, amounts are integers (satoshis),
scripts and raw bytes are hex. A message whose payload does not decode is printed with
"error" and its raw "payload" instead of fields.)";

constexpr const char* kDecodeFooter =
    R"(Each bad message also gives one line on stderr, e.g.
  peerlab wire decode: message 3 at byte 1234: bad checksum
Decoding continues after a bad checksum, bad command or bad payload; it stops at a bad magic
or an oversize length (> 4,000,000 bytes). The input is streamed: each message is printed as
soon as it is complete, and only one frame is held in memory. Exit status: 0 all good, 2 any
error.)";

constexpr const char* kEncodeDescription =
    R"(Reads JSON objects, one per line (the format `peerlab wire decode` prints; "checksum_ok",
"length", "hash", "txid", "wtxid" and "error" are ignored), and writes the framed messages
to stdout as binary, or as one line of hex with --hex. A line with "payload" (hex) is sent
with exactly that payload, whatever its command. Blank lines are skipped; a line may be at
most 16 MiB.)";

constexpr const char* kEncodeFooter =
    R"(Errors name the line and the field, e.g.
  peerlab wire encode: line 2: inputs[0].script_sig: expected a hex string
and nothing is written. Exit status: 0 ok, 2 bad input.)";

struct Options {
  std::string file = "-";
  bool hex = false;
  std::string magic_name = "mainnet";
  wire::Magic magic = wire::kMagicMainnet;
};

// FILE, --hex and --magic, the same for decode and encode.
void AddStreamOptions(CLI::App& sub, Options& opt, const char* hex_help) {
  sub.add_option("FILE", opt.file, "input file; - or none: stdin");
  sub.add_flag("--hex", opt.hex, hex_help);
  sub.add_option("--magic", opt.magic_name,
                 "network magic: mainnet (default), testnet3, regtest, signet, or 8 hex "
                 "digits in wire order, e.g. f9beb4d9")
      ->type_name("NAME|HEX")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            return wire::ParseMagic(text)
                       ? std::string()
                       : "expected mainnet, testnet3, regtest, signet or 8 hex digits, got '" +
                             text + "'";
          },
          ""));
}

// Opens FILE ("-": stdin) for streaming; null after printing the error.
std::FILE* OpenInput(const std::string& file, const char* prog) {
  if (file == "-") return stdin;
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "%s: %s: cannot open: %s\n", prog, file.c_str(), std::strerror(errno));
  }
  return f;
}

struct InputCloser {
  std::FILE* f;
  ~InputCloser() {
    if (f != nullptr && f != stdin) std::fclose(f);
  }
};

// Streams the input in fixed chunks: nothing but the current frame (at most the 4 MB payload
// limit) is ever buffered, so an endless input such as /dev/zero costs no memory and ends at
// its first header (bad magic).
class ChunkReader {
 public:
  explicit ChunkReader(std::FILE* f) : f_(f) {}
  // The next chunk, empty at the end of the input; false on a read error.
  bool Next(std::span<const std::uint8_t>& chunk) {
    const std::size_t n = std::fread(buf_, 1, sizeof(buf_), f_);
    if (n == 0 && std::ferror(f_) != 0) return false;
    chunk = std::span<const std::uint8_t>(buf_, n);
    return true;
  }

 private:
  std::FILE* f_;
  std::uint8_t buf_[65536];
};

// Hex text to bytes, chunk by chunk: whitespace is skipped and a digit pair may straddle two
// chunks (the odd digit waits for the next one); the digits themselves go to wire::FromHex.
class HexStream {
 public:
  // False at a character that is neither a hex digit nor whitespace.
  bool Convert(std::span<const std::uint8_t> text, std::vector<std::uint8_t>& out) {
    for (std::uint8_t c : text) {
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') digits_ += static_cast<char>(c);
    }
    const std::size_t even = digits_.size() & ~std::size_t{1};
    if (!wire::FromHex(std::string_view(digits_).substr(0, even), out)) return false;
    digits_.erase(0, even);
    return true;
  }
  bool odd() const { return !digits_.empty(); }

 private:
  std::string digits_;  // at most one chunk's digits at a time
};

int Decode(const Options& opt) {
  const char* prog = "peerlab wire decode";
  std::FILE* in = OpenInput(opt.file, prog);
  if (in == nullptr) return kExitBadInput;
  InputCloser closer{in};
  ChunkReader reader(in);
  HexStream hex;
  std::vector<std::uint8_t> converted;

  wire::FrameDecoder decoder(opt.magic);
  wire::Message message;
  std::uint64_t index = 0;
  bool errors = false;
  std::string out;
  auto report = [&](std::uint64_t n, std::uint64_t at, const std::string& what) {
    std::fprintf(stderr, "%s: message %llu at byte %llu: %s\n", prog, static_cast<unsigned long long>(n),
                 static_cast<unsigned long long>(at), what.c_str());
    errors = true;
  };
  auto not_hex = [&] {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: input is not hex (expected an even number of hex digits)\n", prog);
    return kExitBadInput;
  };
  // Decodes every whole frame in `rest`; false once the stream has a fatal error.
  auto consume = [&](std::span<const std::uint8_t> rest) {
    while (true) {
      if (!decoder.ReceivedBytes(rest)) {
        const auto e = decoder.error();
        std::string what(wire::FrameErrorName(e));
        if (e == wire::FrameError::kOversize) {
          what += " " + std::to_string(decoder.frame().length) + " (max " + std::to_string(wire::kMaxPayloadBytes) + ")";
        }
        report(index + 1, decoder.frame_offset(), what + "; stopping");
        return false;
      }
      if (!decoder.FrameComplete()) return true;  // rest is used up: read more
      ++index;
      const wire::ReceivedFrame& f = decoder.frame();
      const wire::JsonFrameInfo info{f.checksum_ok, f.length};
      if (f.error == wire::FrameError::kBadCommand) {
        report(index, decoder.frame_offset(), "bad command");
        out = wire::UndecodedToJson(f.command, info, "bad command", f.payload);
      } else {
        if (!f.checksum_ok) report(index, decoder.frame_offset(), "bad checksum");
        const Status s = wire::DecodeInto(f.command, f.payload, message);
        if (s.ok()) {
          out = wire::MessageToJson(message, &info);
        } else {
          report(index, decoder.frame_offset(), s.message());
          out = wire::UndecodedToJson(f.command, info, s.message(), f.payload);
        }
      }
      out += '\n';
      std::fwrite(out.data(), 1, out.size(), stdout);
      decoder.NextFrame();
    }
  };

  bool fatal = false;
  while (!fatal) {
    std::span<const std::uint8_t> chunk;
    if (!reader.Next(chunk)) {
      std::fflush(stdout);
      std::fprintf(stderr, "%s: %s: read error: %s\n", prog, opt.file.c_str(), std::strerror(errno));
      return kExitBadInput;
    }
    if (chunk.empty()) break;
    if (opt.hex) {
      if (!hex.Convert(chunk, converted)) return not_hex();
      chunk = converted;
    }
    fatal = !consume(chunk);
  }
  if (!fatal) {
    if (opt.hex && hex.odd()) return not_hex();
    if (decoder.offset() != decoder.frame_offset()) {
      report(index + 1, decoder.frame_offset(),
             "truncated: the stream ends " + std::to_string(decoder.offset() - decoder.frame_offset()) +
                 " bytes into the frame");
    }
  }
  std::fflush(stdout);
  return errors ? kExitBadInput : 0;
}

int Encode(const Options& opt) {
  const char* prog = "peerlab wire encode";
  std::FILE* in = OpenInput(opt.file, prog);
  if (in == nullptr) return kExitBadInput;
  InputCloser closer{in};
  std::vector<std::uint8_t> bytes;
  bool errors = false;
  std::string line;
  for (std::uint64_t n = 1;; ++n) {
    // Read one line, never more than kMaxEncodeLine bytes of it (/dev/zero has no newline).
    line.clear();
    int c = 0;
    while ((c = std::getc(in)) != EOF && c != '\n') {
      if (line.size() == kMaxEncodeLine) {
        std::fprintf(stderr, "%s: line %llu: longer than %zu bytes\n", prog,
                     static_cast<unsigned long long>(n), kMaxEncodeLine);
        return kExitBadInput;
      }
      line += static_cast<char>(c);
    }
    if (c == EOF && std::ferror(in) != 0) {
      std::fprintf(stderr, "%s: %s: read error: %s\n", prog, opt.file.c_str(), std::strerror(errno));
      return kExitBadInput;
    }
    if (c == EOF && line.empty()) break;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto m = wire::MessageFromJson(line);
    if (!m.ok()) {
      std::fprintf(stderr, "%s: line %llu: %s\n", prog, static_cast<unsigned long long>(n),
                   m.status().message().c_str());
      errors = true;
      continue;
    }
    wire::EncodeFrame(opt.magic, *m, bytes);
    if (bytes.size() > (1u << 30)) {
      std::fprintf(stderr, "%s: line %llu: output above 1 GiB\n", prog, static_cast<unsigned long long>(n));
      return kExitBadInput;
    }
  }
  if (errors) return kExitBadInput;
  if (opt.hex) {
    const std::string hex = wire::ToHex(bytes) + "\n";
    std::fwrite(hex.data(), 1, hex.size(), stdout);
  } else {
    std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace

int WireMain(int argc, char** argv) {
  CLI::App app{kWireDescription, "peerlab wire"};
  cli::Configure(app, "Run `peerlab wire SUBCOMMAND --help` for a subcommand's options.");
  app.require_subcommand(1);
  Options decode_opt;
  CLI::App* decode = app.add_subcommand("decode", kDecodeDescription);
  decode->footer(kDecodeFooter);
  AddStreamOptions(*decode, decode_opt, "the input is hex text (whitespace ignored) instead of binary");
  Options encode_opt;
  CLI::App* encode = app.add_subcommand("encode", kEncodeDescription);
  encode->footer(kEncodeFooter);
  AddStreamOptions(*encode, encode_opt, "write hex text instead of binary");
  MineArgs mine_args;
  CLI::App* mine = AddMineCommand(app, mine_args);
  CheckBlockArgs check_args;
  AddCheckBlockCommand(app, check_args);

  CLI::App* help = app.add_subcommand("help", "this help (as --help)");
  const std::string help_text = app.help();

  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  if (help->parsed()) {
    std::fputs(help_text.c_str(), stdout);
    return 0;
  }
  if (decode->parsed() || encode->parsed()) {
    Options& opt = decode->parsed() ? decode_opt : encode_opt;
    opt.magic = *wire::ParseMagic(opt.magic_name);  // validated while parsing
    return decode->parsed() ? Decode(opt) : Encode(opt);
  }
  return mine->parsed() ? Mine(mine_args) : CheckBlocks(check_args);
}

}  // namespace peerlab::commands
