// The client against a server that misbehaves on purpose: each fault must
// land in its own class, and every request must be on the books.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fault_server.hpp"
#include "test_helpers.hpp"

using namespace isapi::loadgen;
using namespace isapi::loadgen::test;
using namespace std::chrono_literals;

TEST_CASE("a healthy server answers every request and each build identity is counted", "[client]") {
    FaultServer server(Fault::ok);
    const RunResult r = run_url(server.url(), bounded(200, 4, 2));
    require_books_balance(r);
    CHECK(r.stats.sent() == 200);
    CHECK(r.stats.count(ErrorClass::ok) == 200);
    REQUIRE(r.stats.builds().size() == 1);
    CHECK(r.stats.builds().builds()[0].build == "build-A");
    CHECK(r.stats.builds().builds()[0].responses == 200);
    CHECK(server.requests_seen() == 200);
}

TEST_CASE("keep-alive connections are reused rather than reopened per request", "[client]") {
    FaultServer server(Fault::ok);
    const auto path = std::string("/tmp/loadgen-reuse-") + std::to_string(server.port()) + ".csv";
    CommonOptions c = bounded(50, 2, 1);
    c.log = path;
    run_url(server.url(), c);
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::set<std::string> connections;
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        for (std::string col; std::getline(ss, col, ',');) cols.push_back(col);
        connections.insert(cols.at(8));
    }
    std::remove(path.c_str());
    CHECK(connections.size() == 2);
}

TEST_CASE("no keep-alive means a connection per request, even when the server would keep it", "[client]") {
    // The server answers without Connection: close and keeps the connection
    // open; a client that sent close must still not send on it again.
    FaultServer server(Fault::ok);
    const auto path = std::string("/tmp/loadgen-no-keepalive-") + std::to_string(server.port()) + ".csv";
    CommonOptions c = bounded(10, 1, 1);
    c.log = path;
    c.no_keepalive = true;
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::ok) == 10);
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::set<std::string> connections;
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::stringstream ss(line);
        for (std::string col; std::getline(ss, col, ',');) cols.push_back(col);
        connections.insert(cols.at(8));
    }
    std::remove(path.c_str());
    CHECK(connections.size() == 10);
}

TEST_CASE("a server that closes mid-response lands in eof", "[client][faults]") {
    FaultServer server(Fault::close_mid_response);
    const RunResult r = run_url(server.url(), bounded(5));
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::eof) == 5);
    CHECK(r.stats.dropped() == 5);
    CHECK(r.stats.answered() == 0);
}

TEST_CASE("a server that resets mid-response lands in reset", "[client][faults]") {
    FaultServer server(Fault::reset_mid_response);
    const RunResult r = run_url(server.url(), bounded(4));
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::reset) == 4);
}

TEST_CASE("a server that never answers lands in timeout at the deadline, never forgotten", "[client][faults]") {
    FaultServer server(Fault::never_answer);
    CommonOptions c = bounded(4, 2);
    c.timeout = "200ms";
    const auto start = std::chrono::steady_clock::now();
    const RunResult r = run_url(server.url(), c);
    const auto took = std::chrono::steady_clock::now() - start;
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::timeout) == 4);
    CHECK(r.stats.dropped() == 4);
    CHECK(took >= 350ms);  // two rounds of two 200 ms deadlines
    CHECK(took < 3s);
}

TEST_CASE("a slow server is answered and its delay shows in the latency", "[client][faults]") {
    FaultServer server(Fault::slow, 150ms);
    const RunResult r = run_url(server.url(), bounded(4, 2));
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::ok) == 4);
    CHECK(r.stats.corrected().percentile(50) >= 150'000);
    CHECK(r.stats.corrected().max() < 1'000'000);
}

TEST_CASE("a slower server than the timeout lands in timeout", "[client][faults]") {
    FaultServer server(Fault::slow, 400ms);
    CommonOptions c = bounded(2);
    c.timeout = "100ms";
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::timeout) == 2);
}

TEST_CASE("a 503 lands in status_5xx, and is ok when --expect-status 503", "[client][faults]") {
    FaultServer server(Fault::status_503);
    RunResult r = run_url(server.url(), bounded(6, 2));
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::status_5xx) == 6);
    CHECK(r.stats.answered() == 6);
    CHECK(r.stats.errors() == 6);

    CommonOptions c = bounded(3);
    c.expect_status = {503};
    r = run_url(server.url(), c);
    CHECK(r.stats.count(ErrorClass::ok) == 3);
}

TEST_CASE("a status other than the expected one lands in unexpected_status", "[client][faults]") {
    FaultServer server(Fault::ok);
    CommonOptions c = bounded(3);
    c.expect_status = {201, 204};
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::unexpected_status) == 3);
}

TEST_CASE("a reset on a reused idle keep-alive connection lands in keepalive_race", "[client][faults]") {
    FaultServer server(Fault::reset_idle);
    const RunResult r = run_url(server.url(), bounded(4));
    require_books_balance(r);
    // Per connection: the first request is answered, the second meets the reset.
    CHECK(r.stats.count(ErrorClass::ok) == 2);
    CHECK(r.stats.count(ErrorClass::keepalive_race) == 2);
}

TEST_CASE("a port nobody listens on lands in refused", "[client][faults]") {
    const RunResult r = run_url("http://127.0.0.1:" + std::to_string(FaultServer::closed_port()) + "/", bounded(3));
    require_books_balance(r);
    CHECK(r.stats.count(ErrorClass::refused) == 3);
}

TEST_CASE("an open loop books requests that wait past their deadline as timeout without sending them",
          "[client][faults]") {
    FaultServer server(Fault::never_answer);
    CommonOptions c;
    c.connections = 1;
    c.threads = 1;
    c.rate = 200;
    c.duration = "1s";
    c.timeout = "300ms";
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.sent() == 200);
    CHECK(r.stats.count(ErrorClass::timeout) == 200);
    // One connection, stuck until each deadline: most requests expired in the
    // backlog before the connection was free, and were never written.
    CHECK(server.requests_seen() < 100);
}
