#pragma once
// Handing an accepted client connection from one process to another, as the
// front end does with --handoff: the descriptor travels over the worker
// channel beside the frame that names it, and a table in shared memory
// holds each handed connection's state where the front end can read it
// after the worker has died. POSIX passes descriptors with SCM_RIGHTS over
// the channel's AF_UNIX socket and maps the table from a memfd. Windows does
// not have this yet (WSADuplicateSocket and a file mapping would be its
// equivalents): kConnectionHandoff is false there and every call fails with
// operation_not_supported.
#include <isapi/platform/process.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace isapi::platform {

#ifdef _WIN32
inline constexpr bool kConnectionHandoff = false;
#else
inline constexpr bool kConnectionHandoff = true;
#endif

// A socket or another descriptor that travels between processes (POSIX: an
// fd). The receiver's copy is close-on-exec.
using NativeDescriptor = std::intptr_t;
inline constexpr NativeDescriptor kNoDescriptor = -1;

// Writes `bytes` (not empty) to `channel` without blocking, with a copy of
// `descriptor` attached to the first byte. Returns how many bytes the OS
// took; 0 with ec would_block when it took none (and the descriptor did not
// go either).
std::size_t send_with_descriptor(NativeChannel channel, std::string_view bytes, NativeDescriptor descriptor,
                                 std::error_code& ec);

// Reads what is there (up to buffer's size) without blocking, appending
// each descriptor that came with the bytes to `descriptors`, in the order
// sent. 0 with no error: the other end closed. ec would_block: nothing yet.
std::size_t receive_with_descriptors(NativeChannel channel, std::span<char> buffer,
                                     std::vector<NativeDescriptor>& descriptors, std::error_code& ec);

// A new descriptor for the same socket (close-on-exec); kNoDescriptor with ec.
NativeDescriptor duplicate_descriptor(NativeDescriptor descriptor, std::error_code& ec);
void close_descriptor(NativeDescriptor descriptor);

// Bytes the client sent that nobody has read yet (FIONREAD); 0 on error.
std::size_t unread_bytes(NativeDescriptor socket);

// Whether no request can come on this connection any more: the client
// closed its side (its FIN arrived) or reset it, and nothing it sent is
// left unread. A connection between requests that is so need not be passed
// to a worker, only closed.
bool client_has_left(NativeDescriptor socket);

// How many bytes of what the client sent on this TCP connection have been
// read from it so far, by any process (the end-of-stream mark not counted).
// Call it only while nobody reads the socket: the front end at a hand-over,
// and after the worker holding the connection died. A worker records the
// bytes it read at each request boundary; a larger count after its death
// means it died having read part or all of a request it had not yet marked
// as held. nullopt where the OS cannot tell (not TCP, an old kernel,
// Windows) or the connection is no longer open both ways for reading.
std::optional<std::uint64_t> bytes_taken(NativeDescriptor socket);

// Writes all of `bytes` to a socket (blocking up to `timeout_ms` in all),
// then closes the write side: for the answer a front end gives on a
// connection whose worker died. False when the client did not take it.
bool write_and_shut(NativeDescriptor socket, std::string_view bytes, int timeout_ms);

// Makes the socket's last close a reset (SO_LINGER 0).
void set_abortive_close(NativeDescriptor socket);

// Bytes of state about handed connections (one or more per connection),
// shared by the front end and one worker. The front end creates it and sends descriptor() to the worker,
// which attaches to it. Move-only; unmaps on destruction.
class SharedStateTable {
public:
    SharedStateTable() = default;
    // Throws std::system_error when the OS refuses.
    static SharedStateTable create(std::size_t slots);
    // Takes ownership of `descriptor` (what create()'s descriptor() was).
    static SharedStateTable attach(NativeDescriptor descriptor, std::size_t slots);
    SharedStateTable(SharedStateTable&& other) noexcept;
    SharedStateTable& operator=(SharedStateTable&& other) noexcept;
    SharedStateTable(const SharedStateTable&) = delete;
    SharedStateTable& operator=(const SharedStateTable&) = delete;
    ~SharedStateTable();

    bool valid() const { return slots_ != nullptr; }
    std::size_t size() const { return size_; }
    NativeDescriptor descriptor() const { return descriptor_; }
    std::atomic<std::uint8_t>& at(std::size_t slot) { return slots_[slot]; }
    // The same bytes, for records laid out on top (plain writes: a reader
    // must not read them while the writer may still write).
    char* bytes() { return reinterpret_cast<char*>(slots_); }

private:
    std::atomic<std::uint8_t>* slots_ = nullptr;
    std::size_t size_ = 0;
    NativeDescriptor descriptor_ = kNoDescriptor;
};

}  // namespace isapi::platform
