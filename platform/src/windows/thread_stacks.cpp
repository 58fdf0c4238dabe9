// Thread stacks on Windows: the thread id is real; the stacks are not
// collected yet (that needs DbgHelp's StackWalk64 or a debugger such as
// cdb), so the hang finding says so instead of showing them.
#include <isapi/platform/thread_stacks.hpp>

#include <windows.h>

namespace isapi::platform {

std::uint64_t current_thread_id() { return ::GetCurrentThreadId(); }

std::string all_thread_stacks(std::chrono::milliseconds) {
    return "thread stacks are not collected on Windows yet (docs/windows.md)";
}

}  // namespace isapi::platform
