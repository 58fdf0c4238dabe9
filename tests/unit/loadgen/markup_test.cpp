// Reports stay well-formed whatever bytes the outside world put in them: a
// replayed URL or a server's header may hold control characters or invalid
// UTF-8, and one such byte makes a JUnit file unreadable to a CI server.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "report/json_report.hpp"
#include "report/junit_report.hpp"
#include "report/markup.hpp"
#include "swap/bench_html.hpp"
#include "swap/swap_report.hpp"

using namespace isapi::loadgen;

namespace {

// Control characters, a lone continuation byte, a byte that never appears in
// UTF-8, an encoded surrogate and U+FFFE: none is an XML 1.0 character.
// A NUL is in the middle, so the literal is a std::string one.
using namespace std::string_literals;
const std::string kHostile = "/a\x01"s + "b\x1b[31m" + "\x80" + "\xff" + "\xed\xa0\x80" + "\xef\xbf\xbe" + "\x00z <&>\"\n"s;

// XML 1.0 §2.2 Char, checked independently of the code under test: the
// document is UTF-8 and every code point is #x9 | #xA | #xD | [#x20-#xD7FF] |
// [#xE000-#xFFFD] | [#x10000-#x10FFFF]. Returns the offset of the first
// offending byte, or npos.
std::size_t first_non_xml_char(const std::string& doc) {
    std::size_t i = 0;
    while (i < doc.size()) {
        const auto b0 = static_cast<unsigned char>(doc[i]);
        std::size_t n = b0 < 0x80 ? 1 : (b0 >> 5) == 0x6 ? 2 : (b0 >> 4) == 0xE ? 3 : (b0 >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > doc.size()) return i;
        unsigned long cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
        for (std::size_t k = 1; k < n; ++k) {
            const auto b = static_cast<unsigned char>(doc[i + k]);
            if ((b & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (b & 0x3F);
        }
        const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[n]) return i;  // overlong
        const bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                        (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
        if (!ok) return i;
        i += n;
    }
    return std::string::npos;
}

void require_xml_chars_only(const std::string& doc) {
    const auto bad = first_non_xml_char(doc);
    INFO("first offending byte at " << bad << ": ..." << (bad == std::string::npos ? "" : doc.substr(bad, 20)));
    REQUIRE(bad == std::string::npos);
}

}  // namespace

TEST_CASE("markup escaping spells out bytes that are not XML characters", "[report][markup]") {
    CHECK(markup_escape(std::string("a\x01z")) == "a\\x01z");
    CHECK(markup_escape("\x7f") == "\\x7f");                  // DEL: allowed, but invisible
    CHECK(markup_escape("\xc2\x85") == "\\xc2\\x85");         // NEL, a C1 control
    CHECK(markup_escape("\xff") == "\\xff");                  // never in UTF-8
    CHECK(markup_escape("\xc3") == "\\xc3");                  // a sequence cut short
    CHECK(markup_escape("\xc0\xaf") == "\\xc0\\xaf");         // overlong '/'
    CHECK(markup_escape("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
    CHECK(markup_escape("\xef\xbf\xbe") == "\\xef\\xbf\\xbe");  // U+FFFE
    CHECK(markup_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    // An XML parser turns a raw tab or line break in an attribute into a space.
    CHECK(markup_escape("a\tb\nc\rd") == "a&#9;b&#10;c&#13;d");
    CHECK(markup_escape("<&>\"") == "&lt;&amp;&gt;&quot;");
}

TEST_CASE("a JUnit report with a hostile URL holds only XML characters", "[report][markup]") {
    RunResult r;
    r.stats.add({0, 0, 1000, 1'000'000, 10, 0, 200, 0, ErrorClass::ok}, "B1");
    ReportInput in;
    in.command = "replay" + kHostile;
    in.target = "http://127.0.0.1:1" + kHostile;
    in.result = &r;
    Threshold t;
    t.text = "p99>1ms" + kHostile;
    in.thresholds.push_back({t, 2000, true, "broke" + kHostile});
    const std::string x = junit_report(in);
    require_xml_chars_only(x);
    CHECK(x.find("value=\"http://127.0.0.1:1/a\\x01b\\x1b[31m\\x80\\xff") != std::string::npos);
    CHECK(x.find("\\x00z &lt;&amp;&gt;&quot;&#10;\"") != std::string::npos);
}

TEST_CASE("the swap and swap-bench pages with hostile text hold only XML characters", "[report][markup]") {
    SwapReport r;
    r.strategy = "rename-copy" + kHostile;
    r.mode = "uncached";
    r.recycle = "immediate";
    r.live_path = "/srv" + kHostile;
    r.target = "http://127.0.0.1:1" + kHostile;
    r.trace.error = "copy failed" + kHostile;
    r.trace.failed = true;
    r.trace.events = {{"rename", 1'000'000, "detail" + kHostile}};
    require_xml_chars_only(swap_html_report(r));

    BenchCell cell;
    cell.strategy = "exchange" + kHostile;
    cell.mode = "cached" + kHostile;
    cell.recycle = "overlapped";
    cell.note = "note" + kHostile;
    cell.runs.push_back(r.measures);
    cell.run_failed.push_back(false);
    require_xml_chars_only(bench_html_report({cell}, "bench" + kHostile));
}

TEST_CASE("a JSON summary survives a build identity that is not UTF-8", "[report][markup]") {
    // The build value is whatever the server put in X-Isapi-Build.
    RunResult r;
    r.stats.add({0, 0, 1000, 1'000'000, 10, 0, 200, 0, ErrorClass::ok}, "v1\xff\xfe");
    ReportInput in;
    in.command = "run";
    in.target = "http://127.0.0.1:1/a\xc3";
    in.result = &r;
    std::string text;
    REQUIRE_NOTHROW(text = json_report(in));
    const auto j = nlohmann::json::parse(text);
    CHECK(j["builds"].size() == 1);
    CHECK(j["sent"] == 1);
}
