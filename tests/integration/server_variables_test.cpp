// Conformance over real HTTP: the server_vars_dump sample asks every server
// variable IIS documents, in order, and each answer must be the one
// samples/server_vars_dump/server_variable_table.h (and so
// docs/server-variables.md) gives, with the extension in process and in a
// worker process.
#include "test_support.hpp"

#include "../unit/ecb/server_variable_expect.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace isapi::itest;

namespace {

// Built beside the other samples (samples/CMakeLists.txt).
std::string dump_sample_path() {
    const std::filesystem::path hello(Built::hello);
    return (hello.parent_path() / ("server_vars_dump" + hello.extension().string())).string();
}

bool is_port_number(const std::string& text) {
    if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos) return false;
    const int port = std::stoi(text);
    return port > 0 && port < 65536;
}

void check_dump_in(const std::string& isolation) {
    TempDir root;
    const std::string root_path = std::filesystem::absolute(root.path()).lexically_normal().string();
    HostProcess host(Built::host, {"--isolation", isolation, "--listen", "127.0.0.1:0", "--log-level", "warn", "--root",
                                   root_path, "--map", "/vars.dll=" + dump_sample_path()});
    HttpClient client(host.address(), host.port());
    HttpRequest request;
    request.target = SERVER_VARS_DUMP_TARGET;
    request.headers = {{"User-Agent", "server-vars-dump/1"}, {"X-Dump-Token", "dash"}, {"X_Dump_Token", "underscore"}};
    const auto response = client.send(request);
    INFO("isolation " << isolation << ", body:\n" << response.body);
    REQUIRE(response.status == 200);

    const auto answers = server_vars::parse_dump(response.body);
    REQUIRE(answers.size() == std::size(server_vars::kRows));
    server_vars::Placeholders filled;
    const std::string port = std::to_string(host.port());
    filled.host = host.address() + ":" + port;
    filled.server = host.address();
    filled.port = port;
    filled.local = "127.0.0.1";
    filled.remote = "127.0.0.1";
    filled.root = root_path;
    // The client's port is the kernel's choice: any port number will do.
    for (const auto& a : answers) {
        if (a.name == "REMOTE_PORT") filled.remote_port = a.answer;
    }
    CHECK(is_port_number(filled.remote_port));

    for (std::size_t i = 0; i < answers.size(); ++i) {
        const auto& row = server_vars::kRows[i];
        INFO(row.name);
        CHECK(answers[i].name == row.name);
        CHECK(answers[i].answer == server_vars::fill(row.expected, filled));
    }
}

}  // namespace

TEST_CASE("server_vars_dump: every documented variable as the table says, extension in process",
          "[integration][server-variables]") {
    check_dump_in("inproc");
}

TEST_CASE("server_vars_dump: every documented variable as the table says, extension in a worker",
          "[integration][server-variables]") {
    check_dump_in("process");
}
