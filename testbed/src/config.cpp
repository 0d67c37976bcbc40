#include "peerlab/testbed/config.hpp"

#include <charconv>
#include <cmath>
#include <random>

namespace peerlab::testbed {
namespace {

constexpr std::string_view kUsage =
    R"(Usage: peerlabd --chain NAME --datadir DIR [--listen IPV4:PORT] [--connect IPV4:PORT]...
                [--mine SECONDS] [--seed N] [options]

Runs one peerlab node (the simulator's sans-IO bitcoin::Node) as a process on real TCP.

  --chain NAME             chain parameters: peerlab-sim (the simulation's chain),
                           litecoin-regtest (scrypt PoW), bitcoin-regtest
  --datadir DIR            where status.json (rewritten every second), blocks.csv and
                           peers.csv go; created if missing
  --listen IPV4:PORT       listening address (default 127.0.0.1 on the chain's port;
                           port 0: ephemeral, see status.json "listen")
  --connect IPV4:PORT      keep a connection to this peer (repeatable; retried with backoff)
  --connect-block-relay IPV4:PORT
                           the same as a block-relay-only connection (no transaction or
                           address relay; repeatable)
  --mine SECONDS           find real blocks (proof of work ground on the chain's easy
                           regtest target) as a Poisson process with this mean
  --mine-limit N           stop mining after N blocks found here (default 0: never)
  --mine-until SECONDS     stop finding blocks after SECONDS of uptime
  --seed N                 seed of the node's RNG and of the mining timer (default: drawn
                           from the OS at start and logged, so two daemons never mine
                           the same block; pass it to repeat a run)
  --relay MODE             block relay: headers (BIP130, default), legacy (inv, getdata)
                           or compact (BIP152, with headers)
  --validation-fixed S     hold each received block S seconds before accepting and relaying
                           it (modelled validation, scenario key protocol.validation.fixed;
                           default 0: only the real checks' CPU time)
  --validation-per-mb S    plus S seconds per 1,000,000 bytes of block (per_mb; default 0)
  --outbound N             also let the node open N connections from its address manager
                           (dialled on the chain's port; default 0)
  --known-peer IPV4        put this address in the node's address manager (repeatable)
  --max-inbound N          inbound connections at most (default 32); when full, a
                           newcomer evicts a peer still in its handshake, else an
                           established one by Bitcoin Core's eviction rules
  --max-pending N          inbound connections still in their handshake at most
                           (default 16); a newcomer evicts one of them
  --max-pending-per-address N
                           the same from one IPv4 address (default 4); more are closed
                           at once
  --handshake-timeout S    drop a peer that has not finished version/verack (default 10)
  --max-blockless-headers N
                           headers held without their block at most (default 50000); a
                           peer whose header would pass it is disconnected
  --idle-timeout S         drop a peer that sent nothing for S seconds (default 1200)
  --ping-interval S        ping established peers every S seconds (default 120; 0 = off)
  --max-send-queue BYTES   drop a peer once this much waits to be sent to it (default 8 MiB)
  --link-delay IPV4=MS     hold bytes sent to IPV4 for MS milliseconds (user-space link
                           latency for the testbed; repeatable)
  --source-ip IPV4         source address of outgoing connections (so that peers on one
                           host can tell nodes apart by address)
  --save-blocks            write each accepted block's serialized bytes (as on the wire,
                           with witnesses) to DIR/blocks/<id>.bin
  --quiet                  no log lines on stderr
  -h, --help               this help

SIGTERM or SIGINT: close every connection, write the final status.json, exit 0.
Exit status: 0 ok, 1 runtime error (e.g. cannot listen), 2 bad arguments.
)";

Result<std::uint64_t> ParseUInt(std::string_view flag, std::string_view text, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) {
    return Status::Error(std::string(flag) + ": expected an integer from 0 to " +
                         std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return v;
}

// Seconds as a positive decimal (e.g. "0.5", "600"), to nanoseconds.
Result<double> ParseSeconds(std::string_view flag, std::string_view text, bool allow_zero) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) || v < 0 ||
      (!allow_zero && v == 0) || v > 1e6) {
    return Status::Error(std::string(flag) + ": expected seconds, a number " +
                         (allow_zero ? "from 0" : "above 0") + " up to 1e6, got '" +
                         std::string(text) + "'");
  }
  return v;
}

DurationNs ToNs(double seconds) { return static_cast<DurationNs>(std::llround(seconds * 1e9)); }

}  // namespace

std::string Ipv4ToString(std::uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

std::string Endpoint::ToString() const { return Ipv4ToString(ip) + ":" + std::to_string(port); }

Result<std::uint32_t> ParseIpv4(std::string_view text) {
  std::uint32_t ip = 0;
  std::string_view rest = text;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = i < 3 ? rest.find('.') : rest.size();
    if (dot == std::string_view::npos || dot == 0 || dot > 3) return Status::Error("");
    unsigned octet = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, octet);
    if (ec != std::errc() || end != rest.data() + dot || octet > 255) return Status::Error("");
    ip = ip << 8 | octet;
    rest = dot < rest.size() ? rest.substr(dot + 1) : std::string_view();
  }
  if (!rest.empty()) return Status::Error("");
  return ip;
}

Result<Endpoint> ParseEndpoint(std::string_view text, bool allow_port_zero) {
  auto bad = [&] {
    return Status::Error("expected IPV4:PORT (e.g. 127.0.0.1:18444), got '" + std::string(text) +
                         "'");
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad();
  auto ip = ParseIpv4(text.substr(0, colon));
  if (!ip.ok()) return bad();
  Endpoint e;
  e.ip = *ip;
  const std::string_view port = text.substr(colon + 1);
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535 ||
      (p == 0 && !allow_port_zero)) {
    return bad();
  }
  e.port = static_cast<std::uint16_t>(p);
  return e;
}

std::string_view DaemonUsage() { return kUsage; }

Result<ParsedArgs> ParseDaemonArgs(std::span<const std::string_view> args) {
  ParsedArgs parsed;
  DaemonConfig& c = parsed.config;
  bool chain_set = false;
  bool seed_set = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    if (flag == "-h" || flag == "--help") {
      parsed.help = true;
      return parsed;
    }
    if (flag == "--quiet") {
      c.log = false;
      continue;
    }
    if (flag == "--save-blocks") {
      c.save_blocks = true;
      continue;
    }
    if (flag.substr(0, 2) != "--") {
      return Status::Error("unexpected argument '" + std::string(flag) + "' (see --help)");
    }
    if (i + 1 >= args.size()) return Status::Error(std::string(flag) + ": missing value");
    const std::string_view value = args[++i];
    auto with_flag = [&](const Status& s) {
      return Status::Error(std::string(flag) + ": " + s.message());
    };
    if (flag == "--chain") {
      c.chain = std::string(value);
      chain_set = true;
    } else if (flag == "--datadir") {
      if (value.empty()) return Status::Error("--datadir: must not be empty");
      c.datadir = std::string(value);
    } else if (flag == "--listen") {
      auto e = ParseEndpoint(value, true);
      if (!e.ok()) return with_flag(e.status());
      c.listen = *e;
      c.listen_set = true;
    } else if (flag == "--connect" || flag == "--connect-block-relay") {
      auto e = ParseEndpoint(value, false);
      if (!e.ok()) return with_flag(e.status());
      if (c.connect.size() + c.connect_block_relay.size() >= 64) {
        return Status::Error(std::string(flag) + ": at most 64 peers (--connect and " +
                             "--connect-block-relay together)");
      }
      (flag == "--connect" ? c.connect : c.connect_block_relay).push_back(*e);
    } else if (flag == "--known-peer") {
      auto ip = ParseIpv4(value);
      if (!ip.ok() || *ip == 0) {
        return Status::Error("--known-peer: expected an IPv4 address, got '" +
                             std::string(value) + "'");
      }
      if (c.known_peers.size() >= 1000) return Status::Error("--known-peer: at most 1000");
      c.known_peers.push_back(*ip);
    } else if (flag == "--link-delay") {
      auto d = ParseLinkDelay(value);
      if (!d.ok()) return with_flag(d.status());
      if (c.link_delays.size() >= 1000) return Status::Error("--link-delay: at most 1000");
      c.link_delays.push_back(*d);
    } else if (flag == "--source-ip") {
      auto ip = ParseIpv4(value);
      if (!ip.ok()) {
        return Status::Error("--source-ip: expected an IPv4 address, got '" + std::string(value) + "'");
      }
      c.source_ip = *ip;
    } else if (flag == "--mine") {
      auto s = ParseSeconds(flag, value, false);
      if (!s.ok()) return s.status();
      c.mine_mean_s = *s;
    } else if (flag == "--mine-until") {
      auto s = ParseSeconds(flag, value, true);
      if (!s.ok()) return s.status();
      c.mine_until = ToNs(*s);
    } else if (flag == "--mine-limit") {
      auto v = ParseUInt(flag, value, UINT32_MAX);
      if (!v.ok()) return v.status();
      c.mine_limit = *v;
    } else if (flag == "--relay") {
      const auto relay = bitcoin::ParseRelayMode(value);
      if (!relay) {
        return Status::Error("--relay: expected headers, legacy or compact, got '" +
                             std::string(value) + "'");
      }
      c.relay = *relay;
    } else if (flag == "--validation-fixed" || flag == "--validation-per-mb") {
      auto sec = ParseSeconds(flag, value, true);
      if (!sec.ok()) return sec.status();
      (flag == "--validation-fixed" ? c.validation_fixed : c.validation_per_mb) = ToNs(*sec);
    } else if (flag == "--seed") {
      auto v = ParseUInt(flag, value, UINT64_MAX);
      if (!v.ok()) return v.status();
      c.seed = *v;
      seed_set = true;
    } else if (flag == "--outbound") {
      auto v = ParseUInt(flag, value, 8);
      if (!v.ok()) return v.status();
      c.outbound = static_cast<std::uint32_t>(*v);
    } else if (flag == "--max-inbound") {
      auto v = ParseUInt(flag, value, 1000);
      if (!v.ok()) return v.status();
      c.max_inbound = static_cast<std::uint32_t>(*v);
    } else if (flag == "--max-pending" || flag == "--max-pending-per-address") {
      auto v = ParseUInt(flag, value, 1000);
      if (!v.ok()) return v.status();
      if (*v == 0) return Status::Error(std::string(flag) + ": at least 1");
      (flag == "--max-pending" ? c.max_pending : c.max_pending_per_address) =
          static_cast<std::uint32_t>(*v);
    } else if (flag == "--max-blockless-headers") {
      auto v = ParseUInt(flag, value, 100'000'000);
      if (!v.ok()) return v.status();
      if (*v == 0) return Status::Error("--max-blockless-headers: at least 1");
      c.max_blockless_headers = static_cast<std::size_t>(*v);
    } else if (flag == "--max-send-queue") {
      auto v = ParseUInt(flag, value, 1u << 30);
      if (!v.ok()) return v.status();
      if (*v < 4096) return Status::Error("--max-send-queue: at least 4096 bytes");
      c.max_send_queue = static_cast<std::size_t>(*v);
    } else if (flag == "--handshake-timeout" || flag == "--idle-timeout") {
      auto s = ParseSeconds(flag, value, false);
      if (!s.ok()) return s.status();
      (flag == "--idle-timeout" ? c.idle_timeout : c.handshake_timeout) = ToNs(*s);
    } else if (flag == "--ping-interval") {
      auto s = ParseSeconds(flag, value, true);
      if (!s.ok()) return s.status();
      c.ping_interval = ToNs(*s);
    } else {
      return Status::Error("unknown option '" + std::string(flag) + "' (see --help)");
    }
  }
  if (!chain_set) return Status::Error("--chain: required (e.g. --chain peerlab-sim)");
  if (c.datadir.empty()) return Status::Error("--datadir: required");
  if (!seed_set) {
    // A real daemon, not a simulation: two daemons started alike must still draw different
    // extra nonces and mining times, or they mine identical blocks on the same parent.
    std::random_device os;
    c.seed = (static_cast<std::uint64_t>(os()) << 32) | os();
  }
  return parsed;
}

}  // namespace peerlab::testbed
