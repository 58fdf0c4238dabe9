#include <isapi/platform/faults.hpp>
#include <isapi/platform/renames.hpp>

#include "fd.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>
#include <vector>

namespace isapi::platform {
namespace {

using posix::Fd;
using posix::os_error;
using posix::write_all;

constexpr std::size_t kPacedChunk = 4096;

}  // namespace

bool rename_file(const std::string& from, const std::string& to, std::string& error) {
    if (::rename(from.c_str(), to.c_str()) == 0) return true;
    const int code = errno;
    error = "cannot rename " + from + " to " + to + ": " + os_error(code);
    return false;
}

bool replace_file(const std::string& from, const std::string& to, const std::string&, std::string& detail) {
    if (!rename_file(from, to, detail)) return false;
    detail = "rename(2)";
    return true;
}

bool exchange_available() {
#ifdef RENAME_EXCHANGE
    return true;
#else
    return false;
#endif
}

ExchangeResult exchange_files(const std::string& a, const std::string& b, std::string& error) {
#ifdef RENAME_EXCHANGE
    if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return ExchangeResult::done;
    const int code = errno;
    // EINVAL: the file system does not implement the flag (e.g. some network
    // and older overlay file systems); ENOSYS: the kernel predates it.
    const bool unsupported = code == EINVAL || code == ENOSYS;
    error = "cannot exchange " + a + " and " + b + ": " + os_error(code) +
            (unsupported ? " (renameat2 RENAME_EXCHANGE is not supported here)" : "");
    return unsupported ? ExchangeResult::unsupported : ExchangeResult::failed;
#else
    error = "cannot exchange " + a + " and " + b + ": this C library has no renameat2 RENAME_EXCHANGE";
    return ExchangeResult::unsupported;
#endif
}

bool remove_file(const std::string& path, std::string& error) {
    if (::unlink(path.c_str()) == 0 || errno == ENOENT) return true;
    const int code = errno;
    error = "cannot remove " + path + ": " + os_error(code);
    return false;
}

bool copy_file_in_place(const std::string& from, const std::string& to, std::uint64_t bytes_per_second,
                        std::string& error) {
    struct stat st {};
    Fd source(posix::open_regular_file(from, st, error));
    if (source.get() < 0) return false;
    // Read first, so a slow source does not stretch the time `to` is partial
    // beyond what the pacing asks for.
    std::vector<char> bytes(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(source.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int code = n < 0 ? errno : EIO;
            error = "cannot read " + from + ": " + (n < 0 ? os_error(code) : "it shrank while it was read");
            return false;
        }
        got += static_cast<std::size_t>(n);
    }

    Fd target(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, st.st_mode & 07777));
    if (target.get() < 0) {
        const int code = errno;
        error = "cannot write " + to + ": " + os_error(code);
        return false;
    }
    const bool fail_half_way = fault_injected("swap_copy");
    const std::size_t end = fail_half_way ? bytes.size() / 2 : bytes.size();
    const std::size_t step = bytes_per_second > 0 ? kPacedChunk : bytes.size();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t done = 0; done < end;) {
        const std::size_t n = std::min(step, end - done);
        if (!write_all(target.get(), bytes.data() + done, n)) {
            const int code = errno;
            error = "cannot write " + to + ": " + os_error(code);
            return false;
        }
        done += n;
        // Paced: the next chunk waits for its due time (none after the last,
        // so the copy ends when its last byte is written).
        if (bytes_per_second > 0 && done < end) {
            const auto due = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                         static_cast<double>(done) * 1e9 / static_cast<double>(bytes_per_second)));
            std::this_thread::sleep_until(due);
        }
    }
    if (fail_half_way) {
        error = "cannot write " + to + ": " + os_error(ENOSPC) + " (injected fault: swap_copy)";
        return false;
    }
    if (!target.close()) {
        const int code = errno;
        error = "cannot write " + to + ": " + os_error(code);
        return false;
    }
    return true;
}

}  // namespace isapi::platform
