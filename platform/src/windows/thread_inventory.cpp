// The thread inventory on Windows (no symbol interposition here), from two
// sources that running() merges by thread id:
//   - an IAT hook: watch() points the module's imports of CreateThread and
//     _beginthreadex (from whichever DLL) to the hooks below, which record
//     each thread the module starts (a duplicated handle, its start routine
//     and the module's call site) while the watch is active;
//   - inspection: this process's threads (threads.hpp, the query Toolhelp32
//     snapshots are made from); a thread is the module's when its Win32
//     start address lies in the module's image and it was not alive before
//     the module was loaded (the module loader remembers the threads alive
//     before LoadLibrary, so the threads DllMain started count).
// Seen: threads started with CreateThread or _beginthreadex from the module's
// own code once it is watched (in any entry point or in its own threads);
// threads started during LoadLibrary (DllMain, a MinGW constructor) whose
// start routine is in the module; std::thread and pthread_create when the
// module links winpthreads statically (MinGW's default here: winpthreads
// calls _beginthreadex from the module's image).
// Not seen: threads started through an import the hook does not cover
// (CreateRemoteThread(Ex), a delay-loaded or GetProcAddress'ed CreateThread,
// another DLL's code such as a shared libwinpthread-1.dll) and whose start
// address lies outside the module too (a DLL CRT's _beginthreadex called
// in DllMain starts the CRT's routine); threads alive before the load.
#include <isapi/platform/thread_inventory.hpp>

#include "heap_checks.hpp"
#include "import_table.hpp"
#include "os_error.hpp"
#include "text.hpp"
#include "threads.hpp"

#include <windows.h>

#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <set>
#include <utility>

namespace isapi::platform {
namespace {

// A thread the module started through a hooked import.
struct CreatedThread {
    DWORD id = 0;
    HANDLE handle = nullptr;      // ours: the id stays this thread's, and it says when the thread ended
    std::uintptr_t start = 0;     // the routine the module passed
    std::uintptr_t creator = 0;   // the module's call site
};

struct Watch {
    AddressRange range;
    std::set<DWORD> threads_before;  // ids alive before the load (or the watch)
    bool active = true;
    std::vector<CreatedThread> created;
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
    std::map<HMODULE, std::vector<DWORD>> before_load;  // the loader's, until the module's watch
};

// Never destroyed: an extension's thread may call a hook while the process
// exits.
InventoryState& state() {
    alignas(InventoryState) static unsigned char storage[sizeof(InventoryState)];
    static InventoryState* const s = ::new (storage) InventoryState;
    return *s;
}

bool has_ended(HANDLE thread) { return ::WaitForSingleObject(thread, 0) != WAIT_TIMEOUT; }

void close_all(std::vector<CreatedThread>& threads) {
    for (const auto& t : threads) ::CloseHandle(t.handle);
    threads.clear();
}

// Lets go of the threads that have ended, so that a module which starts and
// ends threads all the time holds no handles for them.
void drop_ended(std::vector<CreatedThread>& threads) {
    std::erase_if(threads, [](const CreatedThread& t) {
        if (!has_ended(t.handle)) return false;
        ::CloseHandle(t.handle);
        return true;
    });
}

// Called by the hooks once the thread exists, on the creating thread.
void record_created(HANDLE thread, std::uintptr_t start, const void* caller) {
    const DWORD saved_error = ::GetLastError();  // the caller may look at it
    const auto from = reinterpret_cast<std::uintptr_t>(caller);
    auto& s = state();
    {
        std::lock_guard lock(s.mutex);
        // The newest active watch of the module that made the call.
        for (auto it = s.watches.rbegin(); it != s.watches.rend(); ++it) {
            Watch& watch = it->second;
            if (!watch.active || !watch.range.contains(from)) continue;
            HANDLE own = nullptr;
            const HANDLE self = ::GetCurrentProcess();
            if (::DuplicateHandle(self, thread, self, &own, SYNCHRONIZE | THREAD_QUERY_LIMITED_INFORMATION, FALSE, 0)) {
                drop_ended(watch.created);
                watch.created.push_back({::GetThreadId(thread), own, start, from});
            }
            break;
        }
    }
    ::SetLastError(saved_error);
}

// The hooks: one per original function address (a module may import
// CreateThread from kernel32.dll or an API set, _beginthreadex from
// msvcrt.dll, ucrtbase.dll or an MSVC runtime), up to kOriginals each.
using CreateThreadFn = HANDLE(WINAPI*)(LPSECURITY_ATTRIBUTES, SIZE_T, LPTHREAD_START_ROUTINE, LPVOID, DWORD, LPDWORD);
using BeginThreadExFn = std::uintptr_t(__cdecl*)(void*, unsigned, unsigned(__stdcall*)(void*), void*, unsigned,
                                                 unsigned*);
constexpr std::size_t kOriginals = 4;
std::atomic<CreateThreadFn> g_create_thread[kOriginals];
std::atomic<BeginThreadExFn> g_beginthreadex[kOriginals];

template <std::size_t N>
HANDLE WINAPI create_thread_hook(LPSECURITY_ATTRIBUTES security, SIZE_T stack, LPTHREAD_START_ROUTINE start,
                                 LPVOID argument, DWORD flags, LPDWORD id) {
    const HANDLE thread = g_create_thread[N].load(std::memory_order_acquire)(security, stack, start, argument, flags, id);
    if (thread != nullptr)
        record_created(thread, reinterpret_cast<std::uintptr_t>(start), __builtin_return_address(0));
    return thread;
}

template <std::size_t N>
std::uintptr_t __cdecl beginthreadex_hook(void* security, unsigned stack, unsigned(__stdcall* start)(void*),
                                          void* argument, unsigned flags, unsigned* id) {
    const std::uintptr_t thread =
        g_beginthreadex[N].load(std::memory_order_acquire)(security, stack, start, argument, flags, id);
    if (thread != 0)
        record_created(reinterpret_cast<HANDLE>(thread), reinterpret_cast<std::uintptr_t>(start),
                       __builtin_return_address(0));
    return thread;
}

template <typename Fn, std::size_t... N>
constexpr std::array<Fn, kOriginals> create_thread_hooks(std::index_sequence<N...>) {
    return {&create_thread_hook<N>...};
}
template <typename Fn, std::size_t... N>
constexpr std::array<Fn, kOriginals> beginthreadex_hooks(std::index_sequence<N...>) {
    return {&beginthreadex_hook<N>...};
}
const auto kCreateThreadHooks = create_thread_hooks<CreateThreadFn>(std::make_index_sequence<kOriginals>());
const auto kBeginThreadExHooks = beginthreadex_hooks<BeginThreadExFn>(std::make_index_sequence<kOriginals>());

// Under the state's mutex: the hooks' table is claimed by one watch at a time.
void hook_thread_imports(HMODULE module) {
    windows::for_each_import(module, [](const char*, const char* function, void** slot) {
        void* hook = nullptr;
        if (std::strcmp(function, "CreateThread") == 0) {
            hook = reinterpret_cast<void*>(
                windows::claim_hook(reinterpret_cast<CreateThreadFn>(*slot), g_create_thread, kCreateThreadHooks));
        } else if (std::strcmp(function, "_beginthreadex") == 0) {
            hook = reinterpret_cast<void*>(
                windows::claim_hook(reinterpret_cast<BeginThreadExFn>(*slot), g_beginthreadex, kBeginThreadExHooks));
        }
        if (hook != nullptr) windows::patch_import(slot, hook);
    });
}

// The file name of the module holding `address` ("msvcrt.dll"), or empty.
std::string module_file_name(std::uintptr_t address) {
    HMODULE module = nullptr;
    const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    if (!::GetModuleHandleExW(flags, reinterpret_cast<const wchar_t*>(address), &module)) return {};
    wchar_t path[MAX_PATH];
    const DWORD length = ::GetModuleFileNameW(module, path, MAX_PATH);
    if (length == 0 || length == MAX_PATH) return {};
    return windows::from_path(std::filesystem::path(std::wstring(path, length)).filename());
}

RecordedThread describe(std::uintptr_t start, std::uintptr_t creator, const AddressRange& range) {
    RecordedThread thread;
    thread.start_routine = start;
    thread.start_in_module = range.contains(start);
    if (thread.start_in_module) thread.start_offset = start - range.begin;
    else thread.start_object = module_file_name(start);
    if (range.contains(creator)) thread.creator_offset = creator - range.begin;
    return thread;
}

}  // namespace

namespace windows {

void remember_threads_before(HMODULE module, std::vector<DWORD> threads) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.before_load[module] = std::move(threads);
}

void forget_threads_before(HMODULE module) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.before_load.erase(module);
}

}  // namespace windows

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
    // `range` starts at the image's base (module_range).
    const auto module = reinterpret_cast<HMODULE>(range.begin);
    auto& s = state();
    std::vector<DWORD> before;
    bool remembered = false;
    {
        std::lock_guard lock(s.mutex);
        if (const auto it = s.before_load.find(module); it != s.before_load.end()) {
            before = std::move(it->second);
            s.before_load.erase(it);
            remembered = true;
        }
    }
    if (!remembered) before = windows::process_thread_ids();
    Watch watch;
    watch.range = range;
    watch.threads_before.insert(before.begin(), before.end());
    std::lock_guard lock(s.mutex);
    hook_thread_imports(module);
    // A watched module is an extension: its frees are checked too.
    windows::check_frees_of(module);
    const std::uint64_t token = s.next_token++;
    s.watches.emplace(token, std::move(watch));
    return token;
}

void ThreadInventory::unwatch(std::uint64_t token) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    if (const auto it = s.watches.find(token); it != s.watches.end()) it->second.active = false;
    s.unwatched.push_back(token);
    while (s.unwatched.size() > kKeptUnwatched) {
        if (const auto old = s.watches.find(s.unwatched.front()); old != s.watches.end()) {
            close_all(old->second.created);
            s.watches.erase(old);
        }
        s.unwatched.pop_front();
    }
}

std::vector<RecordedThread> ThreadInventory::running(std::uint64_t token) const {
    std::vector<RecordedThread> found;
    std::set<DWORD> seen;
    AddressRange range;
    std::set<DWORD> before;
    {
        auto& s = state();
        std::lock_guard lock(s.mutex);
        const auto it = s.watches.find(token);
        if (it == s.watches.end()) return {};
        Watch& watch = it->second;
        drop_ended(watch.created);
        for (const auto& t : watch.created) {
            found.push_back(describe(t.start, t.creator, watch.range));
            seen.insert(t.id);
        }
        range = watch.range;
        before = watch.threads_before;
    }
    for (const DWORD id : windows::process_thread_ids()) {
        if (before.count(id) > 0 || seen.count(id) > 0) continue;
        const std::uintptr_t start = windows::thread_start_address(id);
        if (!range.contains(start)) continue;
        found.push_back(describe(start, 0, range));
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
