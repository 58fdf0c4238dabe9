// The per-request log: one row per request, in CSV or in the binary format,
// and the converter turns the binary one into the same CSV.
#include <cstdio>
#include <unistd.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fault_server.hpp"
#include "stats/log_codec.hpp"
#include "stats/request_log.hpp"
#include "report/log_convert.hpp"
#include "test_helpers.hpp"

using namespace isapi::loadgen;
using namespace isapi::loadgen::test;

namespace {

std::vector<std::vector<std::string>> read_csv(std::istream& in) {
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        for (std::string col; std::getline(ss, col, ',');) cols.push_back(col);
        if (!line.empty() && line.back() == ',') cols.emplace_back();
        rows.push_back(cols);
    }
    return rows;
}

std::string temp_path(const std::string& suffix) {
    static int n = 0;
    return "/tmp/loadgen-log-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + suffix;
}

}  // namespace

TEST_CASE("the CSV log holds one row per request with times, status, class and build", "[log]") {
    FaultServer server(Fault::ok);
    CommonOptions c = bounded(40, 2, 2);
    c.log = temp_path(".csv");
    run_url(server.url(), c);
    std::ifstream in(c.log);
    const auto rows = read_csv(in);
    std::remove(c.log.c_str());
    REQUIRE(rows.size() == 41);
    CHECK(rows[0].size() == 11);
    CHECK(rows[0][10] == "request");
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        REQUIRE(row.size() == 11);
        CHECK(row[10] == "0");  // one URL: every request from template 0
        const long long intended = std::stoll(row[0]), sent = std::stoll(row[1]), first = std::stoll(row[2]),
                        done = std::stoll(row[3]);
        CHECK(intended <= sent);
        CHECK(sent <= first);
        CHECK(first <= done);
        CHECK(row[4] == "200");
        CHECK(row[6] == "ok");
        CHECK(row[9] == "build-A");
    }
}

TEST_CASE("dropped requests are in the log too, with their class", "[log]") {
    FaultServer server(Fault::close_mid_response);
    CommonOptions c = bounded(3);
    c.log = temp_path(".csv");
    run_url(server.url(), c);
    std::ifstream in(c.log);
    const auto rows = read_csv(in);
    std::remove(c.log.c_str());
    REQUIRE(rows.size() == 4);
    for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i][6] == "eof");
}

TEST_CASE("a binary log converts to the same rows the CSV log would hold", "[log]") {
    FaultServer server(Fault::ok);
    CommonOptions c = bounded(25, 2, 2);
    c.log = temp_path(".bin");
    run_url(server.url(), c);
    std::ifstream in(c.log, std::ios::binary);
    std::stringstream csv;
    std::string error;
    const long long n = convert_binary_log(in, csv, error);
    std::remove(c.log.c_str());
    INFO(error);
    REQUIRE(n == 25);
    const auto rows = read_csv(csv);
    REQUIRE(rows.size() == 26);
    CHECK(rows[0].size() == 11);
    for (std::size_t i = 1; i < rows.size(); ++i) {
        CHECK(rows[i][6] == "ok");
        CHECK(rows[i][9] == "build-A");
    }
}

TEST_CASE("the converter rejects a file that is not a binary log", "[log]") {
    std::stringstream in("intended_ns,sent_ns\n1,2\n"), out;
    std::string error;
    CHECK(convert_binary_log(in, out, error) == -1);
    CHECK(error.find("magic") != std::string::npos);
}

TEST_CASE("a truncated binary log is reported, not half-converted silently", "[log]") {
    std::string data(kBinaryMagic);
    RequestRecord r;
    append_binary_record(data, r, 0);
    data.resize(data.size() - 5);
    std::stringstream in(data), out;
    std::string error;
    CHECK(convert_binary_log(in, out, error) == -1);
    CHECK(error.find("truncated") != std::string::npos);
}

TEST_CASE("a build value with a comma is quoted in the CSV", "[log]") {
    std::string row;
    RequestRecord r;
    append_csv_row(row, r, "a,b\"c");
    CHECK(row.ends_with(",\"a,b\"\"c\"," + std::to_string(r.request) + "\n"));
}

TEST_CASE("the request template index goes through the binary log into the CSV", "[log]") {
    std::string data(kBinaryMagic);
    RequestRecord r;
    r.request = 70'000;  // past 16 bits: a replay file's entry
    append_binary_record(data, r, 0);
    std::stringstream in(data), out;
    std::string error;
    REQUIRE(convert_binary_log(in, out, error) == 1);
    const auto rows = read_csv(out);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1][10] == "70000");
}

TEST_CASE("a binary log from before the request index still converts, every request from template 0", "[log]") {
    std::string data(kBinaryMagicV1);
    RequestRecord r;
    r.status = 404;
    r.request = 9;
    append_binary_record(data, r, 0);
    data.resize(data.size() - 4);  // the older record ends before the index
    append_binary_record(data, r, 0);
    data.resize(data.size() - 4);
    std::stringstream in(data), out;
    std::string error;
    INFO(error);
    REQUIRE(convert_binary_log(in, out, error) == 2);
    const auto rows = read_csv(out);
    REQUIRE(rows.size() == 3);
    CHECK(rows[1][4] == "404");
    CHECK(rows[2][10] == "0");
}

TEST_CASE("a binary log reuses a few build ids and still names each request's own build", "[log]") {
    // Uncached mode: every response is a new load, so a new value.
    const std::string path = temp_path(".bin");
    const int n = static_cast<int>(RequestLogBuffer::kBuildSlots) * 3 + 7;
    {
        RequestLog log(path, LogFormat::binary);
        RequestLogBuffer buffer(log, 0);
        for (int i = 0; i < n; ++i) {
            RequestRecord r;
            r.status = 200;
            buffer.add(r, "app.so; sha256=aaaaaaaaaaaa; pid=1; worker=1; load=" + std::to_string(i % 2 ? i : 0));
        }
        buffer.flush();
        std::string error;
        REQUIRE(log.close(error));
    }
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> builds;
    std::string error;
    const long long read = read_binary_log(in, [&](const RequestRecord&, std::string_view b) { builds.emplace_back(b); }, error);
    std::remove(path.c_str());
    INFO(error);
    REQUIRE(read == n);
    for (int i = 0; i < n; ++i)
        CHECK(builds[static_cast<std::size_t>(i)] ==
              "app.so; sha256=aaaaaaaaaaaa; pid=1; worker=1; load=" + std::to_string(i % 2 ? i : 0));
}
