// RunDirectory: writes a run's files so that a directory either holds a complete run or does
// not exist. Files go to a staging directory (`DIR.partial`) and the directory is renamed into
// place by Commit(); an existing run is never overwritten unless the caller asks (`replace`).
#pragma once

#include <string>
#include <string_view>

#include "peerlab/util/status.hpp"

namespace peerlab::results {

class RunDirectory {
 public:
  // Checks that `path` can be written (absent, or `replace`) and creates the staging directory.
  static Result<RunDirectory> Open(const std::string& path, bool replace);

  Status Write(std::string_view file_name, std::string_view content);
  // Moves the staged files to `path` (replacing an old run when allowed).
  Status Commit();
  // Removes the staging directory (on error paths).
  void Abandon();

  const std::string& path() const { return path_; }
  // Where files go until Commit (`path.partial`); callers may put subdirectories there too.
  const std::string& staging() const { return staging_; }

 private:
  RunDirectory(std::string path, std::string staging, bool replace)
      : path_(std::move(path)), staging_(std::move(staging)), replace_(replace) {}
  std::string path_;
  std::string staging_;
  bool replace_;
};

}  // namespace peerlab::results
