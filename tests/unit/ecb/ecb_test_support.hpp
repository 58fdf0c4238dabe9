#pragma once
// Test doubles for the ECB emulator: an in-memory Transport, an executor on a
// real thread, a parser for the HTTP bytes produced, and a harness that runs
// one dispatch and waits for its completion.
#include <isapi/ecb/dispatch.hpp>

#include <httpext.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ecb_test {

using namespace std::chrono_literals;

class FakeTransport : public isapi::ecb::Transport {
public:
    explicit FakeTransport(std::string body_after_preload = {}) : incoming_(std::move(body_after_preload)) {}

    bool send(std::span<const std::string_view> pieces) override {
        std::lock_guard lock(mutex_);
        if (fail_sends_) return false;
        ++send_calls_;
        for (auto piece : pieces) sent_.append(piece);
        return true;
    }

    std::optional<std::size_t> receive(std::span<char> buffer) override {
        std::lock_guard lock(mutex_);
        if (fail_receive_) return std::nullopt;
        // Small reads on purpose: the extension must loop like on a socket.
        const std::size_t n = std::min({buffer.size(), incoming_.size() - read_pos_, max_read_});
        std::copy_n(incoming_.data() + read_pos_, n, buffer.data());
        read_pos_ += n;
        return n;
    }

    bool connected() const override { return connected_; }

    void finish(bool keep_alive, bool abortive) override {
        std::lock_guard lock(mutex_);
        ++finish_calls_;
        keep_alive_ = keep_alive;
        abortive_ = abortive;
    }

    std::string sent() const { std::lock_guard lock(mutex_); return sent_; }
    int send_calls() const { std::lock_guard lock(mutex_); return send_calls_; }
    int finish_calls() const { std::lock_guard lock(mutex_); return finish_calls_; }
    bool kept_alive() const { std::lock_guard lock(mutex_); return keep_alive_; }
    bool abortive() const { std::lock_guard lock(mutex_); return abortive_; }
    void fail_sends() { std::lock_guard lock(mutex_); fail_sends_ = true; }
    void fail_receive() { std::lock_guard lock(mutex_); fail_receive_ = true; }

    bool connected_ = true;

private:
    mutable std::mutex mutex_;
    std::string sent_;
    std::string incoming_;
    std::size_t read_pos_ = 0;
    std::size_t max_read_ = 7000;
    int send_calls_ = 0;
    int finish_calls_ = 0;
    bool keep_alive_ = false;
    bool abortive_ = false;
    bool fail_sends_ = false;
    bool fail_receive_ = false;
};

// One real worker thread, joined on destruction after its queue drains.
class ThreadExecutor {
public:
    ThreadExecutor() : thread_([this] { loop(); }) {}
    ~ThreadExecutor() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    void post(std::function<void()> task) {
        {
            std::lock_guard lock(mutex_);
            tasks_.push_back(std::move(task));
        }
        cv_.notify_all();
    }
    std::thread::id id() const { return thread_.get_id(); }

private:
    void loop() {
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(mutex_);
                cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
                if (tasks_.empty()) return;
                task = std::move(tasks_.front());
                tasks_.pop_front();
            }
            task();
        }
    }
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

struct ParsedResponse {
    bool ok = false;         // the bytes parsed as one complete response
    unsigned status = 0;
    std::string reason;
    std::multimap<std::string, std::string> headers;  // names lower-cased
    std::string body;        // de-chunked
    bool chunked = false;
    std::string rest;        // bytes after the response

    bool has(const std::string& name) const { return headers.count(name) != 0; }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string{} : it->second;
    }
};

// Parses one response; `head` says no body follows (a HEAD request), and
// `close_delimited_ok` accepts a body that runs to the end of the bytes.
ParsedResponse parse_response(const std::string& bytes, bool head = false);

struct Completion {
    std::mutex mutex;
    std::condition_variable cv;
    int calls = 0;
    isapi::ecb::Outcome outcome;
    std::thread::id thread;
};

class Harness {
public:
    Harness();
    ~Harness();

    // Dispatches on the calling thread; returns after proc returned.
    void run(PFN_HTTPEXTENSIONPROC proc, isapi::ecb::Request request = default_request());
    bool wait_complete(std::chrono::milliseconds timeout = 5s);

    static isapi::ecb::Request default_request();

    std::vector<isapi::ecb::Finding> findings() const;
    bool has_finding(const std::string& kind) const;
    int completions() { std::lock_guard lock(completion_.mutex); return completion_.calls; }
    isapi::ecb::Outcome outcome() { std::lock_guard lock(completion_.mutex); return completion_.outcome; }
    ParsedResponse response(bool head = false) const { return parse_response(transport->sent(), head); }

    std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
    std::unique_ptr<ThreadExecutor> executor = std::make_unique<ThreadExecutor>();
    isapi::ecb::DispatchContext context;

private:
    mutable std::mutex findings_mutex_;
    std::vector<isapi::ecb::Finding> findings_;
    std::shared_ptr<Completion> completion_state_ = std::make_shared<Completion>();
    Completion& completion_ = *completion_state_;
};

// Findings about dead ConnIDs go to a process-wide sink; tests read them here.
std::vector<isapi::ecb::Finding> take_orphan_findings();

}  // namespace ecb_test
