"""One QEMU VM of the end-to-end test: TCG, the initramfs guest, its QGA chardev socket in the
directory fleetd watches with a QMP monitor for fleetd beside it (NAME.qmp: its run state), a
second QMP monitor and a human monitor for the test, daemonized and stopped by its PID."""
import json
import os
import signal
import socket
import subprocess
import time


class VM:
    def __init__(self, name, work, vm_dir, kernel, initrd, mac, ip, agent, smp=1, memory=256, fleet_port=False, no_shutdown=False):
        self.name = name
        # With fleet_port, fleetd's socket (in its directory) is fleet-agent's own port
        # org.fleet.agent.0, and the standard port's socket is elsewhere, for another client.
        self.socket = os.path.join(vm_dir, name + ".sock")
        self.standard_socket = os.path.join(work, name + ".qga") if fleet_port else self.socket
        self.monitor = os.path.join(work, name + ".monitor")
        # QMP serves one client per monitor: fleetd holds NAME.qmp, the test drives its own.
        self.qmp_socket = os.path.join(vm_dir, name + ".qmp")
        self.control_qmp = os.path.join(work, name + ".control.qmp")
        self.pidfile = os.path.join(work, name + ".pid")
        self.console = os.path.join(work, name + ".console")
        self.mac = mac
        self.ip = ip
        self.pid = None
        self.command = [
            "qemu-system-x86_64", "-accel", "tcg", "-m", str(memory), "-smp", str(smp),
            "-nodefaults", "-no-user-config", "-M", "pc", "-display", "none",
            "-monitor", f"unix:{self.monitor},server=on,wait=off",
            "-qmp", f"unix:{self.qmp_socket},server=on,wait=off",
            "-qmp", f"unix:{self.control_qmp},server=on,wait=off",
            "-serial", f"file:{self.console}",
            "-kernel", f"/boot/vmlinuz-{kernel}", "-initrd", initrd,
            "-append", f"console=ttyS0 quiet panic=-1 fleet.host={name} fleet.ip={ip} fleet.agent={agent}",
            "-no-reboot",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,path={self.standard_socket},server=on,wait=off,id=qga0",
            "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
            "-netdev", "user,id=n0,restrict=on",
            "-device", f"virtio-net-pci,netdev=n0,mac={mac},romfile=",
            "-pidfile", self.pidfile, "-daemonize",
        ]
        if no_shutdown:
            # A guest that shuts down leaves QEMU running, its VM shut down, until a quit.
            self.command += ["-no-shutdown"]
        if fleet_port:
            self.command += [
                "-chardev", f"socket,path={self.socket},server=on,wait=off,id=fleet0",
                "-device", "virtserialport,chardev=fleet0,name=org.fleet.agent.0",
            ]

    def start(self):
        subprocess.run(self.command, check=True, capture_output=True)
        with open(self.pidfile) as f:
            self.pid = int(f.read().strip())

    def running(self):
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        # A zombie is gone for our purposes (QEMU daemonized: it is not our child).
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    def wait_exit(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                return True
            time.sleep(0.2)
        return False

    def hmp(self, command):
        """Runs one human-monitor command (stop, cont, …) and returns its output."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.monitor)
            output = b""
            while not output.endswith(b"(qemu) "):
                output += s.recv(4096)
            s.sendall(command.encode() + b"\n")
            output = b""
            while not output.endswith(b"(qemu) "):
                chunk = s.recv(4096)
                if not chunk:
                    break
                output += chunk
            return output.decode(errors="replace")

    def qmp(self, command):
        """Runs one QMP command (stop, cont, …) on the test's own monitor; returns its reply."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.control_qmp)
            lines = s.makefile("rw")
            json.loads(lines.readline())  # the greeting
            for execute in ("qmp_capabilities", command):
                lines.write(json.dumps({"execute": execute}) + "\n")
                lines.flush()
                while True:
                    reply = json.loads(lines.readline())
                    if "return" in reply or "error" in reply:
                        break
            return reply

    def stop(self):
        """Stops QEMU by its PID (SIGTERM, then SIGKILL)."""
        if not self.running():
            return
        os.kill(self.pid, signal.SIGTERM)
        if not self.wait_exit(10):
            os.kill(self.pid, signal.SIGKILL)
            self.wait_exit(5)

    def console_tail(self, lines=15):
        try:
            with open(self.console, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except FileNotFoundError:
            return "(no console output)"
