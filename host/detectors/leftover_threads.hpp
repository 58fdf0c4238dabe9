#pragma once
// threads_outlive_terminate: after TerminateExtension has returned (and the
// module is closed), the threads its code started must be gone. A thread is
// given `grace` to leave its start routine, since one that was told to stop
// may still be on its way out; one that crashes in the meantime in the
// unloaded code is `unloaded_code_executed` instead (the crash handler's).
#include <isapi/platform/thread_inventory.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace isapi::host {

inline constexpr std::chrono::milliseconds kThreadExitGrace{500};

// Waits up to `grace` for the threads recorded under `token` to finish.
// Returns the evidence of a finding ("1 thread started by thread_leak.so
// ... still running ...") when some are left; nullopt when none are.
std::optional<std::string> threads_left_running(std::uint64_t token, const std::string& module,
                                                std::chrono::milliseconds grace = kThreadExitGrace);

// "thread_leak.so+0x11a9", "thread_leak.so!worker (+0x11a9)", or for a
// library's start routine (std::thread) "execute_native_thread_routine in
// libstdc++.so.6, started from cpp_leak.so+0x2b4d".
std::string describe_start_routine(const std::string& module, const platform::RecordedThread& thread);

}  // namespace isapi::host
