#pragma once
// Small descriptor helpers shared by the POSIX file operations.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace isapi::platform::posix {

inline std::string os_error(int code) { return std::strerror(code); }

// A descriptor closed on every path.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    // Closes now and reports the error: for a written file, close can be the
    // first to report a failed write (NFS, quota).
    bool close() {
        const int fd = fd_;
        fd_ = -1;
        return ::close(fd) == 0;
    }

private:
    int fd_;
};

// Writes all of `size` bytes, retrying short writes and signals.
inline bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Opens `path` for reading and checks that it is a regular file (a FIFO or
// device would block or never end; modules are regular files). -1 with the
// reason in `error`; the caller owns the descriptor.
inline int open_regular_file(const std::string& path, struct stat& st, std::string& error) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        const int code = errno;
        if (fd >= 0) ::close(fd);
        error = "cannot read " + path + ": " + os_error(code);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        error = "cannot copy " + path + ": not a regular file";
        return -1;
    }
    return fd;
}

}  // namespace isapi::platform::posix
