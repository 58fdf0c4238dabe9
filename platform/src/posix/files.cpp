#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>

#include "elf_image.hpp"
#include "fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace isapi::platform {
namespace {

using posix::Fd;
using posix::os_error;
using posix::write_all;

// Copies `from` to the end of `to`; on failure errno says why and `read_failed`
// says which side it was.
bool copy_bytes(int from, int to, bool& read_failed) {
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(from, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        read_failed = n < 0;
        if (n < 0) return false;
        if (n == 0) return true;
        if (!write_all(to, buffer, static_cast<std::size_t>(n))) return false;
    }
}

// The copy into the open temporary file, up to but not including the rename.
bool fill_temporary(int source, mode_t mode, const std::string& from, Fd& temp, const std::string& temp_path,
                    std::string& error) {
    bool read_failed = false;
    if (!copy_bytes(source, temp.get(), read_failed)) {
        const int code = errno;
        error = "cannot " + std::string(read_failed ? "read " + from : "write " + temp_path) + ": " + os_error(code);
        return false;
    }
    // Permissions before the rename, so `to` never appears with mkstemp's 0600.
    if (::fchmod(temp.get(), mode & 07777) != 0) {
        const int code = errno;
        error = "cannot set the permissions of " + temp_path + ": " + os_error(code);
        return false;
    }
    // The bytes reach the disk before the name does, so a crash cannot leave
    // a complete-looking name over missing data.
    if (::fsync(temp.get()) != 0 || !temp.close()) {
        const int code = errno;
        error = "cannot write " + temp_path + ": " + os_error(code);
        return false;
    }
    return true;
}

}  // namespace

bool copy_file_atomically(const std::string& from, const std::string& to, std::string& error) {
    if (fault_injected("copy")) {
        error = "injected fault: copy (ISAPI_FAULTS)";
        return false;
    }
    struct stat st {};
    Fd source(posix::open_regular_file(from, st, error));
    if (source.get() < 0) return false;

    // In `to`'s folder, so that the final rename stays on one file system
    // and is atomic.
    const std::filesystem::path target(to);
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : ".";
    // Appends, not operator+: GCC 12 warns (-Wrestrict) on the chained form.
    std::string temp_name(".");
    temp_name.append(target.filename().string()).append(".tmp-XXXXXX");
    std::string temp_path = (folder / temp_name).string();
    Fd temp(::mkostemp(temp_path.data(), O_CLOEXEC));
    if (temp.get() < 0) {
        const int code = errno;
        error = "cannot create a temporary file in " + folder.string() + " for " + to + ": " + os_error(code);
        return false;
    }
    if (!fill_temporary(source.get(), st.st_mode, from, temp, temp_path, error)) {
        ::unlink(temp_path.c_str());
        return false;
    }
    if (::rename(temp_path.c_str(), to.c_str()) != 0) {
        const int code = errno;
        error = "cannot rename " + temp_path + " to " + to + ": " + os_error(code);
        ::unlink(temp_path.c_str());
        return false;
    }
    return true;
}

ModuleFileState module_file_state(const std::string& path, std::string& detail) {
    detail.clear();
    Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (file.get() < 0 || ::fstat(file.get(), &st) != 0) {
        const int code = errno;
        const bool absent = code == ENOENT || code == ENOTDIR;
        detail = absent ? "no such file" : "cannot read the file: " + os_error(code);
        return absent ? ModuleFileState::missing : ModuleFileState::not_a_module;
    }
    if (!S_ISREG(st.st_mode)) {
        detail = "not a regular file";
        return ModuleFileState::not_a_module;
    }
    return elf_file_state(file.get(), static_cast<std::uint64_t>(st.st_size), detail);
}

std::optional<std::string> make_private_directory(const std::string& prefix, std::string& error) {
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = (tmpdir != nullptr && *tmpdir != '\0') ? tmpdir : "/tmp";
    // The pid in the name tells whose folder a leftover is; mkdtemp makes it
    // 0700 and unique.
    std::string path = base + "/" + prefix + "-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(path.data()) == nullptr) {
        const int code = errno;
        error = "cannot create a folder in " + base + ": " + os_error(code);
        return std::nullopt;
    }
    return path;
}

void remove_tree(const std::string& path) {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

}  // namespace isapi::platform
