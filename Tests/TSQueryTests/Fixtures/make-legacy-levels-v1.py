#!/usr/bin/env python3
"""Makes legacy-levels-v1.tar.gz: a data directory written by a tsdbd from before the compact
rollup format (levels as pseudo-series in db/<name>/levels/, format version 1), and the answers
its levels gave, for LegacyLevelsTests.

Usage: make-legacy-levels-v1.py OLD_TSDBD OUT_DIR
OLD_TSDBD must be a tsdbd built from a commit before the compact rollup format (6e5f0f7 or
10acac4 were used). Two days of 1-minute data: a float gauge (cpu), a float counter with a
reset (virt) and an integer gauge (mem), on two hosts; a DELETE (legacy level tombstones); then
the oldest raw segment is removed, as retention would, so the levels hold buckets raw data no
longer has."""
import json, os, random, shutil, socket, subprocess, sys, tarfile, tempfile, time, urllib.parse, urllib.request

T0 = 1767225600 * 10**9  # 2026-01-01T00:00:00Z
MIN = 60 * 10**9
QUERIES = [
    ("5m", "SELECT count(value), sum(value), min(value), max(value), first(value), last(value) FROM cpu WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(5m), host"),
    ("1h", "SELECT mean(value), spread(value) FROM cpu WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(1h), host"),
    ("5m", "SELECT increase(value), last(value) FROM virt WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(15m), host"),
    ("1h", "SELECT increase(value) FROM virt WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(1h)"),
    ("1h", "SELECT sum(used), max(used), min(used), first(used) FROM mem WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-03T00:00:00Z' GROUP BY time(2h), host"),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    tsdbd, out = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp()
    data = os.path.join(work, "data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([tsdbd, "--data-dir", data, "--http-addr", f"127.0.0.1:{port}", "--rollup-levels", "5m,1h",
                             "--accounting-interval", "off"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/ping")
                break
            except Exception:
                time.sleep(0.1)

        def post(path, body=b""):
            return urllib.request.urlopen(urllib.request.Request(url + path, data=body, method="POST")).read()

        rng = random.Random(7)
        counter = {"a": 1e9, "b": 5e8}
        for day in range(2):
            lines = []
            for host in ("a", "b"):
                for m in range(1440):
                    t = T0 + (day * 1440 + m) * MIN + (7 * 10**9 if host == "b" else 0)
                    lines.append(f"cpu,host={host} value={rng.randrange(10000) / 100} {t}")
                    lines.append(f"mem,host={host} used={rng.randrange(1000000)}i {t}")
                    if day == 1 and m == 600:
                        counter[host] = float(rng.randrange(1000))
                    else:
                        counter[host] += rng.randrange(6000000000) / 7
                    lines.append(f"virt,host={host} value={counter[host]!r} {t}")
            post("/write?db=db", "\n".join(lines).encode())
            post("/api/v1/admin/flush")
        q = "DELETE FROM cpu WHERE host = 'a' AND time >= '2026-01-02T10:02:30Z' AND time < '2026-01-02T12:30:00Z'"
        post("/query?db=db&q=" + urllib.parse.quote(q))
        post("/api/v1/admin/flush")
        expected = []
        for level, q in QUERIES:
            body = urllib.request.urlopen(url + "/api/v1/query?" + urllib.parse.urlencode({"db": "db", "q": q, "level": level})).read()
            result = json.loads(body)["results"][0]
            assert result.get("level") == level, result
            expected.append({"level": level, "q": q, "series": result["series"]})
    finally:
        proc.terminate()
        proc.wait()
    segs = sorted(os.listdir(os.path.join(data, "db/db/segments")))
    os.remove(os.path.join(data, "db/db/segments", segs[0]))
    with open(os.path.join(data, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0)
    shutil.rmtree(os.path.join(data, "wal"))
    os.remove(os.path.join(data, "LOCK"))
    with tarfile.open(os.path.join(out, "legacy-levels-v1.tar.gz"), "w:gz") as tar:
        tar.add(data, arcname="legacy-levels-v1")
    shutil.rmtree(work)


main()
