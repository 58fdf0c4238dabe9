// Replaying what a site logged or a browser recorded: an IIS log's fields
// come back as the request sent them ('+' was a space where a space can be),
// and a HAR file can be cut down to the site's own requests (--only-host).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "cli/plan_builder.hpp"
#include "replay/readers.hpp"

using namespace isapi::loadgen;

namespace {

std::string header(const RequestSpec& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return "<none>";
}

ReplaySource w3c(const std::string& text) {
    std::istringstream in(text);
    return read_w3c(in, "u_ex261205.log");
}

// IIS's default fields since IIS 8.0, and cs(Cookie), as IIS writes them.
const char* kFields = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                      "cs(User-Agent) cs(Cookie) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n";

// A shop page, its CDN's script and font, and an analytics beacon, as a
// browser's HAR export holds them.
const char* kShopHar = R"({"log": {"version": "1.2", "creator": {"name": "Chrome", "version": "131"}, "entries": [
  {"startedDateTime": "2026-12-05T10:00:00.000Z",
   "request": {"method": "GET", "url": "https://shop.example.com/app/cart.dll?id=7", "headers": []}},
  {"startedDateTime": "2026-12-05T10:00:00.100Z",
   "request": {"method": "GET", "url": "https://cdn.example.net/js/app.js", "headers": []}},
  {"startedDateTime": "2026-12-05T10:00:00.120Z",
   "request": {"method": "GET", "url": "https://cdn.example.net/fonts/a.woff2", "headers": []}},
  {"startedDateTime": "2026-12-05T10:00:00.200Z",
   "request": {"method": "POST", "url": "https://SHOP.Example.com./app/cart.dll", "headers": [],
               "postData": {"mimeType": "application/json", "text": "{\"add\":7}"}}},
  {"startedDateTime": "2026-12-05T10:00:00.300Z",
   "request": {"method": "GET", "url": "http://shop.example.com:8080/admin/stats.dll", "headers": []}},
  {"startedDateTime": "2026-12-05T10:00:00.400Z",
   "request": {"method": "POST", "url": "https://www.google-analytics.com/g/collect?v=2", "headers": []}}
]}})";

ReplaySource shop_har() {
    std::istringstream in(kShopHar);
    return read_har(in, "checkout.har");
}

std::vector<std::string> targets(const ReplaySource& s) {
    std::vector<std::string> out;
    for (const auto& e : s.entries) out.push_back(e.request.method + " " + e.request.target);
    return out;
}

std::string scratch_file(const std::string& stem) {
    return (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(std::random_device{}()))).string();
}

}  // namespace

TEST_CASE("a '+' in an IIS log's user agent is a space again, and a Referer keeps its '+'", "[replay][w3c]") {
    const ReplaySource s = w3c(std::string(kFields) +
                               "2026-12-05 10:00:00 10.0.0.5 GET /app/hello.dll q=a+b 80 - 10.0.0.9 "
                               "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+Gecko/20100101+Firefox/133.0 - "
                               "https://www.example.com/search?q=c%2B%2B+isapi 200 0 0 15\r\n");
    REQUIRE(s.entries.size() == 1);
    const RequestSpec& r = s.entries[0].request;
    CHECK(header(r, "User-Agent") == "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/133.0");
    // A URL holds no space: its '+' is its own (here a form-encoded space).
    CHECK(header(r, "Referer") == "https://www.example.com/search?q=c%2B%2B+isapi");
    CHECK(header(r, "Cookie") == "<none>");  // "-": none sent
    CHECK(r.target == "/app/hello.dll?q=a+b");  // the query as the client sent it
}

TEST_CASE("an IIS log's cookie gets back the spaces after its separators, and keeps a value's '+'", "[replay][w3c]") {
    const ReplaySource s = w3c(std::string(kFields) +
                               "2026-12-05 10:00:00 10.0.0.5 GET /app/hello.dll - 80 - 10.0.0.9 curl/8.4.0 "
                               "ASP.NET_SessionId=x1y2;+token=ab+cd/ef==;+theme=dark - 200 0 0 3\r\n");
    REQUIRE(s.entries.size() == 1);
    CHECK(header(s.entries[0].request, "Cookie") == "ASP.NET_SessionId=x1y2; token=ab+cd/ef==; theme=dark");
    CHECK(header(s.entries[0].request, "Referer") == "<none>");
}

TEST_CASE("an IIS log's decoded cs-uri-stem is encoded again for the request line", "[replay][w3c]") {
    const ReplaySource s = w3c(std::string(kFields) +
                               "2026-12-05 10:00:00 10.0.0.5 GET /my+files/report.dll - 80 - 10.0.0.9 - - - 200 0 0 1\r\n"
                               "2026-12-05 10:00:01 10.0.0.5 GET /caf\xc3\xa9/100%/a#b?.dll x=1 80 - 10.0.0.9 - - - "
                               "200 0 0 1\r\n"
                               "2026-12-05 10:00:02 10.0.0.5 GET /already%20escaped/a.dll - 80 - 10.0.0.9 - - - "
                               "200 0 0 1\r\n");
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].request.target == "/my%20files/report.dll");
    CHECK(s.entries[1].request.target == "/caf%C3%A9/100%25/a%23b%3F.dll?x=1");
    CHECK(s.entries[2].request.target == "/already%20escaped/a.dll");
}

TEST_CASE("replay's --only-host keeps a HAR file's entries on that host, in any case, and counts the others by host",
          "[replay][har]") {
    ReplaySource s = shop_har();
    REQUIRE(s.entries.size() == 6);
    const HostFilterResult r = keep_only_host(s, "Shop.Example.COM");
    CHECK(targets(s) ==
          std::vector<std::string>{"GET /app/cart.dll?id=7", "POST /app/cart.dll", "GET /admin/stats.dll"});
    CHECK(r.kept == 3);
    CHECK(r.skipped == 3);
    REQUIRE(r.skipped_hosts.size() == 2);
    CHECK(r.skipped_hosts[0] == std::pair<std::string, std::size_t>{"cdn.example.net", 2});
    CHECK(r.skipped_hosts[1] == std::pair<std::string, std::size_t>{"www.google-analytics.com", 1});
}

TEST_CASE("replay's --only-host HOST:PORT keeps only that port, the scheme's default when the URL gives none",
          "[replay][har]") {
    ReplaySource https = shop_har();
    CHECK(keep_only_host(https, "shop.example.com:443").kept == 2);
    CHECK(targets(https) == std::vector<std::string>{"GET /app/cart.dll?id=7", "POST /app/cart.dll"});

    ReplaySource admin = shop_har();
    const HostFilterResult r = keep_only_host(admin, "http://shop.example.com:8080/");  // a URL is taken too
    CHECK(targets(admin) == std::vector<std::string>{"GET /admin/stats.dll"});
    CHECK(r.skipped == 5);

    ReplaySource none = shop_har();
    CHECK(keep_only_host(none, "shop.example.com:80").kept == 0);
    CHECK_THROWS_AS(keep_only_host(none, ""), std::invalid_argument);
    CHECK_THROWS_AS(keep_only_host(none, "shop.example.com:http"), std::invalid_argument);
}

TEST_CASE("replay --only-host says what it skipped, refuses a format without hosts, and names the hosts "
          "when none matches",
          "[replay][har]") {
    const std::string har = scratch_file("only-host") + ".har";
    std::ofstream(har, std::ios::binary) << kShopHar;
    ReplayOptions replay;
    replay.file = har;
    replay.target = "http://127.0.0.1:9";
    replay.asap = true;
    CommonOptions common;
    std::ostringstream diagnostics;
    std::size_t malformed = 0;

    const RunPlan all = plan_for_replay(common, replay, diagnostics, malformed);
    CHECK(all.templates.size() == 6);  // the default is unchanged: every entry, sent to --target
    CHECK(diagnostics.str().empty());

    replay.only_host = "shop.example.com";
    const RunPlan shop = plan_for_replay(common, replay, diagnostics, malformed);
    CHECK(shop.templates.size() == 3);
    CHECK(diagnostics.str() ==
          "isapi-loadgen: --only-host shop.example.com: replaying 3 of 6 HAR entries, skipped 3 on other hosts: "
          "cdn.example.net (2), www.google-analytics.com (1)\n");

    replay.only_host = "shop.example.org";
    CHECK_THROWS_WITH(plan_for_replay(common, replay, diagnostics, malformed),
                      Catch::Contains("no entry of " + har + " is on that host") &&
                          Catch::Contains("shop.example.com (2)"));

    const std::string log = scratch_file("only-host") + ".log";
    std::ofstream(log, std::ios::binary) << kFields
                                         << "2026-12-05 10:00:00 10.0.0.5 GET /a.dll - 80 - 10.0.0.9 - - - 200 0 0 1\r\n";
    replay.file = log;
    replay.only_host = "shop.example.com";
    CHECK_THROWS_WITH(plan_for_replay(common, replay, diagnostics, malformed),
                      Catch::Contains("--only-host picks a HAR file's entries") && Catch::Contains("not read as HAR"));
    std::remove(har.c_str());
    std::remove(log.c_str());
}
