// Uncached mode under concurrent load: requests keep arriving while modules
// load and unload, with fewer pool threads than clients.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <optional>
#include <string>
#include <vector>

using namespace isapi::itest;

namespace {

// `clients` connections each make `requests` sequential GETs; returns how
// many answered 200. Bounded: every request has the client's timeout.
int hammer(HostProcess& host, const std::string& url, int clients, int requests)
{
    std::vector<std::future<int>> results;
    for (int c = 0; c < clients; ++c) {
        results.push_back(std::async(std::launch::async, [&host, &url, requests] {
            std::optional<HttpClient> client;
            int ok = 0;
            for (int i = 0; i < requests; ++i) {
                try {
                    if (!client) client.emplace(host.address(), host.port());
                    if (client->get(url).status == 200) ++ok;
                } catch (const std::exception&) {
                    client.reset();  // count it as a failure, reconnect and go on
                }
            }
            return ok;
        }));
    }
    int ok = 0;
    for (auto& r : results) ok += r.get();
    return ok;
}

}  // namespace

TEST_CASE("uncached modules under concurrent load never starve the pool of the thread that unloads them",
          "[integration][host][uncached]")
{
    // Two pool threads, eight clients: requests wait in acquire() for an
    // unload to finish; the unload must not need one of their threads.
    auto args = map_arg("/async.dll", Built::async, "uncached");
    auto more = map_arg("/transmit.dll", Built::transmit, "uncached");
    args.insert(args.end(), more.begin(), more.end());
    args.insert(args.end(), {"--threads", "2"});
    auto host = start_host(args);
    CHECK(hammer(*host, "/transmit.dll", 8, 25) == 200);
    CHECK(hammer(*host, "/async.dll", 8, 25) == 200);
    CHECK(host->running());
}
