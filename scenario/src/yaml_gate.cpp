#include "yaml_gate.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace peerlab::scenario::detail {
namespace {

// yaml-cpp marks count bytes from 0; so do these, which keeps gate and parser positions equal.
YAML::Mark MarkAt(const std::string& text, std::size_t pos) {
  YAML::Mark m;
  m.pos = static_cast<int>(pos);
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++m.line;
      m.column = 0;
    } else {
      ++m.column;
    }
  }
  return m;
}

// YAML allows tab, line feed and carriage return among the C0 controls, and no DEL; yaml-cpp
// would instead read a NUL as an escape or the end of the input and misplace the error.
std::optional<GateFailure> CheckBytes(const std::string& text) {
  YAML::Mark m;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == '\n') {
      ++m.line;
      m.column = 0;
      continue;
    }
    if (b == 0) {
      m.pos = static_cast<int>(i);
      return GateFailure{m, "NUL byte: this is not a text file (scenarios are UTF-8 text)"};
    }
    if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f) {
      char buf[96];
      std::snprintf(buf, sizeof(buf),
                    "control character 0x%02x is not allowed (only tab and line breaks)", b);
      m.pos = static_cast<int>(i);
      return GateFailure{m, buf};
    }
    ++m.column;
  }
  return std::nullopt;
}

// Thrown from the handler to end the event pass early; never leaves this file.
struct StopPass {};

// Counts and bounds the nodes of the first document the way the converter in tree.cpp does
// (mapping keys are not counted, every node is depth-checked), and notes where a second
// document starts. Stopping at the first node past a limit keeps yaml-cpp's own recursion and
// token queue short.
class GateHandler : public YAML::EventHandler {
 public:
  explicit GateHandler(const std::string& text) : text_(text) {}

  std::optional<GateFailure> failure;
  std::vector<YAML::Mark> document_starts;
  std::optional<YAML::Mark> last_scalar;  // of the first document

  void OnDocumentStart(const YAML::Mark&) override { pending_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { OnNode(m, Kind::kLeaf); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { OnNode(m, Kind::kLeaf); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    OnNode(m, Kind::kLeaf);
    last_scalar = m;
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value style) override {
    OnNode(m, Kind::kSequence, style == YAML::EmitterStyle::Flow);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    OnNode(m, Kind::kMapping, style == YAML::EmitterStyle::Flow);
  }
  void OnMapEnd() override { Close(); }

 private:
  enum class Kind { kLeaf, kSequence, kMapping };
  struct Open {
    bool mapping;
    bool flow;
    bool pair;  // `[a: b]`'s implicit one-pair mapping, which has no bracket of its own
    std::size_t children;
    YAML::Mark mark;
  };

 public:
  // The innermost open `[` (or `{`) when the text ends inside it: yaml-cpp reports that error
  // at 1:1, which points nowhere useful.
  std::optional<YAML::Mark> InnermostFlow(bool mapping) const {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (it->flow && !it->pair && it->mapping == mapping) return it->mark;
    }
    return std::nullopt;
  }

 private:
  void OnNode(const YAML::Mark& m, Kind kind, bool flow = false) {
    if (pending_) {
      pending_ = false;
      document_starts.push_back(m);
      // Only the first document is loaded; the second only needs to be found.
      if (document_starts.size() > 1) throw StopPass{};
    }
    const bool key = !open_.empty() && open_.back().mapping && open_.back().children % 2 == 0;
    if (!open_.empty()) ++open_.back().children;
    if (!key && ++count_ > kMaxYamlNodes) Fail(m, kYamlTooLarge);
    if (depth_ > kMaxYamlDepth) Fail(m, kYamlTooDeep);
    if (kind == Kind::kLeaf) return;
    // While a `[` is unclosed yaml-cpp reads each item as the key of such a pair, which would
    // double the depth of `[[[` and blame nesting instead of the missing `]`.
    const bool pair = kind == Kind::kMapping && !open_.empty() && open_.back().flow &&
                      !open_.back().mapping && m.pos >= 0 &&
                      static_cast<std::size_t>(m.pos) < text_.size() && text_[m.pos] != '{';
    open_.push_back(Open{kind == Kind::kMapping, flow, pair, 0, m});
    if (!pair) ++depth_;
  }

  void Close() {
    if (!open_.back().pair) --depth_;
    open_.pop_back();
  }

  [[noreturn]] void Fail(const YAML::Mark& m, const char* message) {
    failure = GateFailure{m, message};
    throw StopPass{};
  }

  const std::string& text_;
  bool pending_ = false;
  std::size_t count_ = 0;
  int depth_ = 0;  // open collections, not counting one-pair mappings
  std::vector<Open> open_;
};

// yaml-cpp runs a quoted string that never closes to the end of the input and accepts it,
// so the real error surfaces far away ("stop: required key is missing"). Such a string is
// necessarily the document's last scalar: scan it with YAML's quoting rules.
std::optional<GateFailure> Unterminated(const std::string& text, const YAML::Mark& start) {
  if (start.pos < 0) return std::nullopt;
  auto pos = static_cast<std::size_t>(start.pos);
  // The mark is where the node starts, before any `&anchor` or `!tag`.
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '&' || c == '!') {
      while (pos < text.size() && text[pos] != ' ' && text[pos] != '\t' && text[pos] != '\n' &&
             text[pos] != '\r') {
        ++pos;
      }
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++pos;
    } else {
      break;
    }
  }
  if (pos >= text.size()) return std::nullopt;
  const char quote = text[pos];
  if (quote != '"' && quote != '\'') return std::nullopt;
  for (std::size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character cannot close the string
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a quote inside a single-quoted string
      } else {
        return std::nullopt;
      }
    }
  }
  return GateFailure{MarkAt(text, pos), std::string("unterminated quoted string (no closing ") +
                                            quote + " before the end of the file)"};
}

}  // namespace

std::optional<GateFailure> GateYaml(const std::string& text) {
  if (auto bad = CheckBytes(text)) return bad;
  std::stringstream stream(text);
  YAML::Parser parser(stream);
  GateHandler handler(text);
  try {
    // At most two documents: yaml-cpp 0.7 can emit empty documents forever without consuming
    // input (a leading `,`; yaml-cpp issue #1040), so the loop must be bounded.
    for (int i = 0; i < 2 && parser.HandleNextDocument(handler); ++i) {
    }
  } catch (const StopPass&) {
  } catch (const YAML::ParserException& e) {
    const bool seq = e.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW;
    // Only at the end of the input is the mark useless (the line after the last, column 1);
    // elsewhere it is on the offending token.
    if ((!seq && e.msg != YAML::ErrorMsg::END_OF_MAP_FLOW) ||
        static_cast<std::size_t>(std::max(e.mark.pos, 0)) < text.size()) {
      throw;
    }
    const auto open = handler.InnermostFlow(!seq);
    if (!open) throw;
    return GateFailure{*open, std::string("this `") + (seq ? "[" : "{") + "` is never closed (no `" +
                                  (seq ? "]" : "}") + "` before the end of the file)"};
  }
  if (handler.failure) return handler.failure;
  const auto& starts = handler.document_starts;
  if (starts.size() >= 2) {
    const YAML::Mark& a = starts[0];
    const YAML::Mark& b = starts[1];
    if (a.pos == b.pos && a.line == b.line && a.column == b.column) {
      return GateFailure{b, "unexpected character"};  // the stuck parser above
    }
    return GateFailure{b, "expected a single document, found a second one"};
  }
  if (handler.last_scalar) return Unterminated(text, *handler.last_scalar);
  return std::nullopt;
}

}  // namespace peerlab::scenario::detail
