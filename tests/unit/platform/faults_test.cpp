#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/process.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

using isapi::platform::fault_injected;
using isapi::platform::set_fault_plan;

namespace {

// Each test sets its own plan and leaves none behind for the next.
struct PlanScope {
    explicit PlanScope(const std::string& plan) { set_fault_plan(plan); }
    ~PlanScope() { set_fault_plan(""); }
};

std::vector<bool> calls(std::string_view point, int count) {
    std::vector<bool> results;
    for (int i = 0; i < count; ++i) results.push_back(fault_injected(point));
    return results;
}

}  // namespace

TEST_CASE("a fault point named alone fails every call", "[faults]") {
    PlanScope plan("copy");
    CHECK(calls("copy", 4) == std::vector<bool>{true, true, true, true});
}

TEST_CASE("point:N fails only the Nth call of that point", "[faults]") {
    PlanScope plan("spawn:2");
    CHECK(calls("spawn", 4) == std::vector<bool>{false, true, false, false});
}

TEST_CASE("entries combine: one point can fail several chosen calls while others fail always", "[faults]") {
    PlanScope plan("spawn:1, spawn:3,drain");
    CHECK(calls("spawn", 4) == std::vector<bool>{true, false, true, false});
    CHECK(calls("drain", 2) == std::vector<bool>{true, true});
}

TEST_CASE("points that are not in the plan never fail", "[faults]") {
    PlanScope plan("module_open,spwan");
    CHECK(calls("spawn", 3) == std::vector<bool>{false, false, false});
    CHECK(calls("kill", 1) == std::vector<bool>{false});
}

TEST_CASE("malformed entries are ignored and the well-formed rest still applies", "[faults]") {
    PlanScope plan("spawn:0,kill:x,:3,module_open:2junk,,copy:2,");
    CHECK(calls("spawn", 3) == std::vector<bool>{false, false, false});
    CHECK(calls("kill", 2) == std::vector<bool>{false, false});
    CHECK(calls("module_open", 3) == std::vector<bool>{false, false, false});
    CHECK(calls("copy", 3) == std::vector<bool>{false, true, false});
}

TEST_CASE("an empty plan disables every fault", "[faults]") {
    set_fault_plan("spawn,copy");
    set_fault_plan("");
    CHECK(calls("spawn", 2) == std::vector<bool>{false, false});
    CHECK(calls("copy", 2) == std::vector<bool>{false, false});
}

TEST_CASE("replacing the plan starts counting calls from one again", "[faults]") {
    PlanScope plan("spawn:2");
    CHECK_FALSE(fault_injected("spawn"));
    set_fault_plan("spawn:2");
    CHECK(calls("spawn", 2) == std::vector<bool>{false, true});
}

TEST_CASE("the seam's operations fail with the injected reason when their point is planned", "[faults]") {
    using namespace isapi::platform;
    std::string error;
    SECTION("spawn") {
        PlanScope plan("spawn");
        CHECK_FALSE(system_process_control().spawn("/bin/true", {}, {}, error));
        CHECK(error == "injected fault: spawn (ISAPI_FAULTS)");
    }
    SECTION("kill, and the process is left alone") {
        auto child = system_process_control().spawn("/bin/sh", {"-c", "exec sleep 30"}, {}, error);
        REQUIRE(child);
        {
            PlanScope plan("kill");
            CHECK_FALSE(system_process_control().kill(child->pid, error));
            CHECK(error == "injected fault: kill (ISAPI_FAULTS)");
        }
        REQUIRE(system_process_control().kill(child->pid, error));
        CHECK(system_process_control().wait(child->pid).describe() == "killed by signal 9 (SIGKILL)");
        close_channel(child->channel);
    }
    SECTION("module_open, while the same library loads without the fault") {
        // A system library: the samples need the host's GetLastError to load.
        auto& loader = system_module_loader();
        {
            PlanScope plan("module_open");
            CHECK(loader.open("libm.so.6", error) == nullptr);
            CHECK(error == "injected fault: module_open (ISAPI_FAULTS)");
        }
        ModuleHandle handle = loader.open("libm.so.6", error);
        INFO(error);
        REQUIRE(handle != nullptr);
        CHECK(loader.close(handle, error));
    }
    SECTION("copy, and the destination is not created") {
        isapi::test::TempFolder folder;
        isapi::test::write_file(folder / "from", "bytes");
        PlanScope plan("copy");
        CHECK_FALSE(copy_file_atomically(folder / "from", folder / "to", error));
        CHECK(error == "injected fault: copy (ISAPI_FAULTS)");
        CHECK_FALSE(std::filesystem::exists(folder / "to"));
    }
}

// Run on its own by CTest with ISAPI_FAULTS="copy:2, spawn ,bogus:0": the
// environment is read once, at the first question, so no set_fault_plan here.
TEST_CASE("ISAPI_FAULTS from the environment is the plan", "[.][faults-env]") {
    REQUIRE(std::getenv("ISAPI_FAULTS") != nullptr);
    CHECK(calls("copy", 3) == std::vector<bool>{false, true, false});
    CHECK(calls("spawn", 2) == std::vector<bool>{true, true});
    CHECK(calls("bogus", 1) == std::vector<bool>{false});
}
