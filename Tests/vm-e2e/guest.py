"""Builds the test guest: a gzip'd newc initramfs for Debian's kernel holding a static busybox,
one QGA agent with the shared libraries `ldd` lists, the kernel modules it needs, and /init."""
import glob
import gzip
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))

# Loaded in this order (dependencies first): virtio transport and console, the NIC, and loop +
# ext4 (which asks the crypto API for crc32c at mount) for the filesystem guest-fsfreeze acts on.
MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci",
           "virtio_console", "failover", "net_failover", "virtio_net", "loop", "crc16", "crc32c_generic", "mbcache", "jbd2", "ext4"]

OS_RELEASE = """PRETTY_NAME="Fleet test guest 1 (initramfs)"
NAME="Fleet test guest"
VERSION_ID="1"
VERSION="1 (initramfs)"
ID=fleet-test-guest
ID_LIKE=debian
VARIANT="end-to-end"
VARIANT_ID=e2e
"""

PASSWD = "root:x:0:0:root:/root:/bin/sh\nfleet:x:1000:1000:Fleet test user:/home/fleet:/bin/sh\n"
SHADOW = "root:*:20000:0:99999:7:::\nfleet:!:20000:0:99999:7:::\n"
GROUP = "root:x:0:\nfleet:x:1000:\n"


def kernel_version():
    """The newest installed Debian kernel with its modules, e.g. 6.1.0-57-amd64."""
    versions = sorted(os.path.basename(path)[len("vmlinuz-"):] for path in glob.glob("/boot/vmlinuz-*")
                      if os.path.isdir("/lib/modules/" + os.path.basename(path)[len("vmlinuz-"):]))
    if not versions:
        raise RuntimeError("no kernel in /boot with modules in /lib/modules (apt-get install linux-image-amd64)")
    return versions[-1]


def shared_libraries(binary):
    """Every file the dynamic loader needs for `binary`, as ldd resolves them here."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    paths = []
    for line in out.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            paths.append(parts[2])
        elif parts and parts[0].startswith("/"):
            paths.append(parts[0])  # the loader itself
    return paths


def copy_into(root, source, destination=None, mode=None):
    """Copies a file's contents (symlinks followed) to the same or another path under root."""
    target = os.path.join(root, (destination or source).lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, mode if mode is not None else os.stat(source).st_mode & 0o7777)


def write_into(root, path, text, mode=0o644):
    target = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "w") as f:
        f.write(text)
    os.chmod(target, mode)


def build(work, name, agent_binary, kernel):
    """Writes WORK/NAME.cpio.gz: the guest for `agent_binary` (placed at /usr/sbin/<basename>)."""
    root = os.path.join(work, name + ".root")
    shutil.rmtree(root, ignore_errors=True)
    for directory in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "run", "tmp", "mnt",
                      "root", "home/fleet", "etc/qemu", "var/lib", "modules"]:
        os.makedirs(os.path.join(root, directory), exist_ok=True)
    os.symlink("/run", os.path.join(root, "var/run"))
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    os.chown(os.path.join(root, "home/fleet"), 1000, 1000)
    os.chmod(os.path.join(root, "home/fleet"), 0o755)

    copy_into(root, shutil.which("busybox") or "/bin/busybox", "/bin/busybox", 0o755)
    copy_into(root, os.path.join(HERE, "guest", "init"), "/init", 0o755)
    copy_into(root, os.path.join(HERE, "guest", "shutdown"), "/sbin/shutdown", 0o755)
    copy_into(root, os.path.join(HERE, "guest", "chpasswd"), "/usr/sbin/chpasswd", 0o755)
    agent_path = "/usr/sbin/" + os.path.basename(agent_binary)
    copy_into(root, agent_binary, agent_path, 0o755)
    for library in shared_libraries(agent_binary):
        copy_into(root, library)

    order = []
    for module in MODULES:
        path = subprocess.run(["modinfo", "-k", kernel, "-n", module], capture_output=True, text=True).stdout.strip()
        if not path.endswith(".ko"):
            continue  # built into this kernel
        copy_into(root, path, f"/modules/{module}.ko")
        order.append(module)
    write_into(root, "/modules/order", "\n".join(order) + "\n")

    write_into(root, "/etc/os-release", OS_RELEASE)
    write_into(root, "/etc/passwd", PASSWD)
    write_into(root, "/etc/shadow", SHADOW, 0o640)
    write_into(root, "/etc/group", GROUP)
    write_into(root, "/etc/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\n")

    # newc archive of the tree, owners and modes as they are here (root, fleet's home 1000).
    files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=root, capture_output=True, text=True, check=True).stdout
    archive = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files.encode(),
                             capture_output=True, check=True).stdout
    image = os.path.join(work, name + ".cpio.gz")
    with gzip.open(image, "wb", compresslevel=1) as f:
        f.write(archive)
    shutil.rmtree(root)
    return image, OS_RELEASE
