#include <isapi/platform/faults.hpp>
#include <isapi/platform/renames.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

using namespace isapi::platform;
using isapi::test::read_file;
using isapi::test::TempFolder;
using isapi::test::write_file;

TEST_CASE("rename_file replaces the target atomically and names both files in its error", "[renames]") {
    TempFolder dir;
    write_file(dir / "new", "two");
    write_file(dir / "live", "one");
    std::string error;
    REQUIRE(rename_file(dir / "new", dir / "live", error));
    CHECK(read_file(dir / "live") == "two");
    CHECK_FALSE(std::filesystem::exists(dir / "new"));
    CHECK_FALSE(rename_file(dir / "absent", dir / "live", error));
    CHECK(error.find(dir / "absent") != std::string::npos);
    CHECK(error.find("No such file") != std::string::npos);
}

TEST_CASE("exchange_files swaps two names and leaves both present", "[renames]") {
    TempFolder dir;
    write_file(dir / "a", "first");
    write_file(dir / "b", "second");
    std::string error;
    const ExchangeResult result = exchange_files(dir / "a", dir / "b", error);
    if (result == ExchangeResult::unsupported) {
        WARN("exchange is not supported here: " << error);
        return;
    }
    INFO(error);
    REQUIRE(result == ExchangeResult::done);
    CHECK(read_file(dir / "a") == "second");
    CHECK(read_file(dir / "b") == "first");
    CHECK(exchange_files(dir / "a", dir / "missing", error) == ExchangeResult::failed);
    CHECK(error.find("No such file") != std::string::npos);
}

TEST_CASE("remove_file removes, and removing a missing name is not an error", "[renames]") {
    TempFolder dir;
    write_file(dir / "x", "bytes");
    std::string error;
    CHECK(remove_file(dir / "x", error));
    CHECK_FALSE(std::filesystem::exists(dir / "x"));
    CHECK(remove_file(dir / "x", error));
}

TEST_CASE("copy_file_in_place copies every byte and keeps the permission bits", "[renames]") {
    TempFolder dir;
    const std::string bytes(10'000, 'm');
    write_file(dir / "src", bytes);
    REQUIRE(::chmod((dir / "src").c_str(), 0750) == 0);
    std::string error;
    REQUIRE(copy_file_in_place(dir / "src", dir / "dst", 0, error));
    CHECK(read_file(dir / "dst") == bytes);
    struct stat st {};
    REQUIRE(::stat((dir / "dst").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0750);
}

TEST_CASE("a paced copy shows a partial file while it runs and takes about size/rate", "[renames]") {
    TempFolder dir;
    write_file(dir / "src", std::string(40 * 1024, 'p'));  // 40 KiB at 200 KiB/s: 200 ms
    std::atomic<bool> saw_partial{false};
    std::atomic<bool> finished{false};
    std::thread watcher([&] {
        while (!finished.load()) {
            std::error_code ec;
            const auto size = std::filesystem::file_size(dir / "dst", ec);
            if (!ec && size > 0 && size < 40 * 1024) saw_partial.store(true);
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    });
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    const bool ok = copy_file_in_place(dir / "src", dir / "dst", 200 * 1024, error);
    const auto took = std::chrono::steady_clock::now() - start;
    finished.store(true);
    watcher.join();
    REQUIRE(ok);
    CHECK(saw_partial.load());
    // The last 4 KiB chunk is not waited for: (40 - 4) KiB at 200 KiB/s.
    CHECK(took >= std::chrono::milliseconds(175));  // a lower bound only: pacing never runs early
}

TEST_CASE("the swap_copy fault stops the copy half-way with a disk-full error", "[renames]") {
    TempFolder dir;
    write_file(dir / "src", std::string(64 * 1024, 'f'));
    set_fault_plan("swap_copy:1");
    std::string error;
    CHECK_FALSE(copy_file_in_place(dir / "src", dir / "dst", 0, error));
    set_fault_plan("");
    CHECK(error.find("No space left on device") != std::string::npos);
    CHECK(error.find(dir / "dst") != std::string::npos);
    CHECK(std::filesystem::file_size(dir / "dst") < 64 * 1024);
}

TEST_CASE("copying a missing source fails before the target is touched", "[renames]") {
    TempFolder dir;
    write_file(dir / "dst", "old build");
    std::string error;
    CHECK_FALSE(copy_file_in_place(dir / "absent", dir / "dst", 0, error));
    CHECK(error.find("cannot read") != std::string::npos);
    CHECK(read_file(dir / "dst") == "old build");
}
