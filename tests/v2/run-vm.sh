#!/bin/bash
# Run a command in a pure cgroup v2 VM (make check-v2). See docs/check-v2.md.
#
#   tests/v2/run-vm.sh [CMD [ARG...]]
#
# Boots the newest Debian kernel in /boot under QEMU (TCG: this machine has
# /dev/kvm but no vmx/svm) with cgroup_no_v1=all, builds the guest's root from
# 9p shares of the host's /usr and /etc (read-only) and of this checkout
# (read-write, at the same absolute path), runs CMD as root in the checkout and
# exits with CMD's exit status. The guest's console streams to stdout.
#
# CMD defaults to `make -C <checkout> check-v2-inner` when the Makefile has
# that target, else to tests/v2/smoke.sh. Build on the host first: the guest
# only runs what is there.
#
# Environment:
#   HUTCH_V2_TIMEOUT  seconds before QEMU is killed (default 1200)
#   HUTCH_V2_MEM      guest memory (default 2G)
#   HUTCH_V2_SMP      guest CPUs (default 2)
#   HUTCH_V2_KERNEL   a /boot/vmlinuz-* to boot instead of the newest
#   HUTCH_V2_BOOT     pvh (default: the extracted ELF vmlinux, no in-guest
#                     decompression) or bzimage (the vmlinuz as is)
#   HUTCH_V2_MACHINE  QEMU machine (default q35: 0.4 s faster to boot than pc)
#   HUTCH_V2_CPU      QEMU CPU model (default qemu64: under TCG, max makes
#                     boot and the smoke run 10-15% slower)
#   HUTCH_V2_APPEND   extra kernel command line (e.g. loglevel=7 to see boot)
#   HUTCH_V2_ENV      names of extra variables to pass to CMD; always passed:
#                     CI, V, VERBOSE, CC and every HUTCH_* variable
#
# Exit status: CMD's; 1 (with a message) when the VM died or timed out before
# CMD's status came back.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
timeout_s=${HUTCH_V2_TIMEOUT:-1200}
mem=${HUTCH_V2_MEM:-2G}
smp=${HUTCH_V2_SMP:-2}
boot=${HUTCH_V2_BOOT:-pvh}
machine=${HUTCH_V2_MACHINE:-q35}
cpu=${HUTCH_V2_CPU:-qemu64}
PATH=$PATH:/usr/sbin:/sbin # modprobe
modules="virtio_pci 9pnet_virtio 9p overlay"

die() {
	echo "run-vm: $*" >&2
	exit 1
}

"$here/deps.sh" || die "cannot install the VM's packages (tests/v2/deps.sh)"

# --- the kernel ------------------------------------------------------------

kernel=${HUTCH_V2_KERNEL:-$(printf '%s\n' /boot/vmlinuz-* | sort -V | tail -n 1)}
[ -r "$kernel" ] || die "no kernel in /boot (is linux-image-amd64 installed?)"
kver=${kernel##*/vmlinuz-}
[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver for $kernel"
[ -r "/boot/config-$kver" ] || die "no /boot/config-$kver"
cache=$repo/build/v2/$kver
mkdir -p "$cache"

# u32 / u8 at a byte offset of a file, little-endian as on x86.
le32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
le8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }

# extract_vmlinux BZIMAGE OUT: write the ELF kernel inside a bzImage to OUT.
# The boot protocol (Documentation/x86/boot.rst) puts the protected-mode code
# at (setup_sects + 1) * 512 and, from protocol 2.08, the compressed payload
# at payload_offset (0x248) / payload_length (0x24c) into it. QEMU boots that
# ELF straight in 32-bit mode through its PVH note (CONFIG_PVH), skipping the
# real-mode setup and the in-guest decompression, which TCG runs slowly.
extract_vmlinux() {
	local bz=$1 out=$2 sects off len magic
	[ "$(od -An -c -j $((0x202)) -N4 "$bz" | tr -d ' ')" = HdrS ] ||
		die "$bz: not a bzImage"
	sects=$(le8 "$bz" $((0x1f1)))
	[ "$sects" -eq 0 ] && sects=4
	off=$(((sects + 1) * 512 + $(le32 "$bz" $((0x248)))))
	# The build appends the uncompressed size (size_append): not part of the
	# compressed stream, and xz rejects it.
	len=$(($(le32 "$bz" $((0x24c))) - 4))
	magic=$(od -An -tx1 -j "$off" -N4 "$bz" | tr -d ' ')
	local unpack
	case $magic in
	fd377a58) unpack="xz -dcq" ;; # busybox unxz lacks the x86 BCJ filter
	1f8b*) unpack="gzip -dc" ;;
	28b52ffd) unpack="zstd -dcq" ;;
	*) die "$bz: payload compression (magic $magic) not handled; try HUTCH_V2_BOOT=bzimage" ;;
	esac
	dd if="$bz" iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none |
		$unpack >"$out.$$" ||
		die "$bz: cannot decompress the payload with $unpack"
	[ "$(od -An -c -N4 "$out.$$" | tr -d ' ')" = 177ELF ] || die "$bz: payload is not an ELF"
	mv "$out.$$" "$out"
}

case $boot in
pvh)
	image=$cache/vmlinux
	if [ ! -s "$image" ] || [ "$kernel" -nt "$image" ]; then
		echo "run-vm: extracting $image"
		extract_vmlinux "$kernel" "$image"
	fi
	;;
bzimage) image=$kernel ;;
*) die "HUTCH_V2_BOOT=$boot: expected pvh or bzimage" ;;
esac

# --- the initramfs -----------------------------------------------------------
# busybox-static, tests/v2/init and the modules the init needs to reach the 9p
# shares (plus overlay), in dependency order. Rebuilt when any input changes.

# Modules, in load order without repeats, skipping what this kernel has built in.
module_files() {
	local m
	for m in $modules; do
		modprobe -S "$kver" --show-depends "$m" || die "modprobe: no module $m for $kver"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

initramfs=$cache/initramfs.cpio
if [ ! -s "$initramfs" ] || [ "$here/init" -nt "$initramfs" ] ||
	[ "$here/run-vm.sh" -nt "$initramfs" ] || [ /bin/busybox -nt "$initramfs" ] ||
	[ "/lib/modules/$kver/modules.dep" -nt "$initramfs" ]; then
	echo "run-vm: building $initramfs"
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$stage/bin/busybox"
	cp "$here/init" "$stage/init"
	chmod 0755 "$stage/init"
	mfiles=$(module_files)
	for f in $mfiles; do
		name=${f##*/}
		case $name in
		*.ko) cp "$f" "$stage/modules/$name" ;;
		*.ko.xz) xz -dcq "$f" >"$stage/modules/${name%.xz}" ;;
		*.ko.zst) zstd -dcq "$f" >"$stage/modules/${name%.zst}" ;;
		*.ko.gz) gzip -dc "$f" >"$stage/modules/${name%.gz}" ;;
		*) die "module $f: unknown format" ;;
		esac
		name=${name%.ko*}.ko
		echo "$name" >>"$stage/modules/load"
	done
	touch "$stage/modules/load"
	# Uncompressed: the kernel copies it in a blink, where TCG would take
	# a while to inflate it.
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
		>"$initramfs.$$"
	mv "$initramfs.$$" "$initramfs"
	rm -rf "$stage"
	trap - EXIT
fi

# --- the control share -------------------------------------------------------
# config (sourced by the guest's init), cmd and env (for bash), and status,
# which the guest writes last.

ctl=$(mktemp -d "${TMPDIR:-/tmp}/hutch-v2.XXXXXX")
trap 'rm -rf "$ctl"' EXIT

if [ $# -eq 0 ]; then
	if grep -q '^check-v2-inner:' "$repo/Makefile"; then
		set -- make -C "$repo" check-v2-inner
	else
		set -- "$repo/tests/v2/smoke.sh"
	fi
fi

# A POSIX single-quoted word, for the busybox sh that reads config.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

links=""
for d in bin sbin lib lib32 lib64 libx32; do
	if [ -L "/$d" ]; then
		links="$links $d=$(readlink "/$d")"
	elif [ -d "/$d" ]; then
		# Not merged-/usr: the guest only sees /usr, so point there.
		links="$links $d=usr/$d"
	fi
done

{
	echo "V2_REPO=$(shq "$repo")"
	echo "V2_LINKS=$(shq "${links# }")"
	echo "V2_CMD_TEXT=$(shq "$*")"
} >"$ctl/config"
printf '%q ' exec "$@" >"$ctl/cmd"
echo >>"$ctl/cmd"
: >"$ctl/env"
for v in CI V VERBOSE CC ${HUTCH_V2_ENV:-} $(compgen -v HUTCH_ || true); do
	[ -n "${!v+set}" ] && printf '%s=%q\n' "$v" "${!v}" >>"$ctl/env"
done

# --- QEMU ----------------------------------------------------------------------

# share TAG PATH [ro]: a 9p export. security_model=none: the guest sees the
# host's owners and modes as they are (root's /usr stays root's) and files it
# creates belong to whoever runs QEMU. A comma in PATH is doubled for QEMU.
share() {
	local opt="local,path=${2//,/,,},mount_tag=$1,security_model=none,multidevs=remap"
	[ "${3:-}" = ro ] && opt="$opt,readonly=on"
	printf '%s\n' -virtfs "$opt"
}
mapfile -t shares < <(share usr /usr ro; share etc /etc ro; share repo "$repo"; share ctl "$ctl")

echo "run-vm: booting $kver ($boot, TCG, $smp CPUs, $mem), timeout ${timeout_s}s: $*"
start=$(date +%s.%N)
set +e
# --foreground: QEMU keeps the terminal (and Ctrl-C reaches it); it has no
# children for timeout to miss.
timeout --foreground -k 10 "$timeout_s" \
	qemu-system-x86_64 -accel tcg -M "$machine" -cpu "$cpu" -m "$mem" -smp "$smp" \
	-nodefaults -no-reboot -display none -monitor none \
	-chardev stdio,id=con,signal=on -serial chardev:con \
	-kernel "$image" -initrd "$initramfs" \
	-append "console=ttyS0 cgroup_no_v1=all quiet panic=-1 ${HUTCH_V2_APPEND:-}" \
	"${shares[@]}"
qrc=$?
set -e
elapsed=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	die "timed out after ${timeout_s}s (HUTCH_V2_TIMEOUT); QEMU killed"
fi
[ -s "$ctl/status" ] ||
	die "the VM stopped after ${elapsed}s without reporting the command's status (QEMU exit $qrc)"
rc=$(cat "$ctl/status")
echo "run-vm: command exited $rc; VM ran ${elapsed}s"
exit "$rc"
