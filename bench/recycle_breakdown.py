#!/usr/bin/env python3
"""Where the milliseconds of a recycle go, from the command to the first
response of the new worker.

Starts an isapi-host with worker processes and --preload serving
version_v1, then ROUNDS times: POST /_isapi/recycle?mode=overlapped, poll the
module's URL back to back until a response names the new worker (its
X-Isapi-Build carries worker=N), and read the host's events for that recycle.
The host's event clock splits the time into:

  spawn        recycle command -> worker_start (the spawn call returned)
  start->load  worker_start -> module_load (exec, dynamic loading, the
               worker's set-up, the channel handshake, the module's load
               and GetExtensionVersion)
  load->ready  module_load -> worker_ready
  ready->resp  worker_ready -> the first response of the new worker, as the
               client saw it (client clock, so measured from the recycle
               command's return less the host's recycle->ready span)

and reports the median, p90 and max of each, and of the whole (the client's
view: the recycle command sent -> the first new response). A phase whose
events the new worker did not log after the command is shown as "-" and the
whole is still measured; with --standby-worker the new worker started before
the command, so spawn is "-" and start->load counts from the command. Bounded: ROUNDS
recycles, each given at most 5 s.

With --standby-worker in HOST_ARGS each round first waits (at most 5 s) for
the status to show a standby standing by, so every recycle measures a
take-over by a standby and none a spawn. --compare runs twice, without and
with --standby-worker (each on a fresh host, HOST_ARGS added to both), and
reports both tables and the ratio of the medians (with / without).

  bench/recycle_breakdown.py [--compare] [BUILD_DIR]     (default build/release)
  Environment: ROUNDS (20), HOST_ARGS (extra isapi-host options), RESULTS
  (a JSON file that gets every recycle's figures and the summary; with
  --compare, {"without": ..., "with": ..., "median_ratio": ...}).

Exit 0 when the whole's median (with --compare: the standby run's) is within
the bar (5 ms), 1 when not, 2 when the run failed.
"""
import http.client
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BAR_MS = 5.0


def fail(message):
    print(f"recycle_breakdown: {message}", file=sys.stderr)
    sys.exit(2)


STANDBY = "--standby-worker"


def start_host(build_dir, out_path, host_args):
    host = os.path.join(build_dir, "host", "isapi-host")
    module = os.path.join(build_dir, "samples", "version_v1.so")
    for path in (host, module):
        if not os.path.exists(path):
            fail(f"missing {path} (build the release preset first)")
    args = [host, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--map", f"/app.dll={module}",
            "--preload", "--isolation", "process"] + host_args
    out = open(out_path, "w")
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        text = open(out_path).read()
        listen = re.search(r"listening on (http://\S+)", text)
        admin = re.search(r"admin on (http://\S+)", text)
        if listen and admin:
            return process, listen.group(1).rstrip("/"), admin.group(1).rstrip("/")
        if process.poll() is not None:
            fail("isapi-host ended before it listened:\n" + text)
        time.sleep(0.05)
    process.kill()
    fail("isapi-host did not listen within 15 s")


def worker_of(response):
    match = re.search(r"worker=(\d+)", response.getheader("X-Isapi-Build", ""))
    return int(match.group(1)) if match else None


class Poller:
    """GETs of the module's URL on one keep-alive connection: a new
    connection per poll would add its own milliseconds to the measure."""

    def __init__(self, url):
        host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
        self.path = url[url.index("/", len("http://")):]
        self.connection = http.client.HTTPConnection(host, int(port), timeout=5)

    def worker(self):
        self.connection.request("GET", self.path)
        response = self.connection.getresponse()
        response.read()
        return worker_of(response)


def events_since(admin, seq):
    with urllib.request.urlopen(f"{admin}/_isapi/events?since={seq}", timeout=5) as r:
        return [json.loads(line) for line in r.read().decode().splitlines() if line.strip()]


def one_round(poller, admin, seq):
    """Returns (phases in ms, whole in ms, last seq)."""
    old_worker = poller.worker()
    if old_worker is None:
        fail("the response carries no X-Isapi-Build worker=N")
    request = urllib.request.Request(f"{admin}/_isapi/recycle?mode=overlapped", method="POST")
    sent = time.perf_counter()
    urllib.request.urlopen(request, timeout=5).read()
    deadline = sent + 5
    while True:
        new_worker = poller.worker()
        if new_worker != old_worker:
            first_new = time.perf_counter()
            break
        if time.perf_counter() > deadline:
            fail("no response from a new worker within 5 s of the recycle")
    whole_ms = (first_new - sent) * 1e3
    events = events_since(admin, seq)
    recycle = next(e for e in events if e["kind"] == "recycle")
    # The new worker's events (its X-Isapi-Build worker=N is its generation).
    by_kind = {}
    for e in events:
        if e.get("worker_generation") == new_worker and e["seq"] > recycle["seq"]:
            by_kind.setdefault(e["kind"], e["mono_us"])
    marks = [recycle["mono_us"]] + [by_kind.get(k) for k in ("worker_start", "module_load", "worker_ready")]
    if marks[1] is None:  # a standby worker, started before the command: its load counts from the command
        marks[1] = marks[0]

    def span(i):
        return None if marks[i] is None or marks[i + 1] is None else (marks[i + 1] - marks[i]) / 1e3

    phases = {"spawn": None if by_kind.get("worker_start") is None else span(0), "start->load": span(1),
              "load->ready": span(2), "ready->resp": None}
    if marks[3] is not None:
        phases["ready->resp"] = max(0.0, whole_ms - (marks[3] - marks[0]) / 1e3)
    return phases, whole_ms, max(e["seq"] for e in events)


def wait_for_standby(admin):
    """Until the status shows a standby worker standing by (5 s at most)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{admin}/_isapi/status", timeout=5) as r:
            if any(w["state"] == "standby" for w in json.load(r)["workers"]):
                return
        time.sleep(0.01)
    fail("no standby worker stood by within 5 s")


def summary(values):
    """median, p90 (nearest rank) and max of the values that are not None."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    p90 = values[max(0, -(-len(values) * 9 // 10) - 1)]
    return {"median": statistics.median(values), "p90": p90, "max": values[-1], "count": len(values)}


def shown(value):
    return "     -" if value is None else f"{value:6.2f}"


def run(build_dir, rounds, host_args):
    """ROUNDS recycles on a fresh host; returns (phases, whole) per recycle."""
    standby = STANDBY in host_args
    with tempfile.TemporaryDirectory(prefix="isapi-recycle-") as work:
        process, url, admin = start_host(build_dir, os.path.join(work, "host.out"), host_args)
        try:
            poller = Poller(url + "/app.dll")
            time.sleep(0.5)  # a standby worker starts once the first is ready
            seq = max((e["seq"] for e in events_since(admin, 0)), default=0)
            results = []
            for i in range(rounds):
                if standby:
                    wait_for_standby(admin)
                phases, whole, seq = one_round(poller, admin, seq)
                results.append((phases, whole))
                time.sleep(0.2)  # the old worker drains and exits
                print(f"[{i + 1:2}/{rounds}] whole {whole:6.2f} ms  " +
                      "  ".join(f"{k} {shown(v)}" for k, v in phases.items()), file=sys.stderr)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return results


def report(results, rounds, host_args):
    """Prints the table; returns the summary as RESULTS stores it."""
    print(f"recycle -> first response of the new worker, {rounds} recycles (ms), options: "
          f"{' '.join(host_args) or '(none)'}")
    stats = {name: summary([p[name] for p, _ in results]) for name in results[0][0]}
    stats["whole"] = summary([w for _, w in results])
    for name, s in stats.items():
        line = "not in the events" if s is None else \
            f"median {s['median']:7.2f}   p90 {s['p90']:7.2f}   max {s['max']:7.2f}"
        print(f"  {name:12} {line}" + (f"   bar: median <= {BAR_MS} ms" if name == "whole" else ""))
    passed = stats["whole"]["median"] <= BAR_MS
    return {"recycles": rounds, "host_args": " ".join(host_args), "bar_ms": BAR_MS, "passed": passed,
            "summary_ms": stats, "each_ms": [dict(p, whole=w) for p, w in results]}


def main():
    argv = sys.argv[1:]
    compare = "--compare" in argv
    argv = [a for a in argv if a != "--compare"]
    build_dir = argv[0] if argv else "build/release"
    rounds = int(os.environ.get("ROUNDS", "20"))
    host_args = shlex.split(os.environ.get("HOST_ARGS", ""))
    if not compare:
        result = report(run(build_dir, rounds, host_args), rounds, host_args)
    else:
        plain = [a for a in host_args if a != STANDBY]
        without = report(run(build_dir, rounds, plain), rounds, plain)
        standby = report(run(build_dir, rounds, plain + [STANDBY]), rounds, plain + [STANDBY])
        ratio = standby["summary_ms"]["whole"]["median"] / without["summary_ms"]["whole"]["median"]
        print(f"with / without {STANDBY}: median {ratio:.2f}x "
              f"({standby['summary_ms']['whole']['median']:.2f} vs {without['summary_ms']['whole']['median']:.2f} ms)")
        result = {"without": without, "with": standby, "median_ratio": ratio, "passed": standby["passed"]}
    if os.environ.get("RESULTS"):
        with open(os.environ["RESULTS"], "w") as f:
            json.dump(result, f, indent=2)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
