"""Checks a run/replay --html page with Python's own HTML parser: every
svg, g, path and text element closed in order, three charts, the series
each one promises, and the percentile ticks. Prints PASS or FAIL: why.
Usage: check_run_html.py PAGE"""
import sys
from html.parser import HTMLParser

CHECKED = {"svg", "g", "path", "text", "table", "tr", "h1", "h2", "div", "span"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.open, self.errors, self.svgs, self.series, self.texts = [], [], 0, [], []
        self.in_text = False

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        if tag == "path" and dict(attrs).get("data-series"):
            self.series.append((self.svgs, dict(attrs)["data-series"]))
        if tag == "script":
            self.errors.append("the page has a script")
        if tag in CHECKED:
            self.open.append(tag)
        self.in_text = tag == "text"

    def handle_startendtag(self, tag, attrs):
        if tag == "path" and dict(attrs).get("data-series"):
            self.series.append((self.svgs, dict(attrs)["data-series"]))

    def handle_endtag(self, tag):
        if tag not in CHECKED:
            return
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1] if self.open else 'nothing'}")
        else:
            self.open.pop()
        self.in_text = False

    def handle_data(self, data):
        if self.in_text:
            self.texts.append(data)


def main():
    p = Page()
    with open(sys.argv[1], encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    want = {1: {"p50", "p99", "max"}, 2: {"answered/s", "errors/s"}}
    if p.open:
        p.errors.append(f"never closed: {p.open}")
    if p.svgs != 3:
        p.errors.append(f"{p.svgs} charts, expected 3")
    for chart, names in want.items():
        got = {name for n, name in p.series if n == chart}
        if got != names:
            p.errors.append(f"chart {chart} has series {sorted(got)}, expected {sorted(names)}")
    if not any(n == 3 for n, _ in p.series):
        p.errors.append("the percentile chart has no line")
    for tick in ("50%", "90%", "99%", "99.9%", "99.99%", "99.999%"):
        if tick not in p.texts:
            p.errors.append(f"no {tick} tick")
    print("FAIL: " + "; ".join(p.errors) if p.errors else "PASS")
    return 1 if p.errors else 0


if __name__ == "__main__":
    sys.exit(main())
