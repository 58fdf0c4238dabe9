#include <isapi/platform/extension_file.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace isapi::platform {

namespace {
constexpr std::uint32_t kInvalidHandle = 6;  // ERROR_INVALID_HANDLE
constexpr std::uint32_t kAccessDenied = 5;   // ERROR_ACCESS_DENIED

std::uint32_t win32_error(int err) { return err == EBADF ? kInvalidHandle : kAccessDenied; }
int descriptor(ExtensionFile file) { return static_cast<int>(file); }
}  // namespace

std::uint32_t extension_file_size(ExtensionFile file, std::uint64_t& size) {
    struct stat st {};
    if (::fstat(descriptor(file), &st) != 0) return win32_error(errno);
    size = static_cast<std::uint64_t>(st.st_size);
    return 0;
}

std::uint32_t extension_file_read(ExtensionFile file, char* buffer, std::size_t want, std::uint64_t offset,
                                  std::size_t& got) {
    for (;;) {
        const ssize_t n = ::pread(descriptor(file), buffer, want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        got = n > 0 ? static_cast<std::size_t>(n) : 0;
        return n < 0 ? win32_error(errno) : 0;
    }
}

}  // namespace isapi::platform
