// The swap strategies on plain files: the order of the steps, the window,
// the leftovers, and the rollback (through the platform's fault points).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/renames.hpp>

#include "swap/swap_executor.hpp"

using namespace isapi::loadgen;
namespace fs = std::filesystem;

namespace {

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

struct Site {
    std::string dir;
    SwapFiles files;
    Site() {
        std::string error;
        dir = *isapi::platform::make_private_directory("isapi-swap-test", error);
        files = {dir + "/app.so", dir + "/new.so", dir + "/backup.so"};
        write(files.live, "old build");
        write(files.new_file, "new build");
        write(files.backup, "old build");
    }
    ~Site() { isapi::platform::remove_tree(dir); }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
};

std::vector<std::string> step_names(const SwapTrace& t) {
    std::vector<std::string> names;
    for (const auto& e : t.events) names.push_back(e.name);
    return names;
}

const RunClock kClock(std::chrono::steady_clock::now());

}  // namespace

TEST_CASE("rename-copy parks the old build, copies, recycles, deletes, and reports its window", "[swap]") {
    Site site;
    int recycles = 0;
    SwapHooks hooks;
    hooks.recycle = [&](std::string&) { return ++recycles > 0; };
    const SwapTrace t = perform_swap(Strategy::rename_copy, 0, site.files, hooks, kClock);
    CHECK_FALSE(t.failed);
    CHECK(step_names(t) == std::vector<std::string>{"swap_start", "rename", "copy_start", "copy_end", "recycle_request",
                                                    "delete_old", "swap_end"});
    CHECK(recycles == 1);
    CHECK(read(site.files.live) == "new build");
    CHECK(site.names() == std::vector<std::string>{"app.so", "backup.so", "new.so"});
    REQUIRE(t.window_start_ns >= 0);
    CHECK(t.window_end_ns >= t.window_start_ns);
    CHECK(t.start_ns <= t.window_start_ns);
}

TEST_CASE("replace and exchange never leave the live path without a module", "[swap]") {
    for (const Strategy s : {Strategy::replace, Strategy::exchange}) {
        Site site;
        const SwapTrace t = perform_swap(s, 0, site.files, SwapHooks{}, kClock);
        if (t.unsupported) {
            WARN("exchange unsupported here: " << t.error);
            continue;
        }
        INFO(to_string(s) << ": " << t.error);
        CHECK_FALSE(t.failed);
        CHECK(t.window_start_ns == -1);
        CHECK(read(site.files.live) == "new build");
        CHECK(site.names() == std::vector<std::string>{"app.so", "backup.so", "new.so"});
    }
}

TEST_CASE("rename-rename has a window between its two renames", "[swap]") {
    Site site;
    const SwapTrace t = perform_swap(Strategy::rename_rename, 0, site.files, SwapHooks{}, kClock);
    CHECK_FALSE(t.failed);
    CHECK(step_names(t) == std::vector<std::string>{"swap_start", "copy_start", "copy_end", "rename", "rename",
                                                    "delete_old", "swap_end"});
    CHECK(t.window_start_ns >= 0);
    CHECK(read(site.files.live) == "new build");
}

TEST_CASE("a disk-full copy rolls back to the old build and leaves no partial file", "[swap]") {
    for (const Strategy s : {Strategy::rename_copy, Strategy::overwrite, Strategy::exchange}) {
        Site site;
        isapi::platform::set_fault_plan("swap_copy:1");
        const SwapTrace t = perform_swap(s, 0, site.files, SwapHooks{}, kClock);
        isapi::platform::set_fault_plan("");
        INFO(to_string(s));
        CHECK(t.failed);
        CHECK(t.error.find("No space left on device") != std::string::npos);
        CHECK(read(site.files.live) == "old build");
        CHECK(site.names() == std::vector<std::string>{"app.so", "backup.so", "new.so"});
        // Only the strategies that touched the live path need a rollback.
        CHECK(t.rolled_back == (s != Strategy::exchange));
        CHECK(t.untouched == (s == Strategy::exchange));
    }
}

TEST_CASE("a missing new file fails the swap without touching the live path, and says nothing changed", "[swap]") {
    Site site;
    fs::remove(site.files.new_file);
    const SwapTrace t = perform_swap(Strategy::replace, 0, site.files, SwapHooks{}, kClock);
    CHECK(t.failed);
    CHECK(t.error.find("cannot read") != std::string::npos);
    CHECK(read(site.files.live) == "old build");
    CHECK(t.untouched);
    CHECK_FALSE(t.rolled_back);
}

TEST_CASE("a new build the host will not load is rolled back, and the host is told again", "[swap]") {
    Site site;
    int recycles = 0;
    SwapHooks hooks;
    hooks.recycle = [&](std::string&) { return ++recycles > 0; };
    hooks.verify = [](std::string& note) {
        note = "load_failure: GetExtensionVersion returned FALSE";
        return false;
    };
    const SwapTrace t = perform_swap(Strategy::exchange, 0, site.files, hooks, kClock);
    if (t.unsupported) return;
    CHECK(t.failed);
    CHECK(t.rolled_back);
    CHECK(t.error.find("GetExtensionVersion returned FALSE") != std::string::npos);
    CHECK(recycles == 2);  // the swap's recycle and the rollback's
    CHECK(read(site.files.live) == "old build");
    CHECK(site.names() == std::vector<std::string>{"app.so", "backup.so", "new.so"});
}
