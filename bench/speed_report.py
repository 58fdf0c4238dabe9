#!/usr/bin/env python3
"""One run that reports the host's speed figures, each
against its bar, with medians:

  1. nginx (`return 200`, 1 worker), isapi-host in process, isapi-host
     with worker processes that are handed the connections (--handoff, the
     default) and, when the host knows --no-handoff, relayed by the front end,
     under the same `wrk -t1 -c32`, ROUNDS rounds of DURATION each,
     interleaved (bench/host_vs_nginx.sh with several isolations: each round
     measures all of them back to back, rotating which goes first); the
     median req/s of each and the ratios of the medians.
     Bars: in process >= 1.0x nginx, worker processes >= 0.8x (the relay,
     the path of TLS and Windows, is reported without a bar). A control
     without a bar: the in-process host answering a URL no extension is
     mapped at (its own 404), the HTTP server without the ISAPI path.
  2. recycle -> first response of the new worker over RECYCLES recycles
     (bench/recycle_breakdown.py): median, p90, max. When the host knows
     --standby-worker, once without it and once with it, side by side; the
     bar (median <= 5 ms) is judged on the runs with it, as the option is
     the answer to that bar; with --no-handoff, once more relayed.
  3. swap drops at SWAP_RATES req/s: `isapi-loadgen swap --strategy exchange
     --recycle overlapped` (cached, the host's default worker processes):
     dropped, switchover and the rate the machine achieved. Bar: 0 dropped
     at every rate (an overlapped recycle under full load loses nothing);
     with --no-handoff too, when the host knows it.

The binaries are copied to a scratch folder first, so a build finishing
during the run cannot mix two builds into one report.

  bench/speed_report.py [BUILD_DIR]          (default build/release)

Environment: ROUNDS (5), DURATION (10s), WARMUP (3s), RECYCLES (20),
SWAP_RATES (10000,20000,40000), SWAP_DURATION (5s), SWAP_AT (2s), OUT (the
JSON report; default BUILD_DIR/speed-report.json), QUICK=1 (2 rounds of 2 s,
1 s warm-up, 5 recycles, one swap rate of 10000 for 2 s: checks that the
whole thing runs; its figures mean little). Variables set explicitly win
over QUICK's.

Prints the expected duration first, a progress line per step on stderr and
a summary table at the end. Exit 0 when every bar is met, 1 when one is not,
2 when the run could not be set up or a step failed.
"""
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
BARS = {"inproc": 1.0, "frontend": None, "process": None, "handoff": 0.8, "recycle_ms": 5.0}
LABELS = {"nginx": "nginx (return 200, 1 worker)", "inproc": "isapi-host in process",
          "frontend": "  its own 404, no extension", "process": "isapi-host workers, relayed",
          "handoff": "isapi-host worker processes"}


class SetupError(Exception):
    pass


def progress(message):
    print(f"speed_report: {message}", file=sys.stderr, flush=True)


def seconds(text):
    """'10s', '500ms', '1m' or a bare number of seconds."""
    match = re.fullmatch(r"([0-9.]+)(ms|s|m)?", text.strip())
    if not match:
        raise SetupError(f"not a duration: {text!r}")
    return float(match.group(1)) * {"ms": 1e-3, "s": 1, "m": 60, None: 1}[match.group(2)]


def settings():
    quick = os.environ.get("QUICK", "") not in ("", "0")
    defaults = {"ROUNDS": "5", "DURATION": "10s", "WARMUP": "3s", "RECYCLES": "20",
                "SWAP_RATES": "10000,20000,40000", "SWAP_DURATION": "5s", "SWAP_AT": "2s"}
    if quick:
        defaults.update(ROUNDS="2", DURATION="2s", WARMUP="1s", RECYCLES="5", SWAP_RATES="10000",
                        SWAP_DURATION="2s", SWAP_AT="1s")
    s = {k: os.environ.get(k) or v for k, v in defaults.items()}
    try:
        return {"quick": quick, "rounds": int(s["ROUNDS"]), "duration": s["DURATION"], "warmup": s["WARMUP"],
                "recycles": int(s["RECYCLES"]), "swap_rates": [int(r) for r in s["SWAP_RATES"].split(",") if r],
                "swap_duration": s["SWAP_DURATION"], "swap_at": s["SWAP_AT"]}
    except ValueError as e:
        raise SetupError(f"bad setting: {e}")


def check_tools():
    missing = [name for name, found in (("wrk", shutil.which("wrk")),
                                        ("nginx-light", os.access("/usr/sbin/nginx", os.X_OK))) if not found]
    if missing:
        raise SetupError("missing " + ", ".join(missing) + "; install with:\n  sudo apt-get install -y " +
                         " ".join(missing))


def snapshot(build_dir, work):
    """Copies the host, the load generator and the samples into work/build;
    returns the copy's folder and each file's modification time (UTC)."""
    wanted = ["host/isapi-host", "loadgen/isapi-loadgen", "samples/hello.so", "samples/version_v1.so",
              "samples/version_v2.so"]
    copy = os.path.join(work, "build")
    built = {}
    for rel in wanted:
        source = os.path.join(build_dir, rel)
        if not os.path.isfile(source):
            raise SetupError(f"missing {source} (build the release preset first)")
        os.makedirs(os.path.dirname(os.path.join(copy, rel)), exist_ok=True)
        shutil.copy2(source, os.path.join(copy, rel))
        built[rel] = datetime.datetime.fromtimestamp(os.path.getmtime(source), datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC")
    return copy, built


def run_step(args, env_extra, limit_s, log_path):
    """Runs a step in its own process group, its output lines shown on stderr
    as progress and kept in log_path; returns (exit code, output). Past
    limit_s the group is ended and the step counts as failed."""
    env = dict(os.environ, **env_extra)
    with open(log_path, "w") as log:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                   start_new_session=True, cwd=REPO)
        expired = threading.Event()

        def expire():
            expired.set()
            end_group(process)

        watchdog = threading.Timer(limit_s, expire)
        watchdog.start()
        lines = []
        try:
            for line in process.stdout:
                lines.append(line)
                log.write(line)
                print("    " + line.rstrip(), file=sys.stderr, flush=True)
            process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                end_group(process)
        if expired.is_set():
            raise SetupError(f"{os.path.basename(args[0])} took longer than {limit_s:.0f} s")
    return process.returncode, "".join(lines)


def end_group(process):
    """SIGTERM to the step's process group (the scripts stop their servers on
    it), SIGKILL after 15 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def ms_of(text):
    """wrk's '460.00us', '1.12ms', '2.00s' -> ms."""
    match = re.fullmatch(r"([0-9.]+)(us|ms|s)", text)
    return float(match.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3}[match.group(2)] if match else None


def versus_nginx(copy, config, work, hosts):
    results = os.path.join(work, "wrk-results.txt")
    sides = 1 + len(hosts)
    limit = sides * seconds(config["warmup"]) + config["rounds"] * sides * seconds(config["duration"]) * 1.5 + 60
    code, _ = run_step([os.path.join(BENCH, "host_vs_nginx.sh"), copy],
                       {"ISOLATION": " ".join(hosts), "ROUNDS": str(config["rounds"]),
                        "DURATION": config["duration"], "WARMUP": config["warmup"], "CONNECTIONS": "32",
                        "RESULTS": results}, limit, os.path.join(work, "host_vs_nginx.log"))
    if code not in (0, 1):
        raise SetupError(f"host_vs_nginx.sh failed (exit {code}); log above")
    rounds = {}
    for line in open(results):
        number, side, rps, p99, cpu = line.split()
        entry = rounds.setdefault(int(number), {"round": int(number), "order": []})
        entry["order"].append(side)
        entry[side] = {"rps": float(rps), "p99_ms": ms_of(p99), "cpu_us_per_request": float(cpu)}
    rounds = [rounds[k] for k in sorted(rounds)]
    sides = ("nginx", *hosts)
    medians = {side: statistics.median(r[side]["rps"] for r in rounds) for side in sides}
    return {
        "wrk": f"wrk -t1 -c32 -d{config['duration']} --latency (warm-up {config['warmup']} each)",
        "rounds": rounds,
        "median_rps": medians,
        "median_cpu_us_per_request": {side: statistics.median(r[side]["cpu_us_per_request"] for r in rounds)
                                      for side in sides},
        "hosts": list(hosts),
        "ratio_of_medians": {side: medians[side] / medians["nginx"] for side in hosts},
        "median_of_round_ratios": {side: statistics.median(r[side]["rps"] / r["nginx"]["rps"] for r in rounds)
                                   for side in hosts},
    }


def recycles(copy, config, work, standby, relay):
    variants = [("without --standby-worker", "")] + ([("with --standby-worker", "--standby-worker")] if standby else [])
    if standby and relay:
        variants.append(("--standby-worker --no-handoff", "--standby-worker --no-handoff"))
    out = []
    for name, host_args in variants:
        progress(f"recycle -> first response, {name}: {config['recycles']} recycles")
        results = os.path.join(work, f"recycle{len(out)}.json")
        code, _ = run_step([sys.executable, os.path.join(BENCH, "recycle_breakdown.py"), copy],
                           {"ROUNDS": str(config["recycles"]), "HOST_ARGS": host_args, "RESULTS": results},
                           15 + 6 * config["recycles"], os.path.join(work, f"recycle{len(out)}.log"))
        if code not in (0, 1):
            raise SetupError(f"recycle_breakdown.py failed (exit {code}); log above")
        data = json.load(open(results))
        out.append({"name": name, "host_args": host_args, "summary_ms": data["summary_ms"],
                    "each_ms": data["each_ms"]})
    return {"standby_worker_available": standby, "variants": out}


def swaps(copy, config, work, host_args):
    out = []
    loadgen = os.path.join(copy, "loadgen", "isapi-loadgen")
    for rate in config["swap_rates"]:
        progress(f"swap exchange + overlapped recycle at {rate} req/s for {config['swap_duration']} "
                 f"{' '.join(host_args)}")
        report = os.path.join(work, f"swap-{rate}{''.join(host_args)}.json")
        args = [loadgen, "swap", "--strategy", "exchange", "--recycle", "overlapped", "--mode", "cached",
                "-R", str(rate), "-d", config["swap_duration"], "--at", config["swap_at"], "--no-progress",
                "--host-exe", os.path.join(copy, "host", "isapi-host"),
                "--samples-dir", os.path.join(copy, "samples"), "--json", report] + [f"--host-arg={a}" for a in host_args]
        code, _ = run_step(args, {}, seconds(config["swap_duration"]) + 60, os.path.join(work, f"swap-{rate}.log"))
        if code == 1 or not os.path.exists(report):
            raise SetupError(f"isapi-loadgen swap at {rate} req/s could not run (exit {code}); log above")
        r = json.load(open(report))
        s = r["swap"]
        achieved = r["achieved_rate_per_s"]
        out.append({"asked_per_s": rate, "achieved_per_s": achieved, "reached": achieved >= 0.97 * rate,
                    "sent": r["sent"], "answered": r["answered"], "dropped": s["dropped"],
                    "switchover_ms": s["switchover_us"] / 1e3 if s["switchover_us"] is not None else None,
                    "min_rate_during_per_s": s["min_rate_during_per_s"], "swap_failed": s["failed"] or code == 3,
                    "answered_old": s["answered_old"], "answered_new": s["answered_new"], "exit_code": code})
    return {"strategy": "exchange", "recycle": "overlapped", "mode": "cached", "isolation": "process",
            "host_args": host_args, "duration": config["swap_duration"], "at": config["swap_at"], "rates": out}


def judge(report):
    bars = []
    w = report["versus_nginx"]
    for side in [h for h in w["hosts"] if BARS[h] is not None]:
        ratio = w["ratio_of_medians"][side]
        bars.append({"name": f"{LABELS[side]} / nginx, ratio of medians", "value": round(ratio, 3),
                     "bar": f">= {BARS[side]}x", "passed": ratio >= BARS[side]})
    variants = report["recycle"]["variants"]
    for variant in [v for v in variants if "--standby-worker" in v["host_args"]] or variants[-1:]:
        median = variant["summary_ms"]["whole"]["median"]
        bars.append({"name": f"recycle -> first response median, {variant['name']}", "value": round(median, 2),
                     "bar": f"<= {BARS['recycle_ms']} ms", "passed": median <= BARS["recycle_ms"]})
    for sw in report["swaps"]:
        for r in sw["rates"]:
            bars.append({"name": f"swap dropped at {r['asked_per_s']} req/s {' '.join(sw['host_args'])}".rstrip(),
                         "value": r["dropped"], "bar": "0", "passed": r["dropped"] == 0 and not r["swap_failed"]})
    return bars


def kilo(rps):
    return f"{rps / 1000:.1f}k"


def summary_text(report):
    w, lines = report["versus_nginx"], []
    lines.append(f"speed report {report['date_utc']}, commit {report['git']['commit'][:10]}"
                 f"{' (+ uncommitted changes)' if report['git']['dirty'] else ''}, "
                 f"load average {' '.join(report['load_average']['start'])} at start, "
                 f"{' '.join(report['load_average']['end'])} at the end")
    lines.append(f"isapi-host built {report['built']['host/isapi-host']}")
    lines.append(f"command: {report['command']}")
    lines.append("")
    lines.append(f"req/s, {w['wrk']}, interleaved rounds")
    head = "".join(f"{'round ' + str(r['round']):>10}" for r in w["rounds"])
    lines.append(f"  {'':32}{head}{'median':>10}{'ratio':>8}{'bar':>9}")
    for side in ("nginx", *w["hosts"]):
        cells = "".join(f"{kilo(r[side]['rps']):>10}" for r in w["rounds"])
        bar = "" if side == "nginx" or BARS[side] is None else f"{'>= ' + str(BARS[side]) + 'x':>9}"
        tail = "" if side == "nginx" else f"{w['ratio_of_medians'][side]:7.2f}x{bar}"
        lines.append(f"  {LABELS[side]:32}{cells}{kilo(w['median_rps'][side]):>10}{tail}")
    lines.append("  (median of the per-round ratios: " + ", ".join(
        f"{side} {w['median_of_round_ratios'][side]:.2f}x" for side in w["hosts"]) + ")")
    lines.append("CPU µs per request, the server's processes (user + system)")
    for side in ("nginx", *w["hosts"]):
        cells = "".join(f"{r[side]['cpu_us_per_request']:>10.1f}" for r in w["rounds"])
        lines.append(f"  {LABELS[side]:32}{cells}{w['median_cpu_us_per_request'][side]:>10.1f}")
    lines.append("")
    rc = report["recycle"]
    lines.append(f"recycle -> first response of the new worker, ms (--standby-worker "
                 f"{'available' if rc['standby_worker_available'] else 'not in this build'})")
    lines.append(f"  {'':32}{'median':>9}{'p90':>9}{'max':>9}   medians of start->load, ready->resp")
    for v in rc["variants"]:
        s = v["summary_ms"]
        phase = ", ".join(f"{s[k]['median']:.2f}" if s.get(k) else "-" for k in ("start->load", "ready->resp"))
        lines.append(f"  {v['name']:30}{s['whole']['median']:9.2f}{s['whole']['p90']:9.2f}{s['whole']['max']:9.2f}"
                     f"   {phase}")
    lines.append("")
    for sw in report["swaps"]:
        lines.append(f"swap {sw['strategy']} + {sw['recycle']} recycle ({sw['mode']}, worker processes"
                     f"{', ' + ' '.join(sw['host_args']) if sw['host_args'] else ''}), "
                     f"{sw['duration']} of load, swap at {sw['at']}")
        lines.append(f"  {'asked':>8}{'achieved':>10}{'sent':>9}{'dropped':>9}{'switchover':>12}")
        for r in sw["rates"]:
            switch = f"{r['switchover_ms']:.1f} ms" if r["switchover_ms"] is not None else "-"
            note = "" if r["reached"] else "   (the machine could not reach the asked rate)"
            lines.append(f"  {r['asked_per_s']:>8}{r['achieved_per_s']:>10.0f}{r['sent']:>9}{r['dropped']:>9}"
                         f"{switch:>12}{note}")
        lines.append("")
    lines.append("bars")
    for b in report["bars"]:
        lines.append(f"  {'PASS' if b['passed'] else 'FAIL'}  {b['name']}: {b['value']} (bar {b['bar']})")
    return "\n".join(lines)


def git_state():
    def git(*args):
        return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True).stdout.strip()
    return {"commit": git("rev-parse", "HEAD") or "unknown", "dirty": bool(git("status", "--porcelain", "-uno"))}


def load_average():
    return open("/proc/loadavg").read().split()[:3]


def main():
    build_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "release"))
    out_path = os.path.abspath(os.environ.get("OUT") or os.path.join(build_dir, "speed-report.json"))
    config = settings()
    check_tools()
    with tempfile.TemporaryDirectory(prefix="isapi-speed-") as work:
        copy, built = snapshot(build_dir, work)
        help_text = subprocess.run([os.path.join(copy, "host", "isapi-host"), "--help"], capture_output=True,
                                   text=True).stdout
        standby = "--standby-worker" in help_text
        # A host with --no-handoff hands connections over by default, and
        # its relay is measured beside it; an older one only relays.
        relay = "--no-handoff" in help_text
        # "frontend": the in-process host's own 404, a control with no bar
        # that shows the HTTP server's cost without the ISAPI path.
        hosts = ("inproc", "frontend", "handoff", "process") if relay else ("inproc", "frontend", "process")
        wrk_s = len(hosts) * seconds(config["warmup"]) + config["rounds"] * (1 + len(hosts)) * seconds(config["duration"]) + 3
        recycle_s = (1 + standby + (standby and relay)) * (2 + 0.3 * config["recycles"])
        swap_s = (1 + relay) * len(config["swap_rates"]) * (seconds(config["swap_duration"]) + 1.5)
        progress(f"expected duration about {wrk_s + recycle_s + swap_s:.0f} s (wrk {wrk_s:.0f} s, recycles "
                 f"{recycle_s:.0f} s, swaps {swap_s:.0f} s); binaries copied from {build_dir}")
        started = time.monotonic()
        report = {
            "tool": "bench/speed_report.py",
            "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join([f"{k}={shlex.quote(os.environ[k])}" for k in
                                 ("QUICK", "ROUNDS", "DURATION", "WARMUP", "RECYCLES", "SWAP_RATES",
                                  "SWAP_DURATION", "SWAP_AT", "OUT") if os.environ.get(k)] +
                                ["bench/speed_report.py"] + [shlex.quote(a) for a in sys.argv[1:]]),
            "build_dir": build_dir, "built": built, "git": git_state(), "settings": config,
            "load_average": {"start": load_average()},
        }
        progress(f"step 1/3: nginx, {', '.join(hosts)}: {config['rounds']} interleaved rounds of "
                 f"{config['duration']}")
        report["versus_nginx"] = versus_nginx(copy, config, work, hosts)
        progress("step 2/3: recycle -> first response")
        report["recycle"] = recycles(copy, config, work, standby, relay)
        progress(f"step 3/3: swap drops at {', '.join(map(str, config['swap_rates']))} req/s")
        report["swaps"] = [swaps(copy, config, work, [])] + ([swaps(copy, config, work, ["--no-handoff"])] if relay else [])
        report["load_average"]["end"] = load_average()
        report["elapsed_s"] = round(time.monotonic() - started, 1)
        report["bars"] = judge(report)
        report["passed"] = all(b["passed"] for b in report["bars"])
        report["exit_code"] = 0 if report["passed"] else 1
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path + ".tmp", "w") as f:
        json.dump(report, f, indent=2)
    os.replace(out_path + ".tmp", out_path)
    print(summary_text(report))
    print(f"\ntook {report['elapsed_s']:.0f} s; JSON: {out_path}")
    return report["exit_code"]


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as e:
        progress(str(e))
        sys.exit(2)
