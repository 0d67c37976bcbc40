#include "peerlab/results/csv.hpp"

#include "peerlab/util/json.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::results {

CsvWriter::CsvWriter(const std::vector<std::string>& columns) : columns_(columns.size()) {
  for (const auto& c : columns) Field(c);
  EndRow();
}

CsvWriter::CsvWriter(std::span<const std::string_view> columns, HeaderMode mode)
    : columns_(columns.size()) {
  if (mode == kNoHeader) return;
  for (std::string_view c : columns) Field(c);
  EndRow();
}

void CsvWriter::Separator() {
  PEERLAB_ASSERT(in_row_ < columns_);
  if (in_row_ > 0) out_.push_back(',');
  ++in_row_;
}

CsvWriter& CsvWriter::Field(std::string_view text) {
  Separator();
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out_ += text;
    return *this;
  }
  out_.push_back('"');
  for (char c : text) {
    if (c == '"') out_.push_back('"');
    out_.push_back(c);
  }
  out_.push_back('"');
  return *this;
}

CsvWriter& CsvWriter::Field(double value) {
  Separator();
  out_ += FormatDouble(value);
  return *this;
}

CsvWriter& CsvWriter::Field(const std::optional<std::uint32_t>& value) {
  if (value) return Field(static_cast<std::uint64_t>(*value));
  Separator();
  return *this;
}

CsvWriter& CsvWriter::Field(const std::optional<double>& value) {
  if (value) return Field(*value);
  Separator();
  return *this;
}

CsvWriter& CsvWriter::Field(std::int64_t value) {
  Separator();
  out_ += std::to_string(value);
  return *this;
}

CsvWriter& CsvWriter::Field(std::uint64_t value) {
  Separator();
  out_ += std::to_string(value);
  return *this;
}

void CsvWriter::EndRow() {
  PEERLAB_ASSERT(in_row_ == columns_);
  out_.push_back('\n');
  in_row_ = 0;
}

}  // namespace peerlab::results
