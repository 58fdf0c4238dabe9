#pragma once
// Which sanitizer this build runs under (the asan and tsan presets), for the
// few places where it changes what the host can measure: shadow memory and
// ASan's quarantine make a process's RSS grow with every module load, so the
// leak_per_cycle detector reads the sanitizer's allocator instead.
#include <string_view>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ISAPI_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define ISAPI_SANITIZED 1
#endif
#endif

namespace isapi::platform {

// "AddressSanitizer", "ThreadSanitizer", or empty in a plain build.
constexpr std::string_view sanitizer_name() {
#if defined(__SANITIZE_THREAD__)
    return "ThreadSanitizer";
#elif defined(__SANITIZE_ADDRESS__)
    return "AddressSanitizer";
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
    return "ThreadSanitizer";
#elif __has_feature(address_sanitizer)
    return "AddressSanitizer";
#else
    return {};
#endif
#else
    return {};
#endif
}

}  // namespace isapi::platform
