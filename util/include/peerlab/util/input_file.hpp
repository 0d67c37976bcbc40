// Reading a file named by the user without trusting what it is.
//
// Contract: `InputFile::Open` never blocks and never reads. It opens with O_NONBLOCK (so a FIFO
// with no writer cannot hang the open), then checks with fstat on the opened descriptor (so the
// check and the read see the same file) that it is a regular file of at most `max_bytes`.
// Character devices (/dev/zero), FIFOs, sockets and directories are refused before one byte is
// read. Reads stop at `max_bytes` even if the file grows after the check.
//
// Error messages carry no path; callers prefix the file name and their own context.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "peerlab/util/status.hpp"

namespace peerlab {

class InputFile {
 public:
  // `max_bytes` is the largest size accepted; a larger file gets "is N bytes, more than the
  // limit of M bytes".
  static Result<InputFile> Open(const std::string& path, std::uint64_t max_bytes);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  // Size reported by fstat at open.
  std::uint64_t size() const { return size_; }
  // Reads up to `n` (> 0) bytes; returns the count (0 at the end of the file), or an error.
  // A file that grew past `max_bytes` after the check is an error rather than truncated.
  // Interrupted reads are retried.
  Result<std::size_t> Read(char* buf, std::size_t n);

 private:
  InputFile(int fd, std::uint64_t size, std::uint64_t max_bytes)
      : fd_(fd), size_(size), max_bytes_(max_bytes) {}

  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t max_bytes_ = 0;
  std::uint64_t read_ = 0;
};

// The whole file as text, under the same rules.
Result<std::string> ReadInputFile(const std::string& path, std::uint64_t max_bytes);

// "16 MiB", "1 GiB", or a plain byte count: how limits are shown in messages.
std::string FormatByteLimit(std::uint64_t bytes);

}  // namespace peerlab
