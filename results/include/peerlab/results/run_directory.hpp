// RunDirectory: writes a run's files so that a directory either holds a complete run or does
// not exist. Files go to a staging directory (`DIR.partial`) and the directory is renamed into
// place by Commit(); an existing run is never overwritten unless the caller asks (`replace`).
//
// Safety contract (users point --out at their own folders): peerlab only ever deletes what is
// its own.
//  - `replace` replaces DIR only when DIR holds a peerlab run (a `run.json` manifest written by
//    peerlab); any other directory, a file, a symbolic link, `.`, `..`, `/`, the working
//    directory or one of its parents is refused with one line.
//  - A leftover `DIR.partial` (a killed run) is removed only when it is a peerlab staging
//    directory (it holds the marker file Open writes first, or nothing at all).
//  - `DIR/` and `DIR` name the same directory: trailing slashes are dropped before anything is
//    derived from the path.
#pragma once

#include <string>
#include <string_view>

#include "peerlab/util/status.hpp"

namespace peerlab::results {

class RunDirectory {
 public:
  // Checks that `path` can be written (absent, or a peerlab run and `replace`) and creates the
  // staging directory.
  static Result<RunDirectory> Open(const std::string& path, bool replace);

  Status Write(std::string_view file_name, std::string_view content);
  // Moves the staged files to `path` (replacing an old run when allowed).
  Status Commit();
  // Removes the staging directory (on error paths).
  void Abandon();

  // The run directory, trailing slashes removed.
  const std::string& path() const { return path_; }
  // Where files go until Commit (`path.partial`); callers may put subdirectories there too.
  const std::string& staging() const { return staging_; }

  // The name of the marker file that identifies a staging directory as peerlab's own.
  static constexpr std::string_view kStagingMarker = ".peerlab-staging";

 private:
  RunDirectory(std::string path, std::string staging, bool replace)
      : path_(std::move(path)), staging_(std::move(staging)), replace_(replace) {}
  std::string path_;
  std::string staging_;
  bool replace_;
};

// Whether `dir` holds a run written by peerlab: a regular file `run.json` whose text carries
// the manifest's `peerlab_version` key. Exposed for tests and for tools that clean up runs.
bool HoldsPeerlabRun(const std::string& dir);

}  // namespace peerlab::results
