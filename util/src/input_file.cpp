#include "peerlab/util/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace peerlab {
namespace {

// What a non-regular file is, for the error line ("is a FIFO, not a regular file").
const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

std::string FormatByteLimit(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024;
  if (bytes >= kKiB * kKiB * kKiB && bytes % (kKiB * kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB * kKiB)) + " GiB";
  }
  if (bytes >= kKiB * kKiB && bytes % (kKiB * kKiB) == 0) {
    return std::to_string(bytes / (kKiB * kKiB)) + " MiB";
  }
  return std::to_string(bytes) + " bytes";
}

Result<InputFile> InputFile::Open(const std::string& path, std::uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::Error(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::Error(std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Error(std::string("is ") + KindOf(st.st_mode) + ", not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    ::close(fd);
    return Status::Error("is " + std::to_string(size) + " bytes, more than the limit of " +
                         FormatByteLimit(max_bytes));
  }
  return InputFile(fd, size, max_bytes);
}

InputFile::InputFile(InputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      size_(other.size_),
      max_bytes_(other.max_bytes_),
      read_(other.read_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    max_bytes_ = other.max_bytes_;
    read_ = other.read_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::size_t> InputFile::Read(char* buf, std::size_t n) {
  // One byte past the limit may be read: it is how growth after the check shows.
  const std::uint64_t allowed = max_bytes_ + 1 - read_;
  if (n > allowed) n = static_cast<std::size_t>(allowed);
  while (true) {
    const ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) {
      read_ += static_cast<std::uint64_t>(got);
      if (read_ > max_bytes_) {
        return Status::Error("grew to more than the limit of " + FormatByteLimit(max_bytes_) +
                             " while being read");
      }
      return static_cast<std::size_t>(got);
    }
    if (errno != EINTR) return Status::Error(std::strerror(errno));
  }
}

Result<std::string> ReadInputFile(const std::string& path, std::uint64_t max_bytes) {
  auto file = InputFile::Open(path, max_bytes);
  if (!file.ok()) return file.status();
  InputFile reader = std::move(file).value();
  std::string text;
  text.reserve(static_cast<std::size_t>(reader.size()));
  char buf[65536];
  while (true) {
    auto got = reader.Read(buf, sizeof(buf));
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    text.append(buf, *got);
  }
  return text;
}

}  // namespace peerlab
