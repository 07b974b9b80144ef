#!/usr/bin/env python3
"""Load line-protocol batch files into an InfluxDB-compatible /write endpoint.

Usage: load.py URL DIR [--conns 2] [--gzip]
  URL  e.g. http://127.0.0.1:8086/write?db=bench&precision=ms
  DIR  a folder of lines-*.lp files (one request per file, in name order)

All bodies are read into memory before timing starts, so the figure is the server's rate.
Prints one JSON object: lines, samples (fields counted), seconds, lines_per_s, samples_per_s,
errors, and the loader's own CPU seconds (to show the loader is not the bottleneck).
Exit status 1 if any request was not answered 2xx.
"""
import argparse, glob, gzip, http.client, json, os, resource, sys, threading, time, urllib.parse

ap = argparse.ArgumentParser()
ap.add_argument("url")
ap.add_argument("dir")
ap.add_argument("--conns", type=int, default=2)
ap.add_argument("--gzip", action="store_true")
a = ap.parse_args()
u = urllib.parse.urlsplit(a.url)
target = u.path + ("?" + u.query if u.query else "")
paths = sorted(glob.glob(os.path.join(a.dir, "*.lp")))
if not paths:
    sys.exit(f"load.py: no .lp files in {a.dir}")
bodies, lines, samples = [], 0, 0
for p in paths:
    data = open(p, "rb").read()
    lines += data.count(b"\n")
    # one field per line in the collectd shape, two in vm_info lines: count commas in the field set
    for ln in data.split(b"\n"):
        if ln:
            parts = ln.split(b" ")
            samples += parts[1].count(b",") + 1 if len(parts) > 1 else 0
    bodies.append(gzip.compress(data, 1) if a.gzip else data)

next_i = [0]
lock = threading.Lock()
errors = []


def worker():
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=600)
    headers = {"Content-Type": "text/plain; charset=utf-8"}
    if a.gzip:
        headers["Content-Encoding"] = "gzip"
    while True:
        with lock:
            i = next_i[0]
            next_i[0] += 1
        if i >= len(bodies):
            return
        try:
            conn.request("POST", target, body=bodies[i], headers=headers)
            r = conn.getresponse()
            body = r.read()
            if r.status // 100 != 2:
                errors.append((paths[i], r.status, body[:200]))
        except Exception as e:  # record and reconnect
            errors.append((paths[i], "exception", repr(e)))
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=600)


cpu0 = resource.getrusage(resource.RUSAGE_SELF)
t0 = time.perf_counter()
threads = [threading.Thread(target=worker) for _ in range(a.conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
dt = time.perf_counter() - t0
cpu1 = resource.getrusage(resource.RUSAGE_SELF)
loader_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
print(json.dumps({"lines": lines, "samples": samples, "seconds": round(dt, 3),
                  "lines_per_s": round(lines / dt), "samples_per_s": round(samples / dt),
                  "errors": len(errors), "loader_cpu_s": round(loader_cpu, 3)}))
for e in errors[:5]:
    print("error:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
