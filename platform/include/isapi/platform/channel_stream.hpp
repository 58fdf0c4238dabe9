#pragma once
// A worker channel end (process.hpp's NativeChannel) as an Asio stream, the
// same way on every OS: an AF_UNIX stream socket on POSIX, the overlapped
// named-pipe handle on Windows (driven by the io_context's completion port).
// Header-only: the platform library itself does not use Asio.
//
// Both types offer async_read_some, async_write_some (and so the free
// async_read/async_write), close() and get_executor().
#include <isapi/platform/process.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>

#ifdef _WIN32
#include <boost/asio/windows/stream_handle.hpp>
#else
#include <boost/asio/local/stream_protocol.hpp>
#endif

namespace isapi::platform {

#ifdef _WIN32
using ChannelStream = boost::asio::windows::stream_handle;
// A synchronous write_some on an overlapped pipe handle waits until the
// reader has taken the bytes: it can block. Write with async_write only.
inline constexpr bool kChannelWriteSomeNeverBlocks = false;
#else
using ChannelStream = boost::asio::local::stream_protocol::socket;
// The socket is non-blocking (adopt_channel_stream): write_some takes what
// fits and says would_block for the rest, so a caller may try it first and
// queue the remainder for async_write.
inline constexpr bool kChannelWriteSomeNeverBlocks = true;
#endif

// Takes ownership of `channel` (a spawned child's ChildProcess::channel, or
// what adopt_channel returned in the child). Throws boost::system::system_error
// when Asio cannot take it (Windows: a handle not opened for overlapped I/O,
// or already tied to another completion port); the channel is then still the
// caller's to close.
inline ChannelStream adopt_channel_stream(const boost::asio::any_io_executor& executor, NativeChannel channel) {
#ifdef _WIN32
    return ChannelStream(executor, reinterpret_cast<ChannelStream::native_handle_type>(channel));
#else
    ChannelStream stream(executor, boost::asio::local::stream_protocol(), static_cast<int>(channel));
    boost::system::error_code ignored;
    stream.non_blocking(true, ignored);
    return stream;
#endif
}

// Whether a read's error means the other end closed its end (or its process
// ended): eof on POSIX; on Windows a pipe reports ERROR_BROKEN_PIPE
// (error::broken_pipe) for that, and Asio says eof when a read ends empty.
inline bool channel_closed_by_peer(const boost::system::error_code& ec) {
#ifdef _WIN32
    if (ec == boost::asio::error::broken_pipe) return true;
#endif
    return ec == boost::asio::error::eof;
}

// Ends a pending read on `stream`, as when the other end goes away: on POSIX
// it completes with eof (both directions are shut down; the socket stays
// open until closed or destroyed), on Windows with operation_aborted (its
// operations are cancelled and the handle is closed).
inline void shutdown_channel_stream(ChannelStream& stream) {
    boost::system::error_code ignored;
#ifdef _WIN32
    stream.cancel(ignored);
    stream.close(ignored);
#else
    stream.shutdown(boost::asio::socket_base::shutdown_both, ignored);
#endif
}

}  // namespace isapi::platform
