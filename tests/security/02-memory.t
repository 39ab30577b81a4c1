#!/bin/bash
# Attacks 3, 4, 5: heap bomb, a large static array, filling the tmpfs
# mounts (/tmp, /dev/shm) and the page cache. Memory must be bounded by the
# run's limit (status ML, never the host's OOM killer) and tmpfs by its size.
. "$(dirname "$0")/../lib.sh"
require_sandbox

MIB=1048576

# 3. heap bomb: malloc and touch until something stops it.
attack "heap bomb is stopped by --memory 64M (ML)"
probe_run --memory 64M --wall-time 20 -- heapbomb 100000
expect_not_hung
expect_status ML
[ "$(jget oom_killed)" = true ] || fail "oom_killed=$(jget oom_killed)"
peak=$(jget memory_peak)
[ "${peak%.*}" -le $((80 * MIB)) ] 2>/dev/null || fail "memory_peak=$peak, more than 64M + slack"
case "$(pline heapbomb)" in mb=*) fail "heap bomb finished: $(pline heapbomb)" ;; esac
end_attack

# 4. a 256 MiB static array (bss), touched page by page.
attack "touched 256M static array is stopped by --memory 64M (ML)"
probe_run --memory 64M --wall-time 20 -- bigarray
expect_not_hung
expect_status ML
[ -z "$(pline bigarray)" ] || fail "all 256M touched under a 64M limit: $(pline bigarray)"
end_attack

# 5. fill /tmp: bounded by the tmpfs size.
attack "filling /tmp stops at --tmpfs-size 16M"
probe_run --tmpfs-size 16M --memory 256M --fsize 1G --wall-time 20 -- fill /tmp/fill 1024
expect_not_hung
expect_line "fill /tmp/fill" 'errno (ENOSPC|EDQUOT)'
mb=$(pline "fill /tmp/fill" | sed -n 's/^mb=\([0-9]*\).*/\1/p')
[ -n "$mb" ] && [ "$mb" -le 16 ] || fail "/tmp took ${mb:-?} MiB with --tmpfs-size 16M"
end_attack

attack "filling /dev/shm stops at --shm-size 8M"
probe_run --shm-size 8M --memory 256M --fsize 1G --wall-time 20 -- fill /dev/shm/fill 1024
expect_not_hung
expect_line "fill /dev/shm/fill" 'errno (ENOSPC|EDQUOT)'
mb=$(pline "fill /dev/shm/fill" | sed -n 's/^mb=\([0-9]*\).*/\1/p')
[ -n "$mb" ] && [ "$mb" -le 8 ] || fail "/dev/shm took ${mb:-?} MiB with --shm-size 8M"
end_attack

# tmpfs pages are memory: a big tmpfs must still be charged to the run,
# or a program could hold host memory beyond --memory through files.
attack "tmpfs pages count against --memory (512M tmpfs, 64M memory)"
probe_run --tmpfs-size 512M --memory 64M --fsize 1G --wall-time 20 -- fill /tmp/fill 1024
expect_not_hung
mb=$(pline "fill /tmp/fill" | sed -n 's/^mb=\([0-9]*\).*/\1/p')
if [ -n "$mb" ] && [ "$mb" -gt 80 ]; then
	fail "wrote $mb MiB to tmpfs under --memory 64M: tmpfs not charged to the run"
fi
[ -n "$mb" ] || [ "$(jget status)" = ML ] || fail "no fill verdict and not ML (status $(jget status))"
end_attack

# several runs in a row each get a fresh tmpfs: nothing held on the host.
attack "a full /tmp is released when the run ends"
before=$(awk '/^Shmem:/ {print $2}' /proc/meminfo)
for _ in 1 2 3; do
	probe_run --tmpfs-size 32M --memory 256M --wall-time 20 -- fill /tmp/fill 1024
done
after=$(awk '/^Shmem:/ {print $2}' /proc/meminfo)
# 3 runs x 32M would be 96M (98304 kB) if nothing was released
[ $((after - before)) -lt 49152 ] || fail "host Shmem grew by $((after - before)) kB after 3 runs"
end_attack

# page cache: writing a large file into the workdir must not be an OOM
# (reclaimable cache) and must stop at --fsize.
attack "page cache from a 128M file write is not a false ML, and fsize bounds it"
W=$(mkworkdir pc)
probe_run --workdir "$W" --memory 64M --fsize 96M --wall-time 30 -- fill /box/big 128
expect_not_hung
expect_status OK
expect_line "fill /box/big" '^mb=96 errno EFBIG'
size=$(stat -c %s "$W/big" 2>/dev/null || echo 0)
[ "$size" -le $((96 * MIB)) ] || fail "host file is $size bytes, over --fsize 96M"
end_attack

done_testing
