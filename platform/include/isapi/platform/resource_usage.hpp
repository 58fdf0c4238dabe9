#pragma once
// What this process holds right now, for the `leak_per_cycle` detector:
// sampled after each module unload, whose trend over many cycles tells a
// leak from noise (host/detectors/leak_trend.hpp).
#include <cstdint>

namespace isapi::platform {

struct ResourceUsage {
    std::uint64_t rss_bytes = 0;          // resident set
    std::uint64_t heap_in_use_bytes = 0;  // allocated and not freed (malloc's view); 0 if unknown
    std::uint64_t open_fds = 0;
    std::uint64_t threads = 0;
    // What malloc holds from the OS, in use or kept free in its arenas, and
    // its mmapped chunks; 0 if unknown. RSS that grows with it is the
    // allocator warming up (arenas per thread, a raised mmap threshold),
    // not a leak.
    std::uint64_t malloc_held_bytes = 0;
};

ResourceUsage resource_usage();

}  // namespace isapi::platform
