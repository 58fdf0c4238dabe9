#pragma once
// This process's threads, as ntdll lists them: shared by the thread
// inventory, resource_usage and thread_stacks. Internal to the
// platform library.
#include <windows.h>

#include <cstdint>
#include <vector>

namespace isapi::platform::windows {

// The ids of this process's threads now, from
// NtQuerySystemInformation(SystemProcessInformation): the query a Toolhelp32
// snapshot is made from, without the copy of every process's entries into a
// section of its own that the snapshot then makes (13 ms a snapshot under
// Wine 8, against 0.8 ms for the query; one is taken per module load and
// one per unload). Empty when the query fails.
std::vector<DWORD> process_thread_ids();

// The thread's Win32 start address (NtQueryInformationThread,
// ThreadQuerySetWin32StartAddress): the routine CreateThread was given, or
// the CRT's own when it started the thread for _beginthreadex. 0 when the
// thread has ended or cannot be asked.
std::uintptr_t thread_start_address(DWORD thread_id);

// For the module loader, around LoadLibrary: the threads alive before
// `module` was loaded, so that the watch that follows counts the threads
// its DllMain started (they exist, waiting for the loader lock, by the time
// LoadLibrary returns). Forgotten at the watch, or at forget_threads_before.
void remember_threads_before(HMODULE module, std::vector<DWORD> threads);
void forget_threads_before(HMODULE module);

}  // namespace isapi::platform::windows
