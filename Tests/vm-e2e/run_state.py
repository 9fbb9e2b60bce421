"""Checks of how a VM runs, as fleetd sees it: booting, paused through QMP, shut down."""
import json
import subprocess
import time

from harness import expect, wait_for


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
    missed_before = fleetd.show(vm.name)["heartbeat"]["missed"]
    paused_for = 15
    reply = vm.qmp("stop")
    expect(reply.get("return") == {}, f"QMP stop: {reply}")
    stopped = time.monotonic()
    seen = set()
    try:
        wait_for(f"{vm.name} paused", 2, lambda: (fleetd.state(vm.name) == "paused", fleetd.state(vm.name)), 0.1)
        detected = time.monotonic() - stopped
        # Many heartbeat intervals: a VM judged by its agent alone would be unresponsive by now.
        listed = [r["name"] for r in json.loads(fleetd.ok("list", "--filter", "state=paused", "--format", "json"))]
        expect(listed == [vm.name], f"list --filter state=paused: {listed}")
        refused = fleetd.ctl("ping", vm.name)
        expect(refused.returncode == 6 and f"VM '{vm.name}' is paused since" in refused.stderr,
               f"ping while paused: exit {refused.returncode}, {refused.stderr.strip()!r}")
        # One that may wait is answered once the VM runs again.
        waiting = subprocess.Popen([f"{fleetd.bin}/fleetctl", "ping", vm.name, "--wait-paused", "60"], env=fleetd.env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while time.monotonic() - stopped < paused_for:
            seen.add(fleetd.state(vm.name))
            time.sleep(1)
    finally:
        vm.qmp("cont")
    resumed = time.monotonic()
    out, err = waiting.communicate(timeout=30)
    expect(waiting.returncode == 0 and "agent answered in" in out, f"ping --wait-paused: exit {waiting.returncode}, {out!r} {err!r}")
    wait_for(f"{vm.name} responsive again", 2, lambda: (fleetd.state(vm.name) == "responsive", fleetd.state(vm.name)), 0.1)
    returned = time.monotonic() - resumed
    expect(seen == {"paused"}, f"states while paused: {seen}")
    detail = fleetd.show(vm.name)
    missed = detail["heartbeat"]["missed"] - missed_before
    expect(missed == 0, f"{missed} heartbeats counted missed while paused")
    transitions = detail["transitions"]
    since = max(i for i, t in enumerate(transitions) if t["to"] == "paused")
    expect([(t["to"], t["reason"]) for t in transitions[since:]] == [
        ("paused", "paused by its operator"), ("syncing", "resumed; resyncing"), ("responsive", "sync id matched")],
        f"transitions since the pause: {transitions[since:]}")
    # The guest's clock stood still while its CPUs were stopped: the resync's inventory round
    # measures it behind by about that long, at once.
    later = wait_for(f"{vm.name} drift after the pause", 10,
                     lambda: ((drift(fleetd, vm) or 0) < initial - (paused_for - 3) * 1000, drift(fleetd, vm)), 0.2)
    measured = time.monotonic() - resumed
    return (f"paused {detected:.1f} s after QMP stop, no miss in {paused_for} s; responsive {returned:.1f} s after cont; "
            f"drift {initial} ms → {later} ms, {measured:.1f} s after cont")


def shutdown(fleetd, vm):
    said = fleetd.ok("shutdown", vm.name).strip()
    expect(said == f"{vm.name}: powerdown requested", f"shutdown said {said!r}")
    def stopped():
        detail = fleetd.show(vm.name) or {}
        return (detail.get("state") == "stopped", (detail.get("state"), detail.get("reason")))
    _, reason = wait_for(f"{vm.name} stopped", 60, stopped)
    expect(reason == "shut down (guest-shutdown)", f"stopped because {reason!r}")
    expect(vm.running(), "QEMU exited despite -no-shutdown")
    vm.qmp("quit")
    expect(vm.wait_exit(30), "QEMU still running 30 s after quit")
    def gone():
        detail = fleetd.show(vm.name) or {}
        return (detail.get("state") == "gone", (detail.get("state"), detail.get("reason")))
    _, gone_reason = wait_for(f"{vm.name} gone", 30, gone)
    states = [t["to"] for t in fleetd.show(vm.name)["transitions"]]
    expect(states[-2:] == ["stopped", "gone"], f"last transitions {states[-4:]}")
    return f"stopped: {reason}; QEMU quit, gone: {gone_reason}"
