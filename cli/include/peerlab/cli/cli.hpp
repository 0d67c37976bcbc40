// Command-line glue on CLI11 shared by every program and subcommand (cli/README.md): one way
// to parse, one shape of misuse message and one exit status for it.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/util/status.hpp"

namespace peerlab::cli {

// Misuse of a command line: an unknown option, a missing or malformed value, a missing
// positional. Errors from the work itself keep their own statuses.
inline constexpr int kExitUsage = 2;

// What a successful parse asks for.
enum class Parsed { kProceed, kHelp, kVersion };

// Gives `app` the conventions every peerlab command shares: -h/--help, leftovers reported as
// "X: unknown option" or "X: unexpected argument" rather than CLI11's sentence, the last of a
// repeated option counting (a repeatable one sets MultiOptionPolicy::TakeAll and
// allow_extra_args(false)), wrapped help, and `footer` (exit statuses, outputs) under the
// option list. Call before adding options and subcommands (they inherit it).
void Configure(CLI::App& app, const std::string& footer = "");

// Parses `args` (no program name). On misuse the error is one line without a program name,
// e.g. "--seed: expected an integer from 0 to 18446744073709551615, got 'x'".
Result<Parsed> ParseArgs(CLI::App& app, const std::vector<std::string>& args);

// Parses argv[first..argc) for a command whose name is `app`'s. Returns the exit status when
// the command is done (0 after printing the help of the subcommand asked, 2 after a misuse
// line "NAME: message (see NAME --help)" on stderr; 0 after the version when `app` has a
// version flag), nullopt when the command should run.
std::optional<int> Parse(CLI::App& app, int argc, char** argv, int first);

// A misuse found after parsing (a combination of options): the same one line as Parse's, for
// the deepest subcommand of `app` that was given; returns kExitUsage.
int Misuse(const CLI::App& app, const std::string& message);

// The space-separated path of `app` from the top command, e.g. "peerlab theory double-spend".
std::string CommandPath(const CLI::App& app);

// Validators whose messages name the accepted range and repeat what was given.
// An integer in [low, high], written in full ("3", not "3.0" or "3x").
CLI::Validator Integer(std::int64_t low, std::int64_t high);
CLI::Validator Unsigned(std::uint64_t low, std::uint64_t high);
// A finite decimal number in [low, high]; `high_open`, `low_open` leave out that end.
CLI::Validator Number(double low, double high, bool high_open = false, bool low_open = false);
// An option holding a decimal number, converted with std::from_chars (correctly rounded and
// locale-free; CLI11's own conversion goes through long double, which can round twice).
// Add the range with ->check(Number(...)).
CLI::Option* AddNumber(CLI::App& app, const std::string& name, double& out,
                       const std::string& help);
// One of `choices`, spelled exactly.
CLI::Validator OneOf(std::vector<std::string> choices);

}  // namespace peerlab::cli
