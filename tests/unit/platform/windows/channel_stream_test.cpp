// The worker channel on Windows: a named pipe between parent and child,
// driven by Asio through ChannelStream; adopt_channel; and what else of the
// parent's reaches the child (nothing but the channel and standard handles).
#include <isapi/platform/channel_stream.hpp>
#include <isapi/platform/process.hpp>

#include "../test_files.hpp"
#include "child_helpers.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>

#include <windows.h>

#include <string>

using namespace isapi::platform;
using isapi::test::ChannelReader;
using isapi::test::reap;
using isapi::test::start_child;
namespace net = boost::asio;

TEST_CASE("windows: 1 MB goes to the child and back through ChannelStream with async reads and writes",
          "[windows][channel]") {
    static_assert(!kChannelWriteSomeNeverBlocks);
    const ChildProcess child = start_child({"echo", "{channel}"});
    ChannelReader reader(child.channel);
    std::string sent(1 << 20, '\0');
    for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<char>((i * 7919) >> 3);
    std::string received(sent.size(), '\0');
    boost::system::error_code write_error = net::error::would_block;
    boost::system::error_code read_error = net::error::would_block;
    std::size_t read_bytes = 0;
    // Both at once: the pipe's buffer holds far less than 1 MB, so the
    // child's echo stalls unless we read while we write.
    net::async_write(reader.stream(), net::buffer(sent),
                     [&](const boost::system::error_code& ec, std::size_t) { write_error = ec; });
    net::async_read(reader.stream(), net::buffer(received), [&](const boost::system::error_code& ec, std::size_t n) {
        read_error = ec;
        read_bytes = n;
    });
    reader.io().run_for(std::chrono::seconds(60));
    CHECK_FALSE(write_error);
    CHECK_FALSE(read_error);
    CHECK(read_bytes == sent.size());
    CHECK(received == sent);
    // Closing our end is the child's end of input.
    shutdown_channel_stream(reader.stream());
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: shutdown_channel_stream ends a pending read", "[windows][channel]") {
    const ChildProcess child = start_child({"echo", "{channel}"});
    ChannelReader reader(child.channel);
    char byte = 0;
    boost::system::error_code read_error = net::error::would_block;
    reader.stream().async_read_some(net::buffer(&byte, 1),
                                    [&](const boost::system::error_code& ec, std::size_t) { read_error = ec; });
    net::post(reader.io(), [&] { shutdown_channel_stream(reader.stream()); });
    reader.io().run_for(std::chrono::seconds(20));
    CHECK(read_error == net::error::operation_aborted);
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: only the channel and the standard handles reach the child, not other inheritable handles",
          "[windows][channel]") {
    isapi::test::TempFolder folder;
    const std::string careless = folder / "careless.txt";
    isapi::test::write_file(careless, "careless\n");
    // Inheritable, as a careless library would open it.
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    const HANDLE file = ::CreateFileA(careless.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, &inheritable,
                                      OPEN_EXISTING, 0, nullptr);
    REQUIRE(file != INVALID_HANDLE_VALUE);
    const auto value = std::to_string(reinterpret_cast<std::uintptr_t>(file));
    const ChildProcess child = start_child({"handles", "{channel}", value});
    ChannelReader reader(child.channel);
    const std::string report = reader.read_until_closed();
    ::CloseHandle(file);
    INFO(report);
    // The check itself works: it recognises the channel.
    CHECK(report.rfind("channel: pipe\n", 0) == 0);
    // The value is the careless file's in the parent; in the child it is
    // nothing, or something else.
    CHECK(report.find("careless") == std::string::npos);
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: adopt_channel accepts the number of a pipe handle and nothing else", "[windows][channel]") {
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE read_end = nullptr;
    HANDLE write_end = nullptr;
    REQUIRE(::CreatePipe(&read_end, &write_end, &inheritable, 0));
    const auto adopted = adopt_channel(std::to_string(reinterpret_cast<std::uintptr_t>(read_end)));
    REQUIRE(adopted);
    CHECK(reinterpret_cast<HANDLE>(*adopted) == read_end);
    // Adopted, it must not reach this process's own children.
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(read_end, &flags));
    CHECK((flags & HANDLE_FLAG_INHERIT) == 0);

    for (const char* junk : {"", "abc", "3x", " 3", "-1", "+3", "0", "99999999999999999999999"}) {
        INFO(junk);
        CHECK_FALSE(adopt_channel(junk));
    }
    const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    CHECK_FALSE(adopt_channel(std::to_string(reinterpret_cast<std::uintptr_t>(event))));  // not a pipe
    ::CloseHandle(event);
    close_channel(*adopted);
    CHECK_FALSE(::GetHandleInformation(read_end, &flags));
    ::CloseHandle(write_end);
}
