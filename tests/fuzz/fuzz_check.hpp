#pragma once
// An invariant a fuzz target asserts. A broken one must stop libFuzzer with a
// crash file to replay, and say which rule broke; assert() would vanish in a
// build with NDEBUG.
#include <cstdio>
#include <cstdlib>

#define FUZZ_REQUIRE(condition)                                                                  \
    do {                                                                                         \
        if (!(condition)) {                                                                      \
            std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                        \
        }                                                                                        \
    } while (false)
