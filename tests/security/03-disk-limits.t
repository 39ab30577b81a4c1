#!/bin/bash
# Attacks 6, 7, 15, 16: fill every writable path, a sparse 2 GiB file past
# --fsize, running out of descriptors, and a core dump after trying to
# raise RLIMIT_CORE. Writes must land only in the run's own places, and
# every limit must hold without hurting the host.
. "$(dirname "$0")/../lib.sh"
require_sandbox

MIB=1048576

# 6. find every directory the program can create files in and fill each
# file system. Only tmpfs/overlay (the run's own) and the workdir may be
# writable; each must stop with an error before the 1 GiB cap.
attack "every writable path is the run's own and bounded"
W=$(mkworkdir fillall)
host_tmp_before=$(ls -A /tmp | sort)
probe_run --workdir "$W" --fsize 32M --tmpfs-size 32M --shm-size 8M --memory 512M \
	--wall-time 60 -- fill-all 1024
expect_not_hung
expect_line fill-all 'dirs=[1-9]'
while read -r line; do
	dir=${line#writable }
	dir=${dir%%: *}
	fstype=${line##*fstype=}
	case "$dir" in /box | /box/*) continue ;; esac
	case "$fstype" in tmpfs | overlay) ;; *) fail "$dir is writable and on the host's $fstype" ;; esac
done < <(printf '%s\n' "$OUT" | grep '^writable ')
while read -r line; do
	case "$line" in *errno*) ;; *) fail "no limit stopped: $line" ;; esac
done < <(printf '%s\n' "$OUT" | grep '^fill /')
size=$(du -sb "$W" | cut -f1)
[ "$size" -le $((33 * MIB)) ] || fail "workdir grew to $size bytes with --fsize 32M"
host_tmp_after=$(ls -A /tmp | sort)
new=$(comm -13 <(echo "$host_tmp_before") <(echo "$host_tmp_after") | grep -v '^hutch-sec\.' || true)
[ -z "$new" ] || note "new entries in host /tmp during the run (maybe other users): $new"
printf '%s\n' "$new" | grep -q '^\.probe-fill-all' && fail "probe file reached the host /tmp"
end_attack

# 6. --fsize bounds one file; many files must still be bounded somewhere.
# /tmp is (tmpfs-size); the workdir lives on the host's disk.
attack "many files in /tmp are bounded by --tmpfs-size"
probe_run --fsize 8M --tmpfs-size 32M --memory 512M --wall-time 30 -- fill-many /tmp 64 8
expect_not_hung
mb=$(pline "fill-many /tmp" | sed -n 's/.*mb=\([0-9]*\).*/\1/p')
[ -n "$mb" ] && [ "$mb" -le 32 ] || fail "wrote ${mb:-?} MiB to /tmp with --tmpfs-size 32M"
end_attack

attack "many files in the workdir are bounded (512M attempted with --fsize 8M)"
known_hole "the workdir is a bind of a host directory: no byte quota on it yet (only --fsize per file and the wall clock)"
W=$(mkworkdir fillmany)
probe_run --workdir "$W" --fsize 8M --memory 512M --wall-time 30 -- fill-many /box 64 8
expect_not_hung
size=$(du -sb "$W" | cut -f1)
[ "$size" -le $((256 * MIB)) ] ||
	fail "the program wrote $((size / MIB)) MiB to the host disk through the workdir: no bound but --fsize per file and the clock"
rm -rf "${W:?}"/fill-many.*
end_attack

# 7. lseek to 2 GiB and write one byte: SIGXFSZ, reported as OL.
attack "sparse 2G file past --fsize 16M is killed by SIGXFSZ (OL)"
W=$(mkworkdir sparse)
probe_run --workdir "$W" --fsize 16M --wall-time 10 -- sparse /box/sparse 2G
expect_not_hung
expect_status OL
[ "$(jget signal)" = 25 ] || fail "signal=$(jget signal), want 25 (SIGXFSZ)"
size=$(stat -c %s "$W/sparse" 2>/dev/null || echo 0)
[ "$size" -le $((16 * MIB)) ] || fail "host file is $size bytes"
end_attack

attack "sparse 2G file with SIGXFSZ ignored gets EFBIG"
W=$(mkworkdir sparse2)
probe_run --workdir "$W" --fsize 16M --wall-time 10 -- sparse /box/sparse 2G ignore
expect_not_hung
expect_line "sparse /box/sparse" '^errno EFBIG'
size=$(stat -c %s "$W/sparse" 2>/dev/null || echo 0)
[ "$size" -le $((16 * MIB)) ] || fail "host file is $size bytes"
end_attack

attack "sparse 2G file in /tmp is bounded too"
probe_run --fsize 16M --wall-time 10 -- sparse /tmp/sparse 2G ignore
expect_not_hung
expect_line "sparse /tmp/sparse" '^errno (EFBIG|ENOSPC)'
end_attack

# 15. descriptors until EMFILE, then try to raise the limit.
attack "open files stop at --nofile 32 and the limit cannot be raised"
probe_run --nofile 32 --wall-time 10 -- steps nofile 100000 + rlimit nofile
expect_not_hung
expect_line nofile 'errno EMFILE'
count=$(pline nofile | sed -n 's/^count=\([0-9]*\).*/\1/p')
[ -n "$count" ] && [ "$count" -le 32 ] || fail "opened ${count:-?} descriptors with --nofile 32"
expect_line "rlimit nofile" '^soft=32 hard=32$'
expect_denied "rlimit-raise nofile" EPERM
end_attack

attack "no rlimit can be raised above its hard limit"
probe_run --wall-time 10 -- rlimit
expect_not_hung
for r in cpu fsize nofile nproc core stack; do
	v=$(pline "rlimit-raise $r")
	[ "$v" = unlimited ] && continue
	expect_denied "rlimit-raise $r" EPERM
done
end_attack

# 16. core dump: raise RLIMIT_CORE, make itself dumpable, abort in /box.
attack "abort() leaves no core dump and RLIMIT_CORE cannot be raised"
W=$(mkworkdir core)
probe_run --workdir "$W" --wall-time 10 -- core /box
expect_not_hung
expect_status SG
expect_denied core-raise EPERM
cores=$(ls -A "$W" | grep -i core || true)
[ -z "$cores" ] || fail "core file written to the workdir: $cores ($(du -sh "$W" | cut -f1))"
end_attack

attack "abort() is reported as SIGABRT (program is not its namespace's init)"
probe_run --wall-time 10 -- core /tmp
expect_not_hung
[ "$(jget signal)" = 6 ] || fail "signal=$(jget signal), want 6"
expect_exit 134
end_attack

done_testing
