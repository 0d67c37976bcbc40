#include "peerlab/testbed/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace peerlab::testbed {
namespace {

sockaddr_in ToSockaddr(const Endpoint& e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  a.sin_addr.s_addr = htonl(e.ip);
  return a;
}

Endpoint FromSockaddr(const sockaddr_in& a) { return {ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)}; }

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Protocol messages are small and latency matters more than packet count (Core sets it too).
void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Result<int> ListenTcp(const Endpoint& at, int backlog) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("socket"));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = ToSockaddr(at);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    const std::string message = Errno("cannot listen on " + at.ToString());
    close(fd);
    return Status::Error(message);
  }
  if (listen(fd, backlog) != 0) {
    const std::string message = Errno("listen " + at.ToString());
    close(fd);
    return Status::Error(message);
  }
  return fd;
}

Result<Endpoint> LocalEndpoint(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return Status::Error(Errno("getsockname"));
  }
  return FromSockaddr(a);
}

int AcceptTcp(int listen_fd, Endpoint* remote) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  const int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&a), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) {
    *remote = FromSockaddr(a);
    SetNoDelay(fd);
  }
  return fd;
}

Result<int> StartConnect(const Endpoint& to, std::uint32_t source_ip) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("socket"));
  SetNoDelay(fd);
  if (source_ip != 0) {
    const sockaddr_in src = ToSockaddr({source_ip, 0});
    if (bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
      const std::string message = Errno("bind " + Ipv4ToString(source_ip));
      close(fd);
      return Status::Error(message);
    }
  }
  const sockaddr_in a = ToSockaddr(to);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    const std::string message = Errno("connect " + to.ToString());
    close(fd);
    return Status::Error(message);
  }
  return fd;
}

int ConnectResult(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
  return error;
}

long ReadSome(int fd, std::uint8_t* buffer, std::size_t size) {
  return recv(fd, buffer, size, 0);
}

long WriteSome(int fd, const std::uint8_t* data, std::size_t size) {
  return send(fd, data, size, MSG_NOSIGNAL);
}

void CloseFd(int fd) {
  if (fd >= 0) close(fd);
}

}  // namespace peerlab::testbed
