#include <isapi/platform/crash_handler.hpp>

#include "../unload_records.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <iterator>

namespace isapi::platform {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
constexpr std::size_t kAltStackBytes = 64 * 1024;

std::atomic<int> g_note_fd{-1};
// In process (no note file): findings go to stderr as the host's log lines.
std::atomic<bool> g_log_lines{false};
long g_utc_offset_s = 0;  // local time's, taken at install (localtime_r is not async-signal-safe)
struct sigaction g_previous[std::size(kSignals)];  // what was installed before, restored for the re-raise
thread_local const EntryPointScope* t_entry_point = nullptr;

std::int64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A line built without allocating, for the signal handler.
class NoteLine {
public:
    NoteLine& text(const char* s) {
        while (s && *s && size_ < sizeof(bytes_) - 1) bytes_[size_++] = *s++;
        return *this;
    }
    NoteLine& number(std::uint64_t value) {
        char digits[24];
        std::size_t n = 0;
        do digits[n++] = static_cast<char>('0' + value % 10);
        while ((value /= 10) != 0);
        while (n > 0 && size_ < sizeof(bytes_) - 1) bytes_[size_++] = digits[--n];
        return *this;
    }
    NoteLine& padded(std::int64_t value, int width) {
        for (std::int64_t limit = 10; --width > 0; limit *= 10)
            if (value < limit) text("0");
        return number(static_cast<std::uint64_t>(value));
    }
    // A finding's start: a note's fields "KIND\tMODULE\tLOAD\tTIME\t", or
    // in process, where the process that dies is the one that would log it,
    // the host's log line "TIME critical finding KIND in MODULE (load N): ",
    // which readers of the log parse as they parse its other findings.
    NoteLine& finding(const char* kind, const char* module, std::uint64_t load_generation, std::int64_t now_ns) {
        if (!g_log_lines.load(std::memory_order_relaxed))
            return text(kind).text("\t").text(module).text("\t").number(load_generation).text("\t").number(
                static_cast<std::uint64_t>(now_ns)).text("\t");
        local_time().text(" critical finding ").text(kind).text(" in ").text(module);
        return text(" (load ").number(load_generation).text("): ");
    }
    // "2026-12-04T21:45:26.123", as the host's log pattern writes the time.
    NoteLine& local_time() {
        timespec now{};
        clock_gettime(CLOCK_REALTIME, &now);
        const std::int64_t seconds = static_cast<std::int64_t>(now.tv_sec) + g_utc_offset_s;
        std::int64_t days = seconds / 86'400;
        std::int64_t second_of_day = seconds % 86'400;
        if (second_of_day < 0) second_of_day += 86'400, --days;
        // The proleptic Gregorian calendar in 400-year eras of 146097 days,
        // years counted from March so that the leap day comes last.
        days += 719'468;  // 1970-01-01 counted from 0000-03-01
        const std::int64_t era = (days >= 0 ? days : days - 146'096) / 146'097;
        const std::int64_t day_of_era = days - era * 146'097;
        const std::int64_t year_of_era =
            (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
        const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        const std::int64_t month_from_march = (5 * day_of_year + 2) / 153;
        const std::int64_t day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
        const std::int64_t month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
        const std::int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
        padded(year, 4).text("-").padded(month, 2).text("-").padded(day, 2).text("T");
        padded(second_of_day / 3600, 2).text(":").padded(second_of_day / 60 % 60, 2).text(":");
        return padded(second_of_day % 60, 2).text(".").padded(now.tv_nsec / 1'000'000, 3);
    }
    NoteLine& hex(std::uintptr_t value) {
        text("0x");
        char digits[20];
        std::size_t n = 0;
        do digits[n++] = "0123456789abcdef"[value % 16];
        while ((value /= 16) != 0);
        while (n > 0 && size_ < sizeof(bytes_) - 1) bytes_[size_++] = digits[--n];
        return *this;
    }
    void write_to(int fd) {
        bytes_[size_++] = '\n';
        std::size_t done = 0;
        while (done < size_) {
            const ssize_t n = ::write(fd, bytes_ + done, size_ - done);
            if (n <= 0) return;
            done += static_cast<std::size_t>(n);
        }
    }

private:
    char bytes_[640];
    std::size_t size_ = 0;
};

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV: return "SIGSEGV";
        case SIGBUS: return "SIGBUS";
        case SIGILL: return "SIGILL";
        case SIGFPE: return "SIGFPE";
        case SIGABRT: return "SIGABRT";
        default: return "a signal";
    }
}

std::uintptr_t instruction_pointer(const void* context) {
    const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
    return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__i386__)
    return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_EIP]);
#elif defined(__aarch64__)
    return static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#else
    (void)uc;
    return 0;
#endif
}

std::atomic<bool> g_crashing{false};

void on_fatal_signal(int sig, siginfo_t* info, void* context) {
    const int saved_errno = errno;
    g_crashing.store(true, std::memory_order_relaxed);
    const bool fault = info->si_code > 0;  // raised by the CPU, not sent
    const auto address = fault ? reinterpret_cast<std::uintptr_t>(info->si_addr) : 0;
    const auto pc = instruction_pointer(context);
    const int fd = g_note_fd.load(std::memory_order_relaxed);
    const std::int64_t now_ns = monotonic_ns();

    UnloadedHit hit{};
    if (fd >= 0 && (find_unloaded(pc, hit) || find_unloaded(address, hit))) {
        const bool at_pc = find_unloaded(pc, hit);
        const std::uintptr_t where = at_pc ? pc : address;
        const std::int64_t ago_ms = (now_ns - hit.unloaded_ns) / 1'000'000;
        NoteLine line;
        line.finding("unloaded_code_executed", hit.module, hit.load_generation, now_ns);
        line.text(signal_name(sig)).text(at_pc ? " executing " : " accessing ").text(hit.module).text("+");
        line.hex(where - hit.begin).text(" (").hex(where).text("), ").number(ago_ms < 0 ? 0 : static_cast<std::uint64_t>(ago_ms));
        line.text(" ms after ").text(hit.module).text(" (load ").number(hit.load_generation).text(") was unloaded");
        line.write_to(fd);
    } else if (const EntryPointScope* scope = t_entry_point; fd >= 0 && scope) {
        NoteLine line;
        line.finding("entry_point_crash", scope->module(), scope->load_generation(), now_ns);
        line.text(signal_name(sig)).text(" in ").text(scope->entry_point()).text(" of ").text(scope->module());
        line.text(" (load ").number(scope->load_generation()).text(")");
        if (fault && sig != SIGABRT) line.text(", fault address ").hex(address);
        line.text(", pc ").hex(pc);
        line.write_to(fd);
    }

    // The previous disposition (the default, or a sanitizer's handler) from
    // here on: a fault repeats when the handler returns; a sent signal
    // (abort, kill) is sent again.
    for (std::size_t i = 0; i < std::size(kSignals); ++i)
        if (kSignals[i] == sig) sigaction(sig, &g_previous[i], nullptr);
    if (!fault || sig == SIGABRT) raise(sig);
    errno = saved_errno;
}

// Frees a thread's alternate stack when the thread ends.
struct AltStack {
    void* memory = nullptr;
    ~AltStack() {
        if (!memory) return;
        stack_t off{};
        off.ss_flags = SS_DISABLE;
        sigaltstack(&off, nullptr);
        munmap(memory, kAltStackBytes);
    }
};

}  // namespace

bool install_crash_handler(const std::string& note_path, std::string& error) {
    if (g_note_fd.load() >= 0) {
        error = "a crash handler is installed already";
        return false;
    }
    const bool log_lines = note_path.empty();
    const int note_fd =
        log_lines ? STDERR_FILENO : ::open(note_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (log_lines) {
        const time_t now = time(nullptr);
        tm local{};
        if (localtime_r(&now, &local)) g_utc_offset_s = local.tm_gmtoff;
        g_log_lines.store(true, std::memory_order_relaxed);
    }
    if (note_fd < 0) {
        error = "cannot open " + note_path + ": " + std::strerror(errno);
        return false;
    }
    g_note_fd.store(note_fd, std::memory_order_relaxed);
    ensure_alternate_stack();
    struct sigaction action{};
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &action, &g_previous[i]);
    return true;
}

bool crash_in_progress() { return g_crashing.load(std::memory_order_relaxed); }

void ensure_alternate_stack() {
    thread_local AltStack stack;
    if (stack.memory || g_note_fd.load(std::memory_order_relaxed) < 0) return;
    void* memory = mmap(nullptr, kAltStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t alt{};
    alt.ss_sp = memory;
    alt.ss_size = kAltStackBytes;
    if (sigaltstack(&alt, nullptr) != 0) {
        munmap(memory, kAltStackBytes);
        return;
    }
    stack.memory = memory;
}

EntryPointScope::EntryPointScope(const char* entry_point, const char* module, std::uint64_t load_generation) noexcept
    : entry_point_(entry_point), module_(module), load_generation_(load_generation), previous_(t_entry_point) {
    ensure_alternate_stack();
    t_entry_point = this;
}

EntryPointScope::~EntryPointScope() { t_entry_point = previous_; }

}  // namespace isapi::platform
