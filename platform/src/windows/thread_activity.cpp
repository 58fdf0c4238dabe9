#include <isapi/platform/thread_activity.hpp>

// Windows keeps no per-thread ready-or-blocked state that a process can read
// without tracing (ETW's context-switch events): the activity is unknown,
// and the watchdog counts wall time.
namespace isapi::platform {

ThreadActivityProbe ThreadActivityProbe::of_this_thread() { return {}; }
ThreadActivityProbe::ThreadActivityProbe(ThreadActivityProbe&&) noexcept {}
ThreadActivityProbe& ThreadActivityProbe::operator=(ThreadActivityProbe&&) noexcept { return *this; }
ThreadActivityProbe::~ThreadActivityProbe() = default;
std::optional<ThreadActivity> ThreadActivityProbe::read() const { return std::nullopt; }

}  // namespace isapi::platform
