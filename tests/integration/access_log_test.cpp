// isapi-host --access-log against the reader IIS users point at their logs:
// a real host in each isolation mode, a known mix of requests, every record
// checked field by field against the #Fields directive as it lands in the
// file, then goaccess's W3C preset (Debian's goaccess, installed by
// scripts/install-deps.sh) counting the statuses, times, browsers and
// referrers the way it counts an IIS log's.
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using namespace isapi::itest;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(text);
    while (std::getline(in, item, separator)) out.push_back(item);
    return out;
}

// A W3C log as read back: its #Fields, and each record as field -> value.
struct W3cLog {
    std::vector<std::string> fields;
    std::vector<std::map<std::string, std::string>> records;
    std::vector<std::string> problems;  // lines that do not match #Fields
    bool ends_with_line_end = false;    // the file does not stop inside a line
};

W3cLog read_log(const std::filesystem::path& path)
{
    const std::string text = read_file(path);
    W3cLog log;
    log.ends_with_line_end = text.size() >= 2 && text.compare(text.size() - 2, 2, "\r\n") == 0;
    for (std::string line : split(text, '\n')) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("#Fields: ", 0) == 0) log.fields = split(line.substr(9), ' ');
        if (line.empty() || line[0] == '#') continue;
        const auto values = split(line, ' ');
        if (values.size() != log.fields.size()) {
            log.problems.push_back(line);
            continue;
        }
        std::map<std::string, std::string> record;
        for (std::size_t i = 0; i < values.size(); ++i) record[log.fields[i]] = values[i];
        log.records.push_back(std::move(record));
    }
    return log;
}

std::string field(const std::map<std::string, std::string>& record, const std::string& name)
{
    const auto it = record.find(name);
    return it == record.end() ? "<no such field>" : it->second;
}

// Runs goaccess on `log` with `format` and returns its JSON report. Fails
// the test, saying how to get it, when goaccess is not installed.
json goaccess_report(const std::filesystem::path& log, const std::string& format_args, const TempDir& scratch)
{
    if (std::system("command -v goaccess >/dev/null 2>&1") != 0)
        FAIL("goaccess is not installed: this test reads the host's log with goaccess's W3C preset. "
             "scripts/install-deps.sh installs it (Debian package goaccess), and scripts/test.sh runs that");
    const auto report = scratch.path() / "goaccess.json";
    const auto output = scratch.path() / "goaccess.out";
    const std::string command = "goaccess '" + log.string() + "' " + format_args +
                                " --no-global-config --no-progress -o '" + report.string() + "' >'" +
                                output.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    INFO(command << "\n" << read_file(output));
    REQUIRE(status == 0);
    return json::parse(read_file(report));
}

// Hits of the goaccess panel's row (or sub-row, e.g. "404 - Not Found...")
// whose name starts with `name`; 0 when there is none.
long long hits(const json& report, const std::string& panel, const std::string& name)
{
    for (const auto& row : report.at(panel).at("data")) {
        if (row.at("data").get<std::string>().rfind(name, 0) == 0) return row.at("hits").at("count").get<long long>();
        if (row.contains("items"))
            for (const auto& item : row.at("items"))
                if (item.at("data").get<std::string>().rfind(name, 0) == 0)
                    return item.at("hits").at("count").get<long long>();
    }
    return 0;
}

struct Sent {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers = {};
    unsigned status = 0;
    std::string stem, query, user_agent = "-", referer = "-", win32_status = "0";
};

constexpr const char* kFirefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

}  // namespace

TEST_CASE("the access log is IIS's default W3C log, each record in the file as its request ends, read right by "
          "goaccess's W3C preset",
          "[integration][access-log]")
{
    for (const std::string isolation : {"inproc", "process"}) {
        DYNAMIC_SECTION("--isolation " << isolation)
        {
            TempDir scratch;
            const auto log_path = scratch.path() / "u_ex.log";
            auto host = spawn_host({"--isolation", isolation, "--listen", "127.0.0.1:0", "--log-level", "warn",
                                    "--map", std::string("/hello.dll=") + Built::hello, "--map",
                                    std::string("/slow.dll=") + Built::slow, "--map",
                                    std::string("/transmit.dll=") + Built::transmit, "--access-log",
                                    log_path.string()});
            // 7 answered 200, 4 answered 404: 3 by the host (nothing mapped:
            // IIS's "file not found", sc-win32-status 2), 1 by an extension.
            std::vector<Sent> mix;
            for (int i = 1; i <= 5; ++i) {
                const std::string query = "n=" + std::to_string(i);
                mix.push_back({.target = "/hello.dll?" + query, .status = 200, .stem = "/hello.dll", .query = query});
            }
            for (int i = 0; i < 3; ++i)
                mix.push_back({.target = "/missing.dll", .status = 404, .stem = "/missing.dll", .query = "-",
                               .win32_status = "2"});
            mix.push_back({.target = "/transmit.dll?file=not-there.txt", .status = 404, .stem = "/transmit.dll",
                           .query = "file=not-there.txt"});
            mix.push_back({.target = "/slow.dll?ms=40", .status = 200, .stem = "/slow.dll", .query = "ms=40"});
            mix.push_back({.target = "/hello.dll",
                           .headers = {{"User-Agent", kFirefox}, {"Referer", "http://shop.example.com/cart?item=7"}},
                           .status = 200,
                           .stem = "/hello.dll",
                           .query = "-",
                           .user_agent = "Mozilla/5.0+(X11;+Linux+x86_64;+rv:133.0)+Gecko/20100101+Firefox/133.0",
                           .referer = "http://shop.example.com/cart?item=7"});

            HttpClient client = client_for(*host);
            for (std::size_t i = 0; i < mix.size(); ++i) {
                INFO("request " << i << ": GET " << mix[i].target);
                const HttpResponse response = client.send({"GET", mix[i].target, mix[i].headers, "", 0});
                REQUIRE(response.status == mix[i].status);
                // Its record is in the file, whole, while the host runs: no
                // buffer holds it back, no line is cut off.
                const bool logged = wait_until(
                    [&] {
                        const W3cLog log = read_log(log_path);
                        return log.records.size() == i + 1 && log.ends_with_line_end && log.problems.empty();
                    },
                    1s);
                INFO(read_file(log_path));
                REQUIRE(logged);
            }

            const W3cLog log = read_log(log_path);
            CHECK(log.fields == std::vector<std::string>{"date", "time", "s-ip", "cs-method", "cs-uri-stem",
                                                         "cs-uri-query", "s-port", "cs-username", "c-ip",
                                                         "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus",
                                                         "sc-win32-status", "time-taken"});
            CHECK(read_file(log_path).find("#Software: isapi-harness ") == 0);
            REQUIRE(log.records.size() == mix.size());
            const std::regex date(R"(\d{4}-\d\d-\d\d)"), time(R"(\d\d:\d\d:\d\d)"), number(R"(\d+)");
            for (std::size_t i = 0; i < mix.size(); ++i) {
                const auto& r = log.records[i];
                INFO("record " << i << " (GET " << mix[i].target << ")");
                CHECK(std::regex_match(field(r, "date"), date));
                CHECK(std::regex_match(field(r, "time"), time));
                CHECK(field(r, "s-ip") == "127.0.0.1");
                CHECK(field(r, "cs-method") == "GET");
                CHECK(field(r, "cs-uri-stem") == mix[i].stem);
                CHECK(field(r, "cs-uri-query") == mix[i].query);
                CHECK(field(r, "s-port") == std::to_string(host->port()));
                CHECK(field(r, "cs-username") == "-");
                CHECK(field(r, "c-ip") == "127.0.0.1");
                CHECK(field(r, "cs(User-Agent)") == mix[i].user_agent);
                CHECK(field(r, "cs(Referer)") == mix[i].referer);
                CHECK(field(r, "sc-status") == std::to_string(mix[i].status));
                CHECK(field(r, "sc-substatus") == "0");
                CHECK(field(r, "sc-win32-status") == mix[i].win32_status);
                CHECK(std::regex_match(field(r, "time-taken"), number));
            }
            CHECK(std::stoi(field(log.records[9], "time-taken")) >= 40);  // slow.dll?ms=40

            // goaccess on the live log, as an IIS user runs it.
            const json report = goaccess_report(log_path, "--log-format=W3C", scratch);
            const json& general = report.at("general");
            CHECK(general.at("valid_requests") == 11);
            CHECK(general.at("failed_requests") == 0);
            CHECK(hits(report, "status_codes", "2xx") == 7);
            CHECK(hits(report, "status_codes", "200") == 7);
            CHECK(hits(report, "status_codes", "4xx") == 4);
            CHECK(hits(report, "status_codes", "404") == 4);
            CHECK(hits(report, "not_found", "/missing.dll") == 3);
            CHECK(hits(report, "browsers", "Firefox") == 1);
            CHECK(hits(report, "referring_sites", "shop.example.com") == 1);
            // time-taken is read: goaccess keeps microseconds.
            long long slowest = 0;
            for (const auto& row : report.at("requests").at("data"))
                slowest = std::max(slowest, row.at("maxts").get<long long>());
            CHECK(slowest >= 40'000);

            CHECK(host->stop().describe() == exited_with(0));
            CHECK(read_log(log_path).records.size() == mix.size());  // nothing more, nothing lost at the stop
        }
    }
}

TEST_CASE("the log's fields are chosen by IIS's logExtFileFlags names and written in IIS's order, and goaccess "
          "reads sc-bytes with a format of its own",
          "[integration][access-log]")
{
    TempDir scratch;
    const auto log_path = scratch.path() / "bytes.log";
    auto host = start_host({"--map", std::string("/hello.dll=") + Built::hello, "--access-log", log_path.string(),
                            "--access-log-fields", "TimeTaken,BytesSent,HttpStatus,UriStem,date,Time,Host,c-ip"});
    HttpClient client = client_for(*host);
    // A record is written once its response has gone out: the next request
    // waits for it, so the lines are in the order sent.
    REQUIRE(client.get("/hello.dll").status == 200);
    REQUIRE(wait_until([&] { return read_log(log_path).records.size() == 1; }, 1s));
    REQUIRE(client.get("/nothing.dll").status == 404);
    REQUIRE(wait_until([&] { return read_log(log_path).records.size() == 2; }, 1s));

    const W3cLog log = read_log(log_path);
    CHECK(log.fields ==
          std::vector<std::string>{"date", "time", "cs-uri-stem", "c-ip", "cs-host", "sc-status", "sc-bytes",
                                   "time-taken"});
    const std::string authority = "127.0.0.1:" + std::to_string(host->port());
    long long bytes = 0;
    for (const auto& record : log.records) {
        CHECK(field(record, "cs-host") == authority);
        CHECK(std::stoll(field(record, "sc-bytes")) > 100);  // the status line and headers at least
        bytes += std::stoll(field(record, "sc-bytes"));
    }
    CHECK(field(log.records[0], "cs-uri-stem") == "/hello.dll");
    CHECK(field(log.records[1], "sc-status") == "404");

    const json report = goaccess_report(
        log_path, "--log-format='%d %t %U %h %v %s %b %L' --date-format=%Y-%m-%d --time-format=%T", scratch);
    CHECK(report.at("general").at("valid_requests") == 2);
    CHECK(report.at("general").at("bandwidth") == bytes);
    CHECK(hits(report, "status_codes", "404") == 1);
}

TEST_CASE("a log field name IIS does not have is refused at startup, and so is a field list without a log",
          "[integration][access-log]")
{
    const std::string map = std::string("/hello.dll=") + Built::hello;
    CHECK_THROWS_WITH(spawn_host({"--listen", "127.0.0.1:0", "--map", map, "--access-log", "x.log",
                                  "--access-log-fields", "default,Bytes"}),
                      Catch::Contains("'Bytes' is not an IIS log field") && Catch::Contains("BytesSent"));
    CHECK_THROWS_WITH(spawn_host({"--listen", "127.0.0.1:0", "--map", map, "--access-log-fields", "default"}),
                      Catch::Contains("give that too"));
}
