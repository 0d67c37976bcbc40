// JSON for every file and text form peerlab reads or writes, on nlohmann-json: documents are
// `Json` (nlohmann::ordered_json, members kept in the order inserted), parsed by ParseJson and
// written by DumpJson. DumpJson is ours rather than nlohmann's dump() because peerlab's bytes
// are fixed by its held digests and golden files: numbers in the shortest form that reads back
// to the same double (std::to_chars: "0.1", "1e+21", "5" for 5.0), non-finite doubles as null,
// and the string escaping each format documents (JsonFormat::Strings).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "peerlab/util/status.hpp"

namespace peerlab {

using Json = nlohmann::ordered_json;

struct JsonFormat {
  // Pretty: two-space indentation, one member or element a line, ": " after keys. Otherwise
  // no whitespace at all.
  bool pretty = true;
  // When pretty, containers this deep (the top value is depth 0) go on one line, members
  // separated by ", " and keys by ": " (explore.json's failures; 0: the whole value).
  int one_line_depth = 1 << 30;
  enum class Strings {
    // '"', '\\', \n, \r and \t escaped, other control bytes as \u00XX, the rest verbatim
    // (UTF-8 passes through as it is). The run directory's files.
    kShortControl,
    // '"' and '\\' escaped, every control byte as \u00XX, the rest verbatim.
    kHexControl,
    // Every byte outside printable ASCII (below 0x20, or 0x7f and above) as \u00XX, so any
    // byte string survives and reads back as Latin-1 (the wire text form, docs/wire-format.md).
    kBytesAsLatin1,
  };
  Strings strings = Strings::kShortControl;
};

// The text of `value` (no trailing newline). A binary value holds JSON text that is copied
// verbatim (RawJson), so a document can embed an already-written one byte for byte.
std::string DumpJson(const Json& value, const JsonFormat& format = {});

// A value DumpJson writes as exactly `json_text` (which must be one valid JSON value).
Json RawJson(std::string_view json_text);

// The shortest text that reads back to the same double (std::to_chars), e.g. "0.1", "1e-07",
// "1e+21", "-0", "5" for 5.0. Finite values only.
std::string FormatDouble(double value);

// One JSON document. Duplicate keys and nesting deeper than `max_depth` are errors, as are
// comments and anything after the value. The message says where, e.g.
// "line 1, column 18: syntax error while parsing object - unexpected end of input; expected '}'".
Result<Json> ParseJson(std::string_view text, int max_depth = 64);

}  // namespace peerlab
