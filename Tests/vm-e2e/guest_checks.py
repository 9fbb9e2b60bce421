"""Checks of the agent's commands inside a VM, through fleetctl (inventory, exec, files, time,
freeze, passwords, ssh keys, vcpus)."""
import json
import re
import time
from datetime import datetime, timezone

from harness import Failed, expect, wait_for

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFleetEndToEndTestKeyOnlyNotARealOne0000000 e2e@fleet"


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
        expect(froze.startswith(f"{vm.name}: froze 1 filesystem; fleetd thaws it at "), f"freeze said {froze!r}")
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


def freeze_deadline(fleetd, vm, thaw_after=4):
    said = fleetd.ok("freeze", vm.name, "--thaw-after", str(thaw_after)).strip()
    frozen_at = time.monotonic()
    expect(said.startswith(f"{vm.name}: froze 1 filesystem; fleetd thaws it at "), f"freeze said {said!r}")
    try:
        wait_for(f"{vm.name} state frozen", 15, lambda: (fleetd.state(vm.name) == "frozen", fleetd.state(vm.name)))
        # Nobody thaws it: fleetd does, when the deadline passes.
        detail = wait_for(f"{vm.name} thawed by fleetd", thaw_after + 15,
                          lambda: ((fleetd.show(vm.name) or {}).get("state") == "responsive", fleetd.show(vm.name) or {}), 0.2)
        took = time.monotonic() - frozen_at
    finally:
        if fleetd.state(vm.name) == "frozen":
            fleetd.ctl("thaw", vm.name)
    expect(detail["reason"].startswith("thawed by fleetd: its freeze's deadline passed"), f"reason {detail['reason']!r}")
    expect(took >= thaw_after - 0.5, f"thawed {took:.1f} s after a freeze with a {thaw_after} s deadline")
    expect(fleetd.ok("freeze", vm.name, "--status").strip() == f"{vm.name}: thawed", "the agent is still frozen")
    fleetd.ok("exec", vm.name, "--", "/bin/sh", "-c", "echo after deadline >> /mnt/data/hello && sync")
    return f"thawed by fleetd {took:.1f} s after a freeze with a {thaw_after} s deadline; writable"
