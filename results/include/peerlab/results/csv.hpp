// CsvWriter: RFC 4180 tables with a fixed header; empty fields mean "no value" (null).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace peerlab::results {

class CsvWriter {
 public:
  explicit CsvWriter(const std::vector<std::string>& columns);
  // `kNoHeader`: rows only (one row appended to an existing table; tables.hpp TableLine).
  enum HeaderMode { kHeader, kNoHeader };
  explicit CsvWriter(std::span<const std::string_view> columns, HeaderMode mode = kHeader);

  CsvWriter& Field(std::string_view text);
  CsvWriter& Field(double value);
  CsvWriter& Field(const std::optional<double>& value);
  CsvWriter& Field(std::int64_t value);
  CsvWriter& Field(std::uint64_t value);
  CsvWriter& Field(std::uint32_t value) { return Field(static_cast<std::uint64_t>(value)); }
  CsvWriter& Field(const std::optional<std::uint32_t>& value);  // empty when null
  CsvWriter& Field(bool value) { return Field(std::string_view(value ? "true" : "false")); }
  void EndRow();  // asserts the row has exactly one field per column

  const std::string& text() const { return out_; }

 private:
  void Separator();
  std::size_t columns_;
  std::size_t in_row_ = 0;
  std::string out_;
};

}  // namespace peerlab::results
