#include "peerlab/results/run_directory.hpp"

#include <filesystem>
#include <fstream>
#include <system_error>

namespace peerlab::results {
namespace fs = std::filesystem;

Result<RunDirectory> RunDirectory::Open(const std::string& path, bool replace) {
  std::error_code ec;
  if (fs::exists(path, ec) && !replace) {
    return Status::Error(path + ": output directory already exists (choose another --out, or "
                                "pass --force to replace it)");
  }
  if (fs::exists(path, ec) && !fs::is_directory(path, ec)) {
    return Status::Error(path + ": exists and is not a directory");
  }
  const std::string staging = path + ".partial";
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return Status::Error(path + ": cannot create output directory: " + ec.message());
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
  if (replace_ && fs::exists(path_, ec)) fs::remove_all(path_, ec);
  if (ec) return Status::Error(path_ + ": cannot replace old run: " + ec.message());
  fs::rename(staging_, path_, ec);
  if (ec) return Status::Error(path_ + ": cannot move results into place: " + ec.message());
  return Status::Ok();
}

void RunDirectory::Abandon() {
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

}  // namespace peerlab::results
