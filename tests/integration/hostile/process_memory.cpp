#include "process_memory.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace isapi::itest::hostile {

namespace {

// The parent of `pid` from /proc/PID/stat, or -1. The command name is in
// parentheses and may itself hold spaces or parentheses: parse after the last ')'.
pid_t parent_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return -1;
    const auto paren = line.rfind(')');
    if (paren == std::string::npos) return -1;
    std::istringstream rest(line.substr(paren + 1));
    char state = 0;
    pid_t parent = -1;
    rest >> state >> parent;
    return rest ? parent : -1;
}

std::vector<std::pair<pid_t, pid_t>> all_processes_with_parents() {
    std::vector<std::pair<pid_t, pid_t>> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
            continue;
        const pid_t pid = static_cast<pid_t>(std::stol(name));
        if (const pid_t parent = parent_of(pid); parent > 0) found.emplace_back(pid, parent);
    }
    return found;
}

}  // namespace

std::vector<pid_t> process_tree(pid_t root) {
    const auto processes = all_processes_with_parents();
    std::vector<pid_t> tree = {root};
    // Breadth first: each pass adds the children of what was found so far.
    for (std::size_t next = 0; next < tree.size(); ++next)
        for (const auto& [pid, parent] : processes)
            if (parent == tree[next] && std::find(tree.begin(), tree.end(), pid) == tree.end()) tree.push_back(pid);
    return tree;
}

std::size_t rss_kib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) != 0) continue;
        std::istringstream value(line.substr(6));
        std::size_t kib = 0;
        value >> kib;
        return kib;
    }
    return 0;
}

std::size_t tree_rss_kib(pid_t root) {
    std::size_t total = 0;
    for (const pid_t pid : process_tree(root)) total += rss_kib(pid);
    return total;
}

PeakRssSampler::PeakRssSampler(pid_t root, std::chrono::milliseconds period) {
    peak_kib_ = tree_rss_kib(root);
    thread_ = std::thread([this, root, period] {
        // Walking /proc for the tree costs far more than reading VmRSS, and
        // workers come and go rarely: find them again every 20 samples only.
        std::vector<pid_t> tree;
        for (unsigned sample = 0; !stop_; ++sample) {
            if (sample % 20 == 0) tree = process_tree(root);
            std::size_t now = 0;
            for (const pid_t pid : tree) now += rss_kib(pid);
            if (now > peak_kib_) peak_kib_ = now;
            std::this_thread::sleep_for(period);  // the sampling period, not a synchronisation
        }
    });
}

PeakRssSampler::~PeakRssSampler() { stop(); }

void PeakRssSampler::stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

}  // namespace isapi::itest::hostile
