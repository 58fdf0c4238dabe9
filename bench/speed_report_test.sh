#!/bin/sh
# ctest: bench/speed_report.py runs end to end in its quick mode and writes a
# JSON report with every field. It checks no speed bar: the figures of a
# 1-second run on a shared machine mean little, and a bar missed is exit 1,
# which passes here; only a run that could not be set up (exit 2) fails.
#   speed_report_test.sh BUILD_DIR
# Exit 77 (skipped) without wrk or nginx.
set -eu
build_dir="$1"
if ! command -v wrk >/dev/null || [ ! -x /usr/sbin/nginx ]; then
  echo "SKIP: wrk or nginx missing (sudo apt-get install -y wrk nginx-light)"
  exit 77
fi
out="$(mktemp -d -t isapi-speed-test.XXXXXX)"
trap 'rm -rf "$out"' EXIT
status=0
env -u ROUNDS -u WARMUP -u RECYCLES -u SWAP_RATES -u SWAP_DURATION -u SWAP_AT \
  QUICK=1 DURATION=1s OUT="$out/report.json" python3 "$(dirname "$0")/speed_report.py" "$build_dir" \
  >"$out/output.txt" 2>&1 || status=$?
# Its output says PASS and FAIL per bar: shown only when the run failed, and
# then without those words, so that ctest judges by this script's verdict.
if [ "$status" -gt 1 ]; then
  tail -n 30 "$out/output.txt" | sed 's/PASS/pass/g; s/FAIL/fail/g'
  echo "FAIL: speed_report.py exited $status"
  exit 1
fi
python3 - "$out/report.json" "$status" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
problems = []
def need(obj, path, *keys):
    for k in keys:
        if k not in obj:
            problems.append(f"{path}.{k}")
need(r, "report", "date_utc", "command", "built", "git", "load_average", "settings", "versus_nginx", "recycle", "swaps",
     "bars", "passed", "exit_code")
w = r.get("versus_nginx", {})
need(w, "versus_nginx", "wrk", "rounds", "median_rps", "median_cpu_us_per_request", "ratio_of_medians",
     "median_of_round_ratios")
for rnd in w.get("rounds", []):
    need(rnd, f"round {rnd.get('round')}", "nginx", "order", *w.get("hosts", ["inproc", "process"]))
if len(w.get("rounds", [])) != r["settings"]["rounds"]:
    problems.append("one entry per round")
for v in r.get("recycle", {}).get("variants", []):
    need(v["summary_ms"].get("whole") or {}, v["name"], "median", "p90", "max")
    if len(v["each_ms"]) != r["settings"]["recycles"]:
        problems.append(f"{v['name']}: one entry per recycle")
swap_rates = [s for sw in r.get("swaps", []) for s in sw["rates"]]
for s in swap_rates:
    need(s, f"swap {s.get('asked_per_s')}", "achieved_per_s", "reached", "dropped", "switchover_ms")
if r.get("exit_code") != int(sys.argv[2]):
    problems.append(f"exit_code {r.get('exit_code')} against the exit status {sys.argv[2]}")
standby_runs = [v for v in r.get("recycle", {}).get("variants", []) if "--standby-worker" in v["host_args"]]
# The relay ("process") and the 404 control ("frontend") are reported without a bar.
barred_hosts = [h for h in w.get("hosts", []) if h not in ("process", "frontend")]
if len(r.get("bars", [])) != len(barred_hosts) + max(1, len(standby_runs)) + len(swap_rates):
    problems.append("a bar per barred ratio, per recycle run with a standby and per swap rate")
print("FAIL: " + ", ".join(problems) if problems else "PASS: the report has every field")
PY
