// CsvReader: reads a table by the column names in its header (tables.hpp declares them), so a
// reader finds its columns wherever they stand and skips the ones it does not know (the
// testbed's nodes.csv has more than a simulated run's).
//
// Lines are split at commas and each field is trimmed of blanks, tabs and '\r'; quotes are not
// undone (peerlab's tables hold ids, numbers and scenario names, which carry no commas or
// quotes). Blank lines are skipped; the first other line is the header. Every error is one
// line naming the table and the line: `nodes.csv:1: header lacks column `online``,
// `nodes.csv:7: expected 6 columns, got "3,eu"`.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/util/status.hpp"

namespace peerlab::results {

// `s` without leading and trailing blanks, tabs and '\r'.
std::string_view TrimBlanks(std::string_view s);
// Fields of one CSV line, trimmed.
std::vector<std::string_view> SplitCsvLine(std::string_view line);
// `s` in double quotes for an error message, cut after 60 characters with "...".
std::string QuotedExcerpt(std::string_view s);

class CsvReader {
 public:
  // `text` is the whole table and must outlive the reader; `name` labels errors; `required`
  // are the columns the caller reads (the header must name each; its other columns are
  // ignored), must outlive the reader too (a table's constexpr kColumns does).
  CsvReader(std::string_view text, std::string name, std::span<const std::string_view> required);

  // Moves to the next row: true when there is one; false at the end or on an error
  // (then status() says which).
  bool Next();
  const Status& status() const { return status_; }

  // Field `i` of `required` in the current row.
  std::string_view operator[](std::size_t i) const { return fields_[column_[i]]; }
  // The current row, trimmed, and "NAME:LINE: " for the caller's own errors about it.
  std::string_view line() const { return line_; }
  std::string Where() const;

 private:
  bool NextLine();
  std::string_view text_;
  std::string name_;
  std::span<const std::string_view> required_;
  std::vector<std::size_t> column_;  // per required column: its index in the header
  std::size_t columns_ = 0;          // header width
  bool have_header_ = false;
  std::size_t offset_ = 0;
  std::size_t line_number_ = 0;
  std::string_view line_;
  std::vector<std::string_view> fields_;
  Status status_ = Status::Ok();
};

}  // namespace peerlab::results
