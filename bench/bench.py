#!/usr/bin/python3
"""Benchmark sc_remoted side by side with Debian's reference sc_remoted,
driven by a swarm of fakescamper VPs on loopback.

For each daemon: memory per idle registered VP at 1000 and 4000 VPs (and
10000 for ours), the time to register 1000 VPs, relay throughput from one
VP to a local client for 100-byte and 8 KiB messages, the same with 4000
idle VPs connected, and idle CPU with 4000 VPs exchanging keepalives.  A
plain socat TCP->unix relay of the same volume is the ceiling.

Per-VP sockets live on tmpfs: creating unix sockets on ext4 slows with
churn and would measure the filesystem.
"""
import argparse
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# With -U a VP costs the daemon two descriptors (its TCP connection and
# its socket); the largest swarm is what the descriptor limit allows.
BIG = min(10000, (resource.getrlimit(resource.RLIMIT_NOFILE)[1] - 64) // 200
          * 100)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def wait_until(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.002)


class Daemon:
    def __init__(self, exe, shm):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="vps-", dir=shm)
        self.proc = subprocess.Popen(
            [exe, "-P", f"127.0.0.1:{self.port}", "-U", self.dir, "-Z", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=nofile)
        wait_until(self.listening, 10, "the daemon to listen")
        time.sleep(0.3)

    def listening(self):
        out = subprocess.run(["ss", "-Htln", f"sport = :{self.port}"],
                             capture_output=True, text=True).stdout
        return f":{self.port}" in out

    def count(self, prefix=""):
        return sum(1 for n in os.listdir(self.dir) if n.startswith(prefix))

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Swarm:
    def __init__(self, fake, port, n, name, *extra):
        self.proc = subprocess.Popen(
            [fake, "-R", f"127.0.0.1:{port}", "-M", name, "--vps", str(n),
             "--retry", "1,2", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            preexec_fn=nofile)

    def wait_registered(self):
        """fakescamper says once when every VP has its MASTER_ID."""
        for line in self.proc.stderr:
            if "VPs registered" in line:
                return
        raise RuntimeError("fakescamper exited before registering")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def register(args, exe, n):
    """(seconds to register n VPs, daemon CPU seconds spent on it, KiB of
    RSS per VP), each the median of three fresh daemons."""
    runs = []
    for _ in range(3):
        d = Daemon(exe, args.shm)
        try:
            base, cpu0 = rss_kb(d.proc.pid), cpu_ticks(d.proc.pid)
            t0 = time.monotonic()
            s = Swarm(args.fake, d.port, n, "idle")
            s.wait_registered()
            took = time.monotonic() - t0
            cpu = (cpu_ticks(d.proc.pid) - cpu0) / TICK
            wait_until(lambda: d.count() >= n, 30, "the sockets")
            time.sleep(2)
            runs.append((took, cpu, (rss_kb(d.proc.pid) - base) / n))
            s.stop()
        finally:
            d.stop()
    return tuple(sorted(r[i] for r in runs)[1] for i in range(3))


def relay(args, d, size, count):
    """(MB/s, messages/s) from one flooding VP to a local client, the
    median of five runs (single runs vary by 20 % on a shared VM)."""
    runs = sorted(relay_once(args, d, size, count) for _ in range(5))
    return runs[2]


def relay_once(args, d, size, count):
    s = Swarm(args.fake, d.port, 1, "flood", "--flood", f"{size},{count}")
    try:
        wait_until(lambda: d.count("flood-") == 1, 30, "the flooding VP")
        path = os.path.join(d.dir, next(n for n in os.listdir(d.dir)
                                        if n.startswith("flood-")))
        r = subprocess.run([args.sink, path, str(size * count), "30"],
                           capture_output=True, text=True, timeout=120)
        got, secs = r.stdout.split()
        got, secs = int(got), float(secs)
        return got / secs / 1e6, got / size / secs
    finally:
        s.stop()
        wait_until(lambda: d.count("flood-") == 0, 30, "the VP to go")


def socat_ceiling(args, nbytes):
    port = free_port()
    path = os.path.join(args.shm, f"socat-{port}.sock")
    relay = subprocess.Popen(
        ["socat", "-u", f"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr",
         f"UNIX-LISTEN:{path}"], stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    src = subprocess.Popen(["socat", "-u", "/dev/zero",
                            f"TCP:127.0.0.1:{port}"],
                           stderr=subprocess.DEVNULL)
    wait_until(lambda: os.path.exists(path), 10, "socat")
    r = subprocess.run([args.sink, path, str(nbytes), "30"],
                       capture_output=True, text=True, timeout=60)
    src.kill()
    relay.kill()
    src.wait()
    relay.wait()
    if os.path.exists(path):
        os.unlink(path)
    got, secs = r.stdout.split()
    return int(got) / float(secs) / 1e6


def measure(args, name, exe, big):
    res = {}
    print(f"# {name}: registering 1000 VPs", file=sys.stderr)
    res["reg1000"], res["cpu1000"], res["mem1000"] = register(args, exe, 1000)
    print(f"# {name}: registering 4000 VPs", file=sys.stderr)
    res["reg4000"], res["cpu4000"], res["mem4000"] = register(args, exe, 4000)
    if big:
        print(f"# {name}: registering {BIG} VPs", file=sys.stderr)
        res["regbig"], res["cpubig"], res["membig"] = register(args, exe, BIG)

    d = Daemon(exe, args.shm)
    try:
        print(f"# {name}: relay, no idle VPs", file=sys.stderr)
        res["r8k"] = relay(args, d, 8192, args.count8k)
        res["r100"] = relay(args, d, 100, args.count100)
        print(f"# {name}: 4000 idle VPs", file=sys.stderr)
        idle = Swarm(args.fake, d.port, 4000, "idle")
        wait_until(lambda: d.count("idle-") >= 4000, 120, "4000 VPs")
        time.sleep(2)
        res["r8k_idle"] = relay(args, d, 8192, args.count8k)
        res["r100_idle"] = relay(args, d, 100, args.count100)
        print(f"# {name}: idle CPU over {args.idle_secs} s", file=sys.stderr)
        a, fa = cpu_ticks(d.proc.pid), cpu_ticks(idle.proc.pid)
        time.sleep(args.idle_secs)
        res["idle_cpu"] = (cpu_ticks(d.proc.pid) - a) / TICK / \
            args.idle_secs * 100
        res["fake_cpu"] = (cpu_ticks(idle.proc.pid) - fa) / TICK / \
            args.idle_secs * 100
        idle.stop()
    finally:
        d.stop()
    return res


def fmt(v, unit=""):
    if v is None:
        return "–"
    if isinstance(v, tuple):
        return f"{v[0]:.0f} MB/s, {v[1]:,.0f} msg/s"
    return f"{v:.2f}{unit}" if v < 10 else f"{v:,.0f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--remoted", required=True, help="our sc_remoted")
    ap.add_argument("--reference", default="/usr/bin/sc_remoted")
    ap.add_argument("--fake", required=True)
    ap.add_argument("--sink", required=True)
    ap.add_argument("--shm", default="/dev/shm")
    ap.add_argument("--count8k", type=int, default=60000)
    ap.add_argument("--count100", type=int, default=2000000)
    ap.add_argument("--idle-secs", type=int, default=60)
    args = ap.parse_args()

    ours = measure(args, "ours", args.remoted, big=True)
    ref = measure(args, "reference", args.reference, big=False)
    ceiling = socat_ceiling(args, 8192 * args.count8k)

    rows = [
        ("RSS per idle VP, 1000 VPs", "mem1000", " KiB"),
        ("RSS per idle VP, 4000 VPs", "mem4000", " KiB"),
        (f"RSS per idle VP, {BIG} VPs", "membig", " KiB"),
        ("time to register 1000 VPs", "reg1000", " s"),
        ("time to register 4000 VPs", "reg4000", " s"),
        (f"time to register {BIG} VPs", "regbig", " s"),
        ("relay 8 KiB messages", "r8k", ""),
        ("relay 100-byte messages", "r100", ""),
        ("relay 8 KiB, 4000 idle VPs", "r8k_idle", ""),
        ("relay 100 B, 4000 idle VPs", "r100_idle", ""),
        ("daemon CPU, 4000 idle VPs", "idle_cpu", " %"),
        ("fakescamper CPU, 4000 idle VPs", "fake_cpu", " %"),
    ]
    print("| measure | ours | Debian 20211212 |")
    print("|---|---|---|")
    for label, key, unit in rows:
        print(f"| {label} | {fmt(ours.get(key), unit)} | "
              f"{fmt(ref.get(key), unit)} |")
    print(f"| registrations per second, 1000 VPs, wall clock | "
          f"{1000 / ours['reg1000']:,.0f} | {1000 / ref['reg1000']:,.0f} |")
    print(f"| registrations per second, 4000 VPs, wall clock | "
          f"{4000 / ours['reg4000']:,.0f} | {4000 / ref['reg4000']:,.0f} |")
    print(f"| registrations per daemon CPU second, 4000 VPs | "
          f"{4000 / max(ours['cpu4000'], 1 / TICK):,.0f} | "
          f"{4000 / max(ref['cpu4000'], 1 / TICK):,.0f} |")
    print(f"| 8 KiB relay kept with 4000 idle VPs | "
          f"{ours['r8k_idle'][0] / ours['r8k'][0] * 100:.0f} % | "
          f"{ref['r8k_idle'][0] / ref['r8k'][0] * 100:.0f} % |")
    print(f"| 100 B relay kept with 4000 idle VPs | "
          f"{ours['r100_idle'][0] / ours['r100'][0] * 100:.0f} % | "
          f"{ref['r100_idle'][0] / ref['r100'][0] * 100:.0f} % |")
    print(f"\nCeiling: plain socat TCP->unix relay (8 KiB buffer), "
          f"{ceiling:.0f} MB/s.")


if __name__ == "__main__":
    main()
