// SIGINT, SIGTERM and SIGHUP through a self-pipe: the signal handler only
// writes the signal's number (write(2) is async-signal-safe), and a thread
// of ours reads it and calls the handler in ordinary context.
#include <isapi/platform/stop_signals.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

namespace isapi::platform {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr unsigned char kWakeToQuit = 0;  // no signal has number 0

int g_write_end = -1;
int g_read_end = -1;
struct sigaction g_previous[std::size(kSignals)];
std::thread g_reader;

void on_signal(int signal) {
    const int saved_errno = errno;
    const auto byte = static_cast<unsigned char>(signal);
    [[maybe_unused]] const auto written = ::write(g_write_end, &byte, 1);
    errno = saved_errno;
}

const char* name_of(int signal) {
    switch (signal) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "a signal";
    }
}

void read_requests(StopSignals::Handler handler) {
    for (;;) {
        unsigned char byte = 0;
        const auto got = ::read(g_read_end, &byte, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || byte == kWakeToQuit) return;
        const int signal = byte;
        handler(signal == SIGHUP ? StopRequest::recycle : StopRequest::stop, name_of(signal));
    }
}

}  // namespace

StopSignals::StopSignals(Handler handler) {
    if (g_reader.joinable()) throw std::logic_error("StopSignals: one instance at a time");
    int ends[2];
    if (::pipe(ends) != 0) throw std::runtime_error(std::string("StopSignals: pipe: ") + std::strerror(errno));
    for (const int end : ends) ::fcntl(end, F_SETFD, FD_CLOEXEC);
    g_read_end = ends[0];
    g_write_end = ends[1];
    g_reader = std::thread(read_requests, std::move(handler));
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &action, &g_previous[i]);
}

StopSignals::~StopSignals() {
    for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
    const unsigned char quit = kWakeToQuit;
    while (::write(g_write_end, &quit, 1) < 0 && errno == EINTR) {
    }
    g_reader.join();
    ::close(g_read_end);
    ::close(g_write_end);
    g_read_end = g_write_end = -1;
}

}  // namespace isapi::platform
