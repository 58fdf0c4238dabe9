#include "time_parse.hpp"

#include <cctype>
#include <charconv>

namespace isapi::loadgen {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// published algorithm, as arithmetic).
long long days_from_civil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool take_int(std::string_view& s, std::size_t digits, int& out) {
    if (s.size() < digits) return false;
    for (std::size_t i = 0; i < digits; ++i)
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    std::from_chars(s.data(), s.data() + digits, out);
    s.remove_prefix(digits);
    return true;
}

bool take_char(std::string_view& s, char c) {
    if (s.empty() || s.front() != c) return false;
    s.remove_prefix(1);
    return true;
}

std::optional<double> parse_date(std::string_view& s) {
    int y = 0, m = 0, d = 0;
    if (!take_int(s, 4, y) || !take_char(s, '-') || !take_int(s, 2, m) || !take_char(s, '-') || !take_int(s, 2, d))
        return std::nullopt;
    if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
    return static_cast<double>(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d))) * 86'400'000.0;
}

std::optional<double> parse_clock(std::string_view& s) {
    int h = 0, mi = 0, sec = 0;
    if (!take_int(s, 2, h) || !take_char(s, ':') || !take_int(s, 2, mi) || !take_char(s, ':') || !take_int(s, 2, sec))
        return std::nullopt;
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    double ms = ((h * 60.0 + mi) * 60.0 + sec) * 1000.0;
    if (take_char(s, '.')) {
        double scale = 100.0;
        std::size_t n = 0;
        while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front()))) {
            ms += (s.front() - '0') * scale;
            scale /= 10.0;
            s.remove_prefix(1);
            ++n;
        }
        if (n == 0) return std::nullopt;
    }
    return ms;
}

}  // namespace

std::optional<double> parse_w3c_time_ms(std::string_view date, std::string_view time) {
    const auto d = parse_date(date);
    const auto t = parse_clock(time);
    if (!d || !t || !date.empty() || !time.empty()) return std::nullopt;
    return *d + *t;
}

std::optional<double> parse_iso8601_ms(std::string_view s) {
    const auto d = parse_date(s);
    if (!d || !take_char(s, 'T')) return std::nullopt;
    const auto t = parse_clock(s);
    if (!t) return std::nullopt;
    double ms = *d + *t;
    if (s == "Z" || s.empty()) return ms;
    const char sign = s.front();
    if (sign != '+' && sign != '-') return std::nullopt;
    s.remove_prefix(1);
    int oh = 0, om = 0;
    if (!take_int(s, 2, oh)) return std::nullopt;
    take_char(s, ':');
    if (!s.empty() && !take_int(s, 2, om)) return std::nullopt;
    if (!s.empty()) return std::nullopt;
    const double offset = (oh * 60.0 + om) * 60'000.0;
    return sign == '+' ? ms - offset : ms + offset;
}

}  // namespace isapi::loadgen
