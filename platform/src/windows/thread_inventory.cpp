// The thread inventory on Windows, by inspection rather than interposition
// (Windows has no symbol interposition): running() takes a Toolhelp32
// snapshot of this process's threads, and a thread belongs to a watched
// module when its Win32 start address (NtQueryInformationThread,
// ThreadQuerySetWin32StartAddress) lies in the module's image.
// Seen: threads started with CreateThread, and with std::thread or
// pthread_create when the module links winpthreads statically (MinGW's
// default here), whose start routine is then in the module itself.
// Not seen: threads started with the CRT's _beginthreadex from a CRT DLL
// (their start address is in the CRT), and threads that are not the
// module's but were started at a start address inside it by other code.
// Threads that already ran when the watch began are never counted.
#include <isapi/platform/thread_inventory.hpp>

#include "os_error.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <tlhelp32.h>

#include <deque>
#include <map>
#include <mutex>
#include <set>

namespace isapi::platform {
namespace {

struct Watch {
    AddressRange range;
    std::set<DWORD> threads_before;  // ids alive when the watch began
};

// Far more than the unloads in flight at once; bounded, because uncached
// mode watches once per request and a growing map would be a leak.
constexpr std::size_t kKeptUnwatched = 64;

struct InventoryState {
    std::mutex mutex;
    // Kept a while after unwatch: running() is asked after the unload.
    std::map<std::uint64_t, Watch> watches;
    std::deque<std::uint64_t> unwatched;  // oldest first; the map forgets past kKeptUnwatched
    std::uint64_t next_token = 1;
};

InventoryState& state() {
    static InventoryState s;
    return s;
}

std::vector<DWORD> this_process_threads() {
    std::vector<DWORD> ids;
    windows::Handle snapshot(::CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0));
    if (!snapshot.valid()) return ids;
    const DWORD self = ::GetCurrentProcessId();
    THREADENTRY32 entry{};
    entry.dwSize = sizeof entry;
    for (BOOL more = ::Thread32First(snapshot.get(), &entry); more; more = ::Thread32Next(snapshot.get(), &entry))
        if (entry.th32OwnerProcessID == self) ids.push_back(entry.th32ThreadID);
    return ids;
}

// ntdll's, looked up at run time: it is not in the SDK's import libraries
// everywhere. 9 is ThreadQuerySetWin32StartAddress.
using QueryThread = LONG(NTAPI*)(HANDLE, int, void*, ULONG, ULONG*);
constexpr int kThreadQuerySetWin32StartAddress = 9;

std::uintptr_t start_address(DWORD thread_id) {
    static const auto query = reinterpret_cast<QueryThread>(
        reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationThread")));
    if (query == nullptr) return 0;
    windows::Handle thread(::OpenThread(THREAD_QUERY_INFORMATION, FALSE, thread_id));
    if (!thread.valid()) return 0;  // it ended meanwhile
    void* start = nullptr;
    if (query(thread.get(), kThreadQuerySetWin32StartAddress, &start, sizeof start, nullptr) < 0) return 0;
    return reinterpret_cast<std::uintptr_t>(start);
}

}  // namespace

std::optional<AddressRange> module_range(const void* address) {
    HMODULE module = nullptr;
    const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    if (!::GetModuleHandleExW(flags, static_cast<const wchar_t*>(address), &module)) return std::nullopt;
    // The loaded image's own headers give its extent.
    const auto base = reinterpret_cast<std::uintptr_t>(module);
    const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
    const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(base + static_cast<std::uintptr_t>(dos->e_lfanew));
    return AddressRange{base, base + nt->OptionalHeader.SizeOfImage};
}

std::uint64_t ThreadInventory::watch(AddressRange range) {
    Watch watch{range, {}};
    for (const DWORD id : this_process_threads()) watch.threads_before.insert(id);
    auto& s = state();
    std::lock_guard lock(s.mutex);
    const std::uint64_t token = s.next_token++;
    s.watches.emplace(token, std::move(watch));
    return token;
}

void ThreadInventory::unwatch(std::uint64_t token) {
    // Nothing to stop (threads are found at running(), by their start
    // address); only the oldest unwatched entries are forgotten.
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.unwatched.push_back(token);
    while (s.unwatched.size() > kKeptUnwatched) {
        s.watches.erase(s.unwatched.front());
        s.unwatched.pop_front();
    }
}

std::vector<RecordedThread> ThreadInventory::running(std::uint64_t token) const {
    Watch watch;
    {
        auto& s = state();
        std::lock_guard lock(s.mutex);
        const auto it = s.watches.find(token);
        if (it == s.watches.end()) return {};
        watch = it->second;
    }
    std::vector<RecordedThread> found;
    for (const DWORD id : this_process_threads()) {
        if (watch.threads_before.count(id) > 0) continue;
        const std::uintptr_t start = start_address(id);
        if (!watch.range.contains(start)) continue;
        RecordedThread thread;
        thread.start_routine = start;
        thread.start_in_module = true;
        thread.start_offset = start - watch.range.begin;
        found.push_back(thread);
    }
    return found;
}

ThreadInventory& thread_inventory() {
    static ThreadInventory inventory;
    return inventory;
}

int create_thread(void*, const void*, void* (*)(void*), void*, const void*) noexcept {
    return ERROR_CALL_NOT_IMPLEMENTED;  // the POSIX interposer's entry; nothing calls it on Windows
}

}  // namespace isapi::platform
