// The real Channel over a real socket pair, as --handoff uses it: frames sent
// with and without a descriptor arrive in order, and the handler of each frame
// sent with one takes exactly that descriptor. Pipes stand in for client
// sockets: the handler writes its frame's id through the descriptor it took,
// and the pipe the sender attached must hold that id.
#include <workers/channel.hpp>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using namespace isapi::host;
using namespace std::chrono_literals;
namespace platform = isapi::platform;

namespace {

constexpr std::size_t kPipes = 3;

struct Exchange {
    int frames = 0;
    int descriptor_every = 1;  // frame i brings one when i % descriptor_every == 0
    bool coalescing = false;
    bool from_another_thread = false;

    bool with_descriptor(int i) const { return i % descriptor_every == 0; }
    // Mostly small frames, and now and then one larger than a socket buffer,
    // so that writes stop part way and reads end inside frames.
    static std::string body(int i) {
        return std::string(i % 7 == 3 ? 300'000 : 20 + i % 5, static_cast<char>('a' + i % 26));
    }
};

struct Received {
    std::vector<std::uint64_t> ids;
    int wrong = 0;  // frames of the wrong type or body, or missing their descriptor
    std::vector<std::string> closes;
};

std::string frame_for(const Exchange& e, int i) {
    std::string out;
    ipc::FrameBuilder(out)
        .begin(e.with_descriptor(i) ? ipc::FrameType::connection : ipc::FrameType::ping, static_cast<std::uint64_t>(i))
        .raw(Exchange::body(i))
        .end();
    return out;
}

// The ids written into each pipe, in the order they were written.
std::vector<std::uint64_t> ids_in(int read_end) {
    std::vector<std::uint64_t> ids;
    std::uint64_t id;
    while (::read(read_end, &id, sizeof id) == static_cast<ssize_t>(sizeof id)) ids.push_back(id);
    return ids;
}

void run(const Exchange& e) {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0);
    std::array<std::array<int, 2>, kPipes> pipes;
    for (auto& p : pipes) REQUIRE(::pipe2(p.data(), O_NONBLOCK) == 0);

    boost::asio::io_context io;
    auto sender = std::make_shared<Channel>(io.get_executor(), ends[0]);
    auto receiver = std::make_shared<Channel>(io.get_executor(), ends[1]);
    sender->set_coalescing(e.coalescing);
    receiver->set_receives_descriptors(true);

    Received got;
    receiver->start(
        [&](const ipc::Frame& frame) {
            const int i = static_cast<int>(frame.id);
            const auto expected = e.with_descriptor(i) ? ipc::FrameType::connection : ipc::FrameType::ping;
            if (frame.type != expected || frame.body != Exchange::body(i)) ++got.wrong;
            if (e.with_descriptor(i)) {
                const auto d = receiver->take_descriptor();
                if (d == platform::kNoDescriptor ||
                    ::write(static_cast<int>(d), &frame.id, sizeof frame.id) != static_cast<ssize_t>(sizeof frame.id))
                    ++got.wrong;
                platform::close_descriptor(d);
            }
            got.ids.push_back(frame.id);
            if (static_cast<int>(got.ids.size()) == e.frames) io.stop();
        },
        [&](const std::string& reason) { got.closes.push_back("receiver: " + reason); });
    sender->start([&](const ipc::Frame&) { ++got.wrong; },
                  [&](const std::string& reason) { got.closes.push_back("sender: " + reason); });

    const auto send_all = [&] {
        for (int i = 0; i < e.frames; ++i) {
            if (e.with_descriptor(i)) sender->send(frame_for(e, i), pipes[static_cast<std::size_t>(i) % kPipes][1]);
            else sender->send(frame_for(e, i));
        }
    };
    std::thread other;
    if (e.from_another_thread) other = std::thread(send_all);
    else send_all();
    io.run_for(20s);
    if (other.joinable()) other.join();

    REQUIRE(got.closes.empty());
    CHECK(got.wrong == 0);
    REQUIRE(static_cast<int>(got.ids.size()) == e.frames);
    for (int i = 0; i < e.frames; ++i) CHECK(got.ids[static_cast<std::size_t>(i)] == static_cast<std::uint64_t>(i));
    CHECK(receiver->take_descriptor() == platform::kNoDescriptor);  // none came without its frame
    for (std::size_t k = 0; k < kPipes; ++k) {
        std::vector<std::uint64_t> expected;
        for (int i = 0; i < e.frames; ++i)
            if (e.with_descriptor(i) && static_cast<std::size_t>(i) % kPipes == k)
                expected.push_back(static_cast<std::uint64_t>(i));
        CHECK(ids_in(pipes[k][0]) == expected);
    }

    // Closing one end is reported on both.
    sender->close();
    io.restart();
    io.run_for(5s);
    CHECK(got.closes.size() == 2);
    for (auto& p : pipes) {
        ::close(p[0]);
        ::close(p[1]);
    }
}

}  // namespace

TEST_CASE("frames with and without descriptors arrive in order, each descriptor with its frame", "[channel]") {
    const bool coalescing = GENERATE(false, true);
    const int every = GENERATE(1, 2, 3);
    DYNAMIC_SECTION("coalescing " << coalescing << ", a descriptor every " << every << " frames") {
        run({.frames = 30, .descriptor_every = every, .coalescing = coalescing});
    }
}

TEST_CASE("a burst of 200 descriptor frames, sent while the receiver reads, keeps every pairing", "[channel]") {
    const bool coalescing = GENERATE(false, true);
    DYNAMIC_SECTION("coalescing " << coalescing) {
        run({.frames = 200, .descriptor_every = 1, .coalescing = coalescing, .from_another_thread = true});
        run({.frames = 200, .descriptor_every = 2, .coalescing = coalescing, .from_another_thread = true});
    }
}
