#!/usr/bin/env python3
"""Accounting at month scale: 400 VMs x 30 days, report timing and exactness.

    accounting_bench.py --tsdbd PATH [--vms 400] [--days 30] [--interval 600] [--runs 5]

Generates virt_cpu_total counters (with reboots) and vm_info points for --vms VMs over --days
days at --interval seconds, computes the exact per-VM truth with integer arithmetic (the
definitions of docs/accounting.md), starts tsdbd on a free port with a temporary data directory,
loads the data over /write, runs the accounting job once (timed), then times
`/api/v1/accounting/report?by=vm&month=2026-01` and `by=project` (--runs each, p50) and checks
every VM's cpu and hs06 hours against the truth (relative 1e-9). Prints one JSON object.
Standard library only.
"""
import argparse, json, os, random, socket, subprocess, sys, tempfile, time, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--tsdbd", required=True)
ap.add_argument("--vms", type=int, default=400)
ap.add_argument("--days", type=int, default=31)
ap.add_argument("--interval", type=int, default=600)
ap.add_argument("--runs", type=int, default=5)
a = ap.parse_args()

START = 1767225600  # 2026-01-01T00:00:00Z
rng = random.Random(7)
steps = a.days * 86400 // a.interval
lines, truth = [], {}
projects = ["atlas", "belle2", "cms", "dune", "lhcb", "virgo"]
for k in range(a.vms):
    uuid = "%08x-0000-4000-8000-%012x" % (k, rng.getrandbits(48))
    vcpus = rng.choice([1, 2, 4, 8])
    hs06c = rng.randint(900, 1800)  # centi-HS06 per core
    proj = projects[k % len(projects)]
    hv = "hv%03d" % (k // 20)
    counter = rng.randrange(10**12, 10**14)
    prev = None
    cpu = 0
    hs = 0
    for i in range(steps):
        t = START + i * a.interval
        if i % 6 == 0 or i == 0:
            lines.append(f"vm_info,host={uuid},hypervisor={hv},project={proj},site=cloud1 vcpus={vcpus}i,hs06_per_core={hs06c/100:.2f} {t}")
        if i > 0 and rng.random() < 0.002:
            counter = rng.randrange(10**9, 10**10)  # reboot: counter restarts
        else:
            counter += rng.randrange(0, vcpus * a.interval * 10**9)
        lines.append(f"virt_value,host={uuid},type=virt_cpu_total value={counter} {t}")
        if prev is not None:
            d = counter - prev if counter >= prev else counter
            cpu += d
            hs += d * hs06c
        prev = counter
    truth[uuid] = (cpu / 1e9 / 3600, hs / 100 / 1e9 / 3600)

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def req(method, url, body=None, timeout=600):
    r = urllib.request.Request(url, data=body, method=method)
    with urllib.request.urlopen(r, timeout=timeout) as resp:
        return resp.status, resp.read()

tmp = tempfile.mkdtemp(prefix="acctbench.")
port = free_port()
proc = subprocess.Popen([a.tsdbd, "--data-dir", tmp + "/data", "--http-addr", f"127.0.0.1:{port}", "--collectd-addr", "off",
                         "--fsync", "none", "--accounting-interval", "off", "--accounting-sample-interval", f"{a.interval}s",
                         "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=open(tmp + "/log", "w"))
base = f"http://127.0.0.1:{port}"
try:
    for _ in range(200):
        try:
            if req("GET", base + "/ping")[0] == 204: break
        except Exception:
            time.sleep(0.1)
    t0 = time.time()
    for i in range(0, len(lines), 10000):
        req("POST", base + "/write?db=collectd&precision=s", ("\n".join(lines[i:i + 10000]) + "\n").encode())
    load_s = time.time() - t0
    req("POST", base + "/api/v1/admin/flush")
    t0 = time.time()
    _, run = req("POST", base + "/api/v1/accounting/run")
    job_s = time.time() - t0

    def timed(q):
        ts, body = [], b""
        for _ in range(a.runs):
            t = time.time()
            _, body = req("GET", base + "/api/v1/accounting/report?" + q)
            ts.append(time.time() - t)
        ts.sort()
        return ts[len(ts) // 2], body

    vm_s, body = timed("by=vm&month=2026-01&format=json")
    proj_s, pbody = timed("by=project&month=2026-01&format=json")
    rows = json.loads(body)
    bad, maxrel = 0, 0.0
    for r in rows:
        want = truth[r["vm"]]
        for got, exp in ((r["cpu_hours"], want[0]), (r["hs06_hours"], want[1])):
            rel = abs(got - exp) / max(abs(exp), 1e-300)
            maxrel = max(maxrel, rel)
            if rel > 1e-9: bad += 1
    ptotal = sum(r["cpu_hours"] for r in json.loads(pbody))
    vtotal = sum(r["cpu_hours"] for r in rows)
    print(json.dumps({"vms": a.vms, "days": a.days, "interval_s": a.interval, "cpu_points": a.vms * steps,
                      "load_s": round(load_s, 2), "job_first_run_s": round(job_s, 2), "job": json.loads(run),
                      "report_by_vm_p50_s": round(vm_s, 4), "report_by_project_p50_s": round(proj_s, 4),
                      "vms_reported": len(rows), "figures_off_by_more_than_1e-9": bad, "max_rel_err": maxrel,
                      "project_total_equals_vm_total": abs(ptotal - vtotal) <= 1e-9 * vtotal}))
    sys.exit(0 if bad == 0 and len(rows) == a.vms else 1)
finally:
    proc.terminate(); proc.wait()
    subprocess.run(["rm", "-rf", tmp])
