#!/usr/bin/env python3
"""Query latency of tsdbd, VictoriaMetrics or InfluxDB 1.x on a loaded workload, and accounting exactness.

    query_bench.py --system tsdbd|victoriametrics|influxdb --url http://127.0.0.1:PORT --workload DIR
                   [--runs 30] [--warmup 2] [--db bench] [--check-accounting] [--span 2h|whole]

DIR holds the workload's lines-*.lp files and its truth.json (Benchmarks/e2e/gen_workload.py) or
inventory.json (the shared W1 generator); both give start_ms and end_ms, and vms[] with uuid and
cpu_seconds. A = start_ms; the "2 h" window is [A, B2) with B2 = min(A + 2 h, end_ms); the whole
window is [A, end_ms].

The three queries (docs/benchmarks.md, "Query latency and accounting"):

  Q1  one series, raw, over [A, B2): the first cpu_value line with instance=0 and
      type_instance=user in the first .lp file picks the series (its host).
        tsdbd  /query  SELECT "value" FROM "cpu_value" WHERE "host" = 'H' AND "instance" = '0'
                       AND "type_instance" = 'user' AND time >= Ams AND time < B2ms
        InfluxDB       the same InfluxQL as tsdbd (/query?db=bench&epoch=ms)
        VM     both raw paths are timed, the cheaper (lower p50) is reported as Q1:
               /api/v1/export?match[]=cpu_value_value{host="H",instance="0",type_instance="user"}
                             &start=A&end=B2-1ms            (export: JSON lines)
               /api/v1/query?query=cpu_value_value{...}[<B2-A>ms]&time=B2-1ms
                                                             (instant query of a range selector)
  Q2  mean by host of cpu_value type_instance=user in 5-minute buckets over the 2 h window.
        tsdbd  SELECT mean("value") FROM "cpu_value" WHERE "type_instance" = 'user'
               AND time >= Ams AND time < B2ms GROUP BY time(5m), "host"
        InfluxDB the same InfluxQL as tsdbd
        VM     /api/v1/query_range?query=avg by (host) (avg_over_time(cpu_value_value{type_instance="user"}[5m]))
               &start=A+5m&end=B2&step=5m   (VM evaluates at t over (t-5m, t]; these points cover
               the same 24 buckets as tsdbd's [A+k*5m, A+(k+1)*5m), closed on the other side)
  Q3  CPU-hours per VM over the whole window.
        tsdbd  SELECT increase("value") FROM "virt_value" WHERE "type" = 'virt_cpu_total'
               AND time >= Ams AND time <= Bms GROUP BY "host"
        InfluxDB as InfluxDB 1.x users write it (it has no increase()): a subquery
               SELECT sum("nnd") FROM (SELECT non_negative_difference("value") AS nnd FROM "virt_value"
               WHERE "type" = 'virt_cpu_total' AND time >= Ams AND time <= Bms GROUP BY "host")
               GROUP BY "host"
               non_negative_difference drops an interval whose value went down, so a VM whose
               counter was reset (reboot) is under-counted by the value read after the reset.
        VM     /api/v1/query?query=sum by (host) (increase(virt_value_value{type="virt_cpu_total"}[<B-A+1>ms]))
               &time=B      (window (A-1ms, B] = [A, B])

--span whole (the long-horizon benchmark, Benchmarks/e2e/horizon): Q1 and Q2 cover the whole
window [A, end_ms + 1 ms) instead of the first 2 h, and Q2's buckets are 1 hour (VM: step and
lookbehind 1h) instead of 5 minutes.

Each query: --warmup untimed runs, then --runs timed runs over one keep-alive HTTP connection; a
run is the wall time from sending the request to having read the whole body. p50 and p99 are
nearest-rank percentiles (p99 of 30 runs is the slowest run). Series and point counts come from
the last answer; a point is a row (tsdbd) or a (time, value) pair (VM) with a non-null value.

--check-accounting compares Q3's per-VM increase (ns / 1e9) with each VM's cpu_seconds, relative
tolerance 1e-9 (a VM absent from the answer counts as 0). For tsdbd this is the exactness check;
for VictoriaMetrics (its increase() has its own heuristics) and InfluxDB (non_negative_difference
drops the reset intervals) it is informational and always done. The answer is also compared with
two recomputations from the .lp files: the reset-aware increase (workload definition) and, for
InfluxDB, the sum of the non-negative differences (what its query computes by definition); the
number of VMs whose counter goes down in the window is reported as data_reset_vms.

Prints one JSON object on stdout; mismatches and progress go to stderr. Exit status: 0, or 1 when
a query failed or (tsdbd only) an accounting figure was not exact.
"""
import argparse, glob, http.client, json, math, os, sys, time, urllib.parse

REL = 1e-9
STEP_MS = 5 * 60 * 1000


def load_window(d):
    for name in ("truth.json", "inventory.json"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                t = json.load(f)
            return name, t
    sys.exit(f"query_bench.py: no truth.json or inventory.json in {d}")


def pick_series(d):
    """Tags of the first cpu_value instance=0 type_instance=user series in the first .lp file."""
    paths = sorted(glob.glob(os.path.join(d, "*.lp")))
    if not paths:
        sys.exit(f"query_bench.py: no .lp files in {d}")
    for p in paths[:5]:
        with open(p, "rb") as f:
            for ln in f:
                if not ln.startswith(b"cpu_value,"):
                    continue
                key = ln.split(b" ", 1)[0].decode()
                tags = dict(kv.split("=", 1) for kv in key.split(",")[1:])
                if tags.get("instance") == "0" and tags.get("type_instance") == "user":
                    return tags
    sys.exit("query_bench.py: no cpu_value instance=0 type_instance=user series found")


def pct(xs, p):
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


class Client:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.conn = None

    def get(self, target):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", target)
                r = self.conn.getresponse()
                body = r.read()
                dt = time.perf_counter() - t0
                return r.status, body, dt
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def sec(ms):
    """Milliseconds as a seconds string with exactly three decimals (VictoriaMetrics' time params)."""
    return f"{ms // 1000}.{ms % 1000:03d}"


# ---- answer parsing: (series, points, {group tag: value}) -------------------------------------

def parse_influx(body, tag=None):
    j = json.loads(body)
    if "error" in j:
        raise RuntimeError(j["error"])
    series, points, by = 0, 0, {}
    for res in j.get("results", []):
        if "error" in res:
            raise RuntimeError(res["error"])
        for s in res.get("series", []):
            series += 1
            for row in s.get("values", []):
                if any(v is not None for v in row[1:]):
                    points += 1
            if tag is not None:
                vals = s.get("values", [])
                by[s.get("tags", {}).get(tag)] = vals[0][1] if vals else None
    return series, points, by


def parse_prom(body, tag=None):
    j = json.loads(body)
    if j.get("status") != "success":
        raise RuntimeError(j.get("error", body[:200]))
    series, points, by = 0, 0, {}
    for s in j["data"]["result"]:
        series += 1
        if "values" in s:
            points += sum(1 for _, v in s["values"] if v not in ("NaN", None))
        else:
            points += 1
        if tag is not None and "value" in s:
            by[s["metric"].get(tag)] = float(s["value"][1])
    return series, points, by


def parse_export(body, tag=None):
    series, points = 0, 0
    for ln in body.splitlines():
        if ln.strip():
            o = json.loads(ln)
            series += 1
            points += len(o.get("values", []))
    return series, points, {}


# ---- the queries -----------------------------------------------------------------------------

def queries(system, db, A, B2, B, tags, step="5m"):
    step_ms = {"5m": STEP_MS, "1h": 3_600_000}[step]
    host = tags["host"]
    if system in ("tsdbd", "influxdb"):
        def q(s):
            return "/query?" + urllib.parse.urlencode({"db": db, "q": s, "epoch": "ms"})
        qs = {
            "Q1": [("influxql", q(
                f"SELECT \"value\" FROM \"cpu_value\" WHERE \"host\" = '{host}' AND \"instance\" = '0' "
                f"AND \"type_instance\" = 'user' AND time >= {A}ms AND time < {B2}ms"), parse_influx)],
            "Q2": [("influxql", q(
                f"SELECT mean(\"value\") FROM \"cpu_value\" WHERE \"type_instance\" = 'user' "
                f"AND time >= {A}ms AND time < {B2}ms GROUP BY time({step}), \"host\""), parse_influx)],
            "Q3": [("influxql", q(
                f"SELECT increase(\"value\") FROM \"virt_value\" WHERE \"type\" = 'virt_cpu_total' "
                f"AND time >= {A}ms AND time <= {B}ms GROUP BY \"host\""), parse_influx)],
        }
        if system == "influxdb":
            qs["Q3"] = [("influxql subquery", q(
                f"SELECT sum(\"nnd\") FROM (SELECT non_negative_difference(\"value\") AS nnd FROM \"virt_value\" "
                f"WHERE \"type\" = 'virt_cpu_total' AND time >= {A}ms AND time <= {B}ms GROUP BY \"host\") "
                f"GROUP BY \"host\""), parse_influx)]
        return qs
    sel = f'cpu_value_value{{host="{host}",instance="0",type_instance="user"}}'
    return {
        "Q1": [("export", "/api/v1/export?" + urllib.parse.urlencode(
                    {"match[]": sel, "start": sec(A), "end": sec(B2 - 1)}), parse_export),
               ("query", "/api/v1/query?" + urllib.parse.urlencode(
                    {"query": f"{sel}[{B2 - A}ms]", "time": sec(B2 - 1)}), parse_prom)],
        "Q2": [("query_range", "/api/v1/query_range?" + urllib.parse.urlencode(
                    {"query": f'avg by (host) (avg_over_time(cpu_value_value{{type_instance="user"}}[{step}]))',
                     "start": sec(A + step_ms), "end": sec(B2), "step": step}), parse_prom)],
        "Q3": [("query", "/api/v1/query?" + urllib.parse.urlencode(
                    {"query": f'sum by (host) (increase(virt_value_value{{type="virt_cpu_total"}}[{B - A + 1}ms]))',
                     "time": sec(B)}), parse_prom)],
    }


def run_one(client, target, parse, warmup, runs):
    times, body = [], b""
    for i in range(warmup + runs):
        status, body, dt = client.get(target)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
        if i >= warmup:
            times.append(dt * 1000)
    series, points, by = parse(body, "host")
    return {"p50_ms": round(pct(times, 50), 3), "p99_ms": round(pct(times, 99), 3),
            "min_ms": round(min(times), 3), "mean_ms": round(sum(times) / len(times), 3),
            "runs": runs, "series": series, "points": points, "response_bytes": len(body)}, by


def data_reference(d, A, B):
    """Per-VM reset-aware increase in ns recomputed from the .lp files (docs/workload.md's definition:
    consecutive delivered points sorted by time; delta = v2 - v1, or v2 after a decrease), exact
    integers. It tells a wrong answer from a truth figure the data cannot show (e.g. two reboots in
    consecutive intervals where the second value is not below the first)."""
    pts = {}
    for p in sorted(glob.glob(os.path.join(d, "*.lp"))):
        with open(p, "rb") as f:
            for ln in f:
                if ln.startswith(b"virt_value,") and b",type=virt_cpu_total " in ln:
                    key, field, ts = ln.split()
                    t = int(ts)
                    if A <= t <= B:
                        v = field.split(b"=", 1)[1].rstrip(b"i")
                        pts.setdefault(key.split(b",host=", 1)[1].split(b",", 1)[0].decode(), []).append(
                            (t, int(v) if v.isdigit() else float(v)))
    ref, nnd, resets = {}, {}, 0
    for vm, xs in pts.items():
        xs.sort()
        ref[vm] = sum((v2 - v1 if v2 >= v1 else v2) for (_, v1), (_, v2) in zip(xs, xs[1:]))
        nnd[vm] = sum((v2 - v1 if v2 >= v1 else 0) for (_, v1), (_, v2) in zip(xs, xs[1:]))
        resets += any(v2 < v1 for (_, v1), (_, v2) in zip(xs, xs[1:]))
    return ref, nnd, resets


def rel_err(a, b):
    return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b))


def accounting(by, vms, ref, nnd=None):
    exp = {v["uuid"]: float(v["cpu_seconds"]) for v in vms}
    exact, max_rel, bad, data_exact, max_data_rel = 0, 0.0, [], 0, 0.0
    nnd_exact, max_nnd_rel = 0, 0.0
    for uuid, e in exp.items():
        g = by.get(uuid)
        got = 0.0 if g is None else float(g) / 1e9
        rel = 0.0 if got == e else abs(got - e) / max(abs(got), abs(e))
        max_rel = max(max_rel, rel)
        r = ref.get(uuid, 0)
        data_rel = 0.0 if got * 1e9 == r else abs(got * 1e9 - r) / max(abs(got * 1e9), abs(r))
        max_data_rel = max(max_data_rel, data_rel)
        if data_rel <= REL:
            data_exact += 1
        if nnd is not None:
            nr = rel_err(got * 1e9, nnd.get(uuid, 0))
            max_nnd_rel = max(max_nnd_rel, nr)
            nnd_exact += nr <= REL
        if rel <= REL:
            exact += 1
        else:
            bad.append({"vm": uuid, "expected_cpu_seconds": e, "got_cpu_seconds": got,
                        "got_raw": g, "rel_err": rel, "data_ref_ns": r, "data_rel_err": data_rel})
    extra = sorted(k for k in by if k not in exp)
    bad.sort(key=lambda m: -m["rel_err"])
    more = {} if nnd is None else {"nnd_ref_exact": nnd_exact, "nnd_ref_max_rel_err": max_nnd_rel}
    return {**more, "accounting_vms": len(exp), "accounting_exact": exact, "max_rel_err": max_rel,
            "accounting_extra_groups": extra, "accounting_mismatch_count": len(bad),
            "accounting_mismatches": bad[:50],
            "data_ref_exact": data_exact, "data_ref_max_rel_err": max_data_rel,
            "truth_vs_data_exact": sum(1 for v in vms if abs(float(v["cpu_seconds"]) * 1e9 - ref.get(v["uuid"], 0))
                                       <= REL * max(abs(float(v["cpu_seconds"]) * 1e9), abs(ref.get(v["uuid"], 0))))}


def main():
    ap = argparse.ArgumentParser(description="query latency and accounting check")
    ap.add_argument("--system", required=True, choices=("tsdbd", "victoriametrics", "influxdb"))
    ap.add_argument("--url", required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--db", default="bench")
    ap.add_argument("--check-accounting", action="store_true")
    ap.add_argument("--span", choices=("2h", "whole"), default="2h")
    a = ap.parse_args()

    src, truth = load_window(a.workload)
    A, B = int(truth["start_ms"]), int(truth["end_ms"])
    B2 = min(A + 2 * 3600 * 1000, B) if a.span == "2h" else B + 1
    tags = pick_series(a.workload)
    client = Client(a.url)
    out = {"system": a.system, "url": a.url, "workload": os.path.abspath(a.workload), "truth_file": src,
           "window_ms": {"A": A, "B2": B2, "B": B}, "q1_series": tags, "runs": a.runs,
           "warmup": a.warmup, "queries": {}}
    failed = False
    q3_by = None
    for name, variants in queries(a.system, a.db, A, B2, B, tags, "5m" if a.span == "2h" else "1h").items():
        alts = {}
        for path, target, parse in variants:
            print(f"query_bench {a.system} {name} ({path}): {urllib.parse.unquote_plus(target)}", file=sys.stderr)
            try:
                r, by = run_one(client, target, parse, a.warmup, a.runs)
            except Exception as e:  # report and go on with the next query
                failed = True
                print(f"query_bench {a.system} {name} ({path}) FAILED: {e}", file=sys.stderr)
                alts[path] = {"path": path, "request": urllib.parse.unquote_plus(target), "error": str(e)}
                continue
            r = {"path": path, "request": urllib.parse.unquote_plus(target), **r}
            alts[path] = r
            print(f"query_bench {a.system} {name} ({path}): p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
                  f"{r['series']} series, {r['points']} points", file=sys.stderr)
            if name == "Q3":
                q3_by = by
        ok = [r for r in alts.values() if "error" not in r]
        best = min(ok, key=lambda r: r["p50_ms"]) if ok else next(iter(alts.values()))
        if len(alts) > 1:
            best = {**best, "alternatives": alts}
        out["queries"][name] = best

    if a.check_accounting or a.system != "tsdbd":
        if q3_by is None:
            out["accounting"] = {"error": "Q3 failed"}
        else:
            ref, nnd, resets = data_reference(a.workload, A, B)
            acc = accounting(q3_by, truth["vms"], ref, nnd if a.system == "influxdb" else None)
            acc["data_reset_vms"] = resets
            acc["informational"] = a.system != "tsdbd"
            out["accounting"] = acc
            for m in acc["accounting_mismatches"][:20]:
                print(f"accounting {a.system} mismatch: {m['vm']}: expected {m['expected_cpu_seconds']!r} s, "
                      f"got {m['got_cpu_seconds']!r} s (raw {m['got_raw']!r} ns), rel err {m['rel_err']:.3g}; "
                      f"recomputed from the .lp files {m['data_ref_ns'] / 1e9!r} s (rel err {m['data_rel_err']:.3g})",
                      file=sys.stderr)
            if acc["accounting_mismatch_count"] > 20:
                print(f"accounting {a.system}: ... {acc['accounting_mismatch_count'] - 20} more mismatches",
                      file=sys.stderr)
            for k in acc["accounting_extra_groups"][:5]:
                print(f"accounting {a.system}: group {k!r} is not a VM of the truth", file=sys.stderr)
            acc["summary"] = (f"accounting: {acc['accounting_vms']} VMs, {acc['accounting_exact']} exact within "
                              f"{REL:g}, max relative error {acc['max_rel_err']:.3g}; against the .lp data: "
                              f"{acc['data_ref_exact']} exact, max relative error {acc['data_ref_max_rel_err']:.3g} "
                              f"(truth = data for {acc['truth_vs_data_exact']} VMs; "
                              f"{resets} VMs have a counter reset in the window)")
            if "nnd_ref_exact" in acc:
                acc["summary"] += (f"; against the sum of non-negative differences (resets dropped): "
                                   f"{acc['nnd_ref_exact']} exact, max relative error {acc['nnd_ref_max_rel_err']:.3g}")
            print(f"{a.system} {acc['summary']}", file=sys.stderr)
            if a.system == "tsdbd" and (acc["accounting_exact"] != acc["accounting_vms"]
                                        or acc["accounting_extra_groups"]):
                failed = True
    print(json.dumps(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
