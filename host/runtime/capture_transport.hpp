#pragma once
// A Transport that keeps the response in memory: the target of internal
// requests (HSE_REQ_SEND_URL), whose bytes become the outer response.
#include <isapi/ecb/dispatch.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdlib>
#include <optional>

namespace isapi::host {

class CaptureTransport final : public ecb::Transport {
public:
    bool send(std::span<const std::string_view> pieces) override {
        std::lock_guard lock(mutex_);
        for (auto piece : pieces) response_.bytes.append(piece);
        return true;
    }
    std::optional<std::size_t> receive(std::span<char>) override { return 0; }
    bool connected() const override { return true; }
    void finish(bool keep_alive, bool) override {
        std::lock_guard lock(mutex_);
        response_.keep_alive = keep_alive;
        finished_ = true;
        done_.notify_all();
    }

    bool finished() {
        std::lock_guard lock(mutex_);
        return finished_;
    }

    // The captured response once finished, or nullopt after `timeout`.
    std::optional<ecb::InternalResponse> wait(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        if (!done_.wait_for(lock, timeout, [this] { return finished_; })) return std::nullopt;
        // "HTTP/1.1 200 ..." -> 200
        if (response_.bytes.size() > 12) response_.status = static_cast<unsigned>(std::atoi(response_.bytes.c_str() + 9));
        return response_;
    }

private:
    std::mutex mutex_;
    std::condition_variable done_;
    bool finished_ = false;
    ecb::InternalResponse response_;
};

}  // namespace isapi::host
