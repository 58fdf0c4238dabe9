#pragma once
// Shared by the Windows process tests: the test child's path, starting it,
// and reading its channel through ChannelStream with a deadline, so that a
// child that never answers fails the test instead of hanging it.
#include <isapi/platform/channel_stream.hpp>
#include <isapi/platform/process.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>

#include <catch2/catch.hpp>

#include <windows.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace isapi::test {

// Built next to this test program (tests/unit/platform/CMakeLists.txt).
inline std::string child_program() {
    return (std::filesystem::path(platform::current_executable()).parent_path() / "platform_test_child.exe").string();
}

inline platform::ChildProcess start_child(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                                          const std::string& output_file = {}) {
    std::string error;
    auto child = platform::system_process_control().spawn(child_program(), args, env, error, output_file);
    INFO(error);
    REQUIRE(child);
    return *child;
}

// Reaps `pid` once it has ended by itself, within 20 s; a child that has
// not is killed (and reaped) so the test fails instead of hanging.
inline platform::ExitStatus reap(platform::ProcessId pid) {
    const HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
    const bool ended = process != nullptr && ::WaitForSingleObject(process, 20'000) == WAIT_OBJECT_0;
    if (process != nullptr) ::CloseHandle(process);
    std::string error;
    if (!ended) platform::system_process_control().kill(pid, error);
    const platform::ExitStatus status = platform::system_process_control().wait(pid);
    INFO("process " << pid << " " << status.describe());
    REQUIRE(ended);
    return status;
}

// A child's channel end, read on an io_context of its own.
class ChannelReader {
public:
    explicit ChannelReader(platform::NativeChannel channel)
        : stream_(platform::adopt_channel_stream(io_.get_executor(), channel)) {}

    // Up to and including `delimiter`.
    std::string read_until(const std::string& delimiter) {
        std::size_t length = 0;
        const auto ec = run([&](auto handler) {
            boost::asio::async_read_until(stream_, boost::asio::dynamic_buffer(buffer_), delimiter,
                                          [&length, handler](const boost::system::error_code& e, std::size_t n) {
                                              length = n;
                                              handler(e);
                                          });
        });
        INFO(ec.message());
        REQUIRE_FALSE(ec);
        std::string text = buffer_.substr(0, length);
        buffer_.erase(0, length);
        return text;
    }

    // Everything until the child closes its end (or ends).
    std::string read_until_closed() {
        const auto ec = run([&](auto handler) {
            boost::asio::async_read(stream_, boost::asio::dynamic_buffer(buffer_),
                                    [handler](const boost::system::error_code& e, std::size_t) { handler(e); });
        });
        INFO(ec.message());
        REQUIRE(platform::channel_closed_by_peer(ec));
        return std::exchange(buffer_, {});
    }

    platform::ChannelStream& stream() { return stream_; }
    boost::asio::io_context& io() { return io_; }

private:
    // Starts one operation and runs it to its end; fails the test if that
    // takes longer than the deadline.
    template <typename Start>
    boost::system::error_code run(Start start) {
        bool done = false;
        boost::system::error_code result;
        start([&](const boost::system::error_code& ec) {
            done = true;
            result = ec;
        });
        io_.restart();
        io_.run_for(std::chrono::seconds(20));
        if (!done) {
            platform::shutdown_channel_stream(stream_);
            io_.restart();
            io_.run_for(std::chrono::seconds(5));
        }
        INFO("the child did not answer within 20 s; got so far: " << buffer_);
        REQUIRE(done);
        return result;
    }

    boost::asio::io_context io_;
    platform::ChannelStream stream_;
    std::string buffer_;
};

}  // namespace isapi::test
