#include "batch_end.hpp"

#include <boost/asio/post.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace isapi::host {
namespace {

struct Batch {
    std::mutex mutex;  // the posted handler may run on another thread after a rescue
    bool ran = false;
    std::vector<std::function<void()>> tasks;
};

// The batch this thread adds to until its handler runs.
thread_local std::shared_ptr<Batch> t_open_batch;

}  // namespace

void BatchEnd::defer(const boost::asio::any_io_executor& executor, std::function<void()> task) {
    if (auto& open = t_open_batch) {
        std::lock_guard lock(open->mutex);
        if (!open->ran) {
            open->tasks.push_back(std::move(task));
            return;
        }
    }
    auto batch = std::make_shared<Batch>();
    batch->tasks.push_back(std::move(task));
    t_open_batch = batch;
    boost::asio::post(executor, [batch = std::move(batch)] {
        std::vector<std::function<void()>> tasks;
        {
            std::lock_guard lock(batch->mutex);
            batch->ran = true;
            tasks.swap(batch->tasks);
        }
        for (auto& run : tasks) run();
    });
}

}  // namespace isapi::host
