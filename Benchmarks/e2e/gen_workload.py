#!/usr/bin/env python3
"""Seeded workload generator: collectd metrics from a cloud of hypervisors.

Emits InfluxDB line protocol (millisecond timestamps) in the shape the
InfluxDB 1.x collectd listener produces, plus a truth.json file holding the
exact accounting figures (CPU, HS06, wall and vCPU seconds) that a correct
accounting pipeline must reproduce from the emitted data.

    gen_workload.py OUTDIR [--size S|M|L] [overrides...]

Standard library only.  The same arguments always produce byte-identical
output.  See docs/workload.md for the data model, every flag and the exact
definition of each truth figure.
"""
import argparse
import calendar
import heapq
import json
import math
import os
import random
import sys
import time

PRESETS = {
    "S": dict(hosts=2, vms=5, cores=4, hours=1.0, sites=1),
    "M": dict(hosts=20, vms=20, cores=16, hours=2.0, sites=2),
    "L": dict(hosts=40, vms=25, cores=16, hours=24.0, sites=4),
}

PROJECTS = ("atlas", "belle2", "cms", "dune", "lhcb", "virgo")
VCPU_CHOICES = (1, 2, 4, 8)
CPU_STATES = ("user", "system", "idle", "wait", "nice", "interrupt", "softirq", "steal")
MEM_STATES = ("used", "buffered", "cached", "free", "slab_recl", "slab_unrecl")
FILESYSTEMS = ("root", "var", "boot", "data")
PAGE = 4096
GIB = 1 << 30
INFO_PERIOD_S = 600          # vm_info is repeated every 10 minutes
GAP_WALL_FACTOR = 3          # sample pairs further apart than 3 intervals are not wall time


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Generate a seeded collectd-on-hypervisors workload "
                    "(InfluxDB line protocol, precision=ms) and its accounting truth.")
    p.add_argument("outdir", help="output directory (created if missing)")
    p.add_argument("--size", choices=sorted(PRESETS), default="M",
                   help="preset for hosts/vms/cores/hours/sites (default M)")
    p.add_argument("--hosts", type=int, help="number of hypervisors")
    p.add_argument("--vms", type=int, help="VMs placed on each hypervisor at the start")
    p.add_argument("--cores", type=int, help="CPU cores per hypervisor")
    p.add_argument("--hours", type=float, help="length of the window in hours")
    p.add_argument("--sites", type=int, help="number of sites the hypervisors are spread over")
    p.add_argument("--interval", type=int, default=10, help="collection interval in seconds (default 10)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--batch", type=int, default=10000, help="lines per output file (default 10000)")
    p.add_argument("--start", type=int, default=1767225600,
                   help="window start, unix seconds (default 1767225600 = 2026-01-01T00:00:00Z)")
    p.add_argument("--int-counters", action="store_true",
                   help="write counters with the 'i' integer suffix (default: bare whole numbers, i.e. floats)")
    p.add_argument("--reboot-rate", type=float, default=0.0005,
                   help="chance per VM per interval of a reboot (CPU counters reset; default 0.0005)")
    p.add_argument("--resize-prob", type=float, default=0.1,
                   help="chance that a reboot also changes the VM's vCPU count (default 0.1)")
    p.add_argument("--migrate-rate", type=float, default=0.0002,
                   help="chance per VM per interval of a live migration within its site (default 0.0002)")
    p.add_argument("--hs06-change-prob", type=float, default=0.5,
                   help="chance that a reboot or migration re-measures HS06 per core (default 0.5)")
    p.add_argument("--gap-rate", type=float, default=0.0005,
                   help="chance per VM per interval that the VM stops reporting for a while (default 0.0005)")
    p.add_argument("--gap-min", type=int, default=3, help="shortest reporting gap, intervals (default 3)")
    p.add_argument("--gap-max", type=int, default=12, help="longest reporting gap, intervals (default 12)")
    p.add_argument("--late-frac", type=float, default=0.01,
                   help="fraction of lines delivered late, in a later file (default 0.01)")
    p.add_argument("--late-max", type=float, default=1800.0,
                   help="maximum lateness in seconds (default 1800 = 30 min)")
    p.add_argument("--start-frac", type=float, default=0.05,
                   help="fraction of VMs that boot part-way through the window (default 0.05)")
    p.add_argument("--stop-frac", type=float, default=0.05,
                   help="fraction of VMs that are deleted part-way through the window (default 0.05)")
    a = p.parse_args(argv)
    for k, v in PRESETS[a.size].items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    errs = []
    if a.hosts < 1 or a.vms < 0 or a.cores < 1 or a.sites < 1:
        errs.append("--hosts, --cores, --sites must be >= 1 and --vms >= 0")
    if a.interval < 1:
        errs.append("--interval must be >= 1")
    if a.batch < 1:
        errs.append("--batch must be >= 1")
    if int(round(a.hours * 3600 / a.interval)) < 2:
        errs.append("the window must hold at least 2 intervals")
    if not 3 <= a.gap_min <= a.gap_max:
        errs.append("need 3 <= --gap-min <= --gap-max (shorter gaps would straddle the 3-interval wall rule)")
    for name in ("reboot_rate", "resize_prob", "migrate_rate", "hs06_change_prob", "gap_rate",
                 "start_frac", "stop_frac"):
        if not 0.0 <= getattr(a, name) <= 1.0:
            errs.append(f"--{name.replace('_', '-')} must be within [0, 1]")
    if not 0.0 <= a.late_frac < 1.0:
        errs.append("--late-frac must be within [0, 1)")
    if a.late_frac > 0 and a.late_max < a.interval:
        errs.append("--late-max must be at least one interval")
    if errs:
        p.error("; ".join(errs))
    a.sites = min(a.sites, a.hosts)
    return a


def rng_for(seed, purpose):
    # String seeds are hashed with SHA-512 by random.seed(version=2): stable
    # across runs and independent of PYTHONHASHSEED.  One stream per purpose,
    # so e.g. changing --late-frac alters delivery order but no value.
    return random.Random(f"gen_workload:{seed}:{purpose}")


def series_prefix(meas, host, inst, typ, ti):
    """'<meas>,host=..[,instance=..],type=..[,type_instance=..] value=' (tags in sorted order)."""
    s = f"{meas},host={host}"
    if inst:
        s += f",instance={inst}"
    s += f",type={typ}"
    if ti:
        s += f",type_instance={ti}"
    return s + " value="


def hs06_text(centi):
    return f"{centi // 100}.{centi % 100:02d}"


class MonthOf:
    """Maps a millisecond timestamp to its UTC month key 'YYYY-MM' (cached range)."""

    def __init__(self):
        self.lo = self.hi = 0
        self.key = None

    def __call__(self, t_ms):
        if self.lo <= t_ms < self.hi:
            return self.key
        tm = time.gmtime(t_ms // 1000)
        y, m = tm.tm_year, tm.tm_mon
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        self.lo = _epoch_ms(y, m)
        self.hi = _epoch_ms(ny, nm)
        self.key = f"{y:04d}-{m:02d}"
        return self.key


def _epoch_ms(y, m):
    return calendar.timegm((y, m, 1, 0, 0, 0, 0, 0, 0)) * 1000


class Host:
    __slots__ = ("idx", "name", "site", "hs06c", "busy", "cpu", "cpu_pfx", "load", "load_pfx",
                 "mem", "mem_total", "mem_pfx", "net", "net_pfx", "net_scale",
                 "df_used", "df_size", "df_pfx", "vms")


class VM:
    __slots__ = ("uuid", "site", "project", "host", "vcpus", "hs06c", "mem_gib", "util",
                 "start", "stop", "alive", "gap_left", "pending", "info_slot", "keys_dirty",
                 "cpu", "vctr", "rss", "io", "pfx_cpu", "pfx_vcpu", "pfx_mem", "pfx_io",
                 # announced state and history (what the data shows, and since when)
                 "ann_vcpus", "ann_hs06c", "ann_host", "h_vcpus", "h_hs06", "h_host",
                 "reboots", "migrations", "gaps",
                 # truth accumulators over delivered virt_cpu_total samples
                 "t_last", "v_last", "t_first", "nsamp", "months")


IO_SERIES = (("virt_rx", "if_octets", "tap0", 200_000), ("virt_tx", "if_octets", "tap0", 100_000),
             ("virt_read", "disk_octets", "vda", 400_000), ("virt_read", "disk_ops", "vda", 40),
             ("virt_write", "disk_octets", "vda", 300_000), ("virt_write", "disk_ops", "vda", 30))


def make_uuid(r):
    x = r.getrandbits(128)
    x = (x & ~(0xF << 76)) | (4 << 76)            # version 4
    x = (x & ~(0x3 << 62)) | (0x2 << 62)          # RFC 4122 variant
    h = f"{x:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def main(argv=None):
    A = parse_args(sys.argv[1:] if argv is None else argv)
    t_begin = time.monotonic()
    os.makedirs(A.outdir, exist_ok=True)
    for fn in os.listdir(A.outdir):                 # never mix with an older run's files
        if fn.startswith("lines-") and fn.endswith(".lp"):
            os.remove(os.path.join(A.outdir, fn))

    r_lay = rng_for(A.seed, "layout")
    r_ev = rng_for(A.seed, "events")
    r_val = rng_for(A.seed, "values")
    r_jit = rng_for(A.seed, "jitter")
    r_late = rng_for(A.seed, "late")

    sfx = "i" if A.int_counters else ""
    steps = int(round(A.hours * 3600 / A.interval))
    interval_ms = A.interval * 1000
    interval_ns = A.interval * 10**9
    wall_limit_ms = GAP_WALL_FACTOR * interval_ms
    site_names = [f"cloud{i + 1}" for i in range(A.sites)]
    series_keys = set()

    # ---------------------------------------------------------------- layout
    hosts = []
    for h in range(A.hosts):
        H = Host()
        H.idx = h
        H.site = site_names[h % A.sites]
        H.name = f"hv{h:03d}.{H.site}.example"
        H.hs06c = r_lay.randint(900, 1800)
        H.busy = r_lay.uniform(0.2, 0.8)
        H.cpu, H.cpu_pfx = [], []
        for c in range(A.cores):
            H.cpu.append([r_lay.randrange(10**6, 10**8) for _ in CPU_STATES])
            H.cpu_pfx.append([series_prefix("cpu_value", H.name, str(c), "cpu", st) for st in CPU_STATES])
        H.load = [H.busy * A.cores] * 3
        H.load_pfx = [series_prefix("load_" + n, H.name, "", "load", "")
                      for n in ("shortterm", "midterm", "longterm")]
        H.mem_total = A.cores * 16 * GIB // PAGE       # pages
        fr = (0.45, 0.02, 0.2, None, 0.01, 0.02)
        H.mem = [int(H.mem_total * f) if f is not None else 0 for f in fr]
        H.mem[3] = H.mem_total - sum(H.mem)
        H.mem_pfx = [series_prefix("memory_value", H.name, "", "memory", ti) for ti in MEM_STATES]
        H.net, H.net_pfx, H.net_scale = [], [], []
        for ifc in ("eth0", "eth1"):
            for typ, scale in (("if_octets", 5_000_000), ("if_packets", 5_000)):
                for d in ("rx", "tx"):
                    H.net.append(r_lay.randrange(10**9, 10**12))
                    H.net_pfx.append(series_prefix("interface_" + d, H.name, ifc, typ, ""))
                    H.net_scale.append(scale)
        H.df_size, H.df_used, H.df_pfx = [], [], []
        for fs in FILESYSTEMS:
            size = r_lay.randrange(2 * GIB, 2000 * GIB) // PAGE
            H.df_size.append(size)
            H.df_used.append(int(size * r_lay.uniform(0.1, 0.8)))
            H.df_pfx.append((series_prefix("df_value", H.name, fs, "df_complex", "used"),
                             series_prefix("df_value", H.name, fs, "df_complex", "free")))
        for lst in H.cpu_pfx + [H.load_pfx, H.mem_pfx, H.net_pfx]:
            for pf in lst:
                series_keys.add(pf)
        for u, f in H.df_pfx:
            series_keys.add(u)
            series_keys.add(f)
        H.vms = []
        hosts.append(H)

    site_hosts = {s: [H for H in hosts if H.site == s] for s in site_names}
    vms = []
    late_start_hi = max(1, int(steps * 0.8))
    for H in hosts:
        for _ in range(A.vms):
            V = VM()
            V.uuid = make_uuid(r_lay)
            V.site = H.site
            V.project = r_lay.choice(PROJECTS)
            V.host = H
            V.vcpus = r_lay.choice(VCPU_CHOICES)
            V.mem_gib = r_lay.choice((2, 4))            # GiB per vCPU (flavour)
            V.hs06c = round(H.hs06c * r_lay.uniform(0.97, 1.03))
            V.util = r_lay.uniform(0.05, 0.98)
            V.start = r_lay.randint(1, late_start_hi) if r_lay.random() < A.start_frac else 0
            V.stop = steps
            if r_lay.random() < A.stop_frac:
                lo = max(V.start + 4, int(steps * 0.2))
                if lo < steps:
                    V.stop = r_lay.randint(lo, steps - 1)
            V.alive = False
            V.gap_left = 0
            V.pending = True
            V.info_slot = None
            V.keys_dirty = True
            V.cpu = 0
            V.vctr = []
            V.rss = 0
            V.io = [r_lay.randrange(10**6, 10**11) for _ in IO_SERIES] if V.start == 0 else [0] * len(IO_SERIES)
            V.pfx_cpu = series_prefix("virt_value", V.uuid, "", "virt_cpu_total", "")
            V.pfx_vcpu = []
            V.pfx_mem = (series_prefix("virt_value", V.uuid, "", "memory", "total"),
                         series_prefix("virt_value", V.uuid, "", "memory", "rss"))
            V.pfx_io = [series_prefix(m, V.uuid, "", typ, ti) for m, typ, ti, _ in IO_SERIES]
            V.ann_vcpus = V.ann_hs06c = V.ann_host = None
            V.h_vcpus, V.h_hs06, V.h_host = [], [], []
            V.reboots, V.migrations, V.gaps = [], [], []
            V.t_last = V.v_last = V.t_first = None
            V.nsamp = 0
            V.months = {}
            vms.append(V)

    def vcpu_prefixes(V):
        while len(V.pfx_vcpu) < V.vcpus:
            V.pfx_vcpu.append(series_prefix("virt_value", V.uuid, "", "virt_vcpu", str(len(V.pfx_vcpu))))

    ev_count = dict(reboots=0, resizes=0, migrations=0, hs06_changes=0, gaps=0,
                    vms_started=0, vms_stopped=0)

    def remeasure_hs06(V):
        new = round(V.host.hs06c * r_ev.uniform(0.97, 1.03))
        if new != V.hs06c:
            V.hs06c = new
            ev_count["hs06_changes"] += 1

    # -------------------------------------------------------------- delivery
    out = []                 # lines waiting to fill the current file
    out_count = 0            # lines placed in the delivery stream so far
    files = 0
    nbytes = 0
    late_heap = []           # (release_step, seq, natural_file, line)
    late_wait = []           # released in time but still in their natural file
    late_seq = 0
    late_lines = 0
    log1m = math.log1p(-A.late_frac) if A.late_frac > 0 else 0.0

    def next_skip():
        if A.late_frac <= 0:
            return 1 << 62
        return int(math.log(1.0 - r_late.random()) / log1m)

    skip = next_skip()

    def write_file(chunk):
        nonlocal files, nbytes
        data = "\n".join(chunk) + "\n"
        with open(os.path.join(A.outdir, f"lines-{files:04d}.lp"), "w", encoding="ascii", newline="\n") as f:
            f.write(data)
        files += 1
        nbytes += len(data)

    def drain_full():
        nonlocal out
        while len(out) >= A.batch:
            write_file(out[:A.batch])
            del out[:A.batch]

    month_of = MonthOf()
    nlines = 0
    nsamples = 0

    # ------------------------------------------------------------ main loop
    for step in range(steps):
        t0_s = A.start + step * A.interval
        t0 = t0_s * 1000
        slot = t0_s // INFO_PERIOD_S

        # late lines whose time has come, if they would now land in a later file
        while late_heap and late_heap[0][0] <= step:
            late_wait.append(heapq.heappop(late_heap))
        if late_wait:
            keep = []
            for item in late_wait:
                if out_count // A.batch > item[2]:
                    out.append(item[3])
                    out_count += 1
                else:
                    keep.append(item)
            late_wait = keep

        # ---- VM events and counter accrual (all alive VMs, reporting or not)
        for V in vms:
            if step < V.start:
                continue
            if step >= V.stop:
                if V.alive:
                    V.alive = False
                    V.host.vms.remove(V)
                    ev_count["vms_stopped"] += 1
                continue
            rv = r_val
            if step == V.start:
                V.alive = True
                V.host.vms.append(V)
                vcpu_prefixes(V)
                if step == 0:        # running since before the window
                    V.vctr = [rv.randrange(10**11, 10**14) for _ in range(V.vcpus)]
                    V.cpu = sum(V.vctr) + rv.randrange(10**9, 10**12)
                    V.rss = V.vcpus * V.mem_gib * GIB * 3 // 4 // PAGE * PAGE
                else:                # boots inside this interval
                    ev_count["vms_started"] += 1
                    frac = rv.random()
                    V.vctr = [int(interval_ns * V.util * frac * rv.uniform(0.8, 1.0)) for _ in range(V.vcpus)]
                    V.cpu = sum(V.vctr) + sum(V.vctr) // 200
                    V.rss = 256 * 1024 * 1024
                continue

            # events: three draws per VM and interval, always, to keep the stream aligned
            e_reboot = r_ev.random() < A.reboot_rate
            e_migrate = r_ev.random() < A.migrate_rate
            e_gap = r_ev.random() < A.gap_rate
            reboot_frac = 0.0
            if e_reboot:
                ev_count["reboots"] += 1
                V.reboots.append(t0)
                reboot_frac = r_ev.random()        # share of the interval after the reboot
                if r_ev.random() < A.resize_prob:
                    V.vcpus = r_ev.choice([c for c in VCPU_CHOICES if c != V.vcpus])
                    vcpu_prefixes(V)
                    V.keys_dirty = True
                    ev_count["resizes"] += 1
                if r_ev.random() < A.hs06_change_prob:
                    remeasure_hs06(V)
                V.pending = True
            if e_migrate:
                targets = [H for H in site_hosts[V.site] if H is not V.host]
                if targets:
                    dst = r_ev.choice(targets)
                    V.migrations.append({"at_ms": t0, "from": V.host.name, "to": dst.name})
                    V.host.vms.remove(V)
                    dst.vms.append(V)
                    V.host = dst
                    ev_count["migrations"] += 1
                    if r_ev.random() < A.hs06_change_prob:
                        remeasure_hs06(V)
                    V.pending = True
            if e_gap and V.gap_left == 0:
                n = r_ev.randint(A.gap_min, A.gap_max)
                n = min(n, V.stop - step)
                V.gap_left = n
                V.gaps.append({"from_ms": t0, "intervals": n})
                ev_count["gaps"] += 1

            # accrual over the interval that ends at this step
            u = V.util + rv.gauss(0.0, 0.03)
            V.util = u = 0.02 if u < 0.02 else (1.0 if u > 1.0 else u)
            incs = []
            for _ in range(V.vcpus):
                x = int(interval_ns * u * (0.8 + 0.4 * rv.random()))
                incs.append(interval_ns if x > interval_ns else x)
            if e_reboot:
                V.vctr = [int(x * reboot_frac) for x in incs]
                s = sum(V.vctr)
                V.cpu = s + s // 200
                V.rss = 256 * 1024 * 1024
            else:
                vc = V.vctr
                for i, x in enumerate(incs):
                    vc[i] += x
                s = sum(incs)
                V.cpu += s + s // 200
                cap = V.vcpus * V.mem_gib * GIB
                r = V.rss + rv.randint(-64, 128) * PAGE
                V.rss = PAGE if r < PAGE else (cap if r > cap else r)
            io = V.io
            for i, ser in enumerate(IO_SERIES):
                if rv.random() < 0.8:
                    io[i] += int(rv.expovariate(1.0 / (ser[3] * A.interval)))

        # ---- build this interval's lines (per hypervisor: its own series, then its VMs)
        parts = []           # lines without their timestamp
        fixed = []           # indices of vm_info lines (exact step time, no jitter)
        marks = []           # (index, VM, value) of virt_cpu_total lines
        rv = r_val
        tot_j = A.interval * 100               # USER_HZ jiffies per core per interval
        for H in hosts:
            b = H.busy + rv.gauss(0.0, 0.02)
            H.busy = b = 0.02 if b < 0.02 else (0.98 if b > 0.98 else b)
            w = (tot_j * 0.78 * b, tot_j * 0.15 * b, tot_j * (1.0 - b), tot_j * 0.03 * b,
                 tot_j * 0.005, tot_j * 0.01 * b, tot_j * 0.02 * b, tot_j * 0.004 * b)
            for ctr, pf in zip(H.cpu, H.cpu_pfx):
                for k in range(8):
                    ctr[k] += int(w[k] * (0.5 + rv.random()))
                    parts.append(f"{pf[k]}{ctr[k]}{sfx}")
            ld = H.load
            ld[0] = max(0.0, b * A.cores + rv.gauss(0.0, 0.3))
            ld[1] += (ld[0] - ld[1]) * 0.2
            ld[2] += (ld[0] - ld[2]) * 0.05
            for pf, v in zip(H.load_pfx, ld):
                parts.append(f"{pf}{v:.2f}")
            mem = H.mem
            if rv.random() < 0.5:
                for k in (0, 1, 2, 4, 5):
                    mem[k] = max(1, mem[k] + rv.randint(-256, 256))
                used = mem[0] + mem[1] + mem[2] + mem[4] + mem[5]
                if used >= H.mem_total:
                    mem[0] -= used - H.mem_total + 1
                    used = H.mem_total - 1
                mem[3] = H.mem_total - used
            for pf, v in zip(H.mem_pfx, mem):
                parts.append(f"{pf}{v * PAGE}")
            for k, pf in enumerate(H.net_pfx):
                if rv.random() < 0.9:
                    H.net[k] += int(rv.expovariate(1.0 / (H.net_scale[k] * A.interval * b)))
                parts.append(f"{pf}{H.net[k]}{sfx}")
            for k, (pu, pfree) in enumerate(H.df_pfx):
                if rv.random() < 0.05:
                    H.df_used[k] = min(H.df_size[k], max(0, H.df_used[k] + rv.randint(-100, 200)))
                parts.append(f"{pu}{H.df_used[k] * PAGE}")
                parts.append(f"{pfree}{(H.df_size[k] - H.df_used[k]) * PAGE}")

            for V in H.vms:
                if V.gap_left:
                    V.gap_left -= 1
                    continue
                if V.pending or slot != V.info_slot:
                    V.pending = False
                    V.info_slot = slot
                    if V.ann_vcpus != V.vcpus:
                        V.ann_vcpus = V.vcpus
                        V.h_vcpus.append({"from_ms": t0, "value": V.vcpus})
                    if V.ann_hs06c != V.hs06c:
                        V.ann_hs06c = V.hs06c
                        V.h_hs06.append({"from_ms": t0, "value": V.hs06c / 100})
                    if V.ann_host is not H:
                        V.ann_host = H
                        V.h_host.append({"from_ms": t0, "value": H.name})
                        key = f"vm_info,host={V.uuid},hypervisor={H.name},project={V.project},site={V.site}"
                        series_keys.add(key + " vcpus")
                        series_keys.add(key + " hs06_per_core")
                    fixed.append(len(parts))
                    parts.append(f"vm_info,host={V.uuid},hypervisor={H.name},project={V.project},"
                                 f"site={V.site} vcpus={V.vcpus}i,hs06_per_core={hs06_text(V.hs06c)}")
                    nsamples += 1      # the second field of vm_info; every line adds one more below
                if V.keys_dirty:
                    V.keys_dirty = False
                    series_keys.add(V.pfx_cpu)
                    series_keys.update(V.pfx_vcpu[:V.vcpus])
                    series_keys.update(V.pfx_mem)
                    series_keys.update(V.pfx_io)
                marks.append((len(parts), V, V.cpu))
                parts.append(f"{V.pfx_cpu}{V.cpu}{sfx}")
                for pf, c in zip(V.pfx_vcpu, V.vctr):
                    parts.append(f"{pf}{c}{sfx}")
                parts.append(f"{V.pfx_mem[0]}{V.vcpus * V.mem_gib * GIB}")
                parts.append(f"{V.pfx_mem[1]}{V.rss}")
                for pf, c in zip(V.pfx_io, V.io):
                    parts.append(f"{pf}{c}{sfx}")

        # ---- timestamps: step time plus 0-5 ms agent jitter; vm_info exactly on the step
        tss = [f" {t0 + j}" for j in range(6)]
        tsl = r_jit.choices(tss, k=len(parts))
        exact = tss[0]
        for i in fixed:
            tsl[i] = exact
        lines = [p + q for p, q in zip(parts, tsl)]
        n = len(lines)
        nlines += n
        nsamples += n

        # ---- truth: consecutive delivered virt_cpu_total samples, in time order
        for i, V, v in marks:
            t = int(tsl[i])
            V.nsamp += 1
            if V.t_last is None:
                V.t_first = t
            else:
                v1 = V.v_last
                d = v - v1 if v >= v1 else v
                dt = t - V.t_last
                mk = month_of(t)
                acc = V.months.get(mk)
                if acc is None:
                    acc = V.months[mk] = [0, 0, 0, 0]
                acc[0] += d
                acc[1] += d * V.ann_hs06c
                if dt <= wall_limit_ms:
                    acc[2] += dt
                    acc[3] += dt * V.ann_vcpus
            V.t_last = t
            V.v_last = v

        # ---- late delivery: a geometric skip picks the late lines
        if skip >= n:
            skip -= n
            out.extend(lines)
            out_count += n
        else:
            pos = 0
            while skip < n - pos:
                i = pos + skip
                out.extend(lines[pos:i])
                out_count += i - pos
                delay = r_late.uniform(A.interval, A.late_max)
                rel = step + math.ceil(delay / A.interval)
                heapq.heappush(late_heap, (rel, late_seq, out_count // A.batch, lines[i]))
                late_seq += 1
                late_lines += 1
                pos = i + 1
                skip = next_skip()
            skip -= n - pos
            out.extend(lines[pos:])
            out_count += n - pos
        drain_full()

    # finish: on-time remainder, then everything still held back, in later files
    if out:
        write_file(out)
        out = []
    rest = sorted(late_wait + late_heap)
    for i in range(0, len(rest), A.batch):
        write_file([item[3] for item in rest[i:i + A.batch]])

    # ---------------------------------------------------------------- truth
    def figures(acc):
        # int / int true division is correctly rounded in Python, so every
        # figure is the double nearest to the exact rational value.
        return {"cpu_seconds": acc[0] / 10**9, "hs06_seconds": acc[1] / 10**11,
                "wall_seconds": acc[2] / 1000, "vcpu_seconds": acc[3] / 1000}

    def add(dst, src):
        for k in range(4):
            dst[k] += src[k]

    tot, tot_m = [0, 0, 0, 0], {}
    by_proj, by_site = {}, {}
    vm_out = []
    for V in vms:
        vt = [0, 0, 0, 0]
        for mk, acc in V.months.items():
            add(vt, acc)
        add(tot, vt)
        for grp, key in ((by_proj, V.project), (by_site, V.site)):
            g = grp.setdefault(key, [[0, 0, 0, 0], {}])
            add(g[0], vt)
            for mk, acc in V.months.items():
                add(g[1].setdefault(mk, [0, 0, 0, 0]), acc)
        for mk, acc in V.months.items():
            add(tot_m.setdefault(mk, [0, 0, 0, 0]), acc)
        d = {"uuid": V.uuid, "site": V.site, "project": V.project,
             "start_ms": A.start * 1000 + V.start * interval_ms,
             "stop_ms": A.start * 1000 + V.stop * interval_ms if V.stop < steps else None,
             "first_sample_ms": V.t_first, "last_sample_ms": V.t_last, "cpu_samples": V.nsamp,
             "vcpus": V.h_vcpus, "hs06_per_core": V.h_hs06, "hypervisor": V.h_host,
             "reboots": V.reboots, "migrations": V.migrations, "gaps": V.gaps}
        d.update(figures(vt))
        d["months"] = {mk: figures(V.months[mk]) for mk in sorted(V.months)}
        vm_out.append(d)

    def group(g):
        res = {}
        for key in sorted(g):
            fig = figures(g[key][0])
            fig["months"] = {mk: figures(acc) for mk, acc in sorted(g[key][1].items())}
            res[key] = fig
        return res

    params = {k: getattr(A, k) for k in ("size", "hosts", "vms", "cores", "hours", "sites", "interval", "seed",
                                          "batch", "start", "int_counters", "reboot_rate", "resize_prob",
                                          "migrate_rate", "hs06_change_prob", "gap_rate", "gap_min", "gap_max",
                                          "late_frac", "late_max", "start_frac", "stop_frac")}
    truth = {
        "format": "gen_workload-truth/1",
        "params": params,
        "start_ms": A.start * 1000,
        "end_ms": (A.start + steps * A.interval) * 1000,
        "interval_s": A.interval,
        "series": len(series_keys),
        "samples": nsamples,
        "lines": nlines,
        "files": files,
        "bytes": nbytes,
        "late_lines": late_lines,
        "events": ev_count,
        "totals": dict(figures(tot), months={mk: figures(a) for mk, a in sorted(tot_m.items())}),
        "projects": group(by_proj),
        "sites": group(by_site),
        "vms": vm_out,
    }
    with open(os.path.join(A.outdir, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    el = time.monotonic() - t_begin
    print(f"series={len(series_keys)} samples={nsamples} lines={nlines} files={files} bytes={nbytes} "
          f"seconds={el:.1f}")


if __name__ == "__main__":
    main()
