#!/usr/bin/env python3
"""Compare a per-VM accounting report with the truth.json of gen_workload.py.

    check_truth.py TRUTH_JSON REPORT_JSON [--month YYYY-MM] [--rel 1e-9]

REPORT_JSON is an array of objects, one per VM:
    {"vm": "<uuid>", "cpu_hours": .., "hs06_hours": .., "wall_hours": .., "vcpu_hours": ..}
Each figure must equal the truth (seconds / 3600) within a relative error of
--rel (default 1e-9).  With --month the report is compared with that UTC
calendar month's bucket instead of the whole window.

Prints one line per mismatch and a summary line; exit status 0 when everything
matches, 1 when anything does not, 2 when the inputs cannot be read.
"""
import argparse
import json
import math
import sys

FIGURES = (("cpu_hours", "cpu_seconds"), ("hs06_hours", "hs06_seconds"),
           ("wall_hours", "wall_seconds"), ("vcpu_hours", "vcpu_seconds"))


def close(a, b, rel):
    if a == b:
        return True
    return abs(a - b) <= rel * max(abs(a), abs(b))


def main(argv=None):
    p = argparse.ArgumentParser(description="check a per-VM accounting report against truth.json")
    p.add_argument("truth")
    p.add_argument("report")
    p.add_argument("--month", help="compare with this month's bucket (YYYY-MM, UTC)")
    p.add_argument("--rel", type=float, default=1e-9, help="allowed relative error (default 1e-9)")
    a = p.parse_args(argv)
    try:
        with open(a.truth) as f:
            truth = json.load(f)
        with open(a.report) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not isinstance(report, list):
        print("error: the report must be a JSON array of objects", file=sys.stderr)
        return 2

    expected = {}
    for v in truth["vms"]:
        src = v["months"].get(a.month, {}) if a.month else v
        expected[v["uuid"]] = {h: src.get(s, 0.0) / 3600.0 for h, s in FIGURES}

    bad = []
    seen = set()
    for i, row in enumerate(report):
        if not isinstance(row, dict) or not isinstance(row.get("vm"), str):
            bad.append(f"entry {i}: not an object with a string 'vm'")
            continue
        vm = row["vm"]
        if vm in seen:
            bad.append(f"{vm}: reported more than once")
            continue
        seen.add(vm)
        exp = expected.get(vm)
        if exp is None:
            bad.append(f"{vm}: not in the truth")
            continue
        for h, _ in FIGURES:
            got = row.get(h)
            if isinstance(got, bool) or not isinstance(got, (int, float)) or not math.isfinite(got):
                bad.append(f"{vm}: {h} missing or not a finite number ({got!r}), expected {exp[h]!r}")
            elif not close(float(got), exp[h], a.rel):
                rel = abs(got - exp[h]) / max(abs(got), abs(exp[h]))
                bad.append(f"{vm}: {h} = {got!r}, expected {exp[h]!r} (relative error {rel:.3g})")
    for vm, exp in expected.items():
        if vm not in seen and any(x != 0.0 for x in exp.values()):
            bad.append(f"{vm}: missing from the report (expected cpu_hours {exp['cpu_hours']!r})")

    for line in bad:
        print(line)
    scope = f"month {a.month}" if a.month else "whole window"
    print(f"checked {len(seen)} reported VMs against {len(expected)} in the truth ({scope}): "
          f"{len(bad)} mismatch{'es' if len(bad) != 1 else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
