// The X-Isapi-Build header over real HTTP: which file, which bytes, which
// process and which load served each response.
#include "admin_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

using namespace isapi::itest;

namespace {

struct Identity {
    std::string module, sha256;
    long pid = 0, worker = 0, load = 0;
};

Identity parse_identity(const HttpResponse& response) {
    const auto value = response.header("X-Isapi-Build");
    REQUIRE(value);
    static const std::regex format(R"(^([^;]+); sha256=([0-9a-f]{12}); pid=(\d+); worker=(\d+); load=(\d+)$)");
    std::smatch m;
    INFO(*value);
    REQUIRE(std::regex_match(*value, m, format));
    return {m[1], m[2], std::stol(m[3]), std::stol(m[4]), std::stol(m[5])};
}

}  // namespace

TEST_CASE("the identity header names the module file, its hash, the host pid and the load", "[integration][identity]") {
    auto host = start_host(concat(map_arg("/v1.dll", Built::version_v1), map_arg("/v2.dll", Built::version_v2)));
    auto client = client_for(*host);
    const auto v1 = client.get("/v1.dll");
    const auto v2 = client.get("/v2.dll");
    REQUIRE(v1.status == 200);
    REQUIRE(v2.status == 200);
    const Identity one = parse_identity(v1), two = parse_identity(v2);
    CHECK(one.module == "version_v1.so");
    CHECK(two.module == "version_v2.so");
    CHECK(one.sha256 == file_sha256(Built::version_v1).substr(0, 12));
    CHECK(two.sha256 == file_sha256(Built::version_v2).substr(0, 12));
    CHECK(one.sha256 != two.sha256);
    CHECK(one.pid == host->pid());
    CHECK(one.worker == 1);
    CHECK(one.load != two.load);
    // Cached: the next response comes from the same load.
    CHECK(parse_identity(client.get("/v1.dll")).load == one.load);
}

TEST_CASE("in uncached mode every response names a new load generation", "[integration][identity]") {
    auto host = start_host(concat(map_arg("/v1.dll", Built::version_v1, "uncached"),
                                  map_arg("/v2.dll", Built::version_v2, "uncached")));
    auto client = client_for(*host);
    long last = 0;
    for (int i = 0; i < 4; ++i) {
        const bool first = i % 2 == 0;
        const auto response = client.get(first ? "/v1.dll" : "/v2.dll");
        REQUIRE(response.status == 200);
        // The response leaves before the request releases the module; a
        // request that came sooner would share the load, as in IIS.
        const char* file = first ? Built::version_v1 : Built::version_v2;
        REQUIRE(wait_until([&] { return !module_mapped(host->pid(), file); }, std::chrono::seconds(5)));
        const Identity id = parse_identity(response);
        CHECK(id.module == (first ? "version_v1.so" : "version_v2.so"));
        CHECK(id.load > last);
        last = id.load;
    }
}

TEST_CASE("the identity header follows a new file at the same path in uncached mode", "[integration][identity]") {
    TempDir dir;
    const auto live = dir.path() / "live.so";
    std::filesystem::copy_file(Built::version_v1, live);
    auto host = start_host(map_arg("/live.dll", live.string(), "uncached"));
    auto client = client_for(*host);
    const Identity before = parse_identity(client.get("/live.dll"));
    CHECK(before.sha256 == file_sha256(Built::version_v1).substr(0, 12));
    REQUIRE(wait_until([&] { return !module_mapped(host->pid(), live); }, std::chrono::seconds(5)));

    // Replace by rename, as a deploy would; the next load hashes the new bytes.
    std::filesystem::copy_file(Built::version_v2, dir.path() / "live.so.new");
    std::filesystem::rename(dir.path() / "live.so.new", live);
    const auto after = client.get("/live.dll");
    CHECK(after.body.find("v2") != std::string::npos);
    const Identity now = parse_identity(after);
    CHECK(now.module == "live.so");
    CHECK(now.sha256 == file_sha256(Built::version_v2).substr(0, 12));
    CHECK(now.load > before.load);
}

TEST_CASE("the flag --no-identity-header leaves the header off extension responses", "[integration][identity]") {
    auto host = start_host(concat(map_arg("/v1.dll", Built::version_v1), {"--no-identity-header"}));
    auto client = client_for(*host);
    const auto response = client.get("/v1.dll");
    REQUIRE(response.status == 200);
    CHECK_FALSE(response.header("X-Isapi-Build"));
    CHECK(response.header("X-Sample-Version") == "v1");
}

TEST_CASE("the host's own error answers carry no identity header", "[integration][identity]") {
    auto host = start_host(map_arg("/v1.dll", Built::version_v1));
    auto client = client_for(*host);
    const auto response = client.get("/unmapped.dll");
    CHECK(response.status == 404);
    CHECK_FALSE(response.header("X-Isapi-Build"));
}
