#include "peerlab/results/table_reader.hpp"

#include <algorithm>

namespace peerlab::results {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitCsvLine(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    const std::size_t length = comma == std::string_view::npos ? comma : comma - start;
    fields.push_back(TrimBlanks(line.substr(start, length)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string QuotedExcerpt(std::string_view s) {
  constexpr std::size_t kShown = 60;
  std::string out = "\"" + std::string(s.substr(0, kShown));
  if (s.size() > kShown) out += "...";
  return out + "\"";
}

CsvReader::CsvReader(std::string_view text, std::string name,
                     std::span<const std::string_view> required)
    : text_(text), name_(std::move(name)), required_(required), column_(required.size()) {}

std::string CsvReader::Where() const {
  return name_ + ":" + std::to_string(line_number_) + ": ";
}

bool CsvReader::NextLine() {
  while (offset_ < text_.size()) {
    std::size_t end = text_.find('\n', offset_);
    if (end == std::string_view::npos) end = text_.size();
    ++line_number_;
    line_ = TrimBlanks(text_.substr(offset_, end - offset_));
    offset_ = end + 1;
    if (!line_.empty()) return true;
  }
  return false;
}

bool CsvReader::Next() {
  if (!status_.ok()) return false;
  if (!have_header_) {
    if (!NextLine()) return false;
    have_header_ = true;
    fields_ = SplitCsvLine(line_);
    columns_ = fields_.size();
    for (std::size_t i = 0; i < required_.size(); ++i) {
      const auto found = std::find(fields_.begin(), fields_.end(), required_[i]);
      if (found == fields_.end()) {
        status_ = Status::Error(Where() + "header lacks column `" + std::string(required_[i]) + "`");
        return false;
      }
      column_[i] = static_cast<std::size_t>(found - fields_.begin());
    }
  }
  if (!NextLine()) return false;
  fields_ = SplitCsvLine(line_);
  if (fields_.size() != columns_) {
    status_ = Status::Error(Where() + "expected " + std::to_string(columns_) + " columns, got " +
                            QuotedExcerpt(line_));
    return false;
  }
  return true;
}

}  // namespace peerlab::results
