// The edge-list topology reader. The file is streamed in fixed chunks (no line is ever held
// whole, so a file of one endless line costs no memory) after InputFile refused anything but a
// regular file within kMaxEdgeListBytes. Duplicates are found by sorting at the end rather
// than by scanning adjacency lists, which costs O(degree) per line on dense graphs.
#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "peerlab/sim/topology.hpp"
#include "peerlab/util/input_file.hpp"

namespace peerlab::sim {
namespace {

// Longest token shown in an error, and longer than any valid index (u32 has 10 digits).
constexpr std::size_t kMaxShownToken = 24;

bool IsSeparator(char c) { return c == ' ' || c == '\t' || c == ',' || c == '\r'; }

// A token as the user typed it, safe for a one-line error.
std::string Shown(const std::string& token, bool cut) {
  std::string out = "`";
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7f ? '?' : c;
  }
  return out + (cut ? "...`" : "`");
}

// Where each edge came from, to name the line of a duplicate.
struct Seen {
  std::uint64_t key;  // (min << 32) | max: the unordered pair
  std::uint32_t line;
  std::uint32_t column;
};

class Reader {
 public:
  explicit Reader(std::uint32_t nodes) : nodes_(nodes) {}

  // Feeds a chunk; false once an error is recorded.
  bool Feed(const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (!Char(data[i])) return false;
    }
    return true;
  }

  // End of input: the last line may lack its newline.
  bool Finish() { return Char('\n'); }

  std::vector<Edge> edges;
  std::vector<Seen> seen;
  EdgeListError error;

 private:
  bool Char(char c) {
    if (c == '\n') {
      const bool ok = EndToken() && EndLine();
      ++line_;
      column_ = 0;
      comment_ = false;
      return ok;
    }
    ++column_;
    if (comment_) return true;
    if (c == '#') {
      comment_ = true;
      return EndToken();
    }
    if (IsSeparator(c)) return EndToken();
    if (token_.empty() && !token_cut_) token_column_ = column_;
    if (token_.size() < kMaxShownToken) {
      token_ += c;
    } else {
      token_cut_ = true;
    }
    return true;
  }

  bool EndToken() {
    if (token_.empty()) return true;
    const std::string token = std::move(token_);
    const bool cut = token_cut_;
    token_.clear();
    token_cut_ = false;
    if (found_ == 2) return Fail(token_column_, "expected two node indices, found a third");
    const bool digits =
        std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      const bool negative = token.size() > 1 && token[0] == '-' &&
                            std::all_of(token.begin() + 1, token.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
      return Fail(token_column_, negative ? "node index must not be negative, got " +
                                                Shown(token, cut)
                                          : "expected a node index (an integer from 0), got " +
                                                Shown(token, cut));
    }
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), id);
    if (cut || ec != std::errc() || end != token.data() + token.size() || id >= nodes_) {
      return Fail(token_column_, "node index " + Shown(token, cut) +
                                     " out of range (network has " + std::to_string(nodes_) +
                                     " nodes, indices 0.." + std::to_string(nodes_ - 1) + ")");
    }
    if (found_ == 0) first_column_ = token_column_;
    ids_[found_++] = static_cast<std::uint32_t>(id);
    return true;
  }

  bool EndLine() {
    const int found = std::exchange(found_, 0);
    if (found == 0) return true;
    if (found == 1) return Fail(first_column_, "expected two node indices, found one");
    const std::uint32_t a = ids_[0];
    const std::uint32_t b = ids_[1];
    if (a == b) return Fail(first_column_, "a node cannot connect to itself");
    edges.push_back({a, b});
    const std::uint64_t key = (static_cast<std::uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
    seen.push_back({key, static_cast<std::uint32_t>(line_), first_column_});
    return true;
  }

  bool Fail(std::uint32_t column, std::string message) {
    error.line = line_;
    error.column = column;
    error.message = std::move(message);
    return false;
  }

  std::uint32_t nodes_;
  // Lines fit: the file size bound keeps them below 2^32.
  std::uint64_t line_ = 1;
  std::uint32_t column_ = 0;
  bool comment_ = false;
  std::string token_;
  bool token_cut_ = false;
  std::uint32_t token_column_ = 0;
  int found_ = 0;
  std::uint32_t ids_[2] = {0, 0};
  std::uint32_t first_column_ = 0;
};

// The earliest line that repeats a connection made on an earlier line, if any.
std::optional<EdgeListError> FirstDuplicate(std::vector<Seen> seen) {
  std::sort(seen.begin(), seen.end(), [](const Seen& x, const Seen& y) {
    return x.key != y.key ? x.key < y.key : x.line < y.line;
  });
  std::optional<EdgeListError> first;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    if (seen[i].key != seen[i - 1].key) continue;
    // Within a key the lines ascend, so only the first repeat of each key can be earliest.
    if (i >= 2 && seen[i - 2].key == seen[i].key) continue;
    if (!first || seen[i].line < first->line) {
      first = EdgeListError{seen[i].line, seen[i].column,
                            "duplicate connection (line " + std::to_string(seen[i - 1].line) +
                                " already connects these nodes)"};
    }
  }
  return first;
}

}  // namespace

Result<std::vector<Edge>> EdgeListTopology(const std::string& path, std::uint32_t nodes,
                                           EdgeListError* error) {
  auto fail = [&](EdgeListError e) -> Result<std::vector<Edge>> {
    std::string where = path + ":";
    if (e.line > 0) where += std::to_string(e.line) + ":" + std::to_string(e.column) + ":";
    std::string message = where + " " + e.message;
    if (error != nullptr) *error = std::move(e);
    return Status::Error(std::move(message));
  };
  auto file = InputFile::Open(path, kMaxEdgeListBytes);
  if (!file.ok()) return fail({0, 0, "cannot read edge list: " + file.status().message()});
  Reader reader(nodes);
  char buf[65536];
  bool ok = true;
  while (ok) {
    auto got = file->Read(buf, sizeof(buf));
    if (!got.ok()) return fail({0, 0, "cannot read edge list: " + got.status().message()});
    if (*got == 0) {
      ok = reader.Finish();
      break;
    }
    ok = reader.Feed(buf, *got);
  }
  // A repeat before the first other error is the first problem in the file.
  auto duplicate = FirstDuplicate(std::move(reader.seen));
  if (duplicate && (ok || duplicate->line < reader.error.line)) return fail(*duplicate);
  if (!ok) return fail(std::move(reader.error));
  if (reader.edges.empty()) {
    return fail({0, 0, "no connections (expected lines `FROM TO` of 0-based node indices)"});
  }
  return std::move(reader.edges);
}

}  // namespace peerlab::sim
