// The report page: the template (report/assets, compiled in) with the run's files embedded as
// data blocks. C++ only moves text here; the page's script parses and draws everything.
#include "peerlab/report/report.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>
#include <fstream>
#include <sstream>
#include <system_error>

#include "peerlab/report/assets.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/util/json.hpp"
#include "peerlab/util/markup.hpp"

namespace peerlab::report {

namespace fs = std::filesystem;

namespace {

// Template placeholders (report.html); each appears exactly once.
constexpr std::string_view kCssSlot = "/*@CSS@*/";
constexpr std::string_view kJsSlot = "/*@JS@*/";
constexpr std::string_view kDataSlot = "<!--@DATA@-->";
constexpr std::string_view kTitleSlot = "@TITLE@";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Script data ends at the first `</script` (any case), so no `<` may reach the page raw.
// JSON can hold `<` only inside strings, where `\u003c` means the same character: the text
// stays valid JSON that parses to the file's own values. Other files (CSV) holding a `<` have
// `\` written `\\` and `<` written `\l`, which the page's script undoes (data-escaped="1").
std::string EscapeJson(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

bool NeedsTextEscape(std::string_view text) { return text.find('<') != std::string_view::npos; }

std::string EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '<') {
      out += "\\l";
    } else {
      out += c;
    }
  }
  return out;
}

Status ReadWhole(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::Error(path.string() + ": read error");
  out = std::move(text).str();
  return Status::Ok();
}

// The template with each slot replaced, all found in the template itself (so text put in one
// slot is never searched for another); each slot must appear exactly once.
Result<std::string> FillTemplate(std::string_view page,
                                 std::vector<std::pair<std::string_view, std::string_view>> slots) {
  std::vector<std::pair<std::size_t, std::size_t>> at;  // (position in page, index in slots)
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::size_t pos = page.find(slots[i].first);
    if (pos == std::string_view::npos ||
        page.find(slots[i].first, pos + slots[i].first.size()) != std::string_view::npos) {
      return Status::Error("report template: placeholder " + std::string(slots[i].first) +
                           " must appear exactly once");
    }
    at.emplace_back(pos, i);
  }
  std::sort(at.begin(), at.end());
  std::string out;
  std::size_t from = 0;
  for (const auto& [pos, i] : at) {
    out.append(page.substr(from, pos - from));
    out.append(slots[i].second);
    from = pos + slots[i].first.size();
  }
  out.append(page.substr(from));
  return out;
}

// Written near the top of every page (report/assets/report.html), so that a page this command
// wrote can be told from any other file.
constexpr std::string_view kGeneratorTag = R"(<meta name="generator" content="peerlab report">)";

// A path this command may write: nothing there yet, or a page it wrote before. Anything else (a
// user's file given as --out, a directory) is refused, never replaced.
Status CheckReplaceable(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(path, ec);
  if (!fs::exists(status)) return Status::Ok();
  if (fs::is_directory(status)) return Status::Error(path.string() + ": is a directory");
  std::string head(512, '\0');
  if (fs::is_regular_file(status)) {
    std::ifstream in(path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (head.find(kGeneratorTag) != std::string::npos) return Status::Ok();
  }
  return Status::Error(path.string() +
                       ": exists and is not a page peerlab report wrote; not replacing it "
                       "(remove it or choose another --out)");
}

}  // namespace

const std::vector<std::string>& ReportedFiles() {
  static const std::vector<std::string> files = {
      std::string(results::kManifestFile),          std::string(results::summary::kFile),
      std::string(results::kAnalysisFile),          std::string(results::BlockRow::kFile),
      std::string(results::NodeRow::kFile),         std::string(results::EdgeRow::kFile),
      std::string(results::TransactionRow::kFile),  std::string(results::HeightRow::kFile),
      std::string(results::ReachRow::kFile)};
  return files;
}

Result<std::string> RenderReport(const fs::path& run_dir, const ReportOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) {
    return Status::Error(run_dir.string() + ": not a run directory (" +
                         (fs::exists(run_dir, ec) ? "not a directory" : "no such directory") + ")");
  }
  if (!fs::exists(run_dir / results::kManifestFile, ec) &&
      !fs::exists(run_dir / results::summary::kFile, ec)) {
    return Status::Error(run_dir.string() + ": not a run directory (neither " +
                         std::string(results::kManifestFile) + " nor " +
                         std::string(results::summary::kFile) + ")");
  }
  // What the page is told about each file: present and embedded, or too large.
  Json index = Json::object();
  std::string data;
  for (const std::string& name : ReportedFiles()) {
    const fs::path path = run_dir / name;
    if (!fs::is_regular_file(path, ec)) continue;
    const std::uintmax_t bytes = fs::file_size(path, ec);
    if (ec) return Status::Error(path.string() + ": " + ec.message());
    const bool embedded = bytes <= options.max_file_bytes;
    index[name] = Json{{"bytes", bytes}, {"embedded", embedded}};
    if (!embedded) continue;
    std::string text;
    if (Status s = ReadWhole(path, text); !s.ok()) return s;
    const bool json = EndsWith(name, ".json");
    const bool escaped = !json && NeedsTextEscape(text);
    data += "<script type=\"" + std::string(json ? "application/json" : "text/plain") +
            "\" class=\"run-file\" data-name=\"" + name + "\"" +
            (escaped ? " data-escaped=\"1\"" : "") + ">";
    data += json ? EscapeJson(text) : escaped ? EscapeText(text) : text;
    data += "</script>\n";
  }
  // File names are plain ASCII (ReportedFiles), so nothing in the index needs EscapeJson.
  data = "<script type=\"application/json\" id=\"run-files\">" +
         DumpJson(index, {.pretty = false}) + "</script>\n" + data;

  for (std::string_view asset : {assets::kCss, assets::kJs, assets::kChartsJs, assets::kViewerJs}) {
    if (asset.find("</script") != std::string_view::npos ||
        asset.find("</style") != std::string_view::npos) {
      return Status::Error("report template: an asset contains </script or </style");
    }
  }
  const std::string title = EscapeMarkup(run_dir.filename().empty()
                                           ? run_dir.parent_path().filename().string()
                                           : run_dir.filename().string());
  // One script: report.js, charts.js, viewer.js (the later ones use report.js's helpers; the
  // sections are drawn once the whole script has run).
  const std::string script = std::string(assets::kJs) + "\n" + std::string(assets::kChartsJs) +
                             "\n" + std::string(assets::kViewerJs);
  return FillTemplate(assets::kHtml, {{kTitleSlot, title},
                                      {kCssSlot, assets::kCss},
                                      {kJsSlot, script},
                                      {kDataSlot, data}});
}

Result<fs::path> WriteReport(const fs::path& run_dir, const ReportOptions& options) {
  auto page = RenderReport(run_dir, options);
  if (!page.ok()) return page.status();
  const fs::path output = options.output.empty() ? run_dir / "report.html" : options.output;
  const fs::path staging = output.string() + ".partial";
  for (const fs::path& path : {output, staging}) {
    if (Status s = CheckReplaceable(path); !s.ok()) return s;
  }
  {
    std::ofstream out(staging, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Error(staging.string() + ": cannot write");
    out.write(page->data(), static_cast<std::streamsize>(page->size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      fs::remove(staging, ignored);
      return Status::Error(staging.string() + ": write failed");
    }
  }
  std::error_code ec;
  fs::rename(staging, output, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(staging, ec);
    return Status::Error(output.string() + ": cannot write: " + why);
  }
  return output;
}

}  // namespace peerlab::report
