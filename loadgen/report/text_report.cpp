#include "text_report.hpp"

#include <cstdio>
#include <string>

#include "../models/units.hpp"

namespace isapi::loadgen {
namespace {

std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

void latency_lines(std::ostream& out, const char* title, const Histogram& h) {
    out << "  " << title << '\n';
    if (h.count() == 0) {
        out << "    (no answered requests)\n";
        return;
    }
    auto d = [](double us) { return format_duration_us(us); };
    out << "    p50 " << d(static_cast<double>(h.percentile(50))) << "   p90 " << d(static_cast<double>(h.percentile(90)))
        << "   p99 " << d(static_cast<double>(h.percentile(99))) << "   p99.9 "
        << d(static_cast<double>(h.percentile(99.9))) << "   p99.99 " << d(static_cast<double>(h.percentile(99.99)))
        << "   max " << d(static_cast<double>(h.max())) << "   mean " << d(h.mean()) << '\n';
}

}  // namespace

void write_text_report(std::ostream& out, const ReportInput& in) {
    const RunResult& r = *in.result;
    const RunStats& s = r.stats;
    out << "isapi-loadgen " << in.command << ' ' << in.target << "\n  " << model_name(in.model) << " model";
    if (in.model == Model::open_rate) out << " at " << fmt("%.0f", in.target_rate) << " req/s planned";
    out << ", " << r.threads << " threads, " << r.connections << " connections, " << fmt("%.2f", r.elapsed_s)
        << " s\n";
    out << "  requests   sent " << s.sent() << "   answered " << s.answered() << "   dropped " << s.dropped()
        << "   achieved " << fmt("%.1f", r.achieved_rate) << " req/s\n";
    latency_lines(out,
                  in.model == Model::closed ? "latency" : "latency, corrected (from each request's intended send time)",
                  s.corrected());
    if (in.model != Model::closed)
        latency_lines(out, "latency, uncorrected (from the actual send; hides queueing, shown for comparison)",
                      s.uncorrected());
    out << "  classes   ";
    for (auto c : all_classes())
        if (s.count(c) || c == ErrorClass::ok) out << ' ' << class_name(c) << ' ' << s.count(c);
    out << '\n';
    if (r.tls) {
        // https: what the handshakes came to; each one is part of its
        // request's connect phase (before the sent time).
        const TlsTally& t = *r.tls;
        out << "  tls        ";
        if (t.handshakes == 0)
            out << "no handshake completed\n";
        else
            out << t.protocol << ' ' << t.cipher << ", " << t.handshakes
                << (t.handshakes == 1 ? " handshake, " : " handshakes, ") << t.resumed << " resumed\n";
        if (t.failed)
            out << "  tls failed " << t.failed << (t.failed == 1 ? " handshake: " : " handshakes: ") << t.first_error
                << '\n';
    }
    if (!s.builds().empty()) {
        // A build is the X-Isapi-Build value without pid, worker and load;
        // its workers follow, each with the load generations it answered
        // from (uncached mode loads once per request). The JSON has them all.
        constexpr std::size_t kShown = 6, kWorkersShown = 3;
        const auto& builds = s.builds().builds();
        out << "  builds     " << builds.size() << (builds.size() == 1 ? " build" : " builds") << " answered\n";
        for (std::size_t i = 0; i < builds.size() && i < kShown; ++i) {
            const BuildCount& b = builds[i];
            out << "             " << b.build << " x" << b.responses << '\n';
            for (std::size_t w = 0; w < b.workers.size() && w < kWorkersShown; ++w) {
                const BuildWorker& k = b.workers[w];
                out << "               pid " << k.pid << " worker " << k.worker << " x" << k.responses << ", loads "
                    << k.first_load << (k.last_load == k.first_load ? "" : ".." + std::to_string(k.last_load)) << '\n';
            }
            if (b.workers.size() > kWorkersShown) out << "               ... and " << b.workers.size() - kWorkersShown << " more workers (see --json)\n";
        }
        if (builds.size() > kShown) out << "             ... and " << builds.size() - kShown << " more (see --json)\n";
    }
    out << "  read       " << fmt("%.2f", static_cast<double>(s.bytes()) / (1024.0 * 1024.0)) << " MiB\n";
    if (in.malformed) out << "  skipped    " << in.malformed << " malformed replay lines (listed above)\n";
    if (s.corrected().saturated())
        out << "  note       " << s.corrected().saturated() << " latencies were above 1 h and were clamped\n";
    if (!r.log_error.empty()) out << "  warning    " << r.log_error << '\n';
    for (const auto& t : in.thresholds) out << (t.broken ? "  FAIL       " : "  pass       ") << t.message << '\n';
}

}  // namespace isapi::loadgen
