// Thin wrappers over the IPv4 TCP socket calls the daemon makes; every socket is
// non-blocking and close-on-exec. Errors carry errno's text.
#pragma once

#include <cstddef>
#include <cstdint>

#include "peerlab/testbed/config.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::testbed {

// A listening socket bound to `at` (SO_REUSEADDR, so a restart does not wait for TIME_WAIT).
Result<int> ListenTcp(const Endpoint& at, int backlog);
// Where a socket is bound (the kernel's choice for port 0).
Result<Endpoint> LocalEndpoint(int fd);
// accept4; returns -1 with errno set (EAGAIN: nothing more to accept).
int AcceptTcp(int listen_fd, Endpoint* remote);
// Starts a non-blocking connect; completion is reported as writability, then ConnectResult.
// `source_ip` != 0: bind the socket to that address (any port) first.
Result<int> StartConnect(const Endpoint& to, std::uint32_t source_ip = 0);
// 0 when the connect succeeded, else the errno it failed with (SO_ERROR).
int ConnectResult(int fd);
// recv/send without SIGPIPE; return what the syscalls return.
long ReadSome(int fd, std::uint8_t* buffer, std::size_t size);
long WriteSome(int fd, const std::uint8_t* data, std::size_t size);
void CloseFd(int fd);

}  // namespace peerlab::testbed
