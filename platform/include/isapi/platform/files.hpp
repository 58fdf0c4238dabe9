#pragma once
// File operations the host needs beyond loading: private copies of modules
// (shadow copy) and telling a complete module file from a half-copied one.
#include <optional>
#include <string>

namespace isapi::platform {

// Copies `from` to `to` so that `to` is either absent or complete: the bytes
// go to a temporary file in `to`'s folder, are flushed, and the temporary is
// renamed over `to`. On failure `to` is untouched, the temporary is removed,
// and `error` says why (naming the file). Keeps the source's permission bits.
bool copy_file_atomically(const std::string& from, const std::string& to, std::string& error);

enum class ModuleFileState {
    complete,      // a whole executable image of this platform's format
    missing,       // no file at the path
    incomplete,    // a recognised image that is shorter than its headers say (still being copied)
    not_a_module,  // some other kind of file
};

// Reads the image headers (ELF here, PE later) and checks that the file is at
// least as long as every section and segment they describe. `detail` says
// why it is not complete ("412 of 16384 bytes", "not an ELF file").
ModuleFileState module_file_state(const std::string& path, std::string& detail);

// A fresh private folder for this process (e.g. $TMPDIR/isapi-shadow-PID-XXXXXX),
// nullopt with the reason on failure. The caller removes it with remove_tree.
std::optional<std::string> make_private_directory(const std::string& prefix, std::string& error);

// Removes a folder and everything in it; best effort.
void remove_tree(const std::string& path);

}  // namespace isapi::platform
