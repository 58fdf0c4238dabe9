#include <isapi/platform/resource_usage.hpp>
#include <isapi/platform/sanitizer.hpp>

#include <dirent.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include <cstddef>

#ifdef ISAPI_SANITIZED
// The sanitizer runtime's (sanitizer/allocator_interface.h, not always installed).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace isapi::platform {
namespace {

// Entries of a /proc folder, "." and ".." not counted.
std::uint64_t entries(const char* path) {
    DIR* dir = opendir(path);
    if (!dir) return 0;
    std::uint64_t count = 0;
    while (const dirent* entry = readdir(dir))
        if (entry->d_name[0] != '.') ++count;
    closedir(dir);
    return count;
}

[[maybe_unused]] std::uint64_t resident_bytes() {
    std::FILE* statm = std::fopen("/proc/self/statm", "re");
    if (!statm) return 0;
    unsigned long long size = 0, resident = 0;
    const int read = std::fscanf(statm, "%llu %llu", &size, &resident);
    std::fclose(statm);
    if (read != 2) return 0;
    return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

ResourceUsage resource_usage() {
    ResourceUsage usage;
#ifdef ISAPI_SANITIZED
    // Shadow memory (and ASan's quarantine) grow the RSS with every load of
    // a module, leak or not: 0 ("unknown") keeps that trend flat. The heap
    // is the sanitizer's allocator's, which malloc's statistics do not see.
    usage.heap_in_use_bytes = __sanitizer_get_current_allocated_bytes();
#else
    usage.rss_bytes = resident_bytes();
#endif
#if !defined(ISAPI_SANITIZED) && defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
    const struct mallinfo2 heap = mallinfo2();
    usage.heap_in_use_bytes = heap.uordblks + heap.hblkhd;  // small chunks + mmapped ones
#endif
    // The listing's own descriptor is one of them.
    const std::uint64_t fds = entries("/proc/self/fd");
    usage.open_fds = fds > 0 ? fds - 1 : 0;
    usage.threads = entries("/proc/self/task");
    return usage;
}

}  // namespace isapi::platform
