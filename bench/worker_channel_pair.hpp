#pragma once
// The kind of byte stream the host's worker channel is on POSIX: a connected
// AF_UNIX stream socketpair. The platform layer makes one only inside
// ProcessControl::spawn, together with a child process, and offers no call
// that returns a pair on its own; measuring the channel between two threads
// needs the pair without a child, so the benchmark makes the same kind of
// pair here. POSIX only, like the benchmark that uses it.
#include <sys/socket.h>

#include <stdexcept>
#include <utility>

namespace isapi::bench {

inline std::pair<int, int> worker_channel_pair() {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) != 0) throw std::runtime_error("socketpair");
    return {ends[0], ends[1]};
}

}  // namespace isapi::bench
