#!/usr/bin/env python3
"""Checks the agent's packages (scripts/package-agent) and the host's fleetd.service.

- The .deb: control fields, conffiles, every file with its mode and owner.
- Installed with dpkg into a fresh Debian root (debootstrap --variant=minbase, or the root in
  $FLEET_DEBIAN_ROOT): dpkg reports it installed, its dependencies were enough for the binary
  to run there, the shipped config parses, the fsfreeze hook runs the .d scripts and fails when
  one fails; removal keeps the conffiles, purge removes them.
- The tarball's install.sh (DESTDIR) lays down the same files and modes as the .deb.
- systemd-analyze verify on fleet-agent.service and config/fleetd.service (where available),
  and fleetd.service's offline security exposure stays "SAFE".

  test_package.py --deb DIST/fleet-agent_V_amd64.deb --tarball DIST/fleet-agent_V_amd64.tar.gz --fleetd BIN
"""
import argparse
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

FILES = {  # path: (mode, type)
    "/usr/sbin/fleet-agent": (0o755, "f"),
    "/lib/systemd/system/fleet-agent.service": (0o644, "f"),
    "/lib/udev/rules.d/60-fleet-agent.rules": (0o644, "f"),
    "/etc/qemu/qemu-ga.conf": (0o644, "f"),
    "/etc/qemu/fsfreeze-hook": (0o755, "f"),
    "/etc/qemu/fsfreeze-hook.d": (0o755, "d"),
}
failures = []


def check(name, condition, detail=""):
    print(f"{'ok  ' if condition else 'FAIL'} {name}{': ' + detail if detail and not condition else ''}", flush=True)
    if not condition:
        failures.append(name)
    return condition


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def tree_modes(root, paths):
    found = {}
    for path in paths:
        full = os.path.join(root, path.lstrip("/"))
        if os.path.lexists(full):
            st = os.lstat(full)
            found[path] = (stat.S_IMODE(st.st_mode), "d" if stat.S_ISDIR(st.st_mode) else "f", st.st_uid, st.st_gid)
    return found


def check_deb(deb):
    info = run("dpkg-deb", "--field", deb).stdout
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", info, re.M))
    check("deb: package name and architecture", fields.get("Package") == "fleet-agent" and fields.get("Architecture") == "amd64", info)
    check("deb: depends on libc6 with a version", re.search(r"libc6 \(>= 2\.\d+\)", fields.get("Depends", "")) is not None, fields.get("Depends", ""))
    check("deb: conflicts with and replaces qemu-guest-agent",
          "qemu-guest-agent" in fields.get("Conflicts", "") and "qemu-guest-agent" in fields.get("Replaces", ""))
    conffiles = run("sh", "-c", f"dpkg-deb --ctrl-tarfile '{deb}' | tar -xO ./conffiles").stdout.split()
    check("deb: qemu-ga.conf and fsfreeze-hook are conffiles", set(conffiles) == {"/etc/qemu/qemu-ga.conf", "/etc/qemu/fsfreeze-hook"}, str(conffiles))
    listing = run("dpkg-deb", "--contents", deb).stdout
    entries = {}
    for line in listing.splitlines():
        parts = line.split()
        path = parts[-1][1:].rstrip("/") or "/"
        entries[path] = (parts[0], parts[1])
    for path, (mode, kind) in FILES.items():
        permissions, owner = entries.get(path, ("missing", ""))
        expected = ("d" if kind == "d" else "-") + stat.filemode(mode)[1:]
        check(f"deb: {path} {expected} root/root", permissions == expected and owner == "root/root", f"{permissions} {owner}")
    return fields


def debian_root(work):
    given = os.environ.get("FLEET_DEBIAN_ROOT")
    if given:
        return given
    root = os.path.join(work, "debian")
    if not shutil.which("debootstrap"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "debootstrap"],
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"), capture_output=True)
    result = run("debootstrap", "--variant=minbase", "bookworm", root, "http://deb.debian.org/debian")
    if result.returncode != 0:
        print(f"SKIP fresh Debian root: debootstrap failed ({result.stdout[-300:]}{result.stderr[-300:]})")
        return None
    return root


def check_installed(root, deb):
    shutil.copy(deb, os.path.join(root, "tmp/fleet-agent.deb"))
    installed = run("chroot", root, "dpkg", "-i", "/tmp/fleet-agent.deb")
    check("debian root: dpkg -i succeeds (dependencies satisfied by a minimal Debian)", installed.returncode == 0,
          installed.stdout[-500:] + installed.stderr[-500:])
    status = run("chroot", root, "dpkg-query", "-W", "-f=${Status}", "fleet-agent").stdout
    check("debian root: dpkg reports it installed", status == "install ok installed", status)
    found = tree_modes(root, FILES)
    for path, (mode, kind) in FILES.items():
        check(f"debian root: {path} mode {oct(mode)} owned by root", found.get(path) == (mode, kind, 0, 0), str(found.get(path)))
    version = run("chroot", root, "/usr/sbin/fleet-agent", "-V")
    check("debian root: the binary runs there (no Swift runtime installed)", version.returncode == 0 and "fleet-agent" in version.stdout,
          version.stdout + version.stderr)
    dump = run("chroot", root, "/usr/sbin/fleet-agent", "-D").stdout
    check("debian root: the shipped qemu-ga.conf is read (fsfreeze hook on, defaults kept)",
          "fsfreeze-hook=/etc/qemu/fsfreeze-hook" in dump and "method=virtio-serial" in dump, dump)

    # The hook runs every executable in fsfreeze-hook.d with the action, and fails with them.
    hook_dir = os.path.join(root, "etc/qemu/fsfreeze-hook.d")
    with open(os.path.join(hook_dir, "10-record"), "w") as f:
        f.write("#!/bin/sh\necho \"$1\" >> /tmp/hook-calls\n")
    os.chmod(os.path.join(hook_dir, "10-record"), 0o755)
    freeze = run("chroot", root, "/etc/qemu/fsfreeze-hook", "freeze")
    thaw = run("chroot", root, "/etc/qemu/fsfreeze-hook", "thaw")
    with open(os.path.join(root, "tmp/hook-calls")) as f:
        calls = f.read().split()
    check("debian root: fsfreeze-hook runs the .d scripts with freeze and thaw",
          freeze.returncode == 0 and thaw.returncode == 0 and calls == ["freeze", "thaw"], str(calls))
    with open(os.path.join(hook_dir, "20-refuse"), "w") as f:
        f.write("#!/bin/sh\nexit 3\n")
    os.chmod(os.path.join(hook_dir, "20-refuse"), 0o755)
    refused = run("chroot", root, "/etc/qemu/fsfreeze-hook", "freeze")
    check("debian root: a failing hook script fails the freeze", refused.returncode == 3, str(refused.returncode))
    for name in ("10-record", "20-refuse"):
        os.remove(os.path.join(hook_dir, name))

    removed = run("chroot", root, "dpkg", "-r", "fleet-agent")
    left = tree_modes(root, FILES)
    check("debian root: dpkg -r removes the binary and unit, keeps the conffiles",
          removed.returncode == 0 and "/usr/sbin/fleet-agent" not in left and "/lib/systemd/system/fleet-agent.service" not in left
          and "/etc/qemu/qemu-ga.conf" in left, str(sorted(left)))
    purged = run("chroot", root, "dpkg", "-P", "fleet-agent")
    left = tree_modes(root, FILES)
    check("debian root: dpkg -P removes the conffiles", purged.returncode == 0 and "/etc/qemu/qemu-ga.conf" not in left, str(sorted(left)))


def check_tarball(tarball, work):
    unpack = os.path.join(work, "tar")
    os.makedirs(unpack)
    subprocess.run(["tar", "-xzf", tarball, "-C", unpack], check=True)
    [top] = os.listdir(unpack)
    destination = os.path.join(work, "tar-root")
    result = run(os.path.join(unpack, top, "install.sh"), env=dict(os.environ, DESTDIR=destination))
    check("tarball: install.sh succeeds", result.returncode == 0, result.stdout + result.stderr)
    found = tree_modes(destination, FILES)
    check("tarball: install.sh lays down the .deb's files and modes",
          {p: v[:2] for p, v in found.items()} == FILES, str(found))


def check_units(fleetd, agent_unit_source):
    if not shutil.which("systemd-analyze"):
        print("SKIP systemd-analyze verify: systemd-analyze is not installed")
        return
    here = os.path.dirname(os.path.abspath(__file__))
    repository = os.path.dirname(os.path.dirname(here))
    with tempfile.TemporaryDirectory() as scratch:
        # verify insists that ExecStart= exists: point it at the binaries built here.
        units = [("fleetd.service", os.path.join(repository, "config/fleetd.service"), "/usr/local/bin/fleetd", fleetd),
                 ("fleet-agent.service", agent_unit_source, "/usr/sbin/fleet-agent", os.path.join(repository, "dist/fleet-agent"))]
        for name, source, installed, built in units:
            with open(source) as f:
                text = f.read()
            check(f"{name}: ExecStart is {installed}", f"ExecStart={installed}" in text)
            path = os.path.join(scratch, name)
            with open(path, "w") as f:
                f.write(text.replace(installed, os.path.abspath(built)))
            verified = run("systemd-analyze", "verify", path)
            check(f"{name}: systemd-analyze verify", verified.returncode == 0 and not verified.stderr.strip(), verified.stderr)
        security = run("systemd-analyze", "security", "--offline=true", os.path.join(scratch, "fleetd.service"))
        level = re.search(r"Overall exposure level for fleetd.service: ([0-9.]+) (\w+)", security.stdout)
        check("fleetd.service: offline security exposure is SAFE", level is not None and level.group(2) == "SAFE",
              security.stdout[-300:])
        if level:
            print(f"     fleetd.service exposure {level.group(1)} {level.group(2)}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deb", required=True)
    parser.add_argument("--tarball", required=True)
    parser.add_argument("--fleetd", required=True)
    options = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    agent_unit = os.path.join(os.path.dirname(os.path.dirname(here)), "packaging/fleet-agent/fleet-agent.service")
    work = tempfile.mkdtemp(prefix="fleet-package-test-")
    try:
        check_deb(options.deb)
        check_tarball(options.tarball, work)
        check_units(options.fleetd, agent_unit)
        root = debian_root(work)
        if root:
            check_installed(root, options.deb)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"package test: {len(failures)} failed")
        sys.exit(1)
    print("package test: all passed")


if __name__ == "__main__":
    main()
