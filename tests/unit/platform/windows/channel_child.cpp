// The child the Windows process tests start: it does one thing, named by its
// first argument, and reports over the channel it adopts from its second.
//   echo CHANNEL             sends back every byte until the channel closes
//   args CHANNEL ARG...      sends its arguments as CommandLineToArgvW splits
//                            them, each ended by a NUL
//   env CHANNEL NAME...      sends "value|count" per name, count being how
//                            many entries of its environment block have it
//   handles CHANNEL VALUE    sends what the handle CHANNEL and VALUE are here
//   stop CHANNEL             sends "ready\n" once StopSignals watches, then
//                            the request's description, and exits 0
//   middle CHANNEL           starts "linger" as its own child, sends its pid
//   output                   writes a line to stdout and one to stderr
//   exit CODE                exits with CODE
//   crash                    writes through a null pointer
//   crash-noted NOTE WHERE   installs the crash handler with the note file
//                            NOTE, then crashes "inside" an entry point
//                            scope or "outside" any
//   crash-noted NOTE HOW DLL as above, where HOW is one of:
//                            unloaded: loads DLL, unloads it (noted as
//                              crash_handler.hpp says) and calls its
//                              HttpExtensionProc; unloaded-inside: the same
//                              inside an entry point scope;
//                            raise: RaiseException(0xE0000042) inside an
//                              entry point scope; msvc-throw: the exception
//                              an MSVC C++ throw raises (0xE06D7363), inside
//   linger                   sleeps a minute, then exits 5
#include <isapi/platform/channel_stream.hpp>
#include <isapi/platform/crash_handler.hpp>
#include <isapi/platform/process.hpp>
#include <isapi/platform/stop_signals.hpp>
#include <isapi/platform/thread_inventory.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

#include <windows.h>

#include <shellapi.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace net = boost::asio;
using namespace isapi::platform;

namespace {

constexpr int kUsage = 64;

std::string narrow(const wchar_t* wide) {
    const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
    std::string text(static_cast<std::size_t>(size > 0 ? size - 1 : 0), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, wide, -1, text.data(), size, nullptr, nullptr);
    return text;
}

std::wstring widen(const std::string& text) {
    const int size = ::MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
    std::wstring wide(static_cast<std::size_t>(size > 0 ? size - 1 : 0), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, wide.data(), size);
    return wide;
}

// The arguments as the documented splitter sees them, not the C runtime.
std::vector<std::string> arguments() {
    int count = 0;
    wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
    std::vector<std::string> result;
    for (int i = 0; i < count; ++i) result.push_back(narrow(wide[i]));
    ::LocalFree(wide);
    return result;
}

void send(ChannelStream& channel, const std::string& text) { net::write(channel, net::buffer(text)); }

int echo(ChannelStream& channel) {
    std::vector<char> buffer(64 * 1024);
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = channel.read_some(net::buffer(buffer), ec);
        if (channel_closed_by_peer(ec)) return 0;
        if (ec) return 3;
        net::write(channel, net::buffer(buffer.data(), n));
    }
}

std::size_t entries_named(const std::wstring& name) {
    std::size_t count = 0;
    wchar_t* block = ::GetEnvironmentStringsW();
    for (const wchar_t* entry = block; *entry != L'\0'; entry += std::wcslen(entry) + 1) {
        const std::wstring text(entry);
        const auto equals = text.find(L'=', 1);
        if (::CompareStringOrdinal(text.c_str(), static_cast<int>(equals), name.c_str(), -1, TRUE) == CSTR_EQUAL) ++count;
    }
    ::FreeEnvironmentStringsW(block);
    return count;
}

std::string environment(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        wchar_t value[1024];
        const DWORD length = ::GetEnvironmentVariableW(widen(name).c_str(), value, 1024);
        text += (length == 0 ? std::string("<unset>") : narrow(value)) + "|" + std::to_string(entries_named(widen(name))) + "\n";
    }
    return text;
}

// "invalid", or the handle's file type and, for a disk file, its path.
std::string describe_handle(HANDLE handle) {
    DWORD flags = 0;
    if (!::GetHandleInformation(handle, &flags)) return "invalid";
    switch (::GetFileType(handle)) {
        case FILE_TYPE_PIPE: return "pipe";
        case FILE_TYPE_CHAR: return "char";
        case FILE_TYPE_DISK: {
            wchar_t path[1024];
            const DWORD length = ::GetFinalPathNameByHandleW(handle, path, 1024, 0);
            return "disk " + (length > 0 && length < 1024 ? narrow(path) : std::string("?"));
        }
        default: return "other";
    }
}

int wait_for_stop(ChannelStream& channel) {
    std::mutex mutex;
    std::condition_variable changed;
    std::string request;
    StopSignals signals([&](StopRequest, const std::string& description) {
        std::lock_guard lock(mutex);
        request = description;
        changed.notify_all();
    });
    send(channel, "ready\n");
    std::unique_lock lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(30), [&] { return !request.empty(); })) return 4;
    send(channel, request + "\n");
    return 0;
}

int start_grandchild(ChannelStream& channel, const std::string& self) {
    std::string error;
    auto grandchild = system_process_control().spawn(self, {"linger"}, {}, error);
    if (!grandchild) {
        send(channel, "error: " + error + "\n");
        return 3;
    }
    send(channel, std::to_string(grandchild->pid) + "\n");
    ::Sleep(60'000);
    return 5;
}

void write_through_null() {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
}

int crash_noted(const std::string& note, bool inside) {
    std::string error;
    if (!install_crash_handler(note, error) || crash_in_progress()) return 2;
    if (!inside) {
        write_through_null();
        return 3;
    }
    const EntryPointScope scope("HttpExtensionProc", "crashy.dll", 7);
    write_through_null();
    return 3;
}

// Calls into `dll` after unloading it, as a leaked thread or a stale
// function pointer of the host would.
int call_unloaded(const std::string& dll, bool inside) {
    const HMODULE module = ::LoadLibraryW(widen(dll).c_str());
    if (module == nullptr) return 4;
    const auto proc = reinterpret_cast<void (*)()>(reinterpret_cast<void*>(::GetProcAddress(module, "HttpExtensionProc")));
    const auto range = module_range(reinterpret_cast<const void*>(proc));
    if (proc == nullptr || !range) return 4;
    note_loaded(*range, 1);
    ::FreeLibrary(module);
    note_unloaded(*range, "hello.dll", 3, 1);
    if (!inside) {
        proc();
        return 3;
    }
    const EntryPointScope scope("HttpExtensionProc", "crashy.dll", 7);
    proc();
    return 3;
}

int crash_noted_how(const std::string& note, const std::string& how, const std::string& dll) {
    std::string error;
    if (!install_crash_handler(note, error) || crash_in_progress()) return 2;
    if (how == "unloaded" || how == "unloaded-inside") return call_unloaded(dll, how == "unloaded-inside");
    const EntryPointScope scope("HttpExtensionProc", "crashy.dll", 7);
    if (how == "raise") ::RaiseException(0xE0000042u, EXCEPTION_NONCONTINUABLE, 0, nullptr);
    if (how == "msvc-throw") ::RaiseException(0xE06D7363u, EXCEPTION_NONCONTINUABLE, 0, nullptr);
    return kUsage;
}

int with_channel(const std::vector<std::string>& args) {
    const auto native = adopt_channel(args[2]);
    if (!native) return kUsage;
    net::io_context io;
    ChannelStream channel = adopt_channel_stream(io.get_executor(), *native);
    const std::string& mode = args[1];
    const std::vector<std::string> rest(args.begin() + 3, args.end());
    if (mode == "echo") return echo(channel);
    if (mode == "stop") return wait_for_stop(channel);
    if (mode == "middle") return start_grandchild(channel, args[0]);
    if (mode == "args") {
        std::string text;
        for (const auto& arg : rest) text += arg + '\0';
        send(channel, text);
    } else if (mode == "env") {
        send(channel, environment(rest));
    } else if (mode == "handles" && rest.size() == 1) {
        const auto value = static_cast<std::uintptr_t>(std::stoull(rest[0]));
        send(channel, "channel: " + describe_handle(channel.native_handle()) +
                          "\nvalue: " + describe_handle(reinterpret_cast<HANDLE>(value)) + "\n");
    } else {
        return kUsage;
    }
    return 0;
}

}  // namespace

int main() {
    const auto args = arguments();
    if (args.size() < 2) return kUsage;
    const std::string& mode = args[1];
    if (mode == "output") {
        std::fputs("to-stdout\n", stdout);
        std::fflush(stdout);
        std::fputs("to-stderr\n", stderr);
        return 0;
    }
    if (mode == "exit" && args.size() == 3) return std::atoi(args[2].c_str());
    if (mode == "crash") {
        write_through_null();
        return 3;
    }
    if (mode == "crash-noted" && args.size() == 4) return crash_noted(args[2], args[3] == "inside");
    if (mode == "crash-noted" && args.size() == 5) return crash_noted_how(args[2], args[3], args[4]);
    if (mode == "linger") {
        ::Sleep(60'000);
        return 5;
    }
    if (args.size() < 3) return kUsage;
    return with_channel(args);
}
