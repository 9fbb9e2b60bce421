#!/usr/bin/env python3
"""fleet-agent vs qemu-ga, side by side, with one client.

Each agent runs in unix-listen mode on its own temporary socket and state directory; the same
Python client drives both, one after the other, in one run. Prints a Markdown table.
"""
import base64, json, os, platform, shutil, socket, subprocess, sys, tempfile, time

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def call(self, obj):
        self.sock.sendall(json.dumps(obj).encode())
        return json.loads(self.line())

class Agent:
    def __init__(self, name, argv):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        os.mkdir(os.path.join(self.dir, "state"))
        self.sock = os.path.join(self.dir, "agent.sock")
        env = dict(os.environ, QGA_CONF=os.path.join(self.dir, "none.conf"))
        self.proc = subprocess.Popen(argv + ["-m", "unix-listen", "-p", self.sock, "-t", os.path.join(self.dir, "state")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        for _ in range(500):
            if os.path.exists(self.sock):
                break
            time.sleep(0.01)
        self.client = Client(self.sock)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

def ping_rate(c, seconds=3.0):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        c.call({"execute": "guest-ping"})
        n += 1
    return n / (time.perf_counter() - start)

def pipelined(c, count):
    req = b'{"execute":"guest-ping"}' * 1000
    start = time.perf_counter()
    for _ in range(count // 1000):
        c.sock.sendall(req)
        for _ in range(1000):
            c.line()
    return count / (time.perf_counter() - start)

def file_read(c, path, chunk):
    handle = c.call({"execute": "guest-file-open", "arguments": {"path": path}})["return"]
    total, start = 0, time.perf_counter()
    while True:
        r = c.call({"execute": "guest-file-read", "arguments": {"handle": handle, "count": chunk}})["return"]
        total += r["count"]
        if r["eof"] or r["count"] == 0:
            break
    elapsed = time.perf_counter() - start
    c.call({"execute": "guest-file-close", "arguments": {"handle": handle}})
    return total / elapsed / (1 << 20)

def exec_latency(c, runs=200):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pid = c.call({"execute": "guest-exec", "arguments": {"path": "/bin/true"}})["return"]["pid"]
        while not c.call({"execute": "guest-exec-status", "arguments": {"pid": pid}})["return"]["exited"]:
            pass
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[len(times) // 2], sum(times) / len(times)

def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    fleet = os.path.join(root, "dist", "fleet-agent")
    agents = [("qemu-ga", ["/usr/sbin/qemu-ga"]), ("fleet-agent", [fleet])]
    data = tempfile.NamedTemporaryFile(delete=False)
    data.write(os.urandom(64 << 20))
    data.close()
    rows = {}
    try:
        for name, argv in agents:
            a = Agent(name, argv)
            try:
                c = a.client
                c.call({"execute": "guest-ping"})
                time.sleep(0.2)
                r = rows.setdefault(name, {})
                r["RSS at idle (KiB)"] = rss_kib(a.proc.pid)
                r["guest-ping round trips/s (one connection)"] = ping_rate(c)
                r["guest-ping pipelined, replies/s"] = pipelined(c, 20000)
                r["guest-file-read 64 MiB in 1 MiB reads (MiB/s)"] = file_read(c, data.name, 1 << 20)
                r["guest-file-read 64 MiB in 16 MiB reads (MiB/s)"] = file_read(c, data.name, 16 << 20)
                p50, mean = exec_latency(c)
                r["guest-exec + status of /bin/true, p50 (ms)"] = p50
                r["guest-exec + status of /bin/true, mean (ms)"] = mean
                pipelined(c, 100000)
                r["RSS after 100k more requests (KiB)"] = rss_kib(a.proc.pid)
            finally:
                a.stop()
    finally:
        os.unlink(data.name)

    lower_is_better = {"RSS at idle (KiB)", "RSS after 100k more requests (KiB)",
                       "guest-exec + status of /bin/true, p50 (ms)", "guest-exec + status of /bin/true, mean (ms)"}
    print(f"Run: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
          f"{os.cpu_count()} cores, kernel {platform.release()}; client: Python {platform.python_version()} over a unix socket")
    print()
    print("| measure | qemu-ga 7.2 | fleet-agent | fleet-agent / qemu-ga |")
    print("|---|---:|---:|---:|")
    for key in rows["qemu-ga"]:
        q, f = rows["qemu-ga"][key], rows["fleet-agent"][key]
        ratio = f / q if q else float("nan")
        better = "lower is better" if key in lower_is_better else "higher is better"
        fmt = (lambda v: f"{v:,.0f}") if max(q, f) >= 100 else (lambda v: f"{v:.2f}")
        print(f"| {key} ({better}) | {fmt(q)} | {fmt(f)} | {ratio:.2f}× |")

if __name__ == "__main__":
    main()
