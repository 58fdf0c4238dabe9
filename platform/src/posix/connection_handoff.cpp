// SCM_RIGHTS over the channel's AF_UNIX stream socket, and the state table
// in a memfd. Linux: memfd_create, MSG_CMSG_CLOEXEC and TCP_INFO's
// tcpi_bytes_received.
#include <isapi/platform/connection_handoff.hpp>

#include <fcntl.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <utility>

namespace isapi::platform {

namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

bool would_block(int code) { return code == EAGAIN || code == EWOULDBLOCK; }

}  // namespace

std::size_t send_with_descriptor(NativeChannel channel, std::string_view bytes, NativeDescriptor descriptor,
                                 std::error_code& ec) {
    ec.clear();
    iovec data{const_cast<char*>(bytes.data()), bytes.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    const int fd = static_cast<int>(descriptor);
    std::memcpy(CMSG_DATA(header), &fd, sizeof(fd));
    for (;;) {
        const ssize_t n = ::sendmsg(static_cast<int>(channel), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        ec = would_block(errno) ? std::make_error_code(std::errc::operation_would_block) : last_error();
        return 0;
    }
}

std::size_t receive_with_descriptors(NativeChannel channel, std::span<char> buffer,
                                     std::vector<NativeDescriptor>& descriptors, std::error_code& ec) {
    ec.clear();
    iovec data{buffer.data(), buffer.size()};
    // Room for many descriptors: one read may take the bytes of several
    // frames that each brought one.
    constexpr std::size_t kMaxPerRead = 64;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxPerRead)];
    msghdr message{};
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    ssize_t n;
    do n = ::recvmsg(static_cast<int>(channel), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        ec = would_block(errno) ? std::make_error_code(std::errc::operation_would_block) : last_error();
        return 0;
    }
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof(fd));
            descriptors.push_back(fd);
        }
    }
    // Descriptors the control buffer could not hold were closed by the
    // kernel: their frames would find none, so this is an error.
    if (message.msg_flags & MSG_CTRUNC) ec = std::make_error_code(std::errc::no_buffer_space);
    return static_cast<std::size_t>(n);
}

NativeDescriptor duplicate_descriptor(NativeDescriptor descriptor, std::error_code& ec) {
    ec.clear();
    const int fd = ::fcntl(static_cast<int>(descriptor), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) ec = last_error();
    return fd < 0 ? kNoDescriptor : fd;
}

void close_descriptor(NativeDescriptor descriptor) {
    if (descriptor != kNoDescriptor) ::close(static_cast<int>(descriptor));
}

bool client_has_left(NativeDescriptor socket) {
    char byte;
    const ssize_t n = ::recv(static_cast<int>(socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN));
}

std::size_t unread_bytes(NativeDescriptor socket) {
    int n = 0;
    return ::ioctl(static_cast<int>(socket), FIONREAD, &n) == 0 && n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::optional<std::uint64_t> bytes_taken(NativeDescriptor socket) {
    // Linux's own TCP states (include/net/tcp_states.h), which <linux/tcp.h>
    // does not name: those where the client's FIN has arrived, and those
    // where it has not while the connection still reads.
    enum : std::uint8_t { established = 1, fin_wait1 = 4, fin_wait2 = 5, close_wait = 8, last_ack = 9, closing = 11 };
    const int fd = static_cast<int>(socket);
    // tcpi_bytes_received counts every byte that arrived, and SIOCINQ those
    // nobody has read: the difference is what a reader took, provided no byte
    // arrived between the two reads. With no reader, the unread count can
    // only grow, so the same count before and after rules that out.
    for (int attempt = 0; attempt < 16; ++attempt) {
        int unread_before = 0;
        int unread_after = 0;
        ::tcp_info info{};
        socklen_t length = sizeof info;
        if (::ioctl(fd, SIOCINQ, &unread_before) != 0 ||
            ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 ||
            ::ioctl(fd, SIOCINQ, &unread_after) != 0)
            return std::nullopt;
        if (unread_before != unread_after) continue;
        // Kernels before 4.1 do not report tcpi_bytes_received.
        if (length < offsetof(::tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) return std::nullopt;
        std::uint64_t received = info.tcpi_bytes_received;
        switch (info.tcpi_state) {
        case established:
        case fin_wait1:
        case fin_wait2: break;
        case close_wait:
        case last_ack:
        case closing:
            // The FIN takes a sequence number, so it is in the received
            // count; SIOCINQ leaves it out.
            if (received == 0) return std::nullopt;
            --received;
            break;
        default: return std::nullopt;
        }
        if (received < static_cast<std::uint64_t>(unread_before)) return std::nullopt;
        return received - static_cast<std::uint64_t>(unread_before);
    }
    return std::nullopt;  // bytes kept arriving: no consistent reading
}

bool write_and_shut(NativeDescriptor socket, std::string_view bytes, int timeout_ms) {
    const int fd = static_cast<int>(socket);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && !would_block(errno)) return false;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
    ::shutdown(fd, SHUT_WR);
    return true;
}

void set_abortive_close(NativeDescriptor socket) {
    const linger option{1, 0};
    ::setsockopt(static_cast<int>(socket), SOL_SOCKET, SO_LINGER, &option, sizeof(option));
}

SharedStateTable SharedStateTable::create(std::size_t slots) {
    const int fd = ::memfd_create("isapi-connection-states", MFD_CLOEXEC);
    if (fd < 0) throw std::system_error(last_error(), "memfd_create");
    if (::ftruncate(fd, static_cast<off_t>(slots)) != 0) {
        const auto error = last_error();
        ::close(fd);
        throw std::system_error(error, "ftruncate of the connection state table");
    }
    return attach(fd, slots);
}

SharedStateTable SharedStateTable::attach(NativeDescriptor descriptor, std::size_t slots) {
    void* address = ::mmap(nullptr, slots, PROT_READ | PROT_WRITE, MAP_SHARED, static_cast<int>(descriptor), 0);
    if (address == MAP_FAILED) {
        const auto error = last_error();
        ::close(static_cast<int>(descriptor));
        throw std::system_error(error, "mmap of the connection state table");
    }
    static_assert(sizeof(std::atomic<std::uint8_t>) == 1 && std::atomic<std::uint8_t>::is_always_lock_free);
    SharedStateTable table;
    table.slots_ = static_cast<std::atomic<std::uint8_t>*>(address);
    table.size_ = slots;
    table.descriptor_ = descriptor;
    return table;
}

SharedStateTable::SharedStateTable(SharedStateTable&& other) noexcept
    : slots_(std::exchange(other.slots_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      descriptor_(std::exchange(other.descriptor_, kNoDescriptor)) {}

SharedStateTable& SharedStateTable::operator=(SharedStateTable&& other) noexcept {
    // The old mapping ends with the temporary it is swapped into.
    SharedStateTable moved(std::move(other));
    std::swap(slots_, moved.slots_);
    std::swap(size_, moved.size_);
    std::swap(descriptor_, moved.descriptor_);
    return *this;
}

SharedStateTable::~SharedStateTable() {
    if (slots_) ::munmap(slots_, size_);
    close_descriptor(descriptor_);
    slots_ = nullptr;
}

}  // namespace isapi::platform
