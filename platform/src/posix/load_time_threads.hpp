#pragma once
// Threads a module starts while it loads: its ELF constructors run inside
// dlopen, before the host knows the module's address range and so before
// the thread inventory watches it. Between begin and end, every thread
// created on the loading thread is kept aside with its creating call stack,
// and the next ThreadInventory::watch() whose range holds its start routine
// or a frame of that stack adopts it. Internal to the POSIX platform code:
// the module loader opens the scope, the inventory keeps the threads.
namespace isapi::platform::posix {

void begin_module_load() noexcept;
void end_module_load() noexcept;

// The scope of one dlopen.
class ModuleLoadScope {
public:
    ModuleLoadScope() noexcept { begin_module_load(); }
    ~ModuleLoadScope() { end_module_load(); }
    ModuleLoadScope(const ModuleLoadScope&) = delete;
    ModuleLoadScope& operator=(const ModuleLoadScope&) = delete;
};

}  // namespace isapi::platform::posix
