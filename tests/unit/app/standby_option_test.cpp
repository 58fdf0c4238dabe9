// --standby-worker through the host's real command-line parser: off by
// default, and refused with in-process extensions, which have no workers.
#include "app/cli.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace isapi::host;

namespace {

std::optional<HostConfig> parse(std::vector<std::string> args, int& exit_code) {
    args.insert(args.begin(), {"isapi-host", "--map", "/a.dll=a.so"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    return parse_command_line(static_cast<int>(args.size()), argv.data(), exit_code);
}

}  // namespace

TEST_CASE("the standby worker option is off by default and sets the pool's standby") {
    int exit_code = -1;
    const auto plain = parse({}, exit_code);
    REQUIRE(plain);
    CHECK_FALSE(plain->standby_worker);
    const auto with = parse({"--standby-worker", "--preload"}, exit_code);
    REQUIRE(with);
    CHECK(with->standby_worker);
}

TEST_CASE("the standby worker option with in-process isolation is a usage error") {
    int exit_code = -1;
    CHECK_FALSE(parse({"--isolation", "inproc", "--standby-worker"}, exit_code));
    CHECK(exit_code == exit_usage);
}
