#!/bin/sh
# Installs fleet-agent from this tarball on a systemd guest without dpkg (run as root from the
# unpacked directory): the same files, modes and unit as the .deb. --uninstall removes them
# (the configuration is kept).
set -eu
cd "$(dirname "$0")"
prefix=${DESTDIR:-}
if [ "${1:-}" = "--uninstall" ]; then
  systemctl stop fleet-agent.service 2>/dev/null || true
  rm -f "$prefix/usr/sbin/fleet-agent" "$prefix/lib/systemd/system/fleet-agent.service" \
    "$prefix/lib/udev/rules.d/60-fleet-agent.rules"
  echo "fleet-agent removed (kept /etc/qemu)"
  exit 0
fi
if [ -z "$prefix" ] && [ -e /usr/sbin/qemu-ga ]; then
  echo "note: qemu-ga is installed too; fleet-agent.service conflicts with qemu-guest-agent.service" >&2
fi
install -D -m 0755 usr/sbin/fleet-agent "$prefix/usr/sbin/fleet-agent"
install -D -m 0644 lib/systemd/system/fleet-agent.service "$prefix/lib/systemd/system/fleet-agent.service"
install -D -m 0644 lib/udev/rules.d/60-fleet-agent.rules "$prefix/lib/udev/rules.d/60-fleet-agent.rules"
install -d -m 0755 "$prefix/etc/qemu/fsfreeze-hook.d"
install -m 0755 etc/qemu/fsfreeze-hook "$prefix/etc/qemu/fsfreeze-hook"
# Never overwrite a configuration the admin may have changed.
[ -e "$prefix/etc/qemu/qemu-ga.conf" ] || install -m 0644 etc/qemu/qemu-ga.conf "$prefix/etc/qemu/qemu-ga.conf"
if [ -z "$prefix" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  udevadm control --reload 2>/dev/null || true
  # Start now if the port is already there (otherwise udev starts it when it appears).
  udevadm trigger --subsystem-match=virtio-ports --action=add 2>/dev/null || true
fi
echo "fleet-agent installed"
