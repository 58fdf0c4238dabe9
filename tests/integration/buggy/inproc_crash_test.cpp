// In process (--isolation inproc) a crash in extension code takes the host
// down, and no front end survives it to read a crash note: the host's crash
// handler writes the finding to stderr itself, as the log line a worker's
// front end would have written, before the signal ends the process. Both
// crash findings, each from its own buggy extension over real HTTP.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <regex>

using namespace isapi::itest;
using namespace std::chrono_literals;

namespace {

// Waits for the host to die of a signal; its output then.
std::string output_after_crash(HostProcess& host)
{
    const auto exit = host.wait_exit(5s);
    INFO(host.output());
    REQUIRE(exit.has_value());
    CHECK(exit->signaled);
    CHECK(exit->code == SIGSEGV);
    return host.output();
}

}  // namespace

TEST_CASE("in process, late_thread's thread running unloaded code kills the host, which logs unloaded_code_executed first",
          "[integration][buggy][inproc_crash]")
{
    auto host = spawn_host({"--isolation", "inproc", "--listen", "127.0.0.1:0", "--log-level", "warn", "--map",
                            std::string("/late_thread.dll=") + ISAPI_BUGGY_LATE_THREAD + ",uncached"});
    auto client = client_for(*host);
    CHECK(client.get("/late_thread.dll").status == 200);
    const std::string output = output_after_crash(*host);
    // The same kind, module, load and evidence as with worker processes, in the host's log format.
    CHECK(std::regex_search(output, std::regex(R"(\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} critical finding )"
                                               R"(unloaded_code_executed in late_thread\.so \(load 1\): )"
                                               R"(SIGSEGV executing late_thread\.so\+0x[0-9a-f]+ \(0x[0-9a-f]+\), )"
                                               R"([0-9]+ ms after late_thread\.so \(load 1\) was unloaded\n)")));
}

TEST_CASE("in process, a fault inside HttpExtensionProc kills the host, which logs entry_point_crash first",
          "[integration][buggy][inproc_crash]")
{
    auto host = spawn_host({"--isolation", "inproc", "--listen", "127.0.0.1:0", "--log-level", "warn", "--map",
                            std::string("/crash.dll=") + Built::crash});
    HttpClient client(host->address(), host->port(), 3s);
    CHECK_THROWS(client.get("/crash.dll?crash=1"));
    const std::string output = output_after_crash(*host);
    CHECK(std::regex_search(output, std::regex(R"(\n\S+ critical finding entry_point_crash in crash\.so \(load 1\): )"
                                               R"(SIGSEGV in HttpExtensionProc of crash\.so \(load 1\), fault address 0x0)")));
}
