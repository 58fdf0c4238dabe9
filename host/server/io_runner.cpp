#include "io_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace isapi::host {

thread_local IoRunner::Member* IoRunner::current_ = nullptr;

namespace {
bool uses_inline_path(const IoRunner::Options& options) {
    return options.io_threads == 1 && options.inline_budget.count() > 0;
}

// One is enough: while the leader is held, the standby leads and runs no
// extension code itself (it has no standby of its own), so no second
// thread can be held up in the meantime.
constexpr std::size_t kStandbyThreads = 1;
}  // namespace

IoRunner::IoRunner(boost::asio::io_context& io, Options options)
    : io_(io), options_(options), inline_enabled_(uses_inline_path(options)) {
    const std::size_t threads = inline_enabled_ ? 1 + kStandbyThreads : std::max<std::size_t>(1, options.io_threads);
    for (std::size_t slot = 0; slot < threads; ++slot) {
        auto member = std::make_unique<Member>();
        member->runner = this;
        member->slot = slot;
        members_.push_back(std::move(member));
    }
}

IoRunner::~IoRunner() { join(true); }

int IoRunner::concurrency_hint(const Options& options) {
    return uses_inline_path(options) ? 2 : static_cast<int>(options.io_threads);
}

void IoRunner::run() {
    for (auto& member : members_) member->thread = std::thread([this, &me = *member] { member_main(me); });
    if (inline_enabled_) watchdog_ = std::thread([this] { watch(); });
    std::unique_lock lock(mutex_);
    finished_cv_.wait(lock, [this] { return finished_; });
}

void IoRunner::join(bool wait_for_inline) {
    if (joined_) return;
    joined_ = true;
    finish();
    for (auto& member : members_) {
        if (!member->thread.joinable()) continue;
        const bool held = (member->call.load() & 1) != 0 && !member->exited;
        if (held && !wait_for_inline) member->thread.detach();
        else member->thread.join();
    }
    if (watchdog_.joinable()) watchdog_.join();
}

void IoRunner::finish() {
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    turn_.notify_all();
    watch_.notify_all();
    finished_cv_.notify_all();
}

void IoRunner::member_main(Member& me) {
    current_ = &me;
    if (!inline_enabled_) {
        io_.run();
    } else {
        {
            std::lock_guard lock(mutex_);
            me.activity = platform::ThreadActivityProbe::of_this_thread();
        }
        for (;;) {
            {
                std::unique_lock lock(mutex_);
                if (!finished_ && leader_ != me.slot) {
                    parked_.push_back(me.slot);
                    parked_count_ = parked_.size();
                    turn_.wait(lock, [&] { return finished_ || leader_ == me.slot; });
                }
                if (finished_) break;
            }
            lead(me);
        }
    }
    current_ = nullptr;
    me.exited = true;
    finish();
}

void IoRunner::lead(Member& me) {
    // run_one, not run: a member that lost the lead while held in a handler
    // must take no more handlers once that one returns.
    while (leader_.load(std::memory_order_acquire) == me.slot) {
        if (io_.run_one() == 0) return finish();  // stopped, or out of work
    }
}

bool IoRunner::promote_locked() {
    if (parked_.empty()) return false;
    leader_ = parked_.back();
    parked_.pop_back();
    parked_count_ = parked_.size();
    turn_.notify_all();
    return true;
}

// Ticks once per budget while inline calls run. A call seen running at two
// ticks a budget apart holds the I/O when its thread is blocked, or has had
// a budget of CPU time since: the I/O goes to the standby. A call that is
// ready but was kept waiting for a CPU (a busy machine) keeps the I/O, with
// no rescue and no pause after one, and is looked at again at the next tick.
// Where the OS does not say, a budget of wall time is enough. With nothing
// run inline for a tick, the watchdog sleeps until an InlineCall wakes it,
// so an idle host costs no wake-ups.
void IoRunner::watch() {
    std::unique_lock lock(mutex_);
    Sighting seen = sight(std::chrono::steady_clock::now());
    while (!finished_) {
        watch_.wait_for(lock, options_.inline_budget);
        if (finished_) break;
        const auto now = std::chrono::steady_clock::now();
        if (paused_ && now >= pause_until_) paused_ = false;
        const std::size_t leader = leader_;
        const std::uint64_t call = members_[leader]->call;
        const bool unchanged = leader == seen.leader && call == seen.call;
        if (unchanged && (call & 1) != 0) {
            if (!held_past_budget(seen, now)) continue;  // the same call, measured from the same sighting
            if (promote_locked()) {
                ++rescues_;
                paused_ = true;
                pause_until_ = now + options_.pause_after_rescue;
                spdlog::debug("extension code held the I/O thread past the inline budget ({} us); the standby "
                              "thread took the I/O over, and requests go to the pool for {} ms",
                              options_.inline_budget.count(), options_.pause_after_rescue.count());
            }
        } else if (unchanged && !paused_) {
            // Pairs with InlineCall: either it sees the flag and wakes us, or
            // we see its call here and keep ticking.
            watchdog_idle_ = true;
            if (members_[leader_]->call == call) watch_.wait(lock, [this] { return finished_ || !watchdog_idle_; });
            watchdog_idle_ = false;
        }
        seen = sight(std::chrono::steady_clock::now());
    }
}

IoRunner::Sighting IoRunner::sight(std::chrono::steady_clock::time_point now) const {
    Sighting seen;
    seen.leader = leader_;
    const Member& leader = *members_[seen.leader];
    seen.call = leader.call;
    seen.at = now;
    // Read only while a call runs: a later rescue needs it.
    if ((seen.call & 1) != 0) seen.activity = leader.activity.read();
    return seen;
}

bool IoRunner::held_past_budget(const Sighting& since, std::chrono::steady_clock::time_point now) const {
    if (now - since.at < options_.inline_budget) return false;
    if (!since.activity) return true;
    const auto activity = members_[since.leader]->activity.read();
    if (!activity) return true;
    return !activity->ready || activity->on_cpu - since.activity->on_cpu >= options_.inline_budget;
}

void IoRunner::wake_watchdog() {
    {
        std::lock_guard lock(mutex_);
        watchdog_idle_ = false;
    }
    watch_.notify_all();
}

IoRunner::Stats IoRunner::stats() const {
    Stats stats;
    for (const auto& member : members_) stats.inline_calls += (member->call + 1) / 2;
    std::lock_guard lock(mutex_);
    stats.rescues = rescues_;
    stats.handoffs = handoffs_;
    return stats;
}

bool IoRunner::may_run_inline() {
    const Member* me = current_;
    if (me == nullptr) return false;
    const IoRunner& runner = *me->runner;
    return runner.inline_enabled_ && runner.leader_.load(std::memory_order_relaxed) == me->slot &&
           (me->call.load(std::memory_order_relaxed) & 1) == 0 &&
           runner.parked_count_.load(std::memory_order_relaxed) > 0 &&
           !runner.paused_.load(std::memory_order_relaxed);
}

bool IoRunner::in_inline_call() {
    const Member* me = current_;
    return me != nullptr && (me->call.load(std::memory_order_relaxed) & 1) != 0 &&
           me->runner->leader_.load(std::memory_order_relaxed) == me->slot;
}

// An even `call` becomes odd while the call runs; the count stays unique, so
// the watchdog can tell one long call from two short ones.
IoRunner::InlineCall::InlineCall() {
    Member* me = current_;
    if (me == nullptr) return;
    me->call.store(me->call.load(std::memory_order_relaxed) + 1);
    if (me->runner->watchdog_idle_) me->runner->wake_watchdog();
}

IoRunner::InlineCall::~InlineCall() {
    Member* me = current_;
    if (me == nullptr) return;
    me->call.store(me->call.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void IoRunner::before_blocking() {
    Member* me = current_;
    if (me == nullptr || (me->call.load(std::memory_order_relaxed) & 1) == 0) return;
    IoRunner& runner = *me->runner;
    std::lock_guard lock(runner.mutex_);
    if (runner.leader_ == me->slot && runner.promote_locked()) ++runner.handoffs_;
}

}  // namespace isapi::host
