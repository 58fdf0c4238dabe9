// Every sample extension served by a real isapi-host over real HTTP.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <future>
#include <map>
#include <sstream>

using namespace isapi::itest;

namespace {

// Parses hello's "NAME=value" lines.
std::map<std::string, std::string> parse_variables(const std::string& body)
{
    std::map<std::string, std::string> variables;
    std::istringstream lines(body);
    std::string line;
    while (std::getline(lines, line)) {
        const auto eq = line.find('=');
        if (eq != std::string::npos) variables[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return variables;
}

// What the transmit sample sends for its default file.
std::string expected_transmit_body()
{
    std::string body = "--- head ---\n";
    char line[64];
    for (int i = 0; i < 4096; ++i) {
        std::snprintf(line, sizeof line, "transmit sample line %06d\n", i);
        body += line;
    }
    return body + "--- tail ---\n";
}

}  // namespace

TEST_CASE("hello answers a plain GET with a fixed text and a Content-Length", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    const auto response = client.get("/hello.dll");
    CHECK(response.status == 200);
    CHECK(response.body == "Hello from ISAPI\n");
    CHECK(response.header("Content-Length") == std::optional<std::string>("17"));
    CHECK(response.header("Content-Type") == std::optional<std::string>("text/plain"));
}

TEST_CASE("hello reports the server variables of the request, PATH_INFO after the module name", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    // Longer than the sample's first buffer, so GetServerVariable must ask for
    // a bigger one with ERROR_INSUFFICIENT_BUFFER.
    const std::string agent = "itest-agent/" + std::string(600, 'a');
    HttpRequest request;
    request.target = "/hello.dll/extra/path?vars=1&x=y%20z";
    request.headers = {{"User-Agent", agent}};
    const auto response = client.send(request);
    REQUIRE(response.status == 200);
    const auto variables = parse_variables(response.body);
    CHECK(variables.at("REQUEST_METHOD") == "GET");
    CHECK(variables.at("PATH_INFO") == "/extra/path");
    CHECK(variables.at("QUERY_STRING") == "vars=1&x=y%20z");
    CHECK(variables.at("SCRIPT_NAME") == "/hello.dll");
    CHECK(variables.at("REMOTE_ADDR") == "127.0.0.1");
    CHECK(variables.at("SERVER_PORT") == std::to_string(host->port()));
    CHECK(variables.at("HTTP_USER_AGENT") == agent);
    CHECK(response.header("Content-Length") == std::optional<std::string>(std::to_string(response.body.size())));
}

TEST_CASE("echo returns a 100 KiB POST body byte for byte", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    HttpRequest request;
    request.method = "POST";
    request.target = "/echo.dll";
    request.headers = {{"Content-Type", "application/x-itest"}};
    request.body = pattern_bytes(100 * 1024, 1);
    const auto response = client.send(request);
    REQUIRE(response.status == 200);
    CHECK(response.header("X-Echo-Bytes") == std::optional<std::string>("102400"));
    CHECK(response.header("Content-Length") == std::optional<std::string>("102400"));
    CHECK(response.header("Content-Type") == std::optional<std::string>("application/x-itest"));
    CHECK(response.body.size() == request.body.size());
    CHECK(response.body == request.body);
}

TEST_CASE("echo returns a chunked POST body of unknown length", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    HttpRequest request;
    request.method = "POST";
    request.target = "/echo.dll";
    request.body = pattern_bytes(150 * 1024 + 17, 2);
    request.chunk_size = 7000;
    const auto response = client.send(request);
    REQUIRE(response.status == 200);
    CHECK(response.header("X-Echo-Bytes") == std::optional<std::string>(std::to_string(request.body.size())));
    CHECK(response.body == request.body);
}

TEST_CASE("echo answers an empty POST with an empty body", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    HttpRequest request;
    request.method = "POST";
    request.target = "/echo.dll";
    const auto response = client.send(request);
    REQUIRE(response.status == 200);
    CHECK(response.header("X-Echo-Bytes") == std::optional<std::string>("0"));
    CHECK(response.body.empty());
}

TEST_CASE("async completes pending requests from its worker thread", "[integration][samples]")
{
    auto host = start_host_with_samples();
    SECTION("one request")
    {
        auto client = client_for(*host);
        const auto response = client.get("/async.dll?n=1");
        CHECK(response.status == 200);
        CHECK(response.body == "async response from the worker thread\nquery: n=1\n");
    }
    SECTION("sequential requests on one kept-alive connection")
    {
        auto client = client_for(*host);
        for (int i = 0; i < 20; ++i) {
            const auto response = client.get("/async.dll?n=" + std::to_string(i));
            REQUIRE(response.status == 200);
            CHECK(response.body == "async response from the worker thread\nquery: n=" + std::to_string(i) + "\n");
        }
        CHECK(client.connections_made() == 1);
    }
    SECTION("concurrent requests")
    {
        std::vector<std::future<std::string>> answers;
        for (int i = 0; i < 8; ++i) {
            answers.push_back(std::async(std::launch::async, [&host, i] {
                auto client = client_for(*host);
                return client.get("/async.dll?c=" + std::to_string(i)).body;
            }));
        }
        for (int i = 0; i < 8; ++i) {
            CHECK(answers[i].get() == "async response from the worker thread\nquery: c=" + std::to_string(i) + "\n");
        }
    }
}

TEST_CASE("redirect answers 302 with the Location from ?to=", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    SECTION("an explicit target, percent-decoded")
    {
        const auto response = client.get("/redirect.dll?to=%2Fsomewhere%2Felse%3Fa%3D1");
        CHECK(response.status == 302);
        CHECK(response.header("Location") == std::optional<std::string>("/somewhere/else?a=1"));
    }
    SECTION("the default target")
    {
        const auto response = client.get("/redirect.dll");
        CHECK(response.status == 302);
        CHECK(response.header("Location") == std::optional<std::string>("/"));
    }
    SECTION("a target with CR LF is refused")
    {
        const auto response = client.get("/redirect.dll?to=%2F%0D%0AX-Injected:%201");
        CHECK(response.status == 400);
        CHECK_FALSE(response.header("X-Injected"));
    }
}

TEST_CASE("transmit sends its file with a head and a tail through TRANSMIT_FILE", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    const auto expected = expected_transmit_body();
    const auto response = client.get("/transmit.dll");
    REQUIRE(response.status == 200);
    CHECK(response.header("Content-Length") == std::optional<std::string>(std::to_string(expected.size())));
    CHECK(response.body.size() == expected.size());
    CHECK(response.body == expected);
    // The connection stays usable after an async transmit.
    CHECK(client.get("/transmit.dll").body == expected);
    CHECK(client.connections_made() == 1);
}

TEST_CASE("transmit sends a named file from the folder of PATH_TRANSLATED and refuses '..'", "[integration][samples]")
{
    TempDir root;
    root.write("named.txt", "a file next to PATH_TRANSLATED\n");
    auto host = start_host_with_samples({"--root", root.path().string()});
    auto client = client_for(*host);
    SECTION("a file in the folder")
    {
        const auto response = client.get("/transmit.dll/page.htm?file=named.txt");
        CHECK(response.status == 200);
        CHECK(response.body == "--- head ---\na file next to PATH_TRANSLATED\n--- tail ---\n");
    }
    SECTION("a path that climbs out")
    {
        const auto response = client.get("/transmit.dll/page.htm?file=..%2F..%2Fetc%2Fpasswd");
        CHECK(response.status == 400);
    }
    SECTION("a missing file")
    {
        const auto response = client.get("/transmit.dll/page.htm?file=absent.txt");
        CHECK(response.status == 404);
    }
}

TEST_CASE("version v1 and v2 built from one source answer with their own build string", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    const auto v1 = client.get("/v1.dll");
    const auto v2 = client.get("/v2.dll");
    CHECK(v1.status == 200);
    CHECK(v1.body == "version v1\n");
    CHECK(v1.header("X-Sample-Version") == std::optional<std::string>("v1"));
    CHECK(v2.status == 200);
    CHECK(v2.body == "version v2\n");
    CHECK(v2.header("X-Sample-Version") == std::optional<std::string>("v2"));
}

TEST_CASE("slow holds the request for ?ms= before answering", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    const auto start = std::chrono::steady_clock::now();
    const auto response = client.get("/slow.dll?ms=300");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(response.status == 200);
    CHECK(response.body == "slept 300 ms\n");
    CHECK(elapsed >= std::chrono::milliseconds(300));
    CHECK(client.get("/slow.dll?ms=abc").status == 400);
}

TEST_CASE("slow requests are served concurrently, not one after another", "[integration][samples][slow]")
{
    auto host = start_host_with_samples({"--threads", "4"});
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::future<unsigned>> answers;
    for (int i = 0; i < 4; ++i) {
        answers.push_back(std::async(std::launch::async, [&host] {
            auto client = client_for(*host);
            return client.get("/slow.dll?ms=1000").status;
        }));
    }
    for (auto& answer : answers) CHECK(answer.get() == 200);
    // Four 1 s requests one after another would take 4 s.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(3500));
}
