#!/usr/bin/env python3
"""End to end under QEMU: three TCG VMs (two with fleet-agent, one with Debian's qemu-ga) whose
QGA sockets sit in the directory fleetd watches; every check goes through fleetctl.

  vm_e2e.py --bin DIR --agent dist/fleet-agent [--qemu-ga /usr/sbin/qemu-ga] [--keep]

Prints one line per check; exits 1 when any failed. Every process it started (QEMU by its
pidfile, fleetd) is stopped by PID, pass or fail.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import two_ports  # noqa: E402
from qemu import VM  # noqa: E402

HEARTBEAT = 2  # seconds; two misses (plus the command timeout) make a VM unresponsive
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetEndToEndTestKeyOnlyNotARealOne0000000 e2e@fleet"


class Failed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failed(message)


def wait_for(what, timeout, probe, interval=0.5):
    """Polls `probe` (returning (done, what it saw)) until done; returns what it saw then."""
    deadline = time.monotonic() + timeout
    while True:
        done, seen = probe()
        if done:
            return seen
        if time.monotonic() > deadline:
            raise Failed(f"{what}: not within {timeout} s (last seen: {seen})")
        time.sleep(interval)


class Fleetd:
    def __init__(self, bin_dir, work, vm_dir):
        self.bin = bin_dir
        self.work = work
        self.vm_dir = vm_dir
        self.db = os.path.join(work, "fleet.db")
        self.control = os.path.join(work, "fleetd.sock")
        self.env = dict(os.environ, FLEET_SOCKET=self.control, NO_COLOR="1")
        self.process = None
        self.runs = 0

    def start(self):
        self.runs += 1
        log = open(os.path.join(self.work, f"fleetd.{self.runs}.log"), "w")
        self.process = subprocess.Popen(
            [f"{self.bin}/fleetd", "--socket-dir", self.vm_dir, "--database", self.db, "--control-socket", self.control,
             "--heartbeat-interval-seconds", str(HEARTBEAT), "--heartbeat-miss-threshold", "2",
             "--timeouts-command-seconds", "3", "--log-level", "info"],
            stderr=log, stdout=log)
        wait_for("fleetd's control socket", 30, lambda: (self.ctl("status").returncode == 0, "not answering"))

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def ctl(self, *args, input=None, timeout=120):
        return subprocess.run([f"{self.bin}/fleetctl", *args], env=self.env, input=input,
                              capture_output=True, text=True, timeout=timeout)

    def ok(self, *args, input=None):
        result = self.ctl(*args, input=input)
        expect(result.returncode == 0, f"fleetctl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def show(self, vm):
        result = self.ctl("show", vm, "--format", "json")
        return json.loads(result.stdout) if result.returncode == 0 else None

    def state(self, vm):
        detail = self.show(vm)
        return (detail or {}).get("state")

    def agent(self, vm, command, arguments=None):
        request = {"execute": command}
        if arguments is not None:
            request["arguments"] = arguments
        return json.loads(self.ok("agent", vm, json.dumps(request)))

    def history(self, vm):
        return json.loads(self.ok("history", vm, "--format", "json"))


class Run:
    """Runs named checks, keeps going after a failure, and reports each."""

    def __init__(self):
        self.failures = []
        self.started = time.monotonic()

    def check(self, name, body):
        begin = time.monotonic()
        try:
            detail = body()
            print(f"ok   {name} ({time.monotonic() - begin:.1f} s){': ' + detail if detail else ''}", flush=True)
            return True
        except Exception as error:  # a failed check, or a crash of the check itself
            message = str(error) if isinstance(error, Failed) else traceback.format_exc()
            print(f"FAIL {name} ({time.monotonic() - begin:.1f} s): {message}", flush=True)
            self.failures.append(name)
            return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="directory with fleetd and fleetctl")
    parser.add_argument("--agent", required=True, help="the static fleet-agent binary")
    parser.add_argument("--qemu-ga", default="/usr/sbin/qemu-ga")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, consoles)")
    options = parser.parse_args()
    # A timeout's SIGTERM must still run the clean-up below (QEMU is daemonized: not our child).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("vm-e2e: terminated"))

    work = tempfile.mkdtemp(prefix="fleet-vm-e2e-")
    vm_dir = os.path.join(work, "vms")
    os.makedirs(vm_dir)
    kernel = guest.kernel_version()
    fleet_initrd, os_release = guest.build(work, "fleet-agent", os.path.abspath(options.agent), kernel)
    qemu_ga_initrd, _ = guest.build(work, "qemu-ga", options.qemu_ga, kernel)
    print(f"guest kernel {kernel}; work directory {work}", flush=True)

    vms = [
        # vm-a: the guest-only commands; -smp 2 for guest-set-vcpus. fleetd reaches it through
        # fleet-agent's own port, the standard one is for another client.
        VM("vm-a", work, vm_dir, kernel, fleet_initrd, "52:54:00:f1:ee:0a", "10.0.2.15/24",
           "/usr/sbin/fleet-agent", smp=2, fleet_port=True),
        # vm-b: paused with the monitor, then shut down from inside.
        VM("vm-b", work, vm_dir, kernel, fleet_initrd, "52:54:00:f1:ee:0b", "10.0.2.16/24", "/usr/sbin/fleet-agent"),
        # vm-q: Debian's qemu-ga, the real peer, under the same fleetd.
        VM("vm-q", work, vm_dir, kernel, qemu_ga_initrd, "52:54:00:f1:ee:0c", "10.0.2.17/24", "/usr/sbin/qemu-ga"),
    ]
    fleetd = Fleetd(options.bin, work, vm_dir)
    run = Run()
    try:
        checks(run, fleetd, vms, kernel, os_release)
    finally:
        fleetd.kill(signal.SIGTERM)
        for vm in vms:
            vm.stop()
        if run.failures:
            for vm in vms:
                print(f"--- {vm.name} console (last lines)\n{vm.console_tail()}")
            for n in range(1, fleetd.runs + 1):
                with open(os.path.join(work, f"fleetd.{n}.log"), errors="replace") as f:
                    print(f"--- fleetd run {n} log (last lines)\n{''.join(f.readlines()[-25:])}")
        if not options.keep and not run.failures:
            subprocess.run(["rm", "-rf", work])
    total = time.monotonic() - run.started
    if run.failures:
        print(f"vm-e2e: {len(run.failures)} failed ({', '.join(run.failures)}) in {total:.0f} s; logs in {work}")
        sys.exit(1)
    print(f"vm-e2e: all passed in {total:.0f} s")


def checks(run, fleetd, vms, kernel, os_release):
    a, b, q = vms
    fleetd.start()
    for vm in vms:
        vm.start()
    booted = time.monotonic()

    def all_responsive():
        states = {vm.name: fleetd.state(vm.name) for vm in vms}
        return (all(s == "responsive" for s in states.values()), states)

    if not run.check("all three VMs reach responsive", lambda: f"{wait_for('responsive', 240, all_responsive, 1) and time.monotonic() - booted:.0f} s after QEMU started"):
        return  # nothing else can pass
    run.check("while they booted, no VM was called unresponsive", lambda: boot_states(fleetd, vms))

    for vm in vms:
        run.check(f"{vm.name}: eth0 with its MAC and address, host name and OS info",
                  lambda vm=vm: inventory(fleetd, vm, kernel))
    for vm in (a, q):
        run.check(f"{vm.name}: exec returns stdout, stderr and exit code", lambda vm=vm: exec_round_trip(fleetd, vm))
        run.check(f"{vm.name}: file read of /etc/os-release matches the guest's", lambda vm=vm: file_read(fleetd, vm, os_release))
    run.check("vm-a: guest-set-time to a given time, then back to the host's clock", lambda: set_time(fleetd, a))
    for vm in (a, q):
        run.check(f"{vm.name}: guest-fsfreeze-freeze and thaw of the loop-mounted ext2", lambda vm=vm: freeze_thaw(fleetd, vm))
    run.check("vm-a: a client on org.qemu.guest_agent.0 and fleetd on org.fleet.agent.0 at once, both answered",
              lambda: two_ports.both_answered(fleetd, a, expect))
    run.check("vm-a: a freeze through one port is seen as frozen through the other",
              lambda: two_ports.freeze_across(fleetd, a, expect, wait_for))
    run.check("vm-a: guest-set-user-password (hash verified in /etc/shadow)", lambda: set_password(fleetd, a))
    run.check("vm-a: ssh keys added, listed, written 0600, removed", lambda: ssh_keys(fleetd, a))
    run.check("vm-a: guest-set-vcpus takes cpu1 offline and back (-smp 2)", lambda: set_vcpus(fleetd, a))
    run.check("fleetd killed (SIGKILL) and restarted: every VM back, history intact", lambda: restart_fleetd(fleetd, vms))
    run.check("vm-b: paused longer than the heartbeat goes unresponsive, back after cont, drift visible",
              lambda: pause_resume(fleetd, b))
    run.check("vm-b: fleetctl shutdown stops QEMU; fleetd records why", lambda: shutdown(fleetd, b))


def inventory(fleetd, vm, kernel):
    def complete():
        detail = fleetd.show(vm.name) or {}
        ready = detail.get("hostName") and detail.get("os") and any(i.get("name") == "eth0" for i in detail.get("interfaces", []))
        return (ready, detail)
    detail = wait_for(f"{vm.name} inventory", 60, complete)
    eth0 = next(i for i in detail["interfaces"] if i["name"] == "eth0")
    expect(eth0.get("hardware-address") == vm.mac, f"eth0 MAC {eth0.get('hardware-address')}, expected {vm.mac}")
    address, prefix = vm.ip.split("/")
    ipv4 = [(x["ip-address"], x["prefix"]) for x in eth0.get("ip-addresses", []) if x["ip-address-type"] == "ipv4"]
    expect(ipv4 == [(address, int(prefix))], f"eth0 IPv4 {ipv4}, expected {vm.ip}")
    expect(detail["hostName"] == vm.name, f"host name {detail['hostName']!r}, expected {vm.name!r}")
    osinfo = detail["os"]
    expect(osinfo.get("id") == "fleet-test-guest" and osinfo.get("pretty-name") == "Fleet test guest 1 (initramfs)",
           f"OS info {osinfo}")
    expect(osinfo.get("kernel-release") == kernel, f"kernel-release {osinfo.get('kernel-release')}, expected {kernel}")
    listed = json.loads(fleetd.ok("list", "--format", "json"))
    row = next((r for r in listed if r["name"] == vm.name), None)
    expect(row is not None and vm.ip in row.get("addresses", []), f"fleetctl list addresses for {vm.name}: {row}")
    return f"{vm.mac} {vm.ip}, {osinfo.get('pretty-name')}, kernel {osinfo.get('kernel-release')}"


def exec_round_trip(fleetd, vm):
    result = fleetd.ctl("exec", vm.name, "--", "/bin/sh", "-c", "echo out; echo err >&2; hostname; exit 3")
    expect(result.returncode == 3, f"exit status {result.returncode}, expected 3 (stderr {result.stderr!r})")
    expect(result.stdout == f"out\n{vm.name}\n", f"stdout {result.stdout!r}")
    expect(result.stderr == "err\n", f"stderr {result.stderr!r}")
    return "exit 3, stdout and stderr apart"


def file_read(fleetd, vm, os_release):
    text = fleetd.ok("file", "get", vm.name, "/etc/os-release")
    expect(text == os_release, f"read {text!r}")
    return f"{len(text)} bytes"


def guest_time(fleetd, vm):
    return fleetd.agent(vm.name, "guest-get-time")["return"] / 1e9


def set_time(fleetd, vm):
    target = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    fleetd.ok("set-time", vm.name, "--time", target.strftime("%Y-%m-%dT%H:%M:%SZ"))
    now = guest_time(fleetd, vm)
    expect(0 <= now - target.timestamp() < 30, f"guest clock {now}, set to {target.timestamp()}")
    year = fleetd.ok("exec", vm.name, "--", "date", "-u", "+%Y").strip()
    expect(year == "2031", f"date in the guest says {year}")
    # The hardware clock was written too (guest-set-time runs hwclock -w): read it back.
    rtc = fleetd.ok("exec", vm.name, "--", "hwclock", "-r", "-u")
    expect("2031" in rtc, f"hwclock -r says {rtc!r}")
    fleetd.ok("set-time", vm.name)
    back = guest_time(fleetd, vm)
    expect(abs(back - time.time()) < 5, f"guest clock {back} after set-time to the host's, host {time.time()}")
    return f"2031 in guest and RTC, then back within {abs(back - time.time()):.2f} s of the host"


def freeze_thaw(fleetd, vm):
    froze = fleetd.ok("freeze", vm.name).strip()
    try:
        expect(froze == f"{vm.name}: froze 1 filesystem", f"freeze said {froze!r}")
        expect(fleetd.ok("freeze", vm.name, "--status").strip() == f"{vm.name}: frozen", "status is not frozen")
        wait_for(f"{vm.name} state frozen", 15, lambda: (fleetd.state(vm.name) == "frozen", fleetd.state(vm.name)))
        # The agent refuses what is not allowed while frozen, with qemu-ga's error.
        refused = fleetd.ctl("agent", vm.name, '{"execute":"guest-get-host-name"}')
        expect("frozen" in refused.stdout + refused.stderr, f"a command while frozen: {refused.stdout}{refused.stderr}")
    finally:
        thawed = fleetd.ctl("thaw", vm.name).stdout.strip()
    expect(thawed == f"{vm.name}: thawed 1 filesystem", f"thaw said {thawed!r}")
    wait_for(f"{vm.name} state responsive", 15, lambda: (fleetd.state(vm.name) == "responsive", fleetd.state(vm.name)))
    # Writes work again once thawed.
    fleetd.ok("exec", vm.name, "--", "/bin/sh", "-c", "echo after thaw >> /mnt/data/hello && sync")
    return "1 filesystem (/mnt/data) frozen, commands refused, thawed, writable"


def shadow_hash(fleetd, vm, user):
    for line in fleetd.ok("exec", vm.name, "--", "cat", "/etc/shadow").splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return fields[1]
    raise Failed(f"no {user} in /etc/shadow")


def set_password(fleetd, vm):
    expect(shadow_hash(fleetd, vm, "fleet") == "!", "fleet's password was already set")
    fleetd.ok("password", vm.name, "fleet", input="correct horse battery\n")
    stored = shadow_hash(fleetd, vm, "fleet")
    match = re.fullmatch(r"\$6\$([^$]+)\$.+", stored)
    expect(match is not None, f"stored hash {stored!r} is not SHA-512 crypt")
    again = fleetd.ok("exec", vm.name, "--", "mkpasswd", "-m", "sha512", "correct horse battery", match.group(1)).strip()
    expect(again == stored, f"the stored hash is not the password's: {stored} vs {again}")
    crypted = "$6$fleetsalt$" + "x" * 86
    fleetd.ok("password", vm.name, "fleet", "--crypted", input=crypted + "\n")
    expect(shadow_hash(fleetd, vm, "fleet") == crypted, "a crypted password was not stored as given")
    return "plain (hashed in the guest) and crypted"


def ssh_keys(fleetd, vm):
    # Like qemu-ga, listing the keys of a user without authorized_keys is an error.
    absent = fleetd.ctl("exec", vm.name, "--", "test", "-e", "/home/fleet/.ssh/authorized_keys")
    expect(absent.returncode == 1, "fleet already has an authorized_keys file")
    fleetd.ok("ssh-keys", vm.name, "fleet", "--add", SSH_KEY)
    expect(fleetd.ok("ssh-keys", vm.name, "fleet").splitlines() == [SSH_KEY], "the key is not listed")
    written = fleetd.ok("file", "get", vm.name, "/home/fleet/.ssh/authorized_keys")
    expect(written.splitlines() == [SSH_KEY], f"authorized_keys holds {written!r}")
    modes = fleetd.ok("exec", vm.name, "--", "stat", "-c", "%a %u:%g %n", "/home/fleet/.ssh", "/home/fleet/.ssh/authorized_keys")
    expect(modes.splitlines() == ["700 1000:1000 /home/fleet/.ssh", "600 1000:1000 /home/fleet/.ssh/authorized_keys"], f"modes: {modes!r}")
    fleetd.ok("ssh-keys", vm.name, "fleet", "--remove", SSH_KEY)
    expect(fleetd.ok("ssh-keys", vm.name, "fleet") == "", "the key was not removed")
    return "~/.ssh 0700 and authorized_keys 0600, owned by the user"


def set_vcpus(fleetd, vm):
    def online():
        return fleetd.ok("exec", vm.name, "--", "cat", "/sys/devices/system/cpu/cpu1/online").strip()
    expect(online() == "1", "cpu1 is not online at the start")
    reply = fleetd.agent(vm.name, "guest-set-vcpus", {"vcpus": [{"logical-id": 1, "online": False}]})
    expect(reply.get("return") == 1, f"guest-set-vcpus offline: {reply}")
    expect(online() == "0", "cpu1 still online in sysfs")
    vcpus = fleetd.agent(vm.name, "guest-get-vcpus")["return"]
    expect([c["online"] for c in sorted(vcpus, key=lambda c: c["logical-id"])] == [True, False], f"guest-get-vcpus: {vcpus}")
    reply = fleetd.agent(vm.name, "guest-set-vcpus", {"vcpus": [{"logical-id": 1, "online": True}]})
    expect(reply.get("return") == 1 and online() == "1", f"guest-set-vcpus online: {reply}")
    return "cpu1 offline then online, seen in sysfs and guest-get-vcpus"


def restart_fleetd(fleetd, vms):
    before = {vm.name: fleetd.history(vm.name) for vm in vms}
    fleetd.kill(signal.SIGKILL)
    fleetd.start()

    def back():
        states = {vm.name: fleetd.state(vm.name) for vm in vms}
        return (all(s == "responsive" for s in states.values()), states)
    began = time.monotonic()
    wait_for("every VM responsive after the restart", 60, back)
    took = time.monotonic() - began
    for vm in vms:
        after = fleetd.history(vm.name)
        expect(after[:len(before[vm.name])] == before[vm.name],
               f"{vm.name}: history changed across the restart ({len(before[vm.name])} events before, {len(after)} after)")
        expect(len(after) > len(before[vm.name]), f"{vm.name}: the reconnect was not recorded")
    return f"all responsive {took:.1f} s after the restart; {sum(len(h) for h in before.values())} earlier events kept"


def boot_states(fleetd, vms):
    # Their sockets are new: until each agent first answered, missed heartbeats say 'booting'.
    before = {vm.name: [t["to"] for t in fleetd.show(vm.name)["transitions"]] for vm in vms}
    before = {name: states[:states.index("responsive")] for name, states in before.items()}
    expect(all("unresponsive" not in states for states in before.values()), f"states before responsive: {before}")
    return "seen booting: " + (", ".join(name for name, states in before.items() if "booting" in states) or "none (booted within two heartbeats)")


def drift(fleetd, vm):
    return (fleetd.show(vm.name) or {}).get("clockDriftMs")


def pause_resume(fleetd, vm):
    initial = wait_for(f"{vm.name} clock drift measured", 90, lambda: (drift(fleetd, vm) is not None, drift(fleetd, vm)))
    paused_for = 15
    vm.hmp("stop")
    paused = time.monotonic()
    try:
        wait_for(f"{vm.name} unresponsive", 30, lambda: (fleetd.state(vm.name) == "unresponsive", fleetd.state(vm.name)))
        detected = time.monotonic() - paused
        time.sleep(max(0, paused_for - (time.monotonic() - paused)))
    finally:
        vm.hmp("cont")
    resumed = time.monotonic()
    wait_for(f"{vm.name} responsive again", 30, lambda: (fleetd.state(vm.name) == "responsive", fleetd.state(vm.name)))
    returned = time.monotonic() - resumed
    reason = fleetd.show(vm.name)["transitions"]
    expect(any(t["to"] == "unresponsive" and "heartbeats missed" in t["reason"] for t in reason), f"transitions: {reason}")
    # The guest's clock stood still while QEMU was stopped: it now runs behind by about that long.
    later = wait_for(f"{vm.name} drift after the pause", 30,
                     lambda: ((drift(fleetd, vm) or 0) < initial - (paused_for - 3) * 1000, drift(fleetd, vm)))
    return (f"unresponsive {detected:.1f} s after stop, responsive {returned:.1f} s after cont; "
            f"drift {initial} ms → {later} ms")


def shutdown(fleetd, vm):
    said = fleetd.ok("shutdown", vm.name).strip()
    expect(said == f"{vm.name}: powerdown requested", f"shutdown said {said!r}")
    expect(vm.wait_exit(60), "QEMU still running 60 s after the shutdown")
    def recorded():
        detail = fleetd.show(vm.name) or {}
        return (detail.get("state") in ("gone", "disconnected") and detail.get("reason"), (detail.get("state"), detail.get("reason")))
    state, reason = wait_for(f"{vm.name} gone or disconnected", 30, recorded)
    events = fleetd.history(vm.name)
    expect(any(e.get("to") == state for e in events), f"history has no transition to {state}")
    return f"QEMU exited; {state}: {reason}"


if __name__ == "__main__":
    main()
