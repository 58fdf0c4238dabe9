// Thread stacks on Windows, in process with DbgHelp: each thread is
// suspended only long enough to take its context and a copy of its stack
// (kernel calls only: a suspended thread may hold the heap's lock, which any
// allocation here would then wait for), then StackWalk64 unwinds the copy
// and SymFromAddr names the frames. The layout is gdb's ("Thread N (Thread
// 0xID (LWP ID)):", "#K  0xPC in ...", a blank line after each thread), so
// the host picks out one thread's block the same way on every OS.
// Names: DbgHelp reads PDBs, and exports where there is no PDB (then a
// frame in a function that is not exported is named by the nearest export
// before it, with its displacement; the module and offset are exact).
// Wine's DbgHelp reads MinGW's DWARF too.
#include <isapi/platform/thread_stacks.hpp>

#include "os_error.hpp"
#include "text.hpp"
#include "threads.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <dbghelp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <vector>

namespace isapi::platform {
namespace {

constexpr std::size_t kStackCopyBytes = 256 * 1024;  // the top of each stack, where the frames that matter are
constexpr int kMaxFrames = 64;

// The stack being walked: StackWalk64's memory reader has no argument of
// its own, so it reads these (under the DbgHelp mutex).
const unsigned char* g_copy = nullptr;
std::uintptr_t g_copy_begin = 0;
std::size_t g_copy_size = 0;

BOOL CALLBACK read_memory(HANDLE process, DWORD64 address, void* buffer, DWORD size, DWORD* read) {
    const auto begin = static_cast<std::uintptr_t>(address);
    if (begin >= g_copy_begin && begin + size <= g_copy_begin + g_copy_size) {
        std::memcpy(buffer, g_copy + (begin - g_copy_begin), size);
        if (read != nullptr) *read = size;
        return TRUE;
    }
    // Code and unwind data, which do not change while the thread runs on.
    SIZE_T done = 0;
    const BOOL ok = ::ReadProcessMemory(process, reinterpret_cast<const void*>(begin), buffer, size, &done);
    if (read != nullptr) *read = static_cast<DWORD>(done);
    return ok;
}

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

// "ntdll.dll" for an address inside it; empty when no module holds it.
std::string module_of(std::uintptr_t address, std::uintptr_t& base) {
    HMODULE module = nullptr;
    const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    if (!::GetModuleHandleExW(flags, reinterpret_cast<const wchar_t*>(address), &module)) return {};
    base = reinterpret_cast<std::uintptr_t>(module);
    wchar_t path[MAX_PATH];
    const DWORD length = ::GetModuleFileNameW(module, path, MAX_PATH);
    if (length == 0 || length == MAX_PATH) return "?";
    return windows::from_path(std::filesystem::path(std::wstring(path, length)).filename());
}

// The module's export at or before `address` (its name and where it is), for
// a module DbgHelp has no symbols for: Wine's DbgHelp names an export only
// at its exact address, where Windows' names the nearest one before.
bool nearest_export(std::uintptr_t base, std::uintptr_t address, std::string& name, std::uintptr_t& at) {
    const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
    if (dos->e_magic != IMAGE_DOS_SIGNATURE) return false;
    const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(base + static_cast<std::uintptr_t>(dos->e_lfanew));
    const IMAGE_DATA_DIRECTORY& directory = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
    if (directory.VirtualAddress == 0 || directory.Size == 0) return false;
    const auto* exports = reinterpret_cast<const IMAGE_EXPORT_DIRECTORY*>(base + directory.VirtualAddress);
    const auto* functions = reinterpret_cast<const DWORD*>(base + exports->AddressOfFunctions);
    const auto* names = reinterpret_cast<const DWORD*>(base + exports->AddressOfNames);
    const auto* ordinals = reinterpret_cast<const WORD*>(base + exports->AddressOfNameOrdinals);
    bool found = false;
    for (DWORD i = 0; i < exports->NumberOfNames; ++i) {
        const std::uintptr_t function = base + functions[ordinals[i]];
        if (function > address || (found && function <= at)) continue;
        at = function;
        name = reinterpret_cast<const char*>(base + names[i]);
        found = true;
    }
    return found;
}

// "#3  0x7ffb1234 in TerminateExtension+0x24 (hang_on_terminate.dll+0x1404) at hang.c:40"
std::string describe_frame(HANDLE process, int index, std::uint64_t pc) {
    // A return address points past its call; the call is what to name.
    const DWORD64 lookup = index == 0 ? pc : pc - 1;
    std::string text = "#" + std::to_string(index) + "  " + hex(pc) + " in ";
    std::uintptr_t base = 0;
    const std::string module = module_of(static_cast<std::uintptr_t>(pc), base);
    alignas(SYMBOL_INFO) unsigned char storage[sizeof(SYMBOL_INFO) + MAX_SYM_NAME];
    auto* symbol = reinterpret_cast<SYMBOL_INFO*>(storage);
    symbol->SizeOfStruct = sizeof(SYMBOL_INFO);
    symbol->MaxNameLen = MAX_SYM_NAME;
    DWORD64 displacement = 0;
    bool named = ::SymFromAddr(process, lookup, &displacement, symbol) != FALSE;
    std::string name;
    if (named) {
        name = symbol->Name;
    } else if (std::uintptr_t at = 0; !module.empty() && nearest_export(base, static_cast<std::uintptr_t>(lookup), name, at)) {
        displacement = lookup - at;
        named = true;
    }
    if (named) text += name + "+" + hex(displacement + (pc - lookup)) + " (";
    text += module.empty() ? "??" : module + "+" + hex(pc - base);
    if (named) text += ")";
    IMAGEHLP_LINE64 line{};
    line.SizeOfStruct = sizeof line;
    DWORD column = 0;
    if (::SymGetLineFromAddr64(process, lookup, &column, &line) && line.FileName != nullptr)
        text += " at " + std::filesystem::path(line.FileName).filename().string() + ":" + std::to_string(line.LineNumber);
    return text + "\n";
}

// One thread's block, without its header line.
std::string stack_of(HANDLE process, DWORD id, std::vector<unsigned char>& copy) {
    windows::Handle thread(
        ::OpenThread(THREAD_SUSPEND_RESUME | THREAD_GET_CONTEXT | THREAD_QUERY_INFORMATION, FALSE, id));
    if (!thread.valid()) return "(cannot open the thread: " + windows::os_error(::GetLastError()) + ")\n";
    CONTEXT context{};
    context.ContextFlags = CONTEXT_FULL;
    std::size_t copied = 0;
    // Suspended: kernel calls only until it runs again.
    if (::SuspendThread(thread.get()) == static_cast<DWORD>(-1))
        return "(cannot suspend the thread: " + windows::os_error(::GetLastError()) + ")\n";
    const bool have_context = ::GetThreadContext(thread.get(), &context) != FALSE;
    MEMORY_BASIC_INFORMATION region{};
    if (have_context && ::VirtualQuery(reinterpret_cast<const void*>(context.Rsp), &region, sizeof region) != 0) {
        const auto end = reinterpret_cast<std::uintptr_t>(region.BaseAddress) + region.RegionSize;
        const std::size_t wanted = std::min<std::size_t>(end - context.Rsp, copy.size());
        SIZE_T done = 0;
        if (::ReadProcessMemory(process, reinterpret_cast<const void*>(context.Rsp), copy.data(), wanted, &done))
            copied = done;
    }
    ::ResumeThread(thread.get());
    if (!have_context) return "(cannot read the thread's context: " + windows::os_error(::GetLastError()) + ")\n";

    g_copy = copy.data();
    g_copy_begin = context.Rsp;
    g_copy_size = copied;
    STACKFRAME64 frame{};
    frame.AddrPC.Offset = context.Rip;
    frame.AddrPC.Mode = AddrModeFlat;
    frame.AddrStack.Offset = context.Rsp;
    frame.AddrStack.Mode = AddrModeFlat;
    frame.AddrFrame.Offset = context.Rbp;
    frame.AddrFrame.Mode = AddrModeFlat;
    std::string text;
    for (int index = 0; index < kMaxFrames; ++index) {
        if (!::StackWalk64(IMAGE_FILE_MACHINE_AMD64, process, thread.get(), &frame, &context, read_memory,
                           ::SymFunctionTableAccess64, ::SymGetModuleBase64, nullptr) ||
            frame.AddrPC.Offset == 0)
            break;
        text += describe_frame(process, index, frame.AddrPC.Offset);
    }
    g_copy = nullptr;
    g_copy_size = 0;
    return text.empty() ? "(no frames)\n" : text;
}

}  // namespace

std::uint64_t current_thread_id() { return ::GetCurrentThreadId(); }

std::string all_thread_stacks(std::chrono::milliseconds limit) {
    // DbgHelp is single-threaded: every call into it goes through here.
    static std::mutex dbghelp;
    std::lock_guard lock(dbghelp);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // A handle of our own for DbgHelp's session, not GetCurrentProcess():
    // another component of the process (an extension) may have a session
    // of its own on that one.
    static const HANDLE process = [] {
        HANDLE own = nullptr;
        const HANDLE self = ::GetCurrentProcess();
        if (!::DuplicateHandle(self, self, self, &own, 0, FALSE, DUPLICATE_SAME_ACCESS)) return HANDLE{nullptr};
        ::SymSetOptions(SYMOPT_DEFERRED_LOADS | SYMOPT_UNDNAME | SYMOPT_LOAD_LINES | SYMOPT_NO_PROMPTS |
                        SYMOPT_FAIL_CRITICAL_ERRORS);
        if (!::SymInitializeW(own, nullptr, TRUE)) {
            const DWORD error = ::GetLastError();
            ::CloseHandle(own);
            ::SetLastError(error);
            return HANDLE{nullptr};
        }
        return own;
    }();
    if (process == nullptr) return "no stacks: DbgHelp's SymInitialize failed: " + windows::os_error(::GetLastError());
    ::SymRefreshModuleList(process);  // the modules loaded and unloaded since the last time

    // Allocated before any thread is suspended.
    std::vector<unsigned char> copy(kStackCopyBytes);
    std::string text;
    int number = 0;
    const DWORD self = ::GetCurrentThreadId();
    for (const DWORD id : windows::process_thread_ids()) {
        ++number;
        if (std::chrono::steady_clock::now() > deadline) {
            text += "(the other threads were left out: taking the stacks took longer than " +
                    std::to_string(limit.count()) + " ms)\n";
            break;
        }
        text += "Thread " + std::to_string(number) + " (Thread " + hex(id) + " (LWP " + std::to_string(id) + ")):\n";
        text += id == self ? "(the thread taking these stacks)\n" : stack_of(process, id, copy);
        text += "\n";
    }
    return text;
}

}  // namespace isapi::platform
