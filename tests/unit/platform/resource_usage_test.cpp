#include <isapi/platform/resource_usage.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

using isapi::platform::resource_usage;

TEST_CASE("resource_usage counts this process's threads and descriptors and sees its resident memory", "[resources]") {
    const auto before = resource_usage();
    CHECK(before.threads >= 1);
#ifndef ISAPI_SANITIZED
    CHECK(before.rss_bytes > 0);
#endif
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    std::thread t([&] {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return done; });
    });
    const auto during = resource_usage();
    CHECK(during.threads == before.threads + 1);
    CHECK(during.open_fds == before.open_fds + 1);
    {
        std::lock_guard lock(m);
        done = true;
    }
    cv.notify_one();
    t.join();
    ::close(fd);
    const auto after = resource_usage();
    CHECK(after.threads == before.threads);
    CHECK(after.open_fds == before.open_fds);
}

TEST_CASE("resource_usage counts exactly the descriptors a listing of /proc/self/fd shows", "[resources]") {
    // Whichever way the count was taken (the folder's size on Linux 6.2 and
    // later, else a listing), it must match the entries, the listing's own
    // descriptor aside.
    const auto usage = resource_usage();
    const std::size_t listed = isapi::test::open_descriptor_count();
    REQUIRE(listed >= 1);
    CHECK(usage.open_fds == listed - 1);
}
