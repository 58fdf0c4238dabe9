// isapi::host_control::HostProcess against real processes: the start-up
// failures it reports, and how it tells that and how a host ended.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <isapi/contract/host_contract.hpp>

#include <signal.h>

#include <filesystem>

using namespace isapi::itest;
using namespace std::chrono_literals;

TEST_CASE("HostProcess: a host that exits before it listens is reported with its exit and its output",
          "[integration][host-process]")
{
    // No --map: the host names what is missing on its output and exits.
    CHECK_THROWS_WITH(spawn_host({"--listen", "127.0.0.1:0"}),
                      Catch::Contains("exited with code " + std::to_string(isapi::contract::exit_usage)) &&
                          Catch::Contains("before it listened") && Catch::Contains("--map is required"));
}

TEST_CASE("HostProcess: a program that never prints the listening line is given up after the ready timeout",
          "[integration][host-process]")
{
    isapi::host_control::HostStart start;
    start.executable = "/bin/sleep";
    start.args = {"30"};
    start.ready_timeout = 300ms;
    const auto began = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(HostProcess(start), Catch::Contains("did not listen within 300 ms"));
    CHECK(std::chrono::steady_clock::now() - began < 5s);  // killed, not waited for
}

TEST_CASE("HostProcess: running, killed, and how it ended", "[integration][host-process]")
{
    auto host = start_host(map_arg("/hello.dll", Built::hello));
    const std::string output_file = host->output_file();
    CHECK(host->running());
    CHECK(host->port() != 0);
    CHECK(host->admin_port() == 0);
    CHECK_FALSE(host->wait_exit(50ms));
    CHECK(host->exit_description().empty());
    CHECK(host->output().find(std::string(isapi::contract::kListeningLine)) != std::string::npos);

    REQUIRE(host->kill());
    const auto ended = host->wait_exit(5s);
    REQUIRE(ended);
    CHECK(ended->signaled);
    CHECK(ended->code == SIGKILL);
    CHECK_FALSE(host->running());
    CHECK(host->exit_description() == ended->describe());
    CHECK_FALSE(host->kill());  // its pid is not signalled once it has ended
    CHECK_FALSE(host->terminate());

    host.reset();
    CHECK_FALSE(std::filesystem::exists(output_file));  // the temporary output file goes with it
}

TEST_CASE("HostProcess: stop() is a graceful exit for a host that drains in time", "[integration][host-process]")
{
    auto host = start_host({"--map", "/hello.dll=" + std::string(Built::hello), "--admin", "127.0.0.1:0"});
    CHECK(host->admin_port() != 0);
    CHECK(host->admin_port() != host->port());
    CHECK(host->stop(10s).describe() == exited_with(isapi::contract::exit_ok));
    CHECK(host->stop(10s).describe() == exited_with(isapi::contract::exit_ok));  // asked again: the same answer
}
