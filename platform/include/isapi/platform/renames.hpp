#pragma once
// The file-name operations a live swap is made of (docs/swap.md): plain and
// atomic renames, the atomic exchange of two names, and the kind of copy a
// person does by hand (in place, visible while it is written, optionally
// slowed to imitate a large module on a slow share).
#include <cstdint>
#include <string>

namespace isapi::platform {

// rename(2): atomically makes `to` name `from`'s file, replacing any file
// `to` named. Both in one folder (one file system). False with the reason.
bool rename_file(const std::string& from, const std::string& to, std::string& error);

enum class ExchangeResult { done, unsupported, failed };

// Swaps the files two names refer to, atomically: no moment exists in which
// either name is missing (Linux renameat2 RENAME_EXCHANGE). `unsupported`
// when this OS or file system has no such operation (`error` says which).
ExchangeResult exchange_files(const std::string& a, const std::string& b, std::string& error);

// Makes `to` name `from`'s file even where `to` is a module some process
// has loaded. POSIX: rename(2), as rename_file. Windows, which refuses to
// rename onto a loaded image (error 5), tries in turn: one atomic rename
// with POSIX semantics (SetFileInformationByHandle FileRenameInfoEx, NTFS on
// Windows 10 1809 and later), MoveFileEx, and ReplaceFileW, which moves the
// loaded file aside to `parked` first. On success `detail` says which call
// did it and what each earlier one answered; on failure, the same with the
// last error.
bool replace_file(const std::string& from, const std::string& to, const std::string& parked, std::string& detail);

// True when the OS offers exchange_files at all (not whether a given file
// system supports it).
bool exchange_available();

// unlink(2). Removing a name that does not exist is not an error.
bool remove_file(const std::string& path, std::string& error);

// Copies `from` onto `to` the way `cp` does: `to` is created or truncated,
// then written front to back, so a reader can see it empty or partial until
// this returns. `bytes_per_second` > 0 paces the writes (in 4 KiB steps).
// Keeps the source's permission bits on a new file.
// Fault point "swap_copy" (ISAPI_FAULTS) stops the copy half-way with
// "No space left on device", as a full disk would.
bool copy_file_in_place(const std::string& from, const std::string& to, std::uint64_t bytes_per_second,
                        std::string& error);

}  // namespace isapi::platform
