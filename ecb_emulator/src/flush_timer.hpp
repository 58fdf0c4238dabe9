#pragma once
// The time limit on held response bytes. The response writer holds bytes
// back so that they leave together with later ones (a header with its body,
// the last body bytes with the end of the response): one send instead of
// two. IIS sends them when the extension asks (docs/host.md, "When response
// bytes leave"), so the hold is bounded: held bytes leave when the
// extension's call returns, when it is about to wait, or one to two ticks
// (kTick) after they were held, whichever comes first.
//
// This is the last of the three, and it must cost the common request (held
// for microseconds) next to nothing: no timer per hold, only a place in a
// list. While the list is not empty one thread ticks, and flushes each
// request that was in it at the previous tick already; otherwise it sleeps.
#include <chrono>

namespace isapi::ecb::detail {

class Session;

// A request's place in the list of those holding bytes (guarded by the
// timer's lock).
struct HoldLink {
    explicit HoldLink(Session& owner) : session(owner) {}
    Session& session;
    HoldLink* previous = nullptr;
    HoldLink* next = nullptr;
    bool seen = false;  // in the list at the last tick
};

class FlushTimer {
public:
    static constexpr std::chrono::microseconds kTick{1000};

    // Starts the thread, once per process. Call it from host code, never
    // under an extension's call: the thread inventory counts a thread
    // started with extension code on the stack as the extension's.
    static void start();

    // The request started holding bytes; ended: it holds none any more.
    static void hold_started(HoldLink& link);
    static void hold_ended(HoldLink& link);
};

}  // namespace isapi::ecb::detail
