// A structural check of protobuf bytes against a message's descriptor, run before the
// protobuf parser so that malformed input gets an error naming the field (the parser itself
// only says yes or no). Internal to peerlab_tendermint_wire.
#pragma once

#include <cstdint>
#include <span>

#include <google/protobuf/descriptor.h>

#include "peerlab/util/status.hpp"

namespace peerlab::tendermint::wire_detail {

// Checks every tag of `bytes` (and of every nested message, recursively) against `root`'s
// .proto: field numbers, wire types (packed or not for repeated scalars), truncation, varints
// of at most 10 bytes, values that fit the declared integer type, bools of 0 or 1, strings of
// valid UTF-8, nesting depth. Unknown fields are skipped if well formed (proto3 rules); groups
// are refused. Errors read "<root message>: <field path>: <problem>".
Status CheckWireStructure(const google::protobuf::Descriptor& root,
                          std::span<const std::uint8_t> bytes);

}  // namespace peerlab::tendermint::wire_detail
