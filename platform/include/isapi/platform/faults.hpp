#pragma once
// Failure injection for the OS seam, so tests can make each OS step fail in a
// real process. Driven by the environment variable ISAPI_FAULTS, read once:
//   ISAPI_FAULTS="spawn:2,module_open"
// A point alone fails every call; "point:N" fails only the Nth call (1-based)
// in this process. Unknown names are kept (a typo simply never fires); a
// malformed entry is reported on stderr once and ignored.
// The seam's real implementations ask before each step:
//   spawn        ProcessControl::spawn
//   kill         ProcessControl::kill
//   module_open  ModuleLoader::open
//   copy         copy_file_atomically
//   swap_copy    copy_file_in_place (stops half-way: disk full)
// Other layers may ask about their own points (the host uses "drain").
#include <string>
#include <string_view>

namespace isapi::platform {

// True when this call of `point` is to fail; counts the call.
bool fault_injected(std::string_view point);

// Replaces the plan (tests); an empty string disables every fault.
void set_fault_plan(const std::string& plan);

}  // namespace isapi::platform
