// The contract's readers against what the host's own writers produce.
#include <isapi/contract/host_contract.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

namespace {

// One line logged at `level` through the host's pattern.
std::string log_line(const char* pattern, spdlog::level::level_enum level) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("contract-test", sink);
    logger.set_pattern(pattern);
    logger.set_level(spdlog::level::trace);
    logger.log(level, "something happened [error] in the text");
    return out.str();
}

}  // namespace

TEST_CASE("log_line_is_error recognises the host's error and critical lines, and only those") {
    using isapi::contract::log_line_is_error;
    for (const char* pattern : {isapi::contract::kLogPattern, isapi::contract::kWorkerLogPattern}) {
        INFO(pattern);
        CHECK(log_line_is_error(log_line(pattern, spdlog::level::err)));
        CHECK(log_line_is_error(log_line(pattern, spdlog::level::critical)));
        // A warning whose text mentions an error is not an error line.
        CHECK_FALSE(log_line_is_error(log_line(pattern, spdlog::level::warn)));
        CHECK_FALSE(log_line_is_error(log_line(pattern, spdlog::level::info)));
    }
    CHECK_FALSE(log_line_is_error(""));
    CHECK_FALSE(log_line_is_error("error"));
}
