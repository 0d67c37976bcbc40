#include "peerlab/cli/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <utility>

namespace peerlab::cli {
namespace {

// The subcommand the user reached: help and misuse messages are about it.
const CLI::App& Deepest(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return *at;
}

// CLI11's sentences in the words of every other peerlab error: "NAME: 1 required TYPE missing"
// (a value-taking option last on the line), "NAME is required", "A subcommand is required".
std::string Reword(const CLI::ParseError& e, const CLI::App& app) {
  std::string message = e.what();
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr && message.ends_with(" is required")) {
    const std::string name = message.substr(0, message.size() - std::string(" is required").size());
    if (name == "A subcommand") {
      const bool top = CommandPath(Deepest(app)).find(' ') == std::string::npos;
      return top ? "missing command" : "missing subcommand";
    }
    return name.starts_with("-") ? name + ": required" : "missing " + name;
  }
  const std::size_t required = message.find(": 1 required ");
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr && required != std::string::npos &&
      message.ends_with(" missing")) {
    return message.substr(0, required) + ": needs a value";
  }
  return message;
}

// The first argument nothing took, in words ("" when every argument was used).
std::string Leftover(const CLI::App& app) {
  const std::vector<std::string> rest = app.remaining(true);
  if (rest.empty()) return "";
  const std::string& first = rest.front();
  if (first.size() > 1 && first[0] == '-') return first + ": unknown option";
  const CLI::App& at = Deepest(app);
  if (!at.get_subcommands({}).empty() && at.get_subcommands().empty()) {
    // `peerlab frobnicate`, `peerlab theory mempool`
    const bool top = CommandPath(at).find(' ') == std::string::npos;
    return first + (top ? ": unknown command" : ": unknown subcommand");
  }
  return first + ": unexpected argument";
}

// Option and subcommand descriptions wrapped to the terminal's customary width, continuation
// lines under the first (CLI11 prints them as one long line).
class WrappingFormatter : public CLI::Formatter {
 public:
  std::string make_option_desc(const CLI::Option* option) const override {
    return Wrap(CLI::Formatter::make_option_desc(option));
  }
  // A blank line between the description and the usage line.
  std::string make_description(const CLI::App* app) const override {
    const std::string text = CLI::Formatter::make_description(app);
    return text.empty() ? text : text + "\n";
  }
  // A positional's name says what it is (FILE, RUN_DIR): no TEXT type after it.
  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->nonpositional()) return CLI::Formatter::make_option_opts(option);
    return option->get_required() ? " REQUIRED" : "";
  }
  // A subcommand row shows the whole command line to type ("peerlab theory double-spend").
  std::string make_subcommand(const CLI::App* sub) const override {
    std::stringstream out;
    CLI::detail::format_help(out, CommandPath(*sub), Wrap(sub->get_description()),
                             get_column_width());
    return out.str();
  }

 private:
  static constexpr std::size_t kWidth = 96;
  std::string Wrap(const std::string& text) const {
    const std::size_t width = kWidth - std::min(kWidth - 40, get_column_width());
    std::string out, word;
    std::size_t line = 0;
    auto flush = [&] {
      if (word.empty()) return;
      if (line > 0 && line + 1 + word.size() > width) {
        out += '\n';
        line = 0;
      } else if (line > 0) {
        out += ' ';
        ++line;
      }
      out += word;
      line += word.size();
      word.clear();
    };
    for (const char c : text) {
      if (c == ' ' || c == '\n') {
        flush();
      } else {
        word += c;
      }
    }
    flush();
    return out;
  }
};

std::string Quote(const std::string& text) { return "'" + text + "'"; }

}  // namespace

void Configure(CLI::App& app, const std::string& footer) {
  app.set_help_flag("-h,--help", "print this help and exit");
  // Leftovers are collected and reported by ParseArgs, one at a time in peerlab's words.
  app.allow_extras();
  // An option given twice: the last one counts, as it always did. Repeatable options (--set)
  // say TakeAll themselves.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  auto formatter = std::make_shared<WrappingFormatter>();
  formatter->column_width(30);
  app.formatter(formatter);
  if (!footer.empty()) app.footer(footer);
}

Result<Parsed> ParseArgs(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return Parsed::kHelp;
  } catch (const CLI::CallForVersion&) {
    return Parsed::kVersion;
  } catch (const CLI::ParseError& e) {
    // CLI11 validates values before it looks at --help; asking for help still gets it, for
    // the (sub)command reached (help() follows the subcommands parsed so far).
    for (const std::string& arg : args) {
      if (arg == "--") break;
      if (arg == "-h" || arg == "--help") return Parsed::kHelp;
    }
    // A leftover (a mistyped option or subcommand) usually explains a requirement that then
    // failed, so it is named first.
    if (auto leftover = Leftover(app); !leftover.empty()) return Status::Error(leftover);
    return Status::Error(Reword(e, app));
  }
  if (auto leftover = Leftover(app); !leftover.empty()) return Status::Error(leftover);
  return Parsed::kProceed;
}

std::optional<int> Parse(CLI::App& app, int argc, char** argv, int first) {
  std::vector<std::string> args;
  for (int i = first; i < argc; ++i) args.emplace_back(argv[i]);
  auto parsed = ParseArgs(app, args);
  if (!parsed.ok()) return Misuse(app, parsed.status().message());
  if (*parsed == Parsed::kHelp) {
    // help() descends into the subcommand that was given, naming it by its full path.
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  if (*parsed == Parsed::kVersion) {
    std::printf("%s\n", app.version().c_str());
    return 0;
  }
  return std::nullopt;
}

std::string CommandPath(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* up = app.get_parent(); up != nullptr; up = up->get_parent()) {
    path = up->get_name() + " " + path;
  }
  return path;
}

int Misuse(const CLI::App& app, const std::string& message) {
  const std::string name = CommandPath(Deepest(app));
  std::fprintf(stderr, "%s: %s (see %s --help)\n", name.c_str(), message.c_str(), name.c_str());
  return kExitUsage;
}

namespace {

// An integer of type T in [low, high], written in full ("3", not "3.0" or "3x").
template <typename T>
CLI::Validator IntegerIn(T low, T high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        T v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < low ||
            v > high) {
          return "expected an integer from " + std::to_string(low) + " to " +
                 std::to_string(high) + ", got " + Quote(text);
        }
        return {};
      },
      "");
}

}  // namespace

CLI::Validator Integer(std::int64_t low, std::int64_t high) { return IntegerIn(low, high); }

CLI::Validator Unsigned(std::uint64_t low, std::uint64_t high) { return IntegerIn(low, high); }

CLI::Validator Number(double low, double high, bool high_open, bool low_open) {
  return CLI::Validator(
      [low, high, high_open, low_open](std::string& text) -> std::string {
        double v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
            !std::isfinite(v)) {
          return "expected a number, got " + Quote(text);
        }
        if (v < low || v > high || (high_open && v == high) || (low_open && v == low)) {
          char range[80];
          std::snprintf(range, sizeof range, "%s%g, %g%s", low_open ? "(" : "[", low, high,
                        high_open ? ")" : "]");
          return std::string("must be in ") + range + ", got " + text;
        }
        return {};
      },
      "");
}

CLI::Option* AddNumber(CLI::App& app, const std::string& name, double& out,
                       const std::string& help) {
  auto convert = [&out, name](const std::string& text) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      throw CLI::ValidationError(name, "expected a number, got " + Quote(text));
    }
  };
  return app.add_option_function<std::string>(name, convert, help)->type_name("X");
}

CLI::Validator OneOf(std::vector<std::string> choices) {
  return CLI::Validator(
      [choices = std::move(choices)](std::string& text) -> std::string {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) return {};
        std::string list;
        for (std::size_t i = 0; i < choices.size(); ++i) {
          list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        }
        return "expected " + list + ", got " + Quote(text);
      },
      "");
}

}  // namespace peerlab::cli
