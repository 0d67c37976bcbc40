#include "peerlab/testbed/config.hpp"

#include <charconv>
#include <cmath>
#include <functional>
#include <random>

#include "peerlab/cli/cli.hpp"

namespace peerlab::testbed {
namespace {

constexpr const char* kDescription =
    "Runs one peerlab node (the simulator's sans-IO bitcoin::Node) as a process on real TCP.";

constexpr const char* kFooter =
    R"(SIGTERM or SIGINT: close every connection, write the final status.json, exit 0.
Exit status: 0 ok, 1 runtime error (e.g. cannot listen), 2 bad arguments.)";

// An integer from 0 to `max`; the message omits the option's name (the caller adds it).
Result<std::uint64_t> ParseUInt(std::string_view text, std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v > max) {
    return Status::Error("expected an integer from 0 to " + std::to_string(max) + ", got '" +
                         std::string(text) + "'");
  }
  return v;
}

// Seconds as a decimal (e.g. "0.5", "600"), above 0 (or from 0 with `allow_zero`), up to 1e6.
Result<double> ParseSeconds(std::string_view text, bool allow_zero) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(v) || v < 0 || (!allow_zero && v == 0) || v > 1e6) {
    return Status::Error(std::string("expected seconds, a number ") +
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

namespace {

// An option whose text `parse` turns into a value or a one-line error (CLI11 prefixes the
// option's name); `store` keeps the value. A `repeatable` option calls `store` once per
// occurrence; otherwise the last occurrence counts.
template <typename T>
CLI::Option* AddParsed(CLI::App& app, const std::string& name, const std::string& type,
                       const std::string& help,
                       std::function<Result<T>(std::string_view)> parse,
                       std::function<void(T)> store, bool repeatable = false) {
  auto one = [name, parse, store](const std::string& text) {
    auto value = parse(text);
    if (!value.ok()) throw CLI::ValidationError(name, value.status().message());
    store(*value);
  };
  if (!repeatable) return app.add_option_function<std::string>(name, one, help)->type_name(type);
  auto each = [one](const std::vector<std::string>& texts) {
    for (const std::string& text : texts) one(text);
  };
  return app.add_option_function<std::vector<std::string>>(name, each, help)
      ->type_name(type)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

Result<std::uint64_t> Bounded(std::string_view text, std::uint64_t min, std::uint64_t max) {
  auto v = ParseUInt(text, max);
  if (v.ok() && *v < min) return Status::Error("at least " + std::to_string(min));
  return v;
}

// The daemon's options into `c`; `seed_set` says whether --seed was given.
void AddDaemonOptions(CLI::App& app, DaemonConfig& c, bool& seed_set) {
  using Parse64 = std::function<Result<std::uint64_t>(std::string_view)>;
  auto uint_in = [](std::uint64_t min, std::uint64_t max) -> Parse64 {
    return [min, max](std::string_view t) { return Bounded(t, min, max); };
  };
  auto seconds = [](bool allow_zero) {
    return std::function<Result<double>(std::string_view)>(
        [allow_zero](std::string_view t) { return ParseSeconds(t, allow_zero); });
  };
  auto ipv4 = [](bool allow_zero) {
    return std::function<Result<std::uint32_t>(std::string_view)>(
        [allow_zero](std::string_view t) -> Result<std::uint32_t> {
          auto ip = ParseIpv4(t);
          if (!ip.ok() || (!allow_zero && *ip == 0)) {
            return Status::Error("expected an IPv4 address, got '" + std::string(t) + "'");
          }
          return *ip;
        });
  };
  auto endpoint = [](bool allow_port_zero) {
    return std::function<Result<Endpoint>(std::string_view)>(
        [allow_port_zero](std::string_view t) { return ParseEndpoint(t, allow_port_zero); });
  };

  app.add_option("--chain", c.chain,
                 "chain parameters: peerlab-sim (the simulation's chain), litecoin-regtest "
                 "(scrypt PoW), bitcoin-regtest")
      ->type_name("NAME")
      ->required();
  app.add_option("--datadir", c.datadir,
                 "where status.json (rewritten every second), blocks.csv and peers.csv go; "
                 "created if missing")
      ->type_name("DIR")
      ->required()
      ->check(CLI::Validator(
          [](std::string& dir) { return dir.empty() ? std::string("must not be empty") : ""; },
          ""));
  AddParsed<Endpoint>(app, "--listen", "IPV4:PORT",
                      "listening address (default 127.0.0.1 on the chain's port; port 0: "
                      "ephemeral, see status.json \"listen\")",
                      endpoint(true), [&c](Endpoint e) {
                        c.listen = e;
                        c.listen_set = true;
                      });
  // --connect and --connect-block-relay share one bound of 64 peers.
  auto peer_list = [&c](std::vector<Endpoint>& list, const std::string& name) {
    return [&c, &list, name](Endpoint e) {
      if (c.connect.size() + c.connect_block_relay.size() >= 64) {
        throw CLI::ValidationError(name, "at most 64 peers (--connect and --connect-block-relay "
                                         "together)");
      }
      list.push_back(e);
    };
  };
  AddParsed<Endpoint>(app, "--connect", "IPV4:PORT",
                      "keep a connection to this peer (repeatable; retried with backoff)",
                      endpoint(false), peer_list(c.connect, "--connect"), true);
  AddParsed<Endpoint>(app, "--connect-block-relay", "IPV4:PORT",
                      "the same as a block-relay-only connection (no transaction or address "
                      "relay; repeatable)",
                      endpoint(false), peer_list(c.connect_block_relay, "--connect-block-relay"),
                      true);
  AddParsed<double>(app, "--mine", "SECONDS",
                    "find real blocks (proof of work ground on the chain's easy regtest target) "
                    "as a Poisson process with this mean",
                    seconds(false), [&c](double s) { c.mine_mean_s = s; });
  AddParsed<std::uint64_t>(app, "--mine-limit", "N",
                           "stop mining after N blocks found here (default 0: never)",
                           uint_in(0, UINT32_MAX), [&c](std::uint64_t v) { c.mine_limit = v; });
  AddParsed<double>(app, "--mine-until", "SECONDS",
                    "stop finding blocks after SECONDS of uptime", seconds(true),
                    [&c](double s) { c.mine_until = ToNs(s); });
  AddParsed<std::uint64_t>(app, "--seed", "N",
                           "seed of the node's RNG and of the mining timer (default: drawn from "
                           "the OS at start and logged, so two daemons never mine the same "
                           "block; pass it to repeat a run)",
                           uint_in(0, UINT64_MAX), [&c, &seed_set](std::uint64_t v) {
                             c.seed = v;
                             seed_set = true;
                           });
  AddParsed<bitcoin::RelayMode>(
      app, "--relay", "MODE",
      "block relay: headers (BIP130, default), legacy (inv, getdata) or compact (BIP152, with "
      "headers)",
      [](std::string_view t) -> Result<bitcoin::RelayMode> {
        const auto relay = bitcoin::ParseRelayMode(t);
        if (!relay) {
          return Status::Error("expected headers, legacy or compact, got '" + std::string(t) +
                               "'");
        }
        return *relay;
      },
      [&c](bitcoin::RelayMode m) { c.relay = m; });
  AddParsed<double>(app, "--validation-fixed", "S",
                    "hold each received block S seconds before accepting and relaying it "
                    "(modelled validation, scenario key protocol.validation.fixed; default 0: "
                    "only the real checks' CPU time)",
                    seconds(true), [&c](double s) { c.validation_fixed = ToNs(s); });
  AddParsed<double>(app, "--validation-per-mb", "S",
                    "plus S seconds per 1,000,000 bytes of block (per_mb; default 0)",
                    seconds(true), [&c](double s) { c.validation_per_mb = ToNs(s); });
  AddParsed<std::uint64_t>(app, "--outbound", "N",
                           "also let the node open N connections from its address manager "
                           "(dialled on the chain's port; 0 to 8, default 0)",
                           uint_in(0, 8), [&c](std::uint64_t v) {
                             c.outbound = static_cast<std::uint32_t>(v);
                           });
  AddParsed<std::uint32_t>(app, "--known-peer", "IPV4",
                           "put this address in the node's address manager (repeatable, at "
                           "most 1000)",
                           ipv4(false), [&c](std::uint32_t ip) {
                             if (c.known_peers.size() >= 1000) {
                               throw CLI::ValidationError("--known-peer", "at most 1000");
                             }
                             c.known_peers.push_back(ip);
                           },
                           true);
  AddParsed<std::uint64_t>(app, "--max-inbound", "N",
                           "inbound connections at most (default 32); when full, a newcomer "
                           "evicts a peer still in its handshake, else an established one by "
                           "Bitcoin Core's eviction rules",
                           uint_in(0, 1000), [&c](std::uint64_t v) {
                             c.max_inbound = static_cast<std::uint32_t>(v);
                           });
  AddParsed<std::uint64_t>(app, "--max-pending", "N",
                           "inbound connections still in their handshake at most (default 16); "
                           "a newcomer evicts one of them",
                           uint_in(1, 1000), [&c](std::uint64_t v) {
                             c.max_pending = static_cast<std::uint32_t>(v);
                           });
  AddParsed<std::uint64_t>(app, "--max-pending-per-address", "N",
                           "the same from one IPv4 address (default 4); more are closed at once",
                           uint_in(1, 1000), [&c](std::uint64_t v) {
                             c.max_pending_per_address = static_cast<std::uint32_t>(v);
                           });
  AddParsed<double>(app, "--handshake-timeout", "S",
                    "drop a peer that has not finished version/verack (default 10)",
                    seconds(false), [&c](double s) { c.handshake_timeout = ToNs(s); });
  AddParsed<std::uint64_t>(app, "--max-blockless-headers", "N",
                           "headers held without their block at most (default 50000); a peer "
                           "whose header would pass it is disconnected",
                           uint_in(1, 100'000'000), [&c](std::uint64_t v) {
                             c.max_blockless_headers = static_cast<std::size_t>(v);
                           });
  AddParsed<double>(app, "--idle-timeout", "S",
                    "drop a peer that sent nothing for S seconds (default 1200)", seconds(false),
                    [&c](double s) { c.idle_timeout = ToNs(s); });
  AddParsed<double>(app, "--ping-interval", "S",
                    "ping established peers every S seconds (default 120; 0 = off)",
                    seconds(true), [&c](double s) { c.ping_interval = ToNs(s); });
  AddParsed<std::uint64_t>(app, "--max-send-queue", "BYTES",
                           "drop a peer once this much waits to be sent to it (default 8 MiB; "
                           "4096 to 1 GiB)",
                           uint_in(4096, 1u << 30), [&c](std::uint64_t v) {
                             c.max_send_queue = static_cast<std::size_t>(v);
                           });
  AddParsed<LinkDelay>(app, "--link-delay", "IPV4=MS",
                       "hold bytes sent to IPV4 for MS milliseconds (user-space link latency "
                       "for the testbed; repeatable, at most 1000)",
                       [](std::string_view t) { return ParseLinkDelay(t); },
                       [&c](LinkDelay d) {
                         if (c.link_delays.size() >= 1000) {
                           throw CLI::ValidationError("--link-delay", "at most 1000");
                         }
                         c.link_delays.push_back(d);
                       },
                       true);
  AddParsed<std::uint32_t>(app, "--source-ip", "IPV4",
                           "source address of outgoing connections (so that peers on one host "
                           "can tell nodes apart by address)",
                           ipv4(true), [&c](std::uint32_t ip) { c.source_ip = ip; });
  app.add_flag("--save-blocks", c.save_blocks,
               "write each accepted block's serialized bytes (as on the wire, with witnesses) "
               "to DIR/blocks/<id>.bin");
  app.add_flag_callback("--quiet", [&c] { c.log = false; }, "no log lines on stderr");
}

// The daemon's command line with its options bound to `c`.
struct DaemonCli {
  CLI::App app{kDescription, "peerlabd"};
  bool seed_set = false;
  explicit DaemonCli(DaemonConfig& c) {
    cli::Configure(app, kFooter);
    AddDaemonOptions(app, c, seed_set);
  }
};

}  // namespace

std::string DaemonUsage() {
  DaemonConfig unused;
  DaemonCli cli(unused);
  return cli.app.help();
}

Result<ParsedArgs> ParseDaemonArgs(std::span<const std::string_view> args) {
  ParsedArgs parsed;
  DaemonCli daemon_cli(parsed.config);
  auto outcome =
      cli::ParseArgs(daemon_cli.app, std::vector<std::string>(args.begin(), args.end()));
  if (!outcome.ok()) return outcome.status();
  if (*outcome == cli::Parsed::kHelp) {
    parsed.help = true;
    return parsed;
  }
  if (!daemon_cli.seed_set) {
    // A real daemon, not a simulation: two daemons started alike must still draw different
    // extra nonces and mining times, or they mine identical blocks on the same parent.
    std::random_device os;
    parsed.config.seed = (static_cast<std::uint64_t>(os()) << 32) | os();
  }
  return parsed;
}

}  // namespace peerlab::testbed
