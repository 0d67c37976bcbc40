// The JSON layer's bytes (peerlab/util/json.hpp, results' JsonWriter): every run file, the wire
// text form and explore.json are written through it, and the held digests fix their bytes.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "peerlab/results/json.hpp"
#include "peerlab/util/json.hpp"

namespace peerlab {
namespace {

std::string Compact(const Json& v) { return DumpJson(v, {.pretty = false}); }

TEST(JsonFormat, DoublesInTheShortestRoundTripForm) {
  const std::vector<std::pair<double, std::string>> table = {
      {0.0, "0"},
      {-0.0, "-0"},
      {1.0, "1"},
      {5.0, "5"},
      {-3.0, "-3"},
      {0.1, "0.1"},
      {0.7000000000000001, "0.7000000000000001"},
      {1.0 / 3, "0.3333333333333333"},
      {2.5, "2.5"},
      {100.0, "100"},
      {12345.0, "12345"},
      {1e5, "1e+05"},  // shorter than 100000
      {123456.0, "123456"},
      {1e15, "1e+15"},
      {1e21, "1e+21"},
      {1.5e300, "1.5e+300"},
      {0.001, "0.001"},  // a tie with 1e-03: the fixed form
      {0.0001, "1e-04"},
      {1e-7, "1e-07"},
      {2.5e-8, "2.5e-08"},
      {9007199254740992.0, "9007199254740992"},  // 2^53
      {123456789012345680.0, "123456789012345680"},  // 18 digits, shorter than 1.2345678901234568e+17
      {1e17, "1e+17"},
      {std::numeric_limits<double>::max(), "1.7976931348623157e+308"},
      {std::numeric_limits<double>::denorm_min(), "5e-324"},
  };
  for (const auto& [value, text] : table) {
    EXPECT_EQ(FormatDouble(value), text) << value;
    EXPECT_EQ(Compact(Json(value)), text) << value;
    // And it reads back to the same double.
    auto back = ParseJson(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(back->get<double>(), value) << text;
  }
}

TEST(JsonFormat, NonFiniteDoublesAreNull) {
  EXPECT_EQ(Compact(Json(std::nan(""))), "null");
  EXPECT_EQ(Compact(Json(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Compact(Json(-std::numeric_limits<double>::infinity())), "null");
  results::JsonWriter w(false);
  w.BeginArray().Double(std::nan("")).Double(std::optional<double>()).Double(0.5).EndArray();
  EXPECT_EQ(w.Finish(), "[null,null,0.5]\n");
}

TEST(JsonFormat, IntegersExact) {
  EXPECT_EQ(Compact(Json(std::uint64_t{0})), "0");
  EXPECT_EQ(Compact(Json(std::int64_t{-1})), "-1");
  EXPECT_EQ(Compact(Json(std::numeric_limits<std::uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(Compact(Json(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(Compact(Json(std::int64_t{1} << 53 | 1)), "9007199254740993");
  auto big = ParseJson("[18446744073709551615,-9223372036854775808,9007199254740993,-0,1.0]");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)[0].get<std::uint64_t>(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ((*big)[1].get<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ((*big)[2].get<std::uint64_t>(), (std::uint64_t{1} << 53) + 1);
  EXPECT_TRUE((*big)[3].is_number_integer() && !(*big)[3].is_number_unsigned());
  EXPECT_TRUE((*big)[4].is_number_float());
  // Read and written again: the same bytes.
  EXPECT_EQ(Compact(*big), "[18446744073709551615,-9223372036854775808,9007199254740993,0,1]");
}

TEST(JsonFormat, PrettyLayoutAsTheRunFilesHaveIt) {
  results::JsonWriter w;
  w.BeginObject();
  w.Key("name").String("a");
  w.Key("empty_object").BeginObject().EndObject();
  w.Key("empty_array").BeginArray().EndArray();
  w.Key("list").BeginArray().UInt(1).BeginObject().Key("x").Int(-2).EndObject().EndArray();
  w.Key("flag").Bool(true);
  w.Key("none").Null();
  w.Key("raw").Raw(R"({"kept":[1,  2]})");
  w.EndObject();
  EXPECT_EQ(w.Finish(),
            "{\n"
            "  \"name\": \"a\",\n"
            "  \"empty_object\": {},\n"
            "  \"empty_array\": [],\n"
            "  \"list\": [\n"
            "    1,\n"
            "    {\n"
            "      \"x\": -2\n"
            "    }\n"
            "  ],\n"
            "  \"flag\": true,\n"
            "  \"none\": null,\n"
            "  \"raw\": {\"kept\":[1,  2]}\n"
            "}\n");
}

TEST(JsonFormat, KeysStayInTheOrderWritten) {
  results::JsonWriter w(false);
  w.BeginObject().Key("z").UInt(1).Key("a").UInt(2).Key("m").UInt(3).EndObject();
  EXPECT_EQ(w.Finish(), "{\"z\":1,\"a\":2,\"m\":3}\n");
  auto parsed = ParseJson(R"({"z":1,"a":2,"m":3})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(Compact(*parsed), R"({"z":1,"a":2,"m":3})");
}

TEST(JsonFormat, OneLineContainersBelowADepth) {
  Json j = Json::object();
  j["runs"] = 2;
  j["failures"] = Json::array({Json{{"run", 1}, {"file", "a"}}, Json{{"run", 2}, {"file", "b"}}});
  j["none"] = Json::array();
  EXPECT_EQ(DumpJson(j, {.pretty = true, .one_line_depth = 2}),
            "{\n  \"runs\": 2,\n  \"failures\": [\n    {\"run\": 1, \"file\": \"a\"},\n"
            "    {\"run\": 2, \"file\": \"b\"}\n  ],\n  \"none\": []\n}");
  EXPECT_EQ(DumpJson(Json{{"ok", true}, {"error", nullptr}}, {.pretty = true, .one_line_depth = 0}),
            "{\"ok\": true, \"error\": null}");
}

TEST(JsonFormat, StringEscapingPerStyle) {
  const std::string s = std::string("q\"b\\n\nr\rt\tb\bf\fz") + '\0' + "\x1f\x7f\xc3\xa9/";
  using S = JsonFormat::Strings;
  EXPECT_EQ(DumpJson(Json(s), {.pretty = false, .strings = S::kShortControl}),
            "\"q\\\"b\\\\n\\nr\\rt\\tb\\u0008f\\u000cz\\u0000\\u001f\x7f\xc3\xa9/\"");
  EXPECT_EQ(DumpJson(Json(s), {.pretty = false, .strings = S::kHexControl}),
            "\"q\\\"b\\\\n\\u000ar\\u000dt\\u0009b\\u0008f\\u000cz\\u0000\\u001f\x7f\xc3\xa9/\"");
  EXPECT_EQ(DumpJson(Json(s), {.pretty = false, .strings = S::kBytesAsLatin1}),
            "\"q\\\"b\\\\n\\u000ar\\u000dt\\u0009b\\u0008f\\u000cz\\u0000\\u001f\\u007f\\u00c3\\u00a9/\"");
  // Keys are escaped the same way.
  EXPECT_EQ(Compact(Json{{"a\nb", 1}}), "{\"a\\nb\":1}");
}

TEST(JsonParse, OneClearErrorForBadInput) {
  auto err = [](std::string_view text) {
    auto v = ParseJson(text);
    return v.ok() ? std::string("ok") : v.status().message();
  };
  EXPECT_EQ(err(R"({"a":1})"), "ok");
  EXPECT_EQ(err(R"({"a":1,"a":2})"), "duplicate key \"a\"");
  EXPECT_EQ(err(R"({"a":{"b":1,"c":2},"b":{"b":3}})"), "ok");  // keys are per object
  EXPECT_EQ(err(R"({"command":"ping")"),
            "line 1, column 18: syntax error while parsing object - unexpected end of input; "
            "expected '}'");
  EXPECT_EQ(err("{\"a\":1}\n{"), "line 2, column 1: syntax error while parsing value - "
                                 "unexpected '{'; expected end of input");
  EXPECT_NE(err("/* no comments */ 1"), "ok");
  EXPECT_EQ(err(std::string(64, '[') + std::string(64, ']')), "ok");
  EXPECT_EQ(err(std::string(65, '[') + std::string(65, ']')), "nested more than 64 levels deep");
  EXPECT_EQ(err(std::string(100000, '[')), "nested more than 64 levels deep");
}

}  // namespace
}  // namespace peerlab
