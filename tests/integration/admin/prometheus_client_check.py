#!/usr/bin/env python3
"""GET /_isapi/metrics of a real isapi-host, read with the Prometheus Python
client's own parser (prometheus_client.parser), as a Prometheus server
reads it. Skipped (exit 77) where that module is not installed.

usage: prometheus_client_check.py ISAPI_HOST MODULE ISOLATION
"""
import hashlib
import os
import re
import subprocess
import sys
import time
import urllib.request

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print("prometheus_client is not installed (Debian: python3-prometheus-client): skipped")
    sys.exit(77)

REQUESTS = 20
host_exe, module, isolation = sys.argv[1:4]
build = hashlib.sha256(open(module, "rb").read()).hexdigest()[:12]


def fail(why, text=""):
    print("FAIL:", why)
    if text:
        print(text)
    sys.exit(1)


host = subprocess.Popen([host_exe, "--isolation", isolation, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                         "--log-level", "warn", "--map", "/app.dll=" + module],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
try:
    listen = admin = None
    deadline = time.monotonic() + 20
    while (listen is None or admin is None) and time.monotonic() < deadline:
        line = host.stdout.readline()
        if not line:
            break
        if m := re.match(r"listening on (http://\S+)", line):
            listen = m.group(1)
        if m := re.match(r"admin on (http://\S+)", line):
            admin = m.group(1)
    if listen is None or admin is None:
        fail("the host printed no listening and admin addresses")

    for _ in range(REQUESTS):
        with urllib.request.urlopen(listen + "/app.dll", timeout=10) as response:
            if response.status != 200:
                fail("a request answered %d" % response.status)

    # A request is timed just after its response left: poll for the last one.
    deadline = time.monotonic() + 5
    while True:
        with urllib.request.urlopen(admin + "/_isapi/metrics", timeout=10) as response:
            text = response.read().decode("utf-8")
        families = {f.name: f for f in text_string_to_metric_families(text)}
        histogram = families.get("isapi_request_duration_seconds")
        labels = {"mapping": "/app.dll", "module": os.path.basename(module), "build": build}
        mine = [s for s in histogram.samples if all(s.labels.get(k) == v for k, v in labels.items())] if histogram else []
        count = [s.value for s in mine if s.name.endswith("_count")]
        if count == [REQUESTS] or time.monotonic() > deadline:
            break
        time.sleep(0.05)

    if histogram is None or histogram.type != "histogram":
        fail("no histogram isapi_request_duration_seconds", text)
    if count != [REQUESTS]:
        fail("the mapping's _count is %r, not [%d]" % (count, REQUESTS), text)
    buckets = sorted((float(s.labels["le"]), s.value) for s in mine if s.name.endswith("_bucket"))
    if not buckets or buckets[-1] != (float("inf"), REQUESTS):
        fail("the +Inf bucket is not the count", text)
    if any(a[1] > b[1] for a, b in zip(buckets, buckets[1:])):
        fail("buckets are not cumulative", text)

    rss = families.get("process_resident_memory_bytes")
    if rss is None or rss.type != "gauge":
        fail("no gauge process_resident_memory_bytes", text)
    own = [s.value for s in rss.samples if not s.labels]
    workers = [s for s in rss.samples if "worker" in s.labels]
    if own != [s for s in own if s > 0] or len(own) != 1:
        fail("the host's resident memory is %r" % own, text)
    if isolation == "process" and (len(workers) != 1 or workers[0].value <= 0):
        fail("the worker's resident memory is %r" % workers, text)
    if isolation == "inproc" and workers:
        fail("an in-process host lists workers", text)
    print("ok: %d families parsed; %d requests timed under build %s" % (len(families), REQUESTS, build))
finally:
    host.terminate()
    try:
        host.wait(timeout=30)
    except subprocess.TimeoutExpired:
        host.kill()
