// The JSON text form of wire messages used by `peerlab wire decode|encode` (docs/wire-format.md
// gives the format): one object per message on one line, hashes in Bitcoin's display order
// (reversed), amounts and counts as integers, scripts and raw bytes as lower-case hex, IP
// addresses as text. Output is deterministic: keys in a fixed order, no floating point.
// Both directions visit each message's field list (peerlab/bitcoin/wire/fields.hpp), where
// the keys are declared beside the fields; this library only knows how each format looks.
// Documents are nlohmann-json's (peerlab/util/json.hpp): parsed by ParseJson, which keeps
// 64-bit integers exact, and written by DumpJson with every byte outside printable ASCII as
// \u00XX (JsonFormat::Strings::kBytesAsLatin1).
//
// Contract: MessageFromJson(MessageToJson(m)) == m for every message Decode can produce, and a
// line carrying "payload" (hex) encodes to exactly those payload bytes whatever the command,
// so `decode | encode` reproduces a byte stream. Errors name the field by its path, e.g.
// "inputs[0].script_sig: expected a hex string".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/wire/messages.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::bitcoin::wire {

std::string ToHex(std::span<const std::uint8_t> bytes);
bool FromHex(std::string_view hex, std::vector<std::uint8_t>& out);  // even length, [0-9a-fA-F]
// IPv4-mapped addresses print as dotted quads, others as RFC 5952 IPv6 text.
std::string FormatIp(const std::array<std::uint8_t, 16>& ip);
bool ParseIp(std::string_view text, std::array<std::uint8_t, 16>& ip);

// Frame facts the decoder adds after "command".
struct JsonFrameInfo {
  bool checksum_ok = true;
  std::uint32_t length = 0;
};

// One line (no newline): {"command":..., ["checksum_ok":..., "length":...,] fields...}.
std::string MessageToJson(const Message& m, const JsonFrameInfo* frame = nullptr);
// A line for a frame whose payload did not decode: fields "error" and "payload" (hex).
std::string UndecodedToJson(std::string_view command, const JsonFrameInfo& frame,
                            std::string_view error, std::span<const std::uint8_t> payload);

// A message from one JSON object (one line of text). With "payload", the payload is taken
// verbatim (returned as Unknown with that command, which encodes to exactly those bytes).
Result<Message> MessageFromJson(std::string_view line);

}  // namespace peerlab::bitcoin::wire
