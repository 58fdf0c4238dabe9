// Worker processes on Windows: CreateProcessW with an explicit list of the
// handles the child inherits, every child in one job object that ends them
// all with this process, a named pipe as the channel (pipe_channel.cpp), and
// a named event as the graceful stop request (stop_signals.cpp watches it).
#include <isapi/platform/faults.hpp>
#include <isapi/platform/process.hpp>

#include "command_line.hpp"
#include "os_error.hpp"
#include "pipe_channel.hpp"
#include "text.hpp"

#include <windows.h>

#include <charconv>
#include <cstdint>
#include <map>
#include <mutex>

namespace isapi::platform {
namespace {

using windows::Handle;
using windows::os_error;

SECURITY_ATTRIBUTES inheritable() { return SECURITY_ATTRIBUTES{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE}; }

// An inheritable copy of one of our standard handles, for a child that shares
// them; none when we have none (a GUI process) or it cannot be copied.
HANDLE inheritable_copy(DWORD which) {
    const HANDLE ours = ::GetStdHandle(which);
    if (ours == nullptr || ours == INVALID_HANDLE_VALUE) return nullptr;
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    if (!::DuplicateHandle(self, ours, self, &copy, 0, TRUE, DUPLICATE_SAME_ACCESS)) return nullptr;
    return copy;
}

// The child's standard handles, all inheritable and closed here once the
// child has its copies. Stdout and stderr share one handle for an output file,
// so that both write at the same file position.
struct StandardHandles {
    Handle input{INVALID_HANDLE_VALUE};
    Handle output{INVALID_HANDLE_VALUE};
    Handle error{INVALID_HANDLE_VALUE};  // unset when it is `output`

    bool open(const std::string& output_file, std::string& reason) {
        auto attributes = inheritable();
        input.reset(::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &attributes, OPEN_EXISTING,
                                  0, nullptr));
        if (!input.valid()) {
            reason = "cannot open NUL: " + os_error(::GetLastError());
            return false;
        }
        if (output_file.empty()) {
            output.reset(inheritable_copy(STD_OUTPUT_HANDLE));
            error.reset(inheritable_copy(STD_ERROR_HANDLE));
            return true;
        }
        output.reset(::CreateFileW(windows::widen(output_file).c_str(), GENERIC_WRITE,
                                   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &attributes, CREATE_ALWAYS,
                                   FILE_ATTRIBUTE_NORMAL, nullptr));
        if (!output.valid()) {
            reason = "cannot create " + output_file + ": " + os_error(::GetLastError());
            return false;
        }
        return true;
    }
    HANDLE error_handle() const { return error.valid() ? error.get() : output_file_handle(); }
    HANDLE output_file_handle() const { return output.valid() ? output.get() : nullptr; }
};

// PROC_THREAD_ATTRIBUTE_HANDLE_LIST: the child inherits these handles and no
// other, whatever else in this process is inheritable. The list must stay
// alive until CreateProcessW returns.
class HandleList {
public:
    bool build(std::vector<HANDLE> handles, std::string& reason) {
        for (HANDLE h : handles)
            if (h != nullptr && h != INVALID_HANDLE_VALUE) handles_.push_back(h);
        SIZE_T size = 0;
        ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
        storage_.resize(size);
        list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
        if (!::InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
            list_ = nullptr;
            reason = "cannot make an attribute list: " + os_error(::GetLastError());
            return false;
        }
        if (!::UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                         handles_.size() * sizeof(HANDLE), nullptr, nullptr)) {
            reason = "cannot set the inherited handles: " + os_error(::GetLastError());
            return false;
        }
        return true;
    }
    ~HandleList() {
        if (list_ != nullptr) ::DeleteProcThreadAttributeList(list_);
    }
    LPPROC_THREAD_ATTRIBUTE_LIST get() const { return list_; }

private:
    std::vector<HANDLE> handles_;
    std::vector<unsigned char> storage_;
    LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

// The job every child joins. Only this process holds its handle, never
// closed: when this process ends, however it ends, the system closes it and
// KILL_ON_JOB_CLOSE ends every process in the job, grandchildren included
// (they join their parent's job). DIE_ON_UNHANDLED_EXCEPTION keeps a crashing
// child from waiting on an error dialog: it ends with the exception's code.
HANDLE create_job(std::string& reason) {
    HANDLE job = ::CreateJobObjectW(nullptr, nullptr);
    if (job == nullptr) {
        reason = "cannot create a job object: " + os_error(::GetLastError());
        return nullptr;
    }
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags =
        JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
    if (!::SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) {
        reason = "cannot set the job object's limits: " + os_error(::GetLastError());
        ::CloseHandle(job);
        return nullptr;
    }
    return job;
}

std::string handle_number(HANDLE handle) { return std::to_string(reinterpret_cast<std::uintptr_t>(handle)); }

class WindowsProcessControl final : public ProcessControl {
public:
    std::optional<ChildProcess> spawn(const std::string& executable, const std::vector<std::string>& args,
                                      const std::vector<std::string>& env, std::string& error,
                                      const std::string& output_file) override {
        if (fault_injected("spawn")) {
            error = "injected fault: spawn (ISAPI_FAULTS)";
            return std::nullopt;
        }
        const HANDLE job = job_object(error);
        if (job == nullptr) return std::nullopt;
        windows::PipeEnds ends;
        if (!windows::make_pipe_ends(ends, error)) {
            error = "cannot create a channel for " + executable + ": " + error;
            return std::nullopt;
        }
        Handle parent_end(ends.parent);
        Handle child_end(ends.child);
        StandardHandles standard;
        HandleList inherited;
        if (!standard.open(output_file, error) ||
            !inherited.build({child_end.get(), standard.input.get(), standard.output_file_handle(),
                              standard.error.valid() ? standard.error.get() : nullptr},
                             error)) {
            error = "cannot start " + executable + ": " + error;
            return std::nullopt;
        }

        std::vector<std::string> arguments{executable};
        for (const auto& arg : args) arguments.push_back(arg == "{channel}" ? handle_number(child_end.get()) : arg);
        std::wstring line = windows::command_line(arguments);
        std::wstring environment = windows::environment_block(env);

        STARTUPINFOEXW startup{};
        startup.StartupInfo.cb = sizeof startup;
        startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        startup.StartupInfo.hStdInput = standard.input.get();
        startup.StartupInfo.hStdOutput = standard.output_file_handle();
        startup.StartupInfo.hStdError = standard.error_handle();
        startup.lpAttributeList = inherited.get();
        PROCESS_INFORMATION process{};
        // Suspended until it is in the job: it runs no code, and starts no
        // process of its own, outside it.
        const DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT;
        if (!::CreateProcessW(windows::widen(executable).c_str(), line.data(), nullptr, nullptr, TRUE, flags,
                              environment.data(), nullptr, &startup.StartupInfo, &process)) {
            error = "cannot start " + executable + ": " + os_error(::GetLastError());
            return std::nullopt;
        }
        Handle thread(process.hThread);
        Handle child(process.hProcess);
        if (!::AssignProcessToJobObject(job, child.get())) {
            error = "cannot put " + executable + " in the job object: " + os_error(::GetLastError());
            ::TerminateProcess(child.get(), kKilledExitCode);
            return std::nullopt;
        }
        if (::ResumeThread(thread.get()) == static_cast<DWORD>(-1)) {
            error = "cannot resume " + executable + ": " + os_error(::GetLastError());
            ::TerminateProcess(child.get(), kKilledExitCode);
            return std::nullopt;
        }
        const auto pid = static_cast<ProcessId>(process.dwProcessId);
        {
            std::lock_guard lock(mutex_);
            children_[pid] = child.release();
        }
        return ChildProcess{pid, reinterpret_cast<NativeChannel>(parent_end.release())};
    }

    bool kill(ProcessId pid, std::string& error) override {
        if (fault_injected("kill")) {
            error = "injected fault: kill (ISAPI_FAULTS)";
            return false;
        }
        std::lock_guard lock(mutex_);  // wait() closes the handle under it
        Handle opened(nullptr);
        HANDLE process = child_handle(pid);
        if (process == nullptr) {
            opened.reset(::OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, static_cast<DWORD>(pid)));
            process = opened.get();
        }
        if (process != nullptr && ::TerminateProcess(process, kKilledExitCode)) return true;
        const DWORD code = ::GetLastError();
        // An ended process refuses TerminateProcess; it is as good as killed.
        if (process != nullptr && ::WaitForSingleObject(process, 0) == WAIT_OBJECT_0) return true;
        error = "cannot kill process " + std::to_string(pid) + ": " + os_error(code);
        return false;
    }

    bool terminate(ProcessId pid, std::string& error) override {
        const std::string name = stop_event_name(pid);
        Handle event(::OpenEventW(EVENT_MODIFY_STATE, FALSE, windows::widen(name).c_str()));
        if (!event.valid()) {
            error = "cannot stop process " + std::to_string(pid) + ": it has no stop event " + name +
                    " (it does not watch for stop requests, or has ended): " + os_error(::GetLastError());
            return false;
        }
        if (::SetEvent(event.get())) return true;
        error = "cannot stop process " + std::to_string(pid) + ": " + os_error(::GetLastError());
        return false;
    }

    ExitStatus wait(ProcessId pid) override {
        HANDLE process = nullptr;
        {
            std::lock_guard lock(mutex_);
            process = child_handle(pid);
        }
        if (process == nullptr) return ExitStatus{false, -1};
        ::WaitForSingleObject(process, INFINITE);
        DWORD code = 0;
        const bool known = ::GetExitCodeProcess(process, &code) != 0;
        {
            std::lock_guard lock(mutex_);
            children_.erase(pid);
            ::CloseHandle(process);
        }
        return ExitStatus{false, known ? static_cast<int>(code) : -1};
    }

private:
    HANDLE child_handle(ProcessId pid) const {
        const auto found = children_.find(pid);
        return found == children_.end() ? nullptr : found->second;
    }

    HANDLE job_object(std::string& error) {
        std::lock_guard lock(mutex_);
        if (job_ == nullptr) job_ = create_job(error);
        return job_;
    }

    std::mutex mutex_;
    std::map<ProcessId, HANDLE> children_;  // from spawn until wait
    HANDLE job_ = nullptr;                  // made on the first spawn, never closed
};

}  // namespace

ProcessControl& system_process_control() {
    static WindowsProcessControl control;
    return control;
}

std::string current_executable() {
    std::wstring path(MAX_PATH, L'\0');
    for (;;) {
        const DWORD length = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
        if (length == 0) return {};
        if (length < path.size()) {
            path.resize(length);
            return windows::narrow(path);
        }
        path.resize(path.size() * 2);  // truncated: long paths exceed MAX_PATH
    }
}

ProcessId current_process_id() { return static_cast<ProcessId>(::GetCurrentProcessId()); }

std::optional<NativeChannel> adopt_channel(const std::string& argument) {
    std::uintptr_t value = 0;
    const char* end = argument.data() + argument.size();
    const auto [parsed_end, ec] = std::from_chars(argument.data(), end, value);
    if (argument.empty() || ec != std::errc{} || parsed_end != end || value == 0) return std::nullopt;
    const auto handle = reinterpret_cast<HANDLE>(value);
    if (::GetFileType(handle) != FILE_TYPE_PIPE) return std::nullopt;
    // It arrived inheritable; it must not reach this process's own children
    // (a CreateProcess elsewhere in the process without a handle list).
    ::SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0);
    return reinterpret_cast<NativeChannel>(handle);
}

void close_channel(NativeChannel channel) {
    if (channel != kNoChannel) ::CloseHandle(reinterpret_cast<HANDLE>(channel));
}

}  // namespace isapi::platform
