// IpcTransport, the worker side of a request's client connection, over a
// recording Channel (fake_channel.hpp): the test plays the front end, reading
// the frames the transport sends and answering with on_ack, on_body and
// on_client_gone as the worker's channel reader would.
#include "fake_channel.hpp"

#include <workers/ipc_transport.hpp>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace isapi::host;
using namespace std::chrono_literals;
using test::SentFrame;

namespace {

// Counts the transport's waits for its client, so a test knows a blocking
// call has really started waiting before it answers.
class RecordingWaits final : public ClientWaitObserver {
public:
    void waiting_for_client() override { bump(waiting_); }
    void client_answered() override { bump(answered_); }

    bool wait_until_waiting(int count) { return wait_until(waiting_, count); }
    bool wait_until_answered(int count) { return wait_until(answered_, count); }
    int waiting() {
        std::lock_guard lock(mutex_);
        return waiting_;
    }

private:
    void bump(int& counter) {
        {
            std::lock_guard lock(mutex_);
            ++counter;
        }
        changed_.notify_all();
    }
    bool wait_until(const int& counter, int count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 5s, [&] { return counter >= count; });
    }
    std::mutex mutex_;
    std::condition_variable changed_;
    int waiting_ = 0;
    int answered_ = 0;
};

struct Fixture {
    boost::asio::io_context io;
    std::shared_ptr<Channel> channel = test::make_fake_channel(io.get_executor());
    RecordingWaits waits;
    IpcTransport transport{42, channel, &waits};

    // Answers whatever still waits, so a test that failed ends instead of
    // hanging on its blocked thread.
    ~Fixture() {
        transport.on_client_gone();
        transport.on_ack(false);
        transport.on_body({}, true);
        for (auto& t : threads_) t.join();
    }

    std::vector<SentFrame> frames() const { return test::sent_frames(*channel); }

    bool send(std::string_view bytes) {
        const std::array pieces{bytes};
        return transport.send(pieces);
    }

    // Runs a blocking call on a thread of its own.
    template <class F>
    auto in_background(F call) {
        std::packaged_task<decltype(call())()> task(std::move(call));
        auto result = task.get_future();
        threads_.emplace_back(std::move(task));
        return result;
    }
    std::future<bool> send_async(std::string bytes) {
        return in_background([this, bytes = std::move(bytes)] { return send(bytes); });
    }
    std::future<std::optional<std::size_t>> receive_async(std::span<char> buffer) {
        return in_background([this, buffer] { return transport.receive(buffer); });
    }

private:
    std::vector<std::thread> threads_;
};

// What a blocking call returned, once it has (failing the test if it has
// not within a few seconds).
template <class T>
T result_of(std::future<T>& call) {
    REQUIRE(call.wait_for(5s) == std::future_status::ready);
    return call.get();
}

bool wants_ack(const SentFrame& frame) { return frame.type == ipc::FrameType::send && frame.body.at(0) == 1; }
std::string payload(const SentFrame& frame) { return frame.body.substr(1); }

std::uint64_t read_size(const SentFrame& frame) {
    ipc::BodyReader body(frame.body);
    return body.u64();
}

}  // namespace

TEST_CASE("IpcTransport: a send inside the window goes out at once and waits for nothing", "[ipc_transport]") {
    Fixture f;
    const std::array pieces{std::string_view("HTTP/1.1 200 OK\r\n"), std::string_view("\r\nbody")};
    CHECK(f.transport.send(pieces));
    const auto frames = f.frames();
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].type == ipc::FrameType::send);
    CHECK(frames[0].id == 42);
    CHECK_FALSE(wants_ack(frames[0]));
    CHECK(payload(frames[0]) == "HTTP/1.1 200 OK\r\n\r\nbody");
    CHECK(f.waits.waiting() == 0);
}

TEST_CASE("IpcTransport: the send that crosses the window waits for an ack, which releases it", "[ipc_transport]") {
    Fixture f;
    const std::string below(IpcTransport::kAckWindow - 1, 'a');
    CHECK(f.send(below));
    CHECK_FALSE(wants_ack(f.frames().at(0)));

    auto crossing = f.send_async("bc");
    REQUIRE(f.waits.wait_until_waiting(1));
    const auto frames = f.frames();
    REQUIRE(frames.size() == 2);
    CHECK(wants_ack(frames[1]));
    CHECK(payload(frames[1]) == "bc");
    CHECK(crossing.wait_for(0s) == std::future_status::timeout);

    f.transport.on_ack(true);
    CHECK(result_of(crossing));
    CHECK(f.waits.wait_until_answered(1));
    CHECK(f.transport.connected());

    // The ack restarts the window: the next small send asks for none.
    CHECK(f.send("d"));
    CHECK_FALSE(wants_ack(f.frames().at(2)));
}

TEST_CASE("IpcTransport: a failed ack fails the waiting send and every later one", "[ipc_transport]") {
    Fixture f;
    auto crossing = f.send_async(std::string(IpcTransport::kAckWindow, 'x'));
    REQUIRE(f.waits.wait_until_waiting(1));
    f.transport.on_ack(false);
    CHECK_FALSE(result_of(crossing));
    CHECK_FALSE(f.transport.connected());

    const std::size_t before = f.frames().size();
    CHECK_FALSE(f.send("more"));
    CHECK(f.frames().size() == before);  // nothing goes to a client that is gone
}

TEST_CASE("IpcTransport: a send past the largest frame goes in pieces, the last one asking for the ack", "[ipc_transport]") {
    Fixture f;
    const std::size_t chunk = ipc::kMaxFrameBody / 2;
    std::string big(chunk + 10, 'y');
    big.back() = 'z';
    auto sending = f.send_async(big);
    REQUIRE(f.waits.wait_until_waiting(1));
    const auto frames = f.frames();
    REQUIRE(frames.size() == 2);
    CHECK_FALSE(wants_ack(frames[0]));
    CHECK(payload(frames[0]).size() == chunk);
    CHECK(wants_ack(frames[1]));
    CHECK(payload(frames[1]) == std::string(9, 'y') + "z");
    f.transport.on_ack(true);
    CHECK(result_of(sending));
}

TEST_CASE("IpcTransport: a read asks for the buffer's size and returns the body frame's bytes", "[ipc_transport]") {
    Fixture f;
    std::array<char, 16> buffer{};
    auto reading = f.receive_async(buffer);
    REQUIRE(f.waits.wait_until_waiting(1));
    const auto frames = f.frames();
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].type == ipc::FrameType::read);
    CHECK(frames[0].id == 42);
    CHECK(read_size(frames[0]) == buffer.size());

    f.transport.on_body("hello", false);
    CHECK(result_of(reading) == std::optional<std::size_t>(5));
    CHECK(std::string_view(buffer.data(), 5) == "hello");
}

TEST_CASE("IpcTransport: an empty body frame is the end of the body, body_failed a failure", "[ipc_transport]") {
    Fixture f;
    std::array<char, 8> buffer{};
    auto at_end = f.receive_async(buffer);
    REQUIRE(f.waits.wait_until_waiting(1));
    f.transport.on_body({}, false);
    CHECK(result_of(at_end) == std::optional<std::size_t>(0));

    auto failed = f.receive_async(buffer);
    REQUIRE(f.waits.wait_until_waiting(2));
    f.transport.on_body({}, true);
    CHECK_FALSE(result_of(failed).has_value());
}

TEST_CASE("IpcTransport: body bytes nobody asked for are ignored", "[ipc_transport]") {
    Fixture f;
    f.transport.on_body("stray", false);  // no read pending
    std::array<char, 8> buffer{};
    auto reading = f.receive_async(buffer);
    REQUIRE(f.waits.wait_until_waiting(1));
    CHECK(reading.wait_for(0s) == std::future_status::timeout);  // the stray bytes did not answer it
    f.transport.on_body("ok", false);
    CHECK(result_of(reading) == std::optional<std::size_t>(2));

    // The answered read's buffer belongs to its caller again: a late frame
    // must not write into it.
    f.transport.on_body("XY", false);
    CHECK(std::string_view(buffer.data(), 2) == "ok");
}

TEST_CASE("IpcTransport: a read into an empty buffer returns 0 without asking", "[ipc_transport]") {
    Fixture f;
    CHECK(f.transport.receive(std::span<char>()) == std::optional<std::size_t>(0));
    CHECK(f.frames().empty());
}

TEST_CASE("IpcTransport: client_gone fails a waiting read and every later send", "[ipc_transport]") {
    Fixture f;
    std::array<char, 8> buffer{};
    auto reading = f.receive_async(buffer);
    REQUIRE(f.waits.wait_until_waiting(1));
    f.transport.on_client_gone();
    CHECK_FALSE(result_of(reading).has_value());
    CHECK_FALSE(f.transport.connected());
    CHECK_FALSE(f.send("late"));
    CHECK(f.frames().size() == 1);  // the READ only
}

TEST_CASE("IpcTransport: client_gone releases a send waiting for its ack", "[ipc_transport]") {
    Fixture f;
    auto crossing = f.send_async(std::string(IpcTransport::kAckWindow, 'x'));
    REQUIRE(f.waits.wait_until_waiting(1));
    f.transport.on_client_gone();
    CHECK_FALSE(result_of(crossing));
}

TEST_CASE("IpcTransport: the frames that end a request wait in the thread's batch, in order", "[ipc_transport]") {
    Fixture f;
    {
        FrameBatch batch(*f.channel);
        const std::array last{std::string_view("last bytes")};
        CHECK(f.transport.send_final(last));
        f.transport.finish(true, false);
        std::string done;
        ipc::FrameBuilder(done).begin(ipc::FrameType::done, 42).u32(200).end();
        f.transport.send_closing(done);
        CHECK(f.frames().empty());  // held until the task ends
    }
    const auto frames = f.frames();
    REQUIRE(frames.size() == 3);
    CHECK(payload(frames[0]) == "last bytes");
    CHECK(frames[1].type == ipc::FrameType::finish);
    CHECK(frames[1].body == std::string("\x01\x00", 2));
    CHECK(frames[2].type == ipc::FrameType::done);
}

TEST_CASE("IpcTransport: an ordinary send flushes the batch first, so bytes keep their order", "[ipc_transport]") {
    Fixture f;
    FrameBatch batch(*f.channel);
    const std::array first{std::string_view("one")};
    CHECK(f.transport.send_final(first));
    CHECK(f.frames().empty());
    CHECK(f.send("two"));
    const auto frames = f.frames();
    REQUIRE(frames.size() == 2);
    CHECK(payload(frames[0]) == "one");
    CHECK(payload(frames[1]) == "two");
}
