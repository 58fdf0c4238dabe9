#pragma once
// The small pieces every HTML page (run and replay, a swap run, swap-bench)
// share: numbers printed one way, and the page's frame with its inline style
// sheet. Everything is inline: a page must open offline, so nothing is
// fetched, linked or loaded from elsewhere. Text goes in through
// markup_escape.
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "markup.hpp"

namespace isapi::loadgen::html {

// A fixed-point number; NaN and infinities print as "-".
inline std::string fixed(double v, int decimals) {
    if (!std::isfinite(v)) return "-";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// A count that may be a median of an even number of runs: "12" or "12.5".
inline std::string count(double v) { return fixed(v, std::floor(v) == v ? 0 : 1); }

// An SVG coordinate: one decimal is finer than a pixel.
inline std::string coord(double v) { return fixed(v, 1); }

// Opens a page: the doctype, the title, the shared style and `extra_css`.
inline std::string page_start(std::string_view title, std::string_view extra_css) {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    out += markup_escape(title);
    out += "</title>\n<style>\n"
           "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#222;"
           "max-width:1120px;margin:24px auto;padding:0 16px;background:#fff}\n"
           "h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}\n"
           "table{border-collapse:collapse;margin:6px 0 14px}\n"
           "th,td{border:1px solid #ddd;padding:3px 9px;text-align:left;vertical-align:top}\n"
           "th{background:#f4f4f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
           "code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
           ".badge{display:inline-block;padding:1px 10px;border-radius:10px;color:#fff;font-weight:700;"
           "font-size:13px;vertical-align:3px}\n"
           ".pass{background:#2e7d32}.fail{background:#c62828}.measured{background:#616161}\n"
           "td.good{background:#e6f4e6;color:#1b5e20}td.bad{background:#fde8e8;color:#b71c1c}\n"
           "td.warn{background:#fff4e0;color:#8a4b00}\n"
           ".muted{color:#777}.note{color:#666;font-style:italic}\n"
           ".error{border:1px solid #e57373;background:#fdecea;padding:8px 12px;border-radius:4px;margin:10px 0}\n"
           ".legend{display:flex;flex-wrap:wrap;gap:4px 18px;margin:6px 0 4px;font-size:13px}\n"
           ".legend span{white-space:nowrap}\n"
           ".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}\n"
           "svg{display:block;max-width:100%;height:auto}\n"
           "svg text{font:11px system-ui,sans-serif;fill:#333}\n";
    out += extra_css;
    out += "</style>\n</head>\n<body>\n";
    return out;
}

inline const char* page_end() { return "</body>\n</html>\n"; }

// A legend entry: a coloured swatch and its (already escaped) label.
inline std::string legend_item(std::string_view colour, std::string_view label_html, std::string_view style = {}) {
    std::string out = "<span><i class=\"sw\" style=\"background:";
    out += colour;
    if (!style.empty()) {
        out += ';';
        out += style;
    }
    out += "\"></i>";
    out += label_html;
    out += "</span>";
    return out;
}

}  // namespace isapi::loadgen::html
