// Where the admin token comes from (--admin-token-file, ISAPI_ADMIN_TOKEN,
// --admin-token) and when the command line is refused, through the host's
// real command-line parser.
#include "app/cli.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

using namespace isapi::host;

namespace {

struct Parsed {
    std::optional<HostConfig> config;
    int exit_code = -1;
};

Parsed parse(std::vector<std::string> args) {
    args.insert(args.begin(), {"isapi-host", "--map", "/a.dll=a.so"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    Parsed p;
    p.config = parse_command_line(static_cast<int>(args.size()), argv.data(), p.exit_code);
    return p;
}

bool refused(const Parsed& p) { return !p.config && p.exit_code == exit_usage; }

// A token file with exactly `bytes`, removed when the test ends.
struct TokenFile {
    std::string path;
    explicit TokenFile(const std::string& bytes)
        : path("/tmp/admin-token-test-" + std::to_string(::getpid()) + "-" + std::to_string(++count)) {
        std::ofstream(path, std::ios::binary) << bytes;
    }
    ~TokenFile() { std::remove(path.c_str()); }
    static inline int count = 0;
};

// Sets the token variable for one test and clears it after.
struct TokenVariable {
    explicit TokenVariable(const char* value) { ::setenv("ISAPI_ADMIN_TOKEN", value, 1); }
    ~TokenVariable() { ::unsetenv("ISAPI_ADMIN_TOKEN"); }
};

}  // namespace

TEST_CASE("remote admin access without a token is refused as a bad command line", "[admin][token]") {
    CHECK(refused(parse({"--admin", "0.0.0.0:0", "--admin-allow-remote"})));
    CHECK(refused(parse({"--admin", "127.0.0.1:0", "--admin-allow-remote"})));
    const auto with_token = parse({"--admin", "0.0.0.0:0", "--admin-allow-remote", "--admin-token", "t0ken"});
    REQUIRE(with_token.config);
    CHECK(with_token.config->admin_token == "t0ken");
}

TEST_CASE("the admin token is read from a file, less its trailing newline", "[admin][token]") {
    const TokenFile lf("s3cret-token\n");
    const auto p = parse({"--admin", "127.0.0.1:0", "--admin-token-file", lf.path});
    REQUIRE(p.config);
    CHECK(p.config->admin_token == "s3cret-token");

    const TokenFile crlf("from-windows\r\n");
    CHECK(parse({"--admin", "127.0.0.1:0", "--admin-token-file", crlf.path}).config->admin_token == "from-windows");

    const TokenFile bare("no-newline");
    const auto remote = parse({"--admin", "0.0.0.0:0", "--admin-allow-remote", "--admin-token-file", bare.path});
    REQUIRE(remote.config);
    CHECK(remote.config->admin_token == "no-newline");
}

TEST_CASE("an unreadable, empty or unusable token file is refused", "[admin][token]") {
    const TokenFile good("fine\n");
    REQUIRE(parse({"--admin", "127.0.0.1:0", "--admin-token-file", good.path}).config);  // the option itself works
    const TokenFile empty("");
    const TokenFile only_newline("\n");
    const TokenFile two_lines("first\nsecond\n");
    const TokenFile spaced("pass word\n");
    const TokenFile huge(std::string(5000, 'x'));
    for (const auto& path : {empty.path, only_newline.path, two_lines.path, spaced.path, huge.path,
                             std::string("/nonexistent/token"), std::string("/tmp")}) {
        INFO(path);
        CHECK(refused(parse({"--admin", "127.0.0.1:0", "--admin-token-file", path})));
    }
}

TEST_CASE("ISAPI_ADMIN_TOKEN gives the token, after the command line, and leaves the environment", "[admin][token]") {
    {
        const TokenVariable variable("from-env");
        const auto p = parse({"--admin", "0.0.0.0:0", "--admin-allow-remote"});
        REQUIRE(p.config);
        CHECK(p.config->admin_token == "from-env");
        CHECK(std::getenv("ISAPI_ADMIN_TOKEN") == nullptr);  // nothing the host starts inherits it
    }
    {
        const TokenVariable variable("from-env");
        const TokenFile file("from-file\n");
        CHECK(parse({"--admin", "127.0.0.1:0", "--admin-token-file", file.path}).config->admin_token == "from-file");
    }
    {
        const TokenVariable variable("from-env");
        CHECK(parse({"--admin", "127.0.0.1:0", "--admin-token", "from-cli"}).config->admin_token == "from-cli");
    }
    {
        const TokenVariable variable("");
        CHECK(refused(parse({"--admin", "127.0.0.1:0"})));
    }
    {
        const TokenVariable variable("from-env");
        const auto without_admin = parse({});
        REQUIRE(without_admin.config);
        CHECK_FALSE(without_admin.config->admin_token);
        CHECK(std::getenv("ISAPI_ADMIN_TOKEN") == nullptr);
    }
}

TEST_CASE("a token given both on the command line and in a file is refused", "[admin][token]") {
    const TokenFile file("from-file\n");
    CHECK(refused(parse({"--admin", "127.0.0.1:0", "--admin-token", "a", "--admin-token-file", file.path})));
    CHECK(refused(parse({"--admin", "127.0.0.1:0", "--admin-token", "two words"})));
}
