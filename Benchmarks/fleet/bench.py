#!/usr/bin/env python3
"""fleetd at scale: fleet-sim serves N simulated agents; fleetd supervises them.

Measures, per fleet size: time until every VM is responsive; steady-state CPU (% of one core)
and RSS of fleetd; heartbeat RTT p50/p99 (from fleetd's own /metrics histogram); time to mark a
hung VM unresponsive and to see it return; store commits/s and database growth per hour;
`fleetctl status` and `fleetctl export --format csv` wall time. Prints a markdown table.

With --hostile SECONDS it also runs 100 healthy + 100 hostile VMs (ten of every hostile
behaviour) beside 200 healthy ones, each for SECONDS, and compares: the healthy VMs' heartbeat
RTT p99 (from `fleetctl list`), fleetd's RSS over the run, the state and reason every hostile VM
ends in, and the replies fleetd refused (fleet_replies_dropped_total).

  Benchmarks/fleet/bench.py --bin DIR [--sizes 1000,10000] [--steady 300] [--heartbeat 5] [--hostile 600]
"""
import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mib(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE / (1 << 20)


class Fleet:
    def __init__(self, bin_dir, size, heartbeat, work, behaviours=(), fleetd=None, fleetd_args=()):
        self.bin = bin_dir
        self.size = size
        self.work = work
        self.vms = os.path.join(work, "vms")
        self.db = os.path.join(work, "fleet.db")
        self.sock = os.path.join(work, "fleetd.sock")
        self.env = dict(os.environ, FLEET_SOCKET=self.sock, NO_COLOR="1")
        # Each simulated VM takes two descriptors (listener + connection): split the fleet over
        # fleet-sim processes that each stay under the hard limit.
        import resource
        per_process = max(1, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 512) // 2)
        self.sims = []
        for first in range(0, size, per_process):
            extra = [arg for b in behaviours for arg in ("--behaviour", b)] if first == 0 else []
            sim = subprocess.Popen([f"{bin_dir}/fleet-sim", "--dir", self.vms, "--count", str(min(per_process, size - first)),
                                    "--first", str(first), *extra], stdout=subprocess.PIPE, text=True)
            self.sims.append(sim)
        for sim in self.sims:
            line = sim.stdout.readline()
            if not line.startswith("ready"):
                raise SystemExit(f"fleet-sim did not start: {line!r}")
        self.sim = self.sims[0]  # serves vm-00001, the VM the benchmark pauses
        self.started = time.monotonic()
        self.fleetd = subprocess.Popen(
            [fleetd or f"{bin_dir}/fleetd", "--socket-dir", self.vms, "--database", self.db, "--control-socket", self.sock,
             "--heartbeat-interval-seconds", str(heartbeat), "--log-level", "notice", *fleetd_args],
            stderr=open(os.path.join(work, "fleetd.log"), "w"))

    def ctl(self, *args):
        return subprocess.run([f"{self.bin}/fleetctl", *args], env=self.env, capture_output=True, text=True)

    def counts(self):
        result = self.ctl("status", "--format", "json", "--columns", "name")
        if result.returncode != 0:
            return None
        return json.loads(result.stdout)["counts"]

    def state(self, name):
        result = self.ctl("list", "--filter", f"name={name}", "--format", "csv", "--columns", "state")
        lines = result.stdout.split()
        return lines[1] if len(lines) > 1 else None

    def metrics(self):
        return self.ctl("metrics").stdout

    def stop(self):
        for process in (self.fleetd, *self.sims):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.fleetd, *self.sims):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def histogram(text, name):
    buckets = []
    for line in text.splitlines():
        m = re.match(rf'^{name}_bucket{{le="([^"]+)"}} ([0-9.e+]+)', line)
        if m:
            buckets.append((float("inf") if m.group(1) == "+Inf" else float(m.group(1)), float(m.group(2))))
    return sorted(buckets)


def counter(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def quantile(before, after, q):
    """The upper bound of the bucket holding quantile q of the observations between two scrapes."""
    b = dict(before)
    deltas = [(le, count - b.get(le, 0.0)) for le, count in after]
    total = deltas[-1][1] if deltas else 0
    if total <= 0:
        return None
    for le, count in deltas:
        if count >= q * total:
            return le
    return None


def db_bytes(path):
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def wall(fleet, *args, runs=5):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        result = fleet.ctl(*args)
        times.append(time.monotonic() - start)
        if result.returncode != 0:
            raise SystemExit(f"fleetctl {args} failed: {result.stderr}")
    return statistics.median(times)


def run(bin_dir, size, steady, heartbeat, fleetd=None, fleetd_args=()):
    work = tempfile.mkdtemp(prefix=f"fleet-bench-{size}-")
    fleet = Fleet(bin_dir, size, heartbeat, work, fleetd=fleetd, fleetd_args=fleetd_args)
    out = {"size": size}

    class Progress(dict):
        def __setitem__(self, key, value):
            super().__setitem__(key, value)
            print(f"  {key} = {value}", file=sys.stderr, flush=True)

    out = Progress(out)
    try:
        while True:
            counts = fleet.counts()
            if counts and counts["responsive"] == size:
                break
            if time.monotonic() - fleet.started > 600:
                raise SystemExit(f"not all responsive after 600 s: {counts}")
            time.sleep(0.25)
        out["all_responsive_s"] = time.monotonic() - fleet.started
        # Let the first inventory round settle before the steady-state window.
        time.sleep(min(30, steady / 4))
        m0, c0, t0, d0 = fleet.metrics(), cpu_seconds(fleet.fleetd.pid), time.monotonic(), db_bytes(fleet.db)
        rss = []
        while time.monotonic() - t0 < steady:
            rss.append(rss_mib(fleet.fleetd.pid))
            time.sleep(5)
        m1, c1, t1, d1 = fleet.metrics(), cpu_seconds(fleet.fleetd.pid), time.monotonic(), db_bytes(fleet.db)
        elapsed = t1 - t0
        out["cpu_pct"] = 100 * (c1 - c0) / elapsed
        out["rss_mib_max"] = max(rss)
        out["rss_mib_last"] = rss[-1]
        before, after = histogram(m0, "fleet_heartbeat_rtt_seconds"), histogram(m1, "fleet_heartbeat_rtt_seconds")
        out["rtt_p50_ms"] = (quantile(before, after, 0.5) or 0) * 1000
        out["rtt_p99_ms"] = (quantile(before, after, 0.99) or 0) * 1000
        out["commits_per_s"] = (counter(m1, "fleet_store_write_seconds_count") - counter(m0, "fleet_store_write_seconds_count")) / elapsed
        out["db_growth_mib_per_h"] = (d1 - d0) / (1 << 20) * 3600 / elapsed
        out["status_s"] = wall(fleet, "status")
        out["export_csv_s"] = wall(fleet, "export", "--format", "csv")
        # A healthy VM stops answering (fleet-sim SIGUSR1), then answers again (SIGUSR2).
        fleet.sim.send_signal(signal.SIGUSR1)
        start = time.monotonic()
        while fleet.state("vm-00001") != "unresponsive":
            time.sleep(0.1)
        out["hung_detected_s"] = time.monotonic() - start
        fleet.sim.send_signal(signal.SIGUSR2)
        start = time.monotonic()
        while fleet.state("vm-00001") != "responsive":
            time.sleep(0.1)
        out["return_seen_s"] = time.monotonic() - start
    finally:
        fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
    return out


HOSTILE = ["hung", "silent-after:12", "flapping:20", "garbage", "giant:100", "endless", "wrong-ids", "absurd",
           "frozen", "slow:20-2000"]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


def hostile_run(bin_dir, seconds, heartbeat, hostile):
    """200 VMs for `seconds`: all healthy, or 100 healthy + ten of each hostile behaviour."""
    behaviours = [f"{b}=10" for b in HOSTILE] if hostile else []
    work = tempfile.mkdtemp(prefix="fleet-bench-hostile-" if hostile else "fleet-bench-healthy-")
    fleet = Fleet(bin_dir, 100 if hostile else 200, heartbeat, work, behaviours)
    healthy = {f"vm-{i:05d}" for i in range(1, 101)}
    out = {}
    try:
        while (fleet.counts() or {}).get("responsive", 0) < 100:
            if time.monotonic() - fleet.started > 120:
                raise SystemExit("healthy VMs not responsive after 120 s")
            time.sleep(0.25)
        m0, start = fleet.metrics(), time.monotonic()
        rtts, rss = [], []
        while time.monotonic() - start < seconds:
            if fleet.fleetd.poll() is not None:
                raise SystemExit(f"fleetd exited with {fleet.fleetd.returncode}")
            rss.append((time.monotonic() - start, rss_mib(fleet.fleetd.pid)))
            sample = fleet.ctl("list", "--format", "json")
            if sample.returncode == 0:
                rtts += [vm["rttMicros"] / 1000 for vm in json.loads(sample.stdout)
                         if vm["name"] in healthy and vm.get("rttMicros") is not None]
            else:
                out["list_failures"] = out.get("list_failures", 0) + 1
            time.sleep(5)
        m1 = fleet.metrics()
        listing = json.loads(fleet.ctl("list", "--format", "json").stdout)
        minute = [r for t, r in rss if t < 60]
        out["rtt_p50_ms"] = percentile(rtts, 0.5)
        out["rtt_p99_ms"] = percentile(rtts, 0.99)
        out["rss_first_min_mib"] = max(minute)
        out["rss_last_min_mib"] = max(r for t, r in rss if t >= seconds - 60)
        out["rss_max_mib"] = max(r for _, r in rss)
        out["healthy_responsive"] = sum(1 for vm in listing if vm["name"] in healthy and vm["state"] == "responsive")
        out["dropped"] = {reason: counter(m1, f'fleet_replies_dropped_total{{reason="{reason}"}}')
                          - counter(m0, f'fleet_replies_dropped_total{{reason="{reason}"}}')
                          for reason in ("stale", "oversized", "malformed")}
        if hostile:
            ends = {}
            for vm in listing:
                if vm["name"] in healthy:
                    continue
                kind = vm["name"].rsplit("-", 1)[0]
                ends.setdefault(kind, {}).setdefault(f'{vm["state"]}: {vm.get("reason") or "(no reason)"}', 0)
                ends[kind][f'{vm["state"]}: {vm.get("reason") or "(no reason)"}'] += 1
            out["hostile_ends"] = ends
            out["hostile_without_reason"] = sum(1 for vm in listing if vm["name"] not in healthy and not vm.get("reason"))
        out["fleetd_alive"] = fleet.fleetd.poll() is None
    finally:
        fleet.stop()
        shutil.rmtree(work, ignore_errors=True)
    return out


def hostile_table(seconds, calm, rough):
    print(f"\n#### 100 hostile VMs beside 100 healthy, {seconds / 60:.0f} min each run\n")
    print("| measure | 200 healthy | 100 healthy + 100 hostile | target |")
    print("|---|---|---|---|")
    print(f"| healthy heartbeat RTT p50 (last RTT, sampled every 5 s) | {calm['rtt_p50_ms']:.2f} ms | {rough['rtt_p50_ms']:.2f} ms | |")
    print(f"| healthy heartbeat RTT p99 | {calm['rtt_p99_ms']:.2f} ms | {rough['rtt_p99_ms']:.2f} ms | ≤ 2× |")
    for key, label in (("rss_first_min_mib", "first minute"), ("rss_last_min_mib", "last minute"), ("rss_max_mib", "whole run")):
        print(f"| fleetd RSS max, {label} | {calm[key]:.0f} MiB | {rough[key]:.0f} MiB | flat |")
    print(f"| healthy VMs responsive at the end | {calm['healthy_responsive']}/100 | {rough['healthy_responsive']}/100 | all |")
    print(f"| replies refused (stale / oversized / malformed) | {'/'.join(f'{v:.0f}' for v in calm['dropped'].values())} "
          f"| {'/'.join(f'{v:.0f}' for v in rough['dropped'].values())} | counted |")
    print(f"| hostile VMs without a recorded reason | | {rough['hostile_without_reason']} | 0 |")
    print(f"| fleetd still running | {'yes' if calm['fleetd_alive'] else 'NO'} | {'yes' if rough['fleetd_alive'] else 'NO'} | yes |")
    print("\n| hostile behaviour (10 VMs each) | where they ended (state: reason × count) |")
    print("|---|---|")
    for kind, ends in sorted(rough["hostile_ends"].items()):
        # Reasons quote the guest's bytes: show control characters as escapes, not raw.
        print(f"| {kind} | " + "; ".join(f"{printable(end)} × {n}" for end, n in sorted(ends.items())) + " |")


def printable(text):
    return re.sub(r"[\x00-\x1f\x7f|]", lambda m: "\\|" if m.group() == "|" else f"\\u{ord(m.group()):04x}", text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--steady", type=float, default=300)
    parser.add_argument("--heartbeat", type=float, default=5)
    parser.add_argument("--hostile", type=float, default=600, help="seconds per hostile/healthy run (0: skip)")
    parser.add_argument("--baseline", help="a directory with an earlier build's fleetd, run beside this one at each size")
    parser.add_argument("--connections", action="store_true",
                        help="run this build with exclusive and then shared connections at each size, side by side")
    args = parser.parse_args()
    # With a baseline, each size runs twice in a row (the earlier fleetd, then this one) with the
    # same fleet-sim and fleetctl, so the columns differ only in fleetd; --connections likewise
    # runs one fleetd twice, differing only in --connection.
    if args.baseline:
        builds = [("baseline", os.path.join(args.baseline, "fleetd"), ()), ("this build", None, ())]
    elif args.connections:
        builds = [("exclusive", None, ("--connection", "exclusive")), ("shared", None, ("--connection", "shared"))]
    else:
        builds = [("", None, ())]
    results = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        for label, fleetd, fleetd_args in builds:
            print(f"== {size} VMs {label}", file=sys.stderr, flush=True)
            result = run(args.bin, size, args.steady, args.heartbeat, fleetd=fleetd, fleetd_args=fleetd_args)
            result["build"] = label
            print(json.dumps(result), file=sys.stderr, flush=True)
            results.append(result)
    rows = [
        ("all responsive after start", "all_responsive_s", "{:.1f} s", "≤ 30 s"),
        ("fleetd CPU, steady (of one core)", "cpu_pct", "{:.1f} %", "≤ 10 % at 10,000"),
        ("fleetd RSS, steady (max)", "rss_mib_max", "{:.0f} MiB", "≤ 300 MiB at 10,000"),
        ("heartbeat RTT p50 (bucket bound)", "rtt_p50_ms", "≤ {:.2f} ms", ""),
        ("heartbeat RTT p99 (bucket bound)", "rtt_p99_ms", "≤ {:.2f} ms", ""),
        ("hung VM marked unresponsive after", "hung_detected_s", "{:.1f} s", "≤ 2 heartbeats + timeout"),
        ("returning VM responsive after", "return_seen_s", "{:.1f} s", ""),
        ("store commits", "commits_per_s", "{:.1f} /s", ""),
        ("database growth", "db_growth_mib_per_h", "{:.1f} MiB/h", "bounded"),
        ("`fleetctl status` wall (median of 5)", "status_s", "{:.3f} s", "≤ 0.2 s"),
        ("`fleetctl export --format csv` wall (median of 5)", "export_csv_s", "{:.3f} s", "≤ 1 s"),
    ]
    def heading(r):
        return f"{r['size']:,} VMs" + (f", {r['build']}" if r["build"] else "")
    if results and len(builds) == 2:
        pairs = [(results[i], results[i + 1]) for i in range(0, len(results), 2)]
        print("| measure | " + " | ".join(f"{heading(b)} | {heading(n)} | ratio" for b, n in pairs) + " | target |")
        print("|---|" + "---|---|---|" * len(pairs) + "---|")
        for label, key, fmt, target in rows:
            cells = []
            for b, n in pairs:
                ratio = f"{n[key] / b[key]:.2f}×" if b[key] else "–"
                cells.append(f"{fmt.format(b[key])} | {fmt.format(n[key])} | {ratio}")
            print(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    elif results:
        print("| measure | " + " | ".join(heading(r) for r in results) + " | target |")
        print("|---|" + "---|" * len(results) + "---|")
        for label, key, fmt, target in rows:
            print(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + f" | {target} |")
    if args.hostile:
        print("== 200 healthy VMs", file=sys.stderr, flush=True)
        calm = hostile_run(args.bin, args.hostile, args.heartbeat, hostile=False)
        print(json.dumps(calm), file=sys.stderr, flush=True)
        print("== 100 healthy + 100 hostile VMs", file=sys.stderr, flush=True)
        rough = hostile_run(args.bin, args.hostile, args.heartbeat, hostile=True)
        print(json.dumps(rough), file=sys.stderr, flush=True)
        hostile_table(args.hostile, calm, rough)


if __name__ == "__main__":
    main()
