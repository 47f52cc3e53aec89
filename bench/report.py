#!/usr/bin/python3
"""Turn bench/inside's raw fio JSON into table.md, results.csv, ratio.dat."""
import csv
import glob
import json
import os
import statistics
import sys

CEILING = {
    "ublk-null-default": "nullblk",
    "ublk-null-copy": "nullblk",
    "ublk-null-zc": "nullblk",
    "ublk-null-autozc": "nullblk",
    "ublk-loop": "kloop",
    "ublk-loop-default": "kloop",
    "ublk-loop-copy": "kloop",
    "ublk-nbd": "knbd",
    "ublk-rbd": "krbd",
}
CHART_TARGETS = ["ublk-null-default", "ublk-null-copy", "ublk-loop-default", "ublk-loop-copy"]
KERNEL = ("nullblk", "kloop", "knbd", "krbd")


def one_cpu(path):
    """CPU microseconds per IO of the server and of the whole machine, or None."""
    if not os.path.exists(path):
        return None
    f = open(path).read().split()
    ios, srv, sysw, hz = int(f[0]), int(f[1]), int(f[2]), int(f[3])
    if ios <= 0:
        return None
    us = 1e6 / hz / ios
    return (srv * us if len(f) > 4 else None, sysw * us)


def one_run(path):
    job = json.load(open(path))["jobs"][0]
    iops = bw = 0.0
    p50 = p99 = 0.0
    for side in ("read", "write"):
        s = job[side]
        if s["io_bytes"] == 0:
            continue
        iops += s["iops"]
        bw += s["bw"] / 1024.0
        pct = s["clat_ns"].get("percentile", {})
        p50 = max(p50, pct.get("50.000000", 0) / 1000.0)
        p99 = max(p99, pct.get("99.000000", 0) / 1000.0)
    return iops, bw, p50, p99


def main(out):
    runs = {}
    cpu = {}
    for path in sorted(glob.glob(os.path.join(out, "raw", "*.json"))):
        target, workload, _rep = os.path.basename(path)[:-5].split("__")
        try:
            run = one_run(path)
        except (ValueError, KeyError, IndexError):
            # A run cut short (the VM timed out or the bench was stopped).
            print("skipped, not a complete fio result: %s" % path, file=sys.stderr)
            continue
        runs.setdefault((target, workload), []).append(run)
        c = one_cpu(path[:-5] + ".cpu")
        if c:
            cpu.setdefault((target, workload), []).append(c)
    med = {k: tuple(statistics.median(col) for col in zip(*v)) for k, v in runs.items()}
    # Spread of the repetitions: (max - min) / median IOPS.
    spread = {k: (max(r[0] for r in v) - min(r[0] for r in v)) / med[k][0] * 100
              if med[k][0] else 0 for k, v in runs.items()}

    def cpu_med(key, i):
        vals = [c[i] for c in cpu.get(key, []) if c[i] is not None]
        return "%.1f" % statistics.median(vals) if vals else ""

    paths = {}
    paths_file = os.path.join(out, "paths.txt")
    if os.path.exists(paths_file):
        for line in open(paths_file):
            t, _, rest = line.strip().partition(" ")
            paths[t] = rest

    rows = []
    for (target, workload), (iops, bw, p50, p99) in med.items():
        ceiling = CEILING.get(target)
        ratio = ""
        if ceiling and (ceiling, workload) in med and med[(ceiling, workload)][0]:
            ratio = "%.2f" % (iops / med[(ceiling, workload)][0])
        elif target.startswith("scale-") and ("scale-q1", workload) in med:
            ratio = "%.2f" % (iops / med[("scale-q1", workload)][0])
        elif target in KERNEL:
            ratio = "1.00"
        path = paths.get(target, "").split(" ")[0] if target in paths else \
            ("kernel" if target in KERNEL else "")
        rows.append([workload, target, path, "%.0f" % iops, "%.1f" % bw, "%.0f" % p50,
                     "%.0f" % p99, ratio, "%.0f%%" % spread[(target, workload)],
                     cpu_med((target, workload), 0), cpu_med((target, workload), 1)])
    order = {t: i for i, t in enumerate(["nullblk", "ublk-null-default", "ublk-null-copy",
                                          "ublk-null-zc", "ublk-null-autozc", "kloop",
                                          "ublk-loop", "ublk-loop-default", "ublk-loop-copy",
                                          "knbd", "ublk-nbd", "krbd", "ublk-rbd"])}
    rows.sort(key=lambda r: (r[1].startswith("scale-"), r[0], order.get(r[1], 99), r[1]))

    header = ["workload", "target", "path", "IOPS", "MiB/s", "p50 us", "p99 us", "ratio",
              "spread", "server CPU us/IO", "system CPU us/IO"]
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)

    env = open(os.path.join(out, "environment.txt")).read().strip().splitlines()
    cost = {}
    cost_path = os.path.join(out, "cost.txt")
    if os.path.exists(cost_path):
        for line in open(cost_path):
            k, v = line.split()
            cost[k] = v
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("## Benchmark %s\n\n" % os.path.basename(out.rstrip("/")))
        for line in env:
            f.write("- %s\n" % line)
        f.write("- ratio: IOPS of ublk-server / IOPS of the kernel's own driver for the "
                "same workload (null_blk for null, loop with direct IO for loop, "
                "nbd-client for nbd, both on one nbdkit memory export, krbd for rbd); "
                "scale-*: IOPS / scale-q1\n")
        if "QEMU" in " ".join(env):
            f.write("- software-emulated VM: absolute numbers are far below real "
                    "hardware; the ratios are what carries over\n")
        f.write("- path: the data path the device ran (default: what the server chose "
                "with no option, data_path = auto); spread: (max - min) / median IOPS of "
                "the repetitions; server CPU us/IO: utime+stime of the server's threads "
                "(/proc/PID/stat) over the fio run / IOs the device completed "
                "(/sys/block/X/stat); system CPU us/IO: all CPU time of the VM "
                "(/proc/stat, fio included) / the same IOs, the figure that compares "
                "with the kernel drivers; the targets of one comparison take turns "
                "within each repetition\n")
        for t in sorted(paths):
            f.write("- %s: data path %s\n" % (t, paths[t]))
        rbd_note = os.path.join(out, "rbd.txt")
        if os.path.exists(rbd_note):
            f.write("- %s\n" % open(rbd_note).read().strip())
        if cost:
            f.write("- per IO, null target, 4k randread: io_uring_enter calls of the "
                    "server: %s at QD1, %s at QD32 (strace); user-space instructions: "
                    "not measurable here (valgrind 3.19 and io_uring, no PMU under TCG)\n"
                    % (cost.get("io_uring_enter_per_io_qd1", "?"),
                       cost.get("io_uring_enter_per_io_qd32", "?")))
        f.write("\n| " + " | ".join(header) + " |\n")
        f.write("|" + "---|" * len(header) + "\n")
        for r in rows:
            f.write("| " + " | ".join(r) + " |\n")

    workloads = sorted({w for (t, w) in med if t in CHART_TARGETS})
    with open(os.path.join(out, "ratio.dat"), "w") as f:
        f.write("workload " + " ".join(CHART_TARGETS) + "\n")
        for w in workloads:
            vals = []
            for t in CHART_TARGETS:
                c = CEILING[t]
                if (t, w) in med and (c, w) in med and med[(c, w)][0]:
                    vals.append("%.3f" % (med[(t, w)][0] / med[(c, w)][0]))
                else:
                    vals.append("NaN")
            f.write(w + " " + " ".join(vals) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
