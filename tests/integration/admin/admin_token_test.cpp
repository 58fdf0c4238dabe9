// The admin token kept out of sight: given in a file or in ISAPI_ADMIN_TOKEN,
// it is not on the host's command line, and neither the host's environment
// nor a worker process's holds it, as other local users or extensions could
// read them.
#include "admin_support.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

using namespace isapi::itest;

namespace {

constexpr const char* kToken = "tok-7f3a9c-not-for-ps";

std::string proc_file(long pid, const char* name) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A host with worker processes and an admin port, started with `extra`;
// one request has gone through a worker.
std::unique_ptr<HostProcess> start_process_host(const std::vector<std::string>& extra) {
    auto args = concat({"--isolation", "process", "--listen", "127.0.0.1:0", "--log-level", "warn", "--admin",
                        "127.0.0.1:0"},
                       concat(map_arg("/hello.dll", Built::hello), extra));
    auto host = spawn_host(std::move(args));
    auto client = client_for(*host);
    REQUIRE(client.get("/hello.dll").status == 200);
    return host;
}

long first_worker_pid(HostProcess& host) {
    const auto response = admin_get(host, "/_isapi/status", kToken);
    REQUIRE(response.status == 200);
    const auto workers = nlohmann::json::parse(response.body)["workers"];
    REQUIRE_FALSE(workers.empty());
    return workers[0]["pid"].get<long>();
}

void require_token_enforced(HostProcess& host) {
    CHECK(admin_get(host, "/_isapi/status").status == 401);
    CHECK(admin_get(host, "/_isapi/status", "wrong").status == 401);
    CHECK(admin_get(host, "/_isapi/status", kToken).status == 200);
}

}  // namespace

TEST_CASE("a token from --admin-token-file is required and is not on any command line", "[integration][admin]") {
    const std::string path = "/tmp/admin-token-it-" + std::to_string(::getpid());
    std::ofstream(path) << kToken << '\n';
    auto host = start_process_host({"--admin-token-file", path});
    std::remove(path.c_str());
    require_token_enforced(*host);
    CHECK(proc_file(host->pid(), "cmdline").find(kToken) == std::string::npos);
    const long worker = first_worker_pid(*host);
    CHECK(proc_file(worker, "cmdline").find(kToken) == std::string::npos);
    CHECK(proc_file(worker, "environ").find(kToken) == std::string::npos);
}

TEST_CASE("a token from ISAPI_ADMIN_TOKEN is required and reaches no worker's environment", "[integration][admin]") {
    ::setenv("ISAPI_ADMIN_TOKEN", kToken, 1);
    auto host = start_process_host({});
    ::unsetenv("ISAPI_ADMIN_TOKEN");
    require_token_enforced(*host);
    const long worker = first_worker_pid(*host);
    const std::string worker_env = proc_file(worker, "environ");
    REQUIRE_FALSE(worker_env.empty());  // readable: the check below means something
    CHECK(worker_env.find("ISAPI_ADMIN_TOKEN") == std::string::npos);
    CHECK(worker_env.find(kToken) == std::string::npos);
    CHECK(proc_file(host->pid(), "environ").find(kToken) == std::string::npos);
    CHECK(proc_file(host->pid(), "cmdline").find(kToken) == std::string::npos);
}
