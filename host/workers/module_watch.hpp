#pragma once
// --watch: notices that a mapped module file was replaced or rewritten, and
// reports it only once the new file is complete (its image headers account
// for every byte) and has held still for one more poll, so a half-copied or
// still-growing file never triggers a recycle. Polling, not inotify: it works
// the same on every OS and on network shares, and a poll costs one stat per
// file.
#include <isapi/platform/file_stamp.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace isapi::host {

class ModuleWatch {
public:
    // `changed` runs on `executor` with the path and a description.
    ModuleWatch(boost::asio::any_io_executor executor, std::vector<std::string> paths,
                std::chrono::milliseconds interval, std::function<void(const std::string&, const std::string&)> changed);
    void start();
    void stop();

    // One poll (the timer calls it; tests call it directly).
    void poll();

private:
    struct Watched {
        std::optional<platform::FileStamp> accepted;  // the build in service
        std::optional<platform::FileStamp> seen;      // the last poll's
    };
    void schedule();

    boost::asio::steady_timer timer_;
    std::chrono::milliseconds interval_;
    std::function<void(const std::string&, const std::string&)> changed_;
    std::map<std::string, Watched> files_;
    bool stopped_ = false;
};

}  // namespace isapi::host
