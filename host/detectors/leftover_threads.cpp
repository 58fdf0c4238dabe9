#include "leftover_threads.hpp"

#include <isapi/platform/crash_handler.hpp>

#include <spdlog/fmt/fmt.h>

#include <thread>

namespace isapi::host {

std::string describe_start_routine(const std::string& module, const platform::RecordedThread& thread) {
    if (!thread.start_in_module) {
        // std::thread and the like: a library's routine, started from the module.
        const std::string routine = thread.start_symbol.empty() ? fmt::format("{:#x}", thread.start_routine)
                                                                : thread.start_symbol;
        return fmt::format("{} in {}, started from {}+{:#x}", routine, thread.start_object, module,
                           thread.creator_offset);
    }
    if (thread.start_symbol.empty()) return fmt::format("{}+{:#x}", module, thread.start_offset);
    return fmt::format("{}!{} (+{:#x})", module, thread.start_symbol, thread.start_offset);
}

std::optional<std::string> threads_left_running(std::uint64_t token, const std::string& module,
                                                std::chrono::milliseconds grace) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    auto running = platform::thread_inventory().running(token);
    while (!running.empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        running = platform::thread_inventory().running(token);
    }
    // A thread of the module crashed the process meanwhile (the crash note is
    // the finding); under a sanitizer it may still be printing its report.
    if (running.empty() || platform::crash_in_progress()) return std::nullopt;
    std::string routines;
    for (const auto& thread : running) routines += (routines.empty() ? "" : ", ") + describe_start_routine(module, thread);
    return fmt::format("{} thread(s) started by {} still running {} ms after TerminateExtension returned "
                       "(start routine {})",
                       running.size(), module, grace.count(), routines);
}

}  // namespace isapi::host
