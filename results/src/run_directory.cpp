#include "peerlab/results/run_directory.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace peerlab::results {
namespace fs = std::filesystem;

namespace {

// A manifest is small; reading a bounded prefix keeps a huge or special `run.json` harmless.
constexpr std::size_t kManifestProbeBytes = 64 * 1024;

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// Why `path` must never be replaced, or "" when it may be (it still has to hold a run).
std::string ProtectedReason(const std::string& path) {
  const fs::path p(path);
  const std::string last = p.filename().string();
  if (path == "/" || last == "." || last == "..") return "refusing to replace `" + path + "`";
  std::error_code ec;
  const fs::path target = fs::weakly_canonical(p, ec);
  if (ec) return "cannot resolve the path: " + ec.message();
  const fs::path cwd = fs::current_path(ec);
  if (ec) return "cannot resolve the working directory: " + ec.message();
  // `target` is the working directory or one of its parents when it is a prefix of it.
  auto t = target.begin();
  auto c = cwd.begin();
  for (; t != target.end() && c != cwd.end(); ++t, ++c) {
    if (*t != *c) return "";
  }
  if (t == target.end()) {
    return "refusing to replace the working directory or one of its parents";
  }
  return "";
}

bool IsOwnStaging(const fs::path& staging) {
  std::error_code ec;
  if (fs::is_symlink(staging, ec) || !fs::is_directory(staging, ec)) return false;
  if (fs::exists(staging / std::string(RunDirectory::kStagingMarker), ec)) return true;
  return fs::is_empty(staging, ec) && !ec;
}

}  // namespace

bool HoldsPeerlabRun(const std::string& dir) {
  std::error_code ec;
  const fs::path manifest = fs::path(dir) / "run.json";
  if (fs::is_symlink(manifest, ec) || !fs::is_regular_file(manifest, ec)) return false;
  std::ifstream in(manifest, std::ios::binary);
  std::string head(kManifestProbeBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("\"peerlab_version\"") != std::string::npos;
}

Result<RunDirectory> RunDirectory::Open(const std::string& requested, bool replace) {
  const std::string path = StripTrailingSlashes(requested);
  if (path.empty()) return Status::Error("--out: the output directory name is empty");
  std::error_code ec;
  const auto status = fs::symlink_status(path, ec);
  const bool exists = fs::exists(status);
  if (exists && !replace) {
    return Status::Error(path + ": output directory already exists (choose another --out, or "
                                "pass --force to replace a previous run)");
  }
  if (exists) {
    if (fs::is_symlink(status)) {
      return Status::Error(path + ": is a symbolic link; --force replaces only a run directory");
    }
    if (!fs::is_directory(status)) {
      return Status::Error(path + ": exists and is not a directory; --force replaces only a "
                                  "run directory");
    }
    if (const std::string why = ProtectedReason(path); !why.empty()) {
      return Status::Error(path + ": " + why);
    }
    if (!HoldsPeerlabRun(path)) {
      return Status::Error(path + ": not a peerlab run directory (no run.json manifest); "
                                  "--force replaces only a previous run");
    }
  }
  const std::string staging = path + ".partial";
  if (fs::exists(fs::symlink_status(staging, ec))) {
    if (!IsOwnStaging(staging)) {
      return Status::Error(staging + ": exists and is not a peerlab staging directory; move it "
                                     "away or choose another --out");
    }
    fs::remove_all(staging, ec);
    if (ec) return Status::Error(staging + ": cannot remove old staging directory: " + ec.message());
  }
  fs::create_directories(staging, ec);
  if (ec) return Status::Error(path + ": cannot create output directory: " + ec.message());
  std::ofstream marker(fs::path(staging) / std::string(kStagingMarker));
  marker.close();
  if (!marker) return Status::Error(staging + ": cannot write");
  return RunDirectory(path, staging, replace);
}

Status RunDirectory::Write(std::string_view file_name, std::string_view content) {
  const fs::path file = fs::path(staging_) / std::string(file_name);
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return Status::Error(file.string() + ": cannot write");
  return Status::Ok();
}

Status RunDirectory::Commit() {
  std::error_code ec;
  fs::remove(fs::path(staging_) / std::string(kStagingMarker), ec);
  if (ec) return Status::Error(staging_ + ": cannot finish staging: " + ec.message());
  if (fs::exists(fs::symlink_status(path_, ec))) {
    // Checked again: the directory may have appeared or changed during a long run.
    if (!replace_) {
      return Status::Error(path_ + ": appeared during the run; results left in " + staging_);
    }
    if (!ProtectedReason(path_).empty() || fs::is_symlink(fs::symlink_status(path_, ec)) ||
        !HoldsPeerlabRun(path_)) {
      return Status::Error(path_ + ": is no longer a peerlab run directory; results left in " +
                           staging_);
    }
    fs::remove_all(path_, ec);
    if (ec) return Status::Error(path_ + ": cannot replace old run: " + ec.message());
  }
  fs::rename(staging_, path_, ec);
  if (ec) return Status::Error(path_ + ": cannot move results into place: " + ec.message());
  return Status::Ok();
}

void RunDirectory::Abandon() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

}  // namespace peerlab::results
