#include "threads.hpp"

#include "os_error.hpp"

#include <algorithm>
#include <cstddef>
#include <mutex>

namespace isapi::platform::windows {
namespace {

using QuerySystem = LONG(NTAPI*)(ULONG, void*, ULONG, ULONG*);
using QueryThread = LONG(NTAPI*)(HANDLE, int, void*, ULONG, ULONG*);
constexpr ULONG kSystemProcessInformation = 5;
constexpr int kThreadQuerySetWin32StartAddress = 9;
constexpr LONG kInfoLengthMismatch = static_cast<LONG>(0xC0000004);

// ntdll's functions, looked up at run time: they are not in the SDK's import
// libraries everywhere.
template <typename Fn>
Fn ntdll(const char* name) {
    return reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), name)));
}

// SYSTEM_PROCESS_INFORMATION and SYSTEM_THREAD_INFORMATION (the prefix of
// the first that winternl.h documents stops short of the threads).
struct ThreadEntry {
    LARGE_INTEGER kernel_time, user_time, create_time;
    ULONG wait_time;
    void* start_address;
    HANDLE unique_process;
    HANDLE unique_thread;
    LONG priority, base_priority;
    ULONG context_switches, thread_state, wait_reason;
};
struct ProcessEntry {
    ULONG next_entry_offset;
    ULONG number_of_threads;
    BYTE reserved1[48];
    struct {
        USHORT length, maximum_length;
        wchar_t* buffer;
    } image_name;  // UNICODE_STRING
    LONG base_priority;
    HANDLE unique_process_id;
    HANDLE inherited_from_unique_process_id;
    ULONG handle_count;
    ULONG session_id;
    ULONG_PTR unique_process_key;
    SIZE_T vm_counters[12];  // VM_COUNTERS_EX (PageFaultCount padded), PrivatePageCount
    LARGE_INTEGER io_counters[6];
};
#if defined(_WIN64)
static_assert(sizeof(ThreadEntry) == 80, "SYSTEM_THREAD_INFORMATION is 80 bytes on x64");
static_assert(offsetof(ProcessEntry, unique_process_id) == 80, "SYSTEM_PROCESS_INFORMATION.UniqueProcessId");
static_assert(offsetof(ProcessEntry, handle_count) == 96, "SYSTEM_PROCESS_INFORMATION.HandleCount");
static_assert(sizeof(ProcessEntry) == 256, "the threads follow SYSTEM_PROCESS_INFORMATION at 256 bytes on x64");
#endif

}  // namespace

std::vector<DWORD> process_thread_ids() {
    static const auto query = ntdll<QuerySystem>("NtQuerySystemInformation");
    std::vector<DWORD> ids;
    if (query == nullptr) return ids;
    // Every process's entry: a few KiB under Wine, hundreds on a busy
    // server. One buffer, kept: an allocation this size per query would
    // show in the commit charge that leak_per_cycle samples meanwhile.
    static std::mutex mutex;
    static std::vector<unsigned char> buffer(256 * 1024);
    std::lock_guard lock(mutex);
    LONG status = kInfoLengthMismatch;
    for (int attempt = 0; attempt < 8 && status == kInfoLengthMismatch; ++attempt) {
        ULONG needed = 0;
        status = query(kSystemProcessInformation, buffer.data(), static_cast<ULONG>(buffer.size()), &needed);
        if (status == kInfoLengthMismatch) buffer.resize(std::max<std::size_t>(buffer.size() * 2, needed + 64 * 1024));
    }
    if (status < 0) return ids;
    const auto self = static_cast<std::uintptr_t>(::GetCurrentProcessId());
    for (std::size_t at = 0;;) {
        const auto* process = reinterpret_cast<const ProcessEntry*>(buffer.data() + at);
        if (reinterpret_cast<std::uintptr_t>(process->unique_process_id) == self) {
            const auto* threads = reinterpret_cast<const ThreadEntry*>(process + 1);
            for (ULONG i = 0; i < process->number_of_threads; ++i)
                ids.push_back(static_cast<DWORD>(reinterpret_cast<std::uintptr_t>(threads[i].unique_thread)));
            break;
        }
        if (process->next_entry_offset == 0) break;
        at += process->next_entry_offset;
    }
    return ids;
}

std::uintptr_t thread_start_address(DWORD thread_id) {
    static const auto query = ntdll<QueryThread>("NtQueryInformationThread");
    if (query == nullptr) return 0;
    Handle thread(::OpenThread(THREAD_QUERY_INFORMATION, FALSE, thread_id));
    if (!thread.valid()) return 0;  // it ended meanwhile
    void* start = nullptr;
    if (query(thread.get(), kThreadQuerySetWin32StartAddress, &start, sizeof start, nullptr) < 0) return 0;
    return reinterpret_cast<std::uintptr_t>(start);
}

}  // namespace isapi::platform::windows
