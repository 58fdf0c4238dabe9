#include "swap_executor.hpp"

#include <filesystem>

#include <isapi/platform/files.hpp>
#include <isapi/platform/renames.hpp>
#include <isapi/platform/sha256.hpp>

namespace isapi::loadgen {
namespace {

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// The steps of one swap, recorded as they happen.
class Swap {
public:
    Swap(std::uint64_t copy_rate, const SwapFiles& files, const SwapHooks& hooks, const RunClock& clock)
        : copy_rate_(copy_rate), files_(files), hooks_(hooks), clock_(clock) {}

    SwapTrace run(Strategy strategy) {
        trace_.start_ns = clock_.now_ns();
        event("swap_start", std::string(to_string(strategy)));
        if (place_new_build(strategy) && recycle() && verify()) remove_leftovers(true);
        trace_.end_ns = clock_.now_ns();
        event("swap_end", trace_.failed ? trace_.error : "");
        return std::move(trace_);
    }

private:
    void event(const std::string& name, const std::string& detail = {}) {
        trace_.events.push_back(SwapEvent{name, clock_.now_ns(), detail});
    }
    void window_opens() { trace_.window_start_ns = clock_.now_ns(); }
    void window_closes() { trace_.window_end_ns = clock_.now_ns(); }

    // Fails the swap. The old build goes back only when the live path no
    // longer holds it: a step the OS refused (Windows will not open a loaded
    // DLL for writing) changed nothing, and a rollback would only add steps.
    bool fail(const std::string& error) {
        trace_.failed = true;
        trace_.error = error;
        event("failed", error);
        if (live_holds_old_build()) {
            trace_.untouched = true;
            event("untouched", "the live path still holds the old build");
        } else {
            roll_back();
        }
        remove_leftovers();
        return false;
    }

    bool live_holds_old_build() const {
        const auto live = platform::sha256_file(files_.live);
        return live && live == platform::sha256_file(files_.backup);
    }

    bool copy(const std::string& to) {
        event("copy_start", file_name(files_.new_file) + " -> " + file_name(to));
        std::string error;
        const bool ok = platform::copy_file_in_place(files_.new_file, to, copy_rate_, error);
        event("copy_end", ok ? "" : error);
        if (!ok) last_error_ = error;
        return ok;
    }

    bool rename(const std::string& from, const std::string& to) {
        std::string error;
        const bool ok = platform::rename_file(from, to, error);
        event("rename", ok ? file_name(from) + " -> " + file_name(to) : error);
        if (!ok) last_error_ = error;
        return ok;
    }

    bool place_new_build(Strategy strategy) {
        const std::string& live = files_.live;
        const std::string staged = staging_path(live);
        const std::string parked = parked_path(live);
        switch (strategy) {
            case Strategy::rename_copy:
                if (!rename(live, parked)) return fail(last_error_);
                window_opens();
                if (!copy(live)) return fail(last_error_);
                window_closes();
                return true;
            case Strategy::overwrite:
            case Strategy::shadow:
                // In place: the file is truncated, then grows (shadow differs
                // only in how the host was started).
                window_opens();
                if (!copy(live)) return fail(last_error_);
                window_closes();
                return true;
            case Strategy::rename_rename:
                if (!copy(staged)) return fail(last_error_);
                if (!rename(live, parked)) return fail(last_error_);
                window_opens();
                if (!rename(staged, live)) return fail(last_error_);
                window_closes();
                return true;
            case Strategy::replace: {
                if (!copy(staged)) return fail(last_error_);
                std::string detail;
                const bool ok = platform::replace_file(staged, live, parked, detail);
                event("replace", (ok ? file_name(staged) + " -> " + file_name(live) + ": " : "") + detail);
                if (!ok) return fail(detail);
                return true;
            }
            case Strategy::exchange: {
                if (!copy(staged)) return fail(last_error_);
                std::string error;
                const auto result = platform::exchange_files(staged, live, error);
                event("exchange", result == platform::ExchangeResult::done ? file_name(staged) + " <-> " + file_name(live)
                                                                          : error);
                if (result == platform::ExchangeResult::unsupported) trace_.unsupported = true;
                if (result != platform::ExchangeResult::done) return fail(error);
                return true;
            }
        }
        return fail("unknown strategy");
    }

    bool recycle() {
        if (!hooks_.recycle) return true;
        event("recycle_request");
        std::string error;
        if (!hooks_.recycle(error)) return fail("recycle request failed: " + error);
        return true;
    }

    bool verify() {
        if (!hooks_.verify) return true;
        std::string error;
        if (hooks_.verify(error)) {
            event("new_build_loaded", error);  // error holds a note when the build was not seen
            return true;
        }
        return fail("the new build does not load: " + error);
    }

    // The parked old build and the staged copy (after an exchange, the
    // staging name holds the old build). A swap that succeeded records each
    // deletion as a step; a failed one just tidies up.
    void remove_leftovers(bool record = false) {
        for (const auto& leftover : {parked_path(files_.live), staging_path(files_.live)}) {
            if (!std::filesystem::exists(leftover)) continue;
            std::string error;
            const bool ok = platform::remove_file(leftover, error);
            // Windows refuses to delete a DLL some process still has loaded
            // (the old worker, until it has drained): the caller tries
            // again when the run is over.
            if (!ok) trace_.leftovers.push_back(leftover);
            if (record) event(ok ? "delete_old" : "delete_old_deferred", ok ? file_name(leftover) : error);
        }
    }

    // The old build goes back atomically (a whole file or none), and the host
    // is told again, so it serves the old build.
    void roll_back() {
        event("rollback_start");
        std::string error;
        if (!platform::copy_file_atomically(files_.backup, files_.live, error)) {
            event("rollback_failed", error);
            trace_.error += "; rollback failed: " + error;
            return;
        }
        if (trace_.window_start_ns >= 0 && trace_.window_end_ns < 0) window_closes();
        if (hooks_.recycle && !hooks_.recycle(error)) event("rollback_recycle_failed", error);
        trace_.rolled_back = true;
        event("rollback_end");
    }

    std::uint64_t copy_rate_;
    const SwapFiles& files_;
    const SwapHooks& hooks_;
    const RunClock& clock_;
    SwapTrace trace_;
    std::string last_error_;
};

}  // namespace

std::string staging_path(const std::string& live) { return live + ".new"; }
std::string parked_path(const std::string& live) { return live + ".old"; }

SwapTrace perform_swap(Strategy strategy, std::uint64_t copy_rate, const SwapFiles& files, const SwapHooks& hooks,
                       const RunClock& clock) {
    return Swap(copy_rate, files, hooks, clock).run(strategy);
}

}  // namespace isapi::loadgen
