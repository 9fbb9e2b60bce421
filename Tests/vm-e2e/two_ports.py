"""fleet-agent's two ports at once (issue 17): a client on the standard port
org.qemu.guest_agent.0 (as a management stack talks to it) while fleetd supervises the VM
through fleet-agent's own port org.fleet.agent.0 — both answered, one agent underneath."""
import json
import random
import socket
import threading
import time


class QGAClient:
    """A plain QGA client on a VM's chardev socket: sync-delimited, then one command at a time."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buffer = b""
        self.sync()

    def close(self):
        self.sock.close()

    def _line(self):
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the agent's socket closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line

    def sync(self):
        token = random.randrange(1, 2**31)
        self.sock.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited", "arguments": {"id": token}}).encode() + b"\n")
        while True:
            line = self._line()
            if b"\xff" in line:
                line = line.rsplit(b"\xff", 1)[1]
            try:
                if json.loads(line).get("return") == token:
                    return
            except ValueError:
                continue  # a partial line before the agent's 0xFF

    def call(self, command, arguments=None):
        request = {"execute": command}
        if arguments is not None:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        return json.loads(self._line())


def both_answered(fleetd, vm, expect, seconds=15):
    """The standard port's client and fleetd's exec through the fleet port, interleaved."""
    client = QGAClient(vm.standard_socket)
    tally = {"client": 0, "client_failed": [], "fleetd": 0}

    def standard_port():
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                for command in ("guest-ping", "guest-get-host-name", "guest-get-osinfo"):
                    reply = client.call(command)
                    if "return" in reply:
                        tally["client"] += 1
                    else:
                        tally["client_failed"].append(reply)
        except Exception as error:  # reported below, not lost in the thread
            tally["client_failed"].append(repr(error))

    thread = threading.Thread(target=standard_port)
    thread.start()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        out = fleetd.ok("exec", vm.name, "--", "/bin/sh", "-c", "echo through-the-fleet-port")
        expect(out.strip() == "through-the-fleet-port", f"fleetd's exec said {out!r}")
        tally["fleetd"] += 1
    thread.join()
    client.close()
    expect(not tally["client_failed"], f"the standard port's client failed: {tally['client_failed'][:3]}")
    expect(tally["client"] > 20 and tally["fleetd"] > 3, f"too few calls: {tally}")
    expect(fleetd.state(vm.name) == "responsive", f"{vm.name} is {fleetd.state(vm.name)}")
    return f"{tally['client']} calls on org.qemu.guest_agent.0 and {tally['fleetd']} execs through org.fleet.agent.0, all answered"


def freeze_across(fleetd, vm, expect, wait_for):
    """A freeze through either port is a freeze of the one agent, seen through the other."""
    client = QGAClient(vm.standard_socket, timeout=60)
    try:
        expect(client.call("guest-fsfreeze-freeze").get("return") == 1, "the standard port's freeze")
        status = fleetd.ok("freeze", vm.name, "--status").strip()
        expect(status == f"{vm.name}: frozen", f"fleetd's port says {status!r} after a freeze on the standard port")
        refused = fleetd.ctl("agent", vm.name, '{"execute":"guest-get-host-name"}')
        expect("frozen" in refused.stdout + refused.stderr, f"fleetd's command while frozen: {refused.stdout}{refused.stderr}")
        wait_for(f"{vm.name} state frozen", 15, lambda: (fleetd.state(vm.name) == "frozen", fleetd.state(vm.name)))
        expect(client.call("guest-fsfreeze-thaw").get("return") == 1, "the standard port's thaw")
        wait_for(f"{vm.name} state responsive", 15, lambda: (fleetd.state(vm.name) == "responsive", fleetd.state(vm.name)))

        froze = fleetd.ok("freeze", vm.name).strip()
        expect(froze.startswith(f"{vm.name}: froze 1 filesystem; fleetd thaws it at "), f"fleetd's freeze said {froze!r}")
        seen = client.call("guest-fsfreeze-status").get("return")
        expect(seen == "frozen", f"the standard port says {seen!r} after fleetd's freeze")
    finally:
        fleetd.ctl("thaw", vm.name)
        client.close()
    return "frozen on the standard port → frozen through fleetd's, and the other way round"
