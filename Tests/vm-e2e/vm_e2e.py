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
import signal
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest  # noqa: E402
import guest_checks  # noqa: E402
import run_state  # noqa: E402
import two_ports  # noqa: E402
from harness import Failed, expect, wait_for  # noqa: E402
from qemu import VM  # noqa: E402

HEARTBEAT = 2  # seconds; two misses (plus the command timeout) make a VM unresponsive


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
        # vm-b: paused and resumed through QMP, then shut down from inside (QEMU stays, -no-shutdown).
        VM("vm-b", work, vm_dir, kernel, fleet_initrd, "52:54:00:f1:ee:0b", "10.0.2.16/24", "/usr/sbin/fleet-agent", no_shutdown=True),
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
    run.check("while they booted, no VM was called unresponsive", lambda: run_state.boot_states(fleetd, vms))

    for vm in vms:
        run.check(f"{vm.name}: eth0 with its MAC and address, host name and OS info",
                  lambda vm=vm: guest_checks.inventory(fleetd, vm, kernel))
    for vm in (a, q):
        run.check(f"{vm.name}: exec returns stdout, stderr and exit code", lambda vm=vm: guest_checks.exec_round_trip(fleetd, vm))
        run.check(f"{vm.name}: file read of /etc/os-release matches the guest's", lambda vm=vm: guest_checks.file_read(fleetd, vm, os_release))
    run.check("vm-a: guest-set-time to a given time, then back to the host's clock", lambda: guest_checks.set_time(fleetd, a))
    for vm in (a, q):
        run.check(f"{vm.name}: guest-fsfreeze-freeze and thaw of the loop-mounted ext2", lambda vm=vm: guest_checks.freeze_thaw(fleetd, vm))
    run.check("vm-q: a freeze through fleetctl with a deadline is thawed by fleetd when it passes",
              lambda: guest_checks.freeze_deadline(fleetd, q))
    run.check("vm-a: a client on org.qemu.guest_agent.0 and fleetd on org.fleet.agent.0 at once, both answered",
              lambda: two_ports.both_answered(fleetd, a, expect))
    run.check("vm-a: a freeze through one port is seen as frozen through the other",
              lambda: two_ports.freeze_across(fleetd, a, expect, wait_for))
    run.check("vm-a: guest-set-user-password (hash verified in /etc/shadow)", lambda: guest_checks.set_password(fleetd, a))
    run.check("vm-a: ssh keys added, listed, written 0600, removed", lambda: guest_checks.ssh_keys(fleetd, a))
    run.check("vm-a: guest-set-vcpus takes cpu1 offline and back (-smp 2)", lambda: guest_checks.set_vcpus(fleetd, a))
    run.check("fleetd killed (SIGKILL) and restarted: every VM back, history intact", lambda: restart_fleetd(fleetd, vms))
    run.check("vm-b: QMP stop → paused (no miss), cont → responsive, drift measured again at once",
              lambda: run_state.pause_resume(fleetd, b))
    run.check("vm-b: fleetctl shutdown: stopped (QMP says why) while QEMU stays, gone when it quits", lambda: run_state.shutdown(fleetd, b))


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


if __name__ == "__main__":
    main()
