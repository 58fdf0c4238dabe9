#include "module_watch.hpp"

#include <isapi/platform/files.hpp>

#include <spdlog/spdlog.h>

namespace isapi::host {

ModuleWatch::ModuleWatch(boost::asio::any_io_executor executor, std::vector<std::string> paths,
                         std::chrono::milliseconds interval,
                         std::function<void(const std::string&, const std::string&)> changed)
    : timer_(executor), interval_(interval), changed_(std::move(changed)) {
    for (auto& path : paths) {
        std::string error;
        Watched w;
        w.accepted = platform::file_stamp(path, error);
        w.seen = w.accepted;
        files_.emplace(std::move(path), w);
    }
}

void ModuleWatch::start() { schedule(); }

void ModuleWatch::stop() {
    stopped_ = true;
    timer_.cancel();
}

void ModuleWatch::schedule() {
    if (stopped_) return;
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec || stopped_) return;
        poll();
        schedule();
    });
}

void ModuleWatch::poll() {
    for (auto& [path, w] : files_) {
        std::string error;
        const auto now = platform::file_stamp(path, error);
        const bool steady = now == w.seen;
        w.seen = now;
        if (!now || now == w.accepted || !steady) continue;  // gone, unchanged, or still moving
        std::string detail;
        const auto state = platform::module_file_state(path, detail);
        if (state == platform::ModuleFileState::incomplete) continue;  // a copy in progress
        w.accepted = now;
        if (state == platform::ModuleFileState::not_a_module) {
            spdlog::warn("--watch: {} changed but is not a module ({}); not recycling", path, detail);
            continue;
        }
        changed_(path, "--watch: " + path + " changed (" + std::to_string(now->size) + " bytes, complete)");
    }
}

}  // namespace isapi::host
