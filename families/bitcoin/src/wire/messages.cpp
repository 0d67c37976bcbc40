#include "peerlab/bitcoin/wire/messages.hpp"

#include <utility>

namespace peerlab::bitcoin::wire {

std::size_t AddrV2Size(std::uint8_t network) {
  switch (network) {
    case kNetIpv4: return 4;
    case kNetIpv6: return 16;
    case kNetTorV2: return 10;
    case kNetTorV3: return 32;
    case kNetI2p: return 32;
    case kNetCjdns: return 16;
    default: return 0;
  }
}

// --- dispatch -------------------------------------------------------------------------------

namespace {

constexpr std::size_t kKnownCount = std::variant_size_v<Message> - 1;
static_assert(std::is_same_v<std::variant_alternative_t<kKnownCount, Message>, Unknown>,
              "Unknown must be the last alternative");

using DecodeFn = Status (*)(std::span<const std::uint8_t>, Message&);
struct Entry {
  std::string_view command;
  DecodeFn decode;
};

template <std::size_t I>
Status DecodeAlternative(std::span<const std::uint8_t> payload, Message& out) {
  using T = std::variant_alternative_t<I, Message>;
  if (out.index() != I) out.template emplace<I>();
  Reader r(payload);
  WireIn in(r);
  T::Fields(in, std::get<I>(out));
  if constexpr (!requires { T::kTrailingBytesIgnored; }) r.ExpectEnd();
  return r.status();
}

template <std::size_t... I>
constexpr std::array<Entry, sizeof...(I)> MakeTable(std::index_sequence<I...>) {
  return {{{std::variant_alternative_t<I, Message>::kCommand, &DecodeAlternative<I>}...}};
}

constexpr auto kTable = MakeTable(std::make_index_sequence<kKnownCount>());

const Entry* Find(std::string_view command) {
  for (const Entry& e : kTable) {
    if (e.command == command) return &e;
  }
  return nullptr;
}

}  // namespace

std::string_view CommandOf(const Message& m) {
  return std::visit(
      [](const auto& msg) -> std::string_view {
        if constexpr (std::is_same_v<std::decay_t<decltype(msg)>, Unknown>) {
          return msg.command;
        } else {
          return std::decay_t<decltype(msg)>::kCommand;
        }
      },
      m);
}

bool IsKnownCommand(std::string_view command) { return Find(command) != nullptr; }

namespace {
// Writes (Sink = Writer) or counts (Sink = Counter) the payload of `m`.
template <class Sink>
void Emit(const Message& m, Sink& sink) {
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Unknown>) {
          sink.Bytes(msg.payload);
        } else {
          WireOut<Sink> out(sink);
          T::Fields(out, msg);
        }
      },
      m);
}
}  // namespace

std::size_t EncodedSize(const Message& m) {
  Counter c;
  Emit(m, c);
  return c.size();
}

void EncodeTo(const Message& m, std::vector<std::uint8_t>& out) {
  Writer w(out);
  Emit(m, w);
}

std::vector<std::uint8_t> Encode(const Message& m) {
  std::vector<std::uint8_t> out;
  EncodeTo(m, out);
  return out;
}

Status DecodeInto(std::string_view command, std::span<const std::uint8_t> payload, Message& out) {
  const Entry* e = Find(command);
  if (e == nullptr) {
    auto& u = out.emplace<Unknown>();
    u.command.assign(command);
    u.payload.assign(payload.begin(), payload.end());
    return Status::Ok();
  }
  Status s = e->decode(payload, out);
  if (!s.ok()) return Status::Error(std::string(command) + ": " + s.message());
  return s;
}

Result<Message> Decode(std::string_view command, std::span<const std::uint8_t> payload) {
  Message m;
  Status s = DecodeInto(command, payload, m);
  if (!s.ok()) return s;
  return m;
}

}  // namespace peerlab::bitcoin::wire
