#pragma once
// The contract between isapi-host and the programs that drive it
// (isapi-loadgen, the tests, scripts): every name and format that both sides
// must spell the same way. The host writes these; readers match against
// these constants, never against copies of the text. docs/architecture.md
// describes the contract.
#include <cstddef>
#include <string_view>

namespace isapi::contract {

// Kinds of GET /_isapi/events entries (the "kind" field).
namespace event {
inline constexpr std::string_view host_start = "host_start";
inline constexpr std::string_view host_stop = "host_stop";
inline constexpr std::string_view module_load = "module_load";
inline constexpr std::string_view load_failure = "load_failure";
inline constexpr std::string_view module_unload = "module_unload";
inline constexpr std::string_view terminate_extension = "terminate_extension";
inline constexpr std::string_view finding = "finding";
inline constexpr std::string_view worker_start = "worker_start";
inline constexpr std::string_view worker_ready = "worker_ready";
inline constexpr std::string_view worker_exit = "worker_exit";
inline constexpr std::string_view worker_crash = "worker_crash";
inline constexpr std::string_view worker_kill = "worker_kill";
inline constexpr std::string_view recycle = "recycle";
inline constexpr std::string_view recycle_failed = "recycle_failed";
inline constexpr std::string_view pool_stop = "pool_stop";
inline constexpr std::string_view pool_reset = "pool_reset";
}  // namespace event

// A load_failure event's detail starts with one of these phrases, which say
// why the module could not be loaded.
namespace load_failure {
inline constexpr std::string_view missing_file = "no such file";
inline constexpr std::string_view not_a_module = "not a loadable module";
// The other causes (a missing export, GetExtensionVersion refusing or
// throwing) name the module first, so they have no fixed prefix: a reader
// treats every detail not starting with the two above as definitive.
}  // namespace load_failure

// The header naming the build that answered, on every extension response
// unless --no-identity-header: "<file> sha256=<12 hex> pid=<pid> ...".
inline constexpr std::string_view kBuildIdentityHeader = "X-Isapi-Build";
inline constexpr std::string_view kIdentityHashKey = "sha256=";
inline constexpr std::size_t kIdentityHashChars = 12;

// The admin API (on --admin ADDR:PORT).
namespace admin {
inline constexpr std::string_view prefix = "/_isapi/";
inline constexpr std::string_view status = "/_isapi/status";
inline constexpr std::string_view metrics = "/_isapi/metrics";
inline constexpr std::string_view events = "/_isapi/events";  // ?since=SEQ
inline constexpr std::string_view recycle = "/_isapi/recycle";  // POST ?mode=overlapped|immediate
inline constexpr std::string_view reset = "/_isapi/reset";  // POST
}  // namespace admin

// What the host prints on stdout once it serves, followed by the URL.
inline constexpr std::string_view kListeningLine = "listening on ";
inline constexpr std::string_view kAdminLine = "admin on ";

// The host's log (stderr) patterns, in spdlog's syntax: "<ISO time> <level>
// <text>", a worker's with "[worker PID]" after the level.
inline constexpr const char* kLogPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";
inline constexpr const char* kWorkerLogPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ [worker %P] %v";

// isapi-host's exit codes, for scripts and CI.
enum ExitCode : int {
    exit_ok = 0,
    exit_runtime_error = 1,
    exit_usage = 2,
    exit_shutdown_time_limit = 3,  // requests were still running when the host stopped
};

// True for a log line of a level that explains a failure.
constexpr bool log_line_is_error(std::string_view line) {
    const auto first = line.find(' ');
    if (first == std::string_view::npos) return false;
    const auto rest = line.substr(first + 1);
    return rest.starts_with("error ") || rest.starts_with("critical ");
}

}  // namespace isapi::contract
