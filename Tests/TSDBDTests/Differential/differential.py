#!/usr/bin/env python3
"""Differential test: tsdbd vs InfluxDB 1.6.7 over the HTTP /query API.

Both servers are started on free loopback ports with temporary data directories, loaded with
the identical line-protocol bytes (a deterministic, collectd-shaped data set), and asked the same
InfluxQL statements. Results are compared structurally (see compare_responses). Every statement
prints one line, OK or DIFF; the run exits 0 only if every DIFF is listed in KNOWN_DIFFERENCES.

Usage:
    python3 differential.py --tsdbd /path/to/tsdbd [--influxd /usr/bin/influxd] [--verbose]
                            [--dump DIR] [--only SUBSTRING] [--keep] [--no-flush]

Python 3 standard library only. See docs/query-differences.md.
"""

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

DB = "diff"
T0 = 1767225600  # 2026-01-01T00:00:00Z
STEP = 10  # seconds
NSTEPS = 720  # 2 hours
SEED = 20260101

# Time windows used by the statements.
W_START = "2026-01-01T00:00:00Z"
W_END = "2026-01-01T02:00:00Z"
W = f"time >= '{W_START}' AND time < '{W_END}'"


# ---------------------------------------------------------------------------------------------
# Data set


def fmt_float(x):
    """A float as line protocol text; always parsed as a float field (no `i` suffix)."""
    s = repr(float(x))
    if s.endswith(".0"):
        s = s[:-2]
    return s


def generate_dataset():
    """Returns (lines, info). Deterministic for a given SEED."""
    rnd = random.Random(SEED)
    lines = []
    hosts = ["hv01", "hv02", "hv03", "hv04"]

    def gap(host, step):
        # hv03 is down from 00:30:00 to 00:45:00 (all its measurements).
        if host == "hv03" and 180 <= step < 270:
            return True
        return False

    # cpu_value: 4 hosts x 2 instances x 3 type_instances, percent-like floats.
    for h in hosts:
        for inst in ("0", "1"):
            for ti in ("user", "system", "idle"):
                base = {"user": 20.0, "system": 5.0, "idle": 70.0}[ti]
                v = base
                for i in range(NSTEPS):
                    if gap(h, i):
                        continue
                    # hv02: ~3% random missing points
                    if h == "hv02" and rnd.random() < 0.03:
                        continue
                    v = max(0.0, min(100.0, v + rnd.gauss(0, 2.0)))
                    t = T0 + i * STEP
                    lines.append(f"cpu_value,host={h},instance={inst},type=cpu,type_instance={ti} value={fmt_float(round(v, 4))} {t}")

    # virt_value: cumulative CPU time counters (ns, as floats) of VMs, with reboots (resets).
    uuids = []
    for k in range(6):
        u = "%08x-%04x-4%03x-%04x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12),
                                            0x8000 | rnd.getrandbits(14), rnd.getrandbits(48))
        uuids.append(u)
    resets = {1: [300], 3: [500], 4: [120, 610]}  # VM index -> reboot steps
    down = {3: range(488, 500)}  # VM 3 is off for 2 minutes before its reboot
    for k, u in enumerate(uuids):
        ncpu = [1, 2, 4, 2, 8, 1][k]
        c = float(rnd.randint(10**11, 10**13))
        for i in range(NSTEPS):
            if k in down and i in down[k]:
                continue
            if i in resets.get(k, []):
                c = float(rnd.randint(10**7, 10**9))
            else:
                c += STEP * 1e9 * ncpu * rnd.uniform(0.05, 0.9)
                c = float(int(c))
            t = T0 + i * STEP
            lines.append(f"virt_value,host={u},type=virt_cpu_total value={fmt_float(c)} {t}")

    # memory_value: bytes used/free per host.
    for h in hosts:
        total = 64 * 2**30
        used = rnd.uniform(0.2, 0.6) * total
        for i in range(NSTEPS):
            if gap(h, i):
                continue
            used = max(1e9, min(total - 1e9, used + rnd.gauss(0, 2e8)))
            used = float(int(used))
            t = T0 + i * STEP
            lines.append(f"memory_value,host={h},type=memory,type_instance=used value={fmt_float(used)} {t}")
            lines.append(f"memory_value,host={h},type=memory,type_instance=free value={fmt_float(total - used)} {t}")

    # load: three fields in one measurement; hv04 misses 01:00:00-01:03:00.
    for h in hosts:
        s = m = l = rnd.uniform(0.5, 4)
        for i in range(NSTEPS):
            if gap(h, i) or (h == "hv04" and 360 <= i < 378):
                continue
            s = max(0.0, s + rnd.gauss(0, 0.3))
            m = m + (s - m) / 5
            l = l + (s - l) / 15
            t = T0 + i * STEP
            lines.append(f"load,host={h},type=load shortterm={fmt_float(round(s, 3))},midterm={fmt_float(round(m, 5))},"
                         f"longterm={fmt_float(round(l, 6))} {t}")

    # disk_ops: integer counters, two fields.
    for h in hosts:
        for dev in ("sda", "sdb"):
            r = rnd.randint(0, 10**6)
            w_ = rnd.randint(0, 10**6)
            for i in range(NSTEPS):
                if gap(h, i):
                    continue
                r += rnd.randint(0, 500)
                w_ += rnd.randint(0, 2000)
                t = T0 + i * STEP
                lines.append(f"disk_ops,host={h},instance={dev},type=disk_ops read={r}i,write={w_}i {t}")

    # status: a string field every minute; alive: a boolean field every minute.
    states = ["ok", "ok", "ok", "degraded", "maintenance"]
    for h in hosts:
        for i in range(0, NSTEPS, 6):
            if gap(h, i):
                continue
            t = T0 + i * STEP
            st = rnd.choice(states)
            lines.append(f'status,host={h} state="{st}",note="check {i // 6} on {h}" {t}')
            up = "true" if rnd.random() < 0.85 else "false"
            lines.append(f"alive,host={h} up={up} {t}")

    # ping_value: one series lacks the type_instance tag (absent tags compare as "").
    for i in range(0, NSTEPS, 3):
        t = T0 + i * STEP
        lines.append(f"ping_value,host=hv01,type=ping value={fmt_float(round(rnd.uniform(0.1, 2.0), 3))} {t}")
        lines.append(f"ping_value,host=hv02,type=ping,type_instance=gw value={fmt_float(round(rnd.uniform(0.1, 2.0), 3))} {t}")

    rnd.shuffle(lines)  # arrival order must not matter
    return lines, {"uuids": uuids}


# ---------------------------------------------------------------------------------------------
# Statements


def statements(info):
    """Dicts with the query text and how to send it: epoch (None: RFC 3339 times), db (None:
    no db parameter), method (GET, or POST with a form-encoded body), plus (spaces encoded as
    `+`), chunk (chunked=true with this chunk_size) and ties (rows with equal times compared
    as sets, see normalize_ties)."""
    u = info["uuids"]
    ms = "ms"
    S = []

    def q(text, epoch=ms, db=DB, method="GET", plus=False, ties=False, chunk=None):
        S.append({"q": text, "epoch": epoch, "db": db, "method": method, "plus": plus, "ties": ties, "chunk": chunk})

    one_cpu = "host = 'hv01' AND type_instance = 'user' AND instance = '0'"
    # --- raw selects
    q(f"SELECT value FROM cpu_value WHERE {one_cpu} AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:10:00Z'")
    q("SELECT value FROM cpu_value WHERE host = 'hv02' AND instance = '1' AND type_instance = 'idle' LIMIT 20 OFFSET 5")
    q("SELECT shortterm, midterm, longterm FROM load WHERE host = 'hv04' AND time >= '2026-01-01T00:58:00Z' AND time <= '2026-01-01T01:05:00Z'")
    q("SELECT * FROM load WHERE host = 'hv01' AND time >= 1767225600000ms AND time < 1767226200000ms")
    q("SELECT * FROM disk_ops WHERE host = 'hv02' AND time >= '2026-01-01T01:00:00Z' AND time <= '2026-01-01T01:02:00Z'",
      ties=True)
    q("SELECT value FROM cpu_value WHERE (host = 'hv01' OR host = 'hv03') AND type_instance != 'idle' AND instance = '0' "
      "AND time >= '2026-01-01T00:29:00Z' AND time < '2026-01-01T00:31:00Z'", ties=True)
    q("SELECT value FROM cpu_value WHERE host =~ /hv0[12]/ AND type_instance !~ /^(user|idle)$/ AND instance = '1' "
      "AND time >= '2026-01-01T01:00:00Z' AND time < '2026-01-01T01:05:00Z' GROUP BY host")
    q("SELECT value FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' ORDER BY time DESC LIMIT 10")
    q(f"SELECT value FROM cpu_value WHERE {W} GROUP BY host, instance, type_instance LIMIT 5 SLIMIT 3")
    q(f"SELECT state, note FROM status WHERE host = 'hv01' AND {W} LIMIT 15")
    q("SELECT up FROM alive WHERE host = 'hv02' AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:30:00Z'")
    q(f"SELECT value FROM virt_value WHERE host = '{u[1]}' AND time >= '2026-01-01T00:48:00Z' AND time < '2026-01-01T00:52:00Z'")
    q("SELECT value, host FROM cpu_value WHERE instance = '0' AND host = 'hv04' AND time >= '2026-01-01T00:00:00Z' "
      "AND time < '2026-01-01T00:01:00Z' GROUP BY type_instance")
    q("SELECT value FROM memory_value WHERE host = 'hv01' AND type_instance = 'free' LIMIT 5", None)
    q("SELECT shortterm FROM load WHERE host = 'hv02' AND time = '2026-01-01T00:30:00Z'")
    q(f"SELECT value FROM ping_value WHERE type_instance = '' AND {W} LIMIT 4")
    q("SELECT value FROM memory_value WHERE host = 'hv03' AND type_instance = 'used' AND time > '2026-01-01T00:29:30Z' "
      "AND time < '2026-01-01T00:46:00Z'", None)
    q("SELECT value, type_instance FROM memory_value WHERE host = 'hv04' AND time >= '2026-01-01T01:00:00Z' "
      "AND time < '2026-01-01T01:01:00Z'", ties=True)
    q("SELECT * FROM status WHERE host = 'hv03' AND time >= '2026-01-01T00:20:00Z' AND time < '2026-01-01T00:55:00Z'")
    q(f"SELECT value FROM virt_value WHERE host =~ /^{u[5][:2]}/ AND time >= '2026-01-01T01:59:00Z'", "s")
    q(f"SELECT value FROM cpu_value WHERE {one_cpu} AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:00:30Z'", "ns")
    q("SELECT \"value\"::float FROM \"cpu_value\" WHERE \"host\" = 'hv04' AND \"instance\" = '1' AND type_instance = 'system' "
      "AND time >= '2026-01-01T01:30:00Z' AND time < '2026-01-01T01:32:00Z'")
    q("SELECT value FROM cpu_value WHERE host = 'nosuchhost'")
    q("SELECT value FROM no_such_measurement")
    q("SELECT value FROM cpu_value WHERE host = 'hv01' AND time >= '2025-06-01T00:00:00Z' AND time < '2025-06-02T00:00:00Z'")
    q("SELECT shortterm FROM load WHERE host = 'hv02' ORDER BY time DESC LIMIT 3 OFFSET 2", None)
    q("SELECT *::field FROM load WHERE host = 'hv03' LIMIT 2")
    q("SELECT /term$/ FROM load WHERE host = 'hv02' AND time >= '2026-01-01T01:00:00Z' LIMIT 3")
    q("SELECT value FROM cpu_value WHERE host != 'hv01' AND host !~ /hv0[23]/ AND type_instance = 'idle' "
      "AND instance = '0' AND time > '2026-01-01T00:00:05.5Z' AND time <= 1767225660s")
    q("SELECT value FROM memory_value WHERE host = 'hv02' AND type_instance = 'free' LIMIT 3", "u")
    q("SELECT value FROM cpu_value WHERE host = 'hv02' AND type_instance = 'user' AND instance = '0' "
      "AND time >= 1767229200000000000 AND time < 1767229260000000000")
    q("SELECT value FROM cpu_value WHERE host = 'hv02' AND type_instance = 'user' AND instance = '0' "
      "AND time >= '2026-01-01 00:30:00' AND time < '2026-01-01 00:31:00'")
    q("SELECT value FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' AND time > now() - 400d LIMIT 3")
    q("SELECT value FROM cpu_value WHERE host = 'hv04' AND instance = '0' AND type_instance = 'idle' "
      "AND time >= '2026-01-01T01:00:00Z' GROUP BY * ORDER BY time DESC LIMIT 4")
    q("SELECT count(value) FROM diff.autogen.cpu_value WHERE type_instance = 'idle' AND time >= '2026-01-01T00:00:00Z' "
      "AND time < '2026-01-01T02:00:00Z'", db=None)
    q("SELECT last(value) FROM diff..memory_value WHERE host = 'hv03' GROUP BY type_instance", db=None)
    q("SELECT value FROM cpu_value WHERE time >= '2026-01-01T00:00:00Z' LIMIT 1", db=None)
    q("SELECT count(value) FROM cpu_value WHERE type_instance = 'user' OR type_instance = 'system' GROUP BY type_instance")
    q(f"SELECT mean(value) FROM memory_value WHERE {W} GROUP BY nosuchtag")
    # --- aggregates without GROUP BY time
    q(f"SELECT count(value), sum(value), mean(value), min(value), max(value) FROM cpu_value WHERE {W}")
    q(f"SELECT first(value), last(value), median(value), percentile(value, 90), stddev(value), spread(value) "
      f"FROM cpu_value WHERE {W} GROUP BY host")
    q(f"SELECT max(value) FROM cpu_value WHERE host = 'hv01' AND {W}")
    q("SELECT min(value) FROM memory_value GROUP BY host")
    q(f"SELECT first(value) FROM cpu_value WHERE {W} GROUP BY *")
    q("SELECT last(state) FROM status GROUP BY host")
    q("SELECT count(up), first(up), last(up) FROM alive")
    q(f"SELECT percentile(value, 90) FROM cpu_value WHERE host = 'hv02' AND {W}")
    q(f"SELECT median(value) FROM memory_value WHERE {W} GROUP BY type_instance")
    q(f"SELECT sum(\"read\"), max(\"write\"), spread(\"read\"), mean(\"read\"), min(\"read\") FROM disk_ops WHERE {W} GROUP BY host")
    q(f"SELECT count(*) FROM load WHERE {W}")
    q("SELECT count(value) FROM cpu_value")
    q(f"SELECT top(value, 5) FROM cpu_value WHERE host = 'hv01' AND {W}")
    q(f"SELECT bottom(value, 3) FROM memory_value WHERE {W} GROUP BY host")
    q(f"SELECT top(value, 2) FROM cpu_value WHERE host = 'hv03' AND instance = '0' AND {W} GROUP BY time(30m)")
    q(f"SELECT top(\"read\", 3) FROM disk_ops WHERE {W}")
    q(f"SELECT max(value) FROM cpu_value, memory_value WHERE host = 'hv01' AND {W}")
    q(f"SELECT count(value) FROM /_value$/ WHERE {W}")
    q(f"SELECT mean(value) FROM ping_value WHERE {W} GROUP BY type_instance")
    q(f"SELECT spread(value), stddev(value) FROM virt_value WHERE {W} GROUP BY host", None)
    q(f"SELECT first(state), last(state) FROM status WHERE {W}")
    q(f"SELECT first(up) FROM alive WHERE {W}")
    q(f"SELECT last(up) FROM alive WHERE {W}")
    q(f"SELECT first(\"read\"), last(\"write\") FROM disk_ops WHERE {W}")
    q(f"SELECT last(value) FROM memory_value WHERE host = 'hv01' AND {W}")
    q(f"SELECT percentile(\"read\", 50), median(\"read\"), stddev(\"write\") FROM disk_ops WHERE {W} GROUP BY instance")
    q("SELECT count(value) FROM cpu_value WHERE host = 'nosuchhost'")
    q("SELECT mean(value) FROM cpu_value WHERE time >= '2026-01-01T01:00:00Z'")
    q("SELECT mean(value), max(value) FROM cpu_value WHERE time < '2026-01-01T01:00:00Z'")
    q(f"SELECT max(value), host, type_instance FROM cpu_value WHERE {W}")
    q(f"SELECT top(value, host, 3) FROM cpu_value WHERE type_instance = 'system' AND {W}")
    q(f"SELECT last(*) FROM load WHERE {W} GROUP BY host")
    q(f"SELECT mean(*) FROM load WHERE {W} GROUP BY time(30m)")
    q(f"SELECT count(value) FROM /.*/ WHERE {W}")
    q(f"SELECT sum(value) FROM cpu_value WHERE {W} GROUP BY host SLIMIT 2 SOFFSET 1")
    q(f"SELECT percentile(value, 0), percentile(value, 100), percentile(value, 99.9) FROM memory_value WHERE {W} GROUP BY host")
    q(f"SELECT percentile(value, 0) FROM memory_value WHERE host = 'hv01' AND {W}")
    q(f"SELECT percentile(value, 0) FROM memory_value WHERE host = 'hv01' AND {W} GROUP BY time(30m)")
    q(f"SELECT stddev(value) FROM cpu_value WHERE {one_cpu} AND time = '2026-01-01T00:00:00Z'")
    q(f"SELECT stddev(value), percentile(value, 0) FROM cpu_value WHERE {one_cpu} AND time = '2026-01-01T00:00:00Z'")
    # --- GROUP BY time and fill
    hv3 = "host = 'hv03' AND instance = '1' AND type_instance = 'user'"
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(none)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(previous)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(linear)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(0)")
    q(f"SELECT count(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m)")
    q(f"SELECT sum(\"read\") FROM disk_ops WHERE host = 'hv03' AND {W} GROUP BY time(10m) fill(-1)")
    q("SELECT max(value) FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:20:00Z' GROUP BY time(1m, 15s)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {W} GROUP BY time(10m), host")
    q(f"SELECT mean(value) FROM cpu_value WHERE {W} GROUP BY time(15m), *")
    q(f"SELECT mean(shortterm), max(longterm) FROM load WHERE {W} GROUP BY time(1m), host fill(linear)")
    q(f"SELECT sum(value) FROM virt_value WHERE {W} GROUP BY time(10m)")
    q(f"SELECT max(value) FROM memory_value WHERE type_instance = 'free' AND {W} GROUP BY time(10m)")
    q(f"SELECT mean(value) * 2 FROM cpu_value WHERE host = 'hv01' AND {W} GROUP BY time(20m)")
    q(f"SELECT mean(value) AS avg, max(value) - min(value) AS rng FROM cpu_value WHERE host = 'hv02' AND {W} GROUP BY time(20m)")
    q(f"SELECT count(value) AS n FROM memory_value WHERE {W}")
    q("SELECT max(value) FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' AND time >= '2026-01-01T00:00:00Z' "
      "GROUP BY time(1h) fill(none)")
    q("SELECT mean(value), count(value) FROM cpu_value WHERE host = 'hv04' AND time >= '2026-01-01T00:02:30Z' "
      "AND time < '2026-01-01T00:33:00Z' GROUP BY time(10m)")
    q("SELECT min(value), max(value) FROM cpu_value WHERE host = 'hv01' AND time >= '2026-01-01T00:00:00Z' "
      "AND time < '2026-01-01T01:00:00Z' GROUP BY time(15m, -5m), type_instance", None)
    q(f"SELECT first(state), last(up) FROM status, alive WHERE host = 'hv02' AND {W} GROUP BY time(30m)")
    q(f"SELECT median(value), percentile(value, 50), stddev(value), spread(value) FROM memory_value "
      f"WHERE host = 'hv04' AND {W} GROUP BY time(30m), type_instance")
    q(f"SELECT mean(value) FROM cpu_value WHERE host = 'hv01' AND {W} GROUP BY time(10m) ORDER BY time DESC LIMIT 3")
    q(f"SELECT max(value) FROM memory_value WHERE {W} GROUP BY time(30m), host LIMIT 2 SLIMIT 2 SOFFSET 1")
    q(f"SELECT mean(value) FROM cpu_value WHERE host = 'hv02' AND type_instance = 'idle' AND {W} GROUP BY time(7m)")
    q(f"SELECT count(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(none)")
    q(f"SELECT max(\"read\") FROM disk_ops WHERE host = 'hv03' AND instance = 'sda' AND {W} GROUP BY time(5m) fill(linear)")
    q(f"SELECT mean(value) + mean(value), max(value) - min(value) FROM cpu_value WHERE host = 'hv01' AND {W} GROUP BY time(1h)")
    q("SELECT count(value) FROM memory_value WHERE host = 'hv01' AND time < '2026-01-01T01:00:00Z' GROUP BY time(30m) fill(none)")
    q("SELECT count(value) FROM memory_value WHERE host = 'hv01' AND time >= '2026-01-01T00:00:00Z' GROUP BY time(1d)")
    q(f"SELECT sum(value) FROM cpu_value WHERE {W} GROUP BY time(1h), host, type_instance")
    q(f"SELECT spread(\"write\") FROM disk_ops WHERE instance = 'sdb' AND {W} GROUP BY time(20m), host fill(none)")
    q("SELECT count(value) FROM memory_value WHERE host = 'hv01' AND time < '2026-01-01T01:00:00Z' GROUP BY time(30m)")
    q("SELECT count(value) FROM memory_value WHERE time >= '2026-01-01' AND time < '2026-01-02'")
    q("SELECT count(value) FROM cpu_value WHERE time > now() - 400d GROUP BY time(1h) fill(none)")
    q("SELECT mean(value) FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' AND time >= '2025-12-31T23:30:00Z' "
      "AND time < '2026-01-01T00:30:00Z' GROUP BY time(10m) fill(previous)")
    q("SELECT mean(value) FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' AND time >= '2025-12-31T23:30:00Z' "
      "AND time < '2026-01-01T00:30:00Z' GROUP BY time(10m) fill(linear)")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(none) LIMIT 3 OFFSET 4")
    q(f"SELECT mean(value) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) LIMIT 5 OFFSET 4")
    q(f"SELECT sum(\"read\") * 2, mean(\"read\") - 1 FROM disk_ops WHERE host = 'hv03' AND {W} GROUP BY time(15m), instance fill(0)")
    q(f"SELECT count(value) FROM cpu_value WHERE host = 'hv01' AND {W} GROUP BY time(1d) tz('Europe/Rome')")
    q(f"SELECT count(value) FROM cpu_value WHERE host = 'hv01' AND {W} GROUP BY time(1h) tz('Asia/Kolkata')", None)
    # --- transformations
    q("SELECT difference(value) FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:05:00Z'")
    q(f"SELECT non_negative_difference(value) FROM virt_value WHERE host = '{u[1]}' "
      "AND time >= '2026-01-01T00:48:00Z' AND time < '2026-01-01T00:52:00Z'")
    q(f"SELECT derivative(value, 1s) FROM virt_value WHERE host = '{u[0]}' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:05:00Z'")
    q(f"SELECT non_negative_derivative(value) FROM virt_value WHERE host = '{u[3]}' "
      "AND time >= '2026-01-01T01:20:00Z' AND time < '2026-01-01T01:25:00Z'")
    q(f"SELECT non_negative_derivative(mean(value), 1s) FROM virt_value WHERE {W} GROUP BY time(1m), host")
    q(f"SELECT derivative(max(value)) FROM virt_value WHERE host = '{u[2]}' AND {W} GROUP BY time(5m)")
    q(f"SELECT non_negative_derivative(max(value), 1s) FROM virt_value WHERE host = '{u[3]}' AND {W} GROUP BY time(1m)")
    q(f"SELECT non_negative_derivative(max(value), 1s) FROM virt_value WHERE host = '{u[3]}' AND {W} GROUP BY time(1m) fill(none)")
    q(f"SELECT difference(sum(\"read\")) FROM disk_ops WHERE {W} GROUP BY time(10m)")
    q("SELECT difference(\"read\"), non_negative_difference(\"write\") FROM disk_ops WHERE host = 'hv01' AND instance = 'sda' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:03:00Z'")
    q(f"SELECT derivative(mean(value), 1m) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m)")
    q("SELECT difference(value) FROM memory_value WHERE host = 'hv01' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z'")
    q(f"SELECT derivative(mean(value), 1m) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(0)")
    q(f"SELECT difference(mean(value)) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m) fill(previous)")
    q(f"SELECT difference(mean(value)) FROM cpu_value WHERE {hv3} AND {W} GROUP BY time(5m)")
    q(f"SELECT non_negative_difference(max(value)) FROM virt_value WHERE {W} GROUP BY time(5m), host fill(none)")
    q("SELECT non_negative_derivative(max(value), 1s) FROM virt_value WHERE time >= '2026-01-01T01:00:00Z' "
      "AND time < '2026-01-01T01:10:00Z' GROUP BY time(1m), host")
    q(f"SELECT difference(last(value)) FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' "
      "AND time >= '2026-01-01T00:30:00Z' AND time < '2026-01-01T01:00:00Z' GROUP BY time(10m)")
    q(f"SELECT derivative(value, 1s) FROM virt_value WHERE host = '{u[0]}' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z' ORDER BY time DESC")
    q(f"SELECT difference(max(value)) FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' AND {W} "
      "GROUP BY time(20m) ORDER BY time DESC")
    q(f"SELECT non_negative_derivative(value, 1m) FROM virt_value WHERE host = '{u[4]}' LIMIT 5 OFFSET 115")
    q("SELECT difference(value) FROM cpu_value WHERE host = 'hv01' AND instance = '0' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:03:00Z'")
    q("SELECT difference(value) FROM cpu_value WHERE host = 'hv01' AND instance = '0' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:03:00Z' GROUP BY *")
    q("SELECT value FROM cpu_value WHERE host = 'hv01' AND instance = '0' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:03:00Z'", ties=True)
    # --- math
    q("SELECT value * 2 + 1 FROM memory_value WHERE host = 'hv01' AND type_instance = 'used' "
      "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:02:00Z'")
    q("SELECT shortterm - longterm AS d, shortterm / midterm FROM load WHERE host = 'hv01' LIMIT 10")
    q("SELECT \"read\" / 2, \"write\" % 7 FROM disk_ops WHERE host = 'hv01' AND instance = 'sdb' LIMIT 6")
    q(f"SELECT mean(\"read\") / 1000, sum(\"write\") - sum(\"read\") FROM disk_ops WHERE {W} GROUP BY time(30m), instance")
    # --- several statements in one request
    q(f"SELECT count(value) FROM cpu_value WHERE {W}; SELECT count(value) FROM memory_value WHERE {W}")
    # --- SHOW
    q("SHOW DATABASES")
    q("SHOW MEASUREMENTS")
    q("SHOW MEASUREMENTS LIMIT 3")
    q("SHOW MEASUREMENTS WITH MEASUREMENT =~ /_value$/")
    q("SHOW MEASUREMENTS WHERE host = 'hv01'")
    q("SHOW TAG KEYS")
    q("SHOW TAG KEYS FROM cpu_value")
    q("SHOW TAG VALUES FROM cpu_value WITH KEY = \"host\"")
    q("SHOW TAG VALUES FROM cpu_value WITH KEY = \"type_instance\" WHERE host = 'hv01'")
    q("SHOW TAG VALUES FROM memory_value WITH KEY IN (\"host\", \"type_instance\")")
    q("SHOW TAG VALUES WITH KEY = \"host\"")
    q("SHOW TAG VALUES FROM virt_value WITH KEY = \"host\" LIMIT 2")
    q("SHOW FIELD KEYS")
    q("SHOW FIELD KEYS FROM load")
    q("SHOW SERIES FROM memory_value")
    q("SHOW SERIES FROM cpu_value WHERE host = 'hv02' AND instance = '1'")
    q("SHOW SERIES")
    q("SHOW SERIES LIMIT 5 OFFSET 2")
    q("SHOW RETENTION POLICIES ON diff")
    q("SHOW MEASUREMENTS LIMIT 2 OFFSET 1")
    q("SHOW TAG VALUES FROM cpu_value WITH KEY =~ /type/")
    q("SHOW TAG KEYS FROM ping_value")
    q("SHOW SERIES FROM ping_value WHERE type_instance = ''")
    q("SHOW FIELD KEYS FROM /^(status|alive|disk_ops)$/")
    q("SHOW TAG KEYS ON diff FROM load", db=None)
    q("SHOW MEASUREMENTS ON diff", db=None)
    q("SHOW SERIES ON diff FROM load", db=None)
    q("SHOW MEASUREMENTS", db=None)
    q("SHOW TAG VALUES WITH KEY = \"host\" WHERE type_instance = 'used'")
    q("SHOW SERIES WHERE host =~ /hv0[34]/ AND type_instance = 'idle'")
    # --- errors
    q("SELECT foo(value) FROM cpu_value")
    q("SELEC value FROM cpu_value")
    q("SELECT value, mean(value) FROM cpu_value")
    q(f"SELECT value FROM cpu_value WHERE {W} GROUP BY time(5m)")
    q("SHOW TAG VALUES FROM cpu_value")
    q("SHOW RETENTION POLICIES ON nope")
    q("SELECT value FROM cpu_value WHERE value > 99.5")
    q("SELECT value FROM cpu_value", db="nope")
    q("SHOW MEASUREMENTS", db="nope")
    q("SHOW TAG KEYS", db="nope")
    q("SHOW FIELD KEYS", db="nope")
    q("SHOW SERIES", db="nope")
    q("SHOW TAG VALUES WITH KEY = \"host\"", db="nope")
    q("SELECT foo(value) FROM cpu_value; SELECT count(shortterm) FROM load")
    # --- transport: form-encoded POST, GET with spaces as `+`, chunked responses
    q("SELECT value FROM memory_value WHERE host = 'hv01' AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:05:00Z' "
      "GROUP BY type_instance", chunk=7)
    q(f"SELECT mean(value) FROM cpu_value WHERE {W} GROUP BY time(10m), host", chunk=5)
    q("SHOW TAG VALUES WITH KEY = \"host\"; SELECT count(value) FROM memory_value", chunk=3)
    q(f"SELECT mean(value) FROM cpu_value WHERE {W} GROUP BY host", method="POST")
    q(f"SELECT max(value) FROM memory_value WHERE {W} GROUP BY type_instance", plus=True)
    q("SHOW TAG KEYS FROM load", plus=True)
    q("SELECT value + 1 FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' LIMIT 2", plus=True)
    q("SELECT value + 1 FROM memory_value WHERE host = 'hv02' AND type_instance = 'used' LIMIT 2", method="POST", plus=True)
    return S


def label_of(st):
    """How a statement is printed and keyed in KNOWN_DIFFERENCES."""
    tags = []
    if st["db"] != DB:
        tags.append(f"db={st['db']}")
    if st["epoch"] is None:
        tags.append("rfc3339")
    if st["method"] != "GET":
        tags.append(st["method"])
    if st["plus"]:
        tags.append("plus-encoded")
    if st["ties"]:
        tags.append("ties-unordered")
    if st["chunk"]:
        tags.append(f"chunked={st['chunk']}")
    return (f"[{' '.join(tags)}] " if tags else "") + st["q"]

RAW_TRANSFORM_OVER_GROUP = (
    "Not well defined in InfluxDB: a raw transformation (no GROUP BY time) over several series of one "
    "group runs over InfluxDB's merged stream and keeps only the first point its merge heap yields at "
    "each timestamp; which series that is, is unspecified (for type_instance=idle|system|user it rotates "
    "idle, user, system, idle, ... from one timestamp to the next), so InfluxDB subtracts points of "
    "unrelated series. tsdbd computes the transformation per series (use GROUP BY * for one series per "
    "group in both).")

# Known, justified differences: statement label (as printed) -> (reason, expected). A DIFF is
# excused only if its explanation contains `expected`, so a different (new) divergence on the same
# statement is still reported as unexplained.
KNOWN_DIFFERENCES = {
    "SELECT value FROM cpu_value WHERE value > 99.5": (
        "Deliberate: tsdbd does not support conditions on field values in WHERE; it answers a statement "
        "error instead of filtering points (InfluxDB filters them).",
        "error only in tsdbd: conditions on field values are not supported"),
    "SELECT difference(value) FROM memory_value WHERE host = 'hv01' "
    "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:01:00Z'": (
        RAW_TRANSFORM_OVER_GROUP, "result 0 series 0 (memory_value): rows influx=5 tsdbd=10"),
    "SELECT difference(value) FROM cpu_value WHERE host = 'hv01' AND instance = '0' "
    "AND time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T00:03:00Z'": (
        RAW_TRANSFORM_OVER_GROUP, "result 0 series 0 (cpu_value): rows influx=17 tsdbd=51"),
    "SELECT first(value), last(value), median(value), percentile(value, 90), stddev(value), spread(value) "
    "FROM cpu_value WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T02:00:00Z' GROUP BY host": (
        "Unspecified in InfluxDB: when several series of a group have a point at the selected time, which one "
        "last() returns follows no stable rule (for hv01 the first series in key order, for hv04 the greatest "
        "value); tsdbd always takes the first series in key order, which agrees with InfluxDB for every other "
        "first()/last() statement here.", "col 'last': influx=94.7185 tsdbd=53.6042"),
    "SELECT count(value) FROM cpu_value WHERE host = 'hv01' AND time >= '2026-01-01T00:00:00Z' "
    "AND time < '2026-01-01T02:00:00Z' GROUP BY time(1d) tz('Europe/Rome')": (
        "Deliberate: tsdbd aligns buckets in UTC only and refuses tz() other than UTC with a statement error "
        "rather than answering with UTC buckets.", "error only in tsdbd: tz('Europe/Rome') is not supported"),
    "[rfc3339] SELECT count(value) FROM cpu_value WHERE host = 'hv01' AND time >= '2026-01-01T00:00:00Z' "
    "AND time < '2026-01-01T02:00:00Z' GROUP BY time(1h) tz('Asia/Kolkata')": (
        "Deliberate: as above (tz() other than UTC is refused).", "error only in tsdbd: tz('Asia/Kolkata') is not supported"),
    "SELECT foo(value) FROM cpu_value; SELECT count(shortterm) FROM load": (
        "InfluxDB 1.6.7 bug: after a failed statement it means to answer 'not executed' for the following ones "
        "but an off-by-one overwrites the failed statement's own error and drops the rest; tsdbd answers the "
        "intended shape [{0, error}, {1, \"not executed\"}].", "statement count influx=1 tsdbd=2"),
}

# ---------------------------------------------------------------------------------------------
# Servers


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, body=None, headers=None, timeout=60):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_ping(port, proc, name, log, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; log {log}:\n" + read_tail(log))
        try:
            st, _ = http("GET", f"http://127.0.0.1:{port}/ping", timeout=2)
            if st == 204:
                return
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer /ping within {timeout}s; log {log}:\n" + read_tail(log))


def read_tail(path, n=3000):
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")
    except OSError:
        return ""


class Server:
    def __init__(self, name, argv, port, log):
        self.name = name
        self.port = port
        self.log = log
        self.logf = open(log, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_ping(port, self.proc, name, log)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()

    def write(self, body):
        st, out = http("POST", f"{self.base}/write?db={DB}&precision=s", body=body,
                       headers={"Content-Type": "text/plain"})
        if st != 204:
            raise RuntimeError(f"{self.name} write failed: {st} {out[:500]!r}")

    def query(self, q, epoch="ms", db=DB, method="GET", plus=False, chunk=None):
        """GET (or form POST) /query. Spaces are sent as %20, or as `+` with plus=True (what
        HTML forms, Python's urlencode and the `requests`-based influxdb client send). With
        chunk=N the response is requested chunked (chunk_size=N); its JSON lines are returned
        as one {"results": [...]} holding every line's results in order."""
        params = {"q": q}
        if db is not None:
            params["db"] = db
        if epoch:
            params["epoch"] = epoch
        if chunk:
            params["chunked"] = "true"
            params["chunk_size"] = str(chunk)
        enc = urllib.parse.urlencode(params, quote_via=urllib.parse.quote_plus if plus else urllib.parse.quote)
        if method == "GET":
            st, out = http("GET", f"{self.base}/query?{enc}")
        else:
            st, out = http("POST", f"{self.base}/query", body=enc.encode(),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            if chunk and st == 200:
                results = []
                for line in out.decode().splitlines():
                    if line.strip():
                        results += json.loads(line).get("results") or []
                body = {"results": results}
            else:
                body = json.loads(out)
        except ValueError:
            body = {"_raw": out.decode("utf-8", "replace")}
        return st, body


def start_influxd(binary, tmp):
    http_port, rpc_port = free_port(), free_port()
    d = os.path.join(tmp, "influxd")
    os.makedirs(d)
    conf = os.path.join(tmp, "influxd.conf")
    with open(conf, "w") as f:
        f.write(f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{d}/meta"
  logging-enabled = false

[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  write-tracing = false

[logging]
  level = "error"

[continuous_queries]
  enabled = false

[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false
""")
    return Server("influxd", [binary, "run", "-config", conf], http_port, os.path.join(tmp, "influxd.log"))


def start_tsdbd(binary, tmp):
    port = free_port()
    return Server("tsdbd", [binary, "--data-dir", os.path.join(tmp, "tsdbd-data"), "--http-addr", f"127.0.0.1:{port}",
                            "--collectd-addr", "off", "--fsync", "none"], port, os.path.join(tmp, "tsdbd.log"))


# ---------------------------------------------------------------------------------------------
# Comparison

REL_TOL = 1e-9
ABS_TOL = 1e-12


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def cell_equal(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if is_num(a) and is_num(b):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return math.isnan(fa) and math.isnan(fb)
        d = abs(fa - fb)
        return d <= ABS_TOL or d <= REL_TOL * max(abs(fa), abs(fb))
    return a == b


def short(x, n=160):
    s = json.dumps(x, separators=(",", ":")) if not isinstance(x, str) else x
    return s if len(s) <= n else s[: n - 3] + "..."


def series_label(s):
    tags = s.get("tags")
    return f"{s.get('name')}{short(tags) if tags else ''}"


def compare_series(i, j, a, b):
    """a: InfluxDB's series, b: tsdbd's. Returns an explanation or None."""
    where = f"result {i} series {j}"
    if a.get("name") != b.get("name"):
        return f"{where}: name influx={a.get('name')!r} tsdbd={b.get('name')!r}"
    if (a.get("tags") or {}) != (b.get("tags") or {}) or ("tags" in a) != ("tags" in b):
        return f"{where}: tags influx={short(a.get('tags'))} tsdbd={short(b.get('tags'))}"
    if a.get("partial") != b.get("partial"):
        return f"{where} ({series_label(a)}): partial influx={a.get('partial')} tsdbd={b.get('partial')}"
    if a.get("columns") != b.get("columns"):
        return f"{where} ({series_label(a)}): columns influx={a.get('columns')} tsdbd={b.get('columns')}"
    va, vb = a.get("values") or [], b.get("values") or []
    cols = a.get("columns") or []
    first = None
    for r in range(min(len(va), len(vb))):
        ra, rb = va[r], vb[r]
        if len(ra) != len(rb):
            first = f"row {r}: width influx={len(ra)} tsdbd={len(rb)}"
            break
        for c in range(len(ra)):
            if not cell_equal(ra[c], rb[c]):
                cname = cols[c] if c < len(cols) else c
                first = (f"row {r} col {cname!r}: influx={short(ra[c])} tsdbd={short(rb[c])} "
                         f"(influx row {short(ra)}, tsdbd row {short(rb)})")
                break
        if first:
            break
    if len(va) != len(vb):
        msg = f"{where} ({series_label(a)}): rows influx={len(va)} tsdbd={len(vb)}"
        if first:
            msg += f"; first difference {first}"
        else:
            longer, who = (va, "influx") if len(va) > len(vb) else (vb, "tsdbd")
            k = min(len(va), len(vb))
            msg += f"; extra rows from {who}: {short(longer[k:k + 3])}"
        return msg
    if first:
        return f"{where} ({series_label(a)}): {first}"
    return None


def normalize_ties(body):
    """Sorts the rows of every series within each run of equal times (in place).

    Used for raw selects that merge several series into one output series: InfluxDB emits the
    points of different series that share a timestamp in the order of its merge heap, which is
    unspecified (it changes from one timestamp to the next), so only the set of rows at each
    time is comparable."""
    for r in body.get("results") or []:
        for s in r.get("series") or []:
            vals = s.get("values") or []
            out, k = [], 0
            while k < len(vals):
                e = k
                while e < len(vals) and vals[e][:1] == vals[k][:1]:
                    e += 1
                out += sorted(vals[k:e], key=lambda row: json.dumps(row))
                k = e
            s["values"] = out


def compare_responses(a, b, ties=False):
    """a, b: (status, json) of InfluxDB and tsdbd. Returns None when equal, else an explanation."""
    (sa, ja), (sb, jb) = a, b
    if ties:
        normalize_ties(ja)
        normalize_ties(jb)
    if sa != sb:
        return f"HTTP status influx={sa} tsdbd={sb} (influx {short(ja)}, tsdbd {short(jb)})"
    if sa != 200:
        ea, eb = "error" in ja, "error" in jb
        if ea and eb:
            return None
        return f"HTTP {sa}: error body influx={short(ja)} tsdbd={short(jb)}"
    if "error" in ja or "error" in jb:
        if ("error" in ja) != ("error" in jb):
            return f"top-level error only in {'influx' if 'error' in ja else 'tsdbd'}: {short(ja)} / {short(jb)}"
        return None
    ra, rb = ja.get("results"), jb.get("results")
    if not isinstance(ra, list) or not isinstance(rb, list):
        return f"no results list: influx={short(ja)} tsdbd={short(jb)}"
    if len(ra) != len(rb):
        return f"statement count influx={len(ra)} tsdbd={len(rb)}"
    for i, (x, y) in enumerate(zip(ra, rb)):
        if x.get("statement_id") != y.get("statement_id"):
            return f"result {i}: statement_id influx={x.get('statement_id')} tsdbd={y.get('statement_id')}"
        if x.get("partial") != y.get("partial"):
            return f"result {i}: partial influx={x.get('partial')} tsdbd={y.get('partial')}"
        ex, ey = x.get("error"), y.get("error")
        if ex is not None or ey is not None:
            if ex is None or ey is None:
                return (f"result {i}: error only in {'influx' if ey is None else 'tsdbd'}: {short(ex if ey is None else ey)}"
                        + (f"; other side has {len(x.get('series') or y.get('series') or [])} series"
                           f" e.g. {short((x.get('series') or y.get('series') or [None])[0], 200)}"))
            continue
        sx, sy = x.get("series") or [], y.get("series") or []
        if len(sx) != len(sy):
            lx = [series_label(s) for s in sx]
            ly = [series_label(s) for s in sy]
            extra = ""
            for k in range(min(len(sx), len(sy))):
                if lx[k] != ly[k]:
                    extra = f"; first different series #{k}: influx={lx[k]} tsdbd={ly[k]}"
                    break
            return f"result {i}: series count influx={len(sx)} tsdbd={len(sy)}{extra} (influx {short(lx, 200)}, tsdbd {short(ly, 200)})"
        for j, (p, r) in enumerate(zip(sx, sy)):
            d = compare_series(i, j, p, r)
            if d:
                return d
    return None


# ---------------------------------------------------------------------------------------------
# Main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tsdbd", required=True)
    ap.add_argument("--influxd", default="/usr/bin/influxd")
    ap.add_argument("--verbose", action="store_true", help="print both (trimmed) responses for every DIFF")
    ap.add_argument("--dump", help="write every statement's two responses as JSON into this directory")
    ap.add_argument("--only", help="run only statements containing this substring")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--no-flush", action="store_true",
                    help="do not seal tsdbd's data halfway through the load (by default the first half of the "
                         "shuffled points is flushed into segments, so every series is read from segments and head)")
    args = ap.parse_args()

    started = time.time()
    tmp = tempfile.mkdtemp(prefix="tsdbd-diff-")
    servers = []
    rc = 1
    try:
        lines, info = generate_dataset()
        influx = start_influxd(args.influxd, tmp)
        servers.append(influx)
        tsdb = start_tsdbd(args.tsdbd, tmp)
        servers.append(tsdb)

        st, out = influx.query(f"CREATE DATABASE {DB}", epoch=None, db=None, method="POST")
        if st != 200 or "error" in json.dumps(out):
            raise RuntimeError(f"influxd CREATE DATABASE failed: {st} {out}")

        # Identical bytes to both, in chunks. The lines are shuffled, so flushing tsdbd halfway
        # leaves every series partly in sealed segments and partly in the head.
        chunk = 5000
        starts = list(range(0, len(lines), chunk))
        for n_chunk, k in enumerate(starts):
            body = ("\n".join(lines[k:k + chunk]) + "\n").encode()
            influx.write(body)
            tsdb.write(body)
            if not args.no_flush and n_chunk == len(starts) // 2 - 1:
                st, out = http("POST", f"{tsdb.base}/api/v1/admin/flush", body=b"")
                if st != 200:
                    raise RuntimeError(f"tsdbd flush failed: {st} {out[:300]!r}")
        print(f"loaded {len(lines)} points into both servers in {time.time() - started:.1f}s"
              + ("" if args.no_flush else " (tsdbd flushed halfway: data in segments and head)"))

        runs = statements(info)
        if args.only:
            runs = [r for r in runs if args.only in label_of(r)]
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
        n = equal = 0
        diffs = []
        for idx, st in enumerate(runs):
            kw = {k: st[k] for k in ("epoch", "db", "method", "plus", "chunk")}
            a = influx.query(st["q"], **kw)
            b = tsdb.query(st["q"], **kw)
            n += 1
            label = label_of(st)
            if args.dump:
                with open(os.path.join(args.dump, f"{idx:03d}.json"), "w") as f:
                    json.dump({"statement": label, **st, "influx": {"status": a[0], "body": a[1]},
                               "tsdbd": {"status": b[0], "body": b[1]}}, f, indent=1)
            d = compare_responses(a, b, ties=st["ties"])
            if d is None:
                equal += 1
                print(f"OK   {label}")
                continue
            known = None
            if label in KNOWN_DIFFERENCES:
                reason, expected = KNOWN_DIFFERENCES[label]
                if expected in d:
                    known = reason
                else:
                    d += f"\n     (listed as a known difference, but not the expected one: {expected!r})"
            diffs.append((label, d, known))
            print(f"DIFF {label}\n     {d}" + (f"\n     known difference: {known}" if known else ""))
            if args.verbose:
                print(f"     influx: HTTP {a[0]} {short(a[1], 1200)}")
                print(f"     tsdbd:  HTTP {b[0]} {short(b[1], 1200)}")
        unknown = [x for x in diffs if not x[2]]
        print(f"{n} statements, {equal} equal, {len(diffs)} differ"
              f" ({len(diffs) - len(unknown)} known, {len(unknown)} unexplained) in {time.time() - started:.1f}s")
        rc = 0 if not unknown else 1
    except Exception as e:  # noqa: BLE001 - report and fail
        print(f"error: {e}", file=sys.stderr)
        rc = 2
    finally:
        for s in servers:
            try:
                s.stop()
            except Exception:  # noqa: BLE001
                pass
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
