#!/bin/sh
# Install the Debian packages the cgroup v2 test VM needs (tests/v2/run-vm.sh),
# when missing. Non-interactive; safe to run again; quiet when all present.
#   qemu-system-x86   the emulator (TCG: no vmx/svm here, so no KVM)
#   linux-image-amd64 the guest kernel and its modules (/boot, /lib/modules)
#   busybox-static    the guest's early userspace (initramfs)
#   cpio              to pack the initramfs
#   xz-utils          to unpack the kernel for PVH boot (priority standard only)
#   kmod              modprobe, to resolve module dependencies
set -eu
PKGS="qemu-system-x86 linux-image-amd64 busybox-static cpio xz-utils kmod"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "v2 deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# No recommends: they would pull in a desktop's worth of qemu UI and firmware.
# shellcheck disable=SC2086 # a list of names
apt-get install -y -qq --no-install-recommends $missing
