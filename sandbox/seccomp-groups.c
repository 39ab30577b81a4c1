/* SPDX-License-Identifier: MIT */
/*
 * The data of the seccomp module: every syscall name hutch knows, the
 * syscall groups ("@mount", "@privileged", ...) and the default policy for
 * untrusted code. Tables only; the compiler is in seccomp.c. Why each group
 * holds what it holds, and why the default policy denies what it denies, is
 * written down in docs/seccomp.md.
 */
#include "seccomp-internal.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#define HUTCH_SECCOMP_LIBSECCOMP /* libseccomp's, see the end of seccomp.h */
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "util.h"

/* ---- syscall names ---- */

/* libseccomp's header gives every name it knows as __SNR_<name>: the native
 * number, or a negative pseudo number where the architecture lacks it. */
#define SYS(n) { .name = #n, .nr = __SNR_##n }

/* Syscalls newer than the kernel headers hutch is built against (Debian 12:
 * Linux 6.1, up to 450). Since 5.1 (number 424) new syscalls get the same
 * number on every architecture except alpha, mips and ia64, which keep
 * their own bases; there they are left out (nr -1). */
#if defined(__alpha__) || defined(__mips__) || defined(__ia64__)
#define NEW(n, num) { .name = #n, .nr = -1 }
#else
#define NEW(n, num) { .name = #n, .nr = (num) }
#endif

/* Sorted by strcmp() for bsearch (a unit test checks the order). */
static const struct sc_syscall sc_syscalls[] = {
	SYS(_llseek), SYS(_newselect), SYS(_sysctl), SYS(accept), SYS(accept4), SYS(access),
	SYS(acct), SYS(add_key), SYS(adjtimex), SYS(afs_syscall), SYS(alarm), SYS(arch_prctl),
	SYS(arm_fadvise64_64), SYS(arm_sync_file_range), SYS(bdflush), SYS(bind), SYS(bpf),
	SYS(break), SYS(breakpoint), SYS(brk), SYS(cachectl), SYS(cacheflush),
	NEW(cachestat, 451), SYS(capget), SYS(capset), SYS(chdir), SYS(chmod), SYS(chown),
	SYS(chown32), SYS(chroot), SYS(clock_adjtime), SYS(clock_adjtime64), SYS(clock_getres),
	SYS(clock_getres_time64), SYS(clock_gettime), SYS(clock_gettime64), SYS(clock_nanosleep),
	SYS(clock_nanosleep_time64), SYS(clock_settime), SYS(clock_settime64), SYS(clone),
	SYS(clone3), SYS(close), SYS(close_range), SYS(connect), SYS(copy_file_range),
	SYS(creat), SYS(create_module), SYS(delete_module), SYS(dup), SYS(dup2), SYS(dup3),
	SYS(epoll_create), SYS(epoll_create1), SYS(epoll_ctl), SYS(epoll_ctl_old),
	SYS(epoll_pwait), SYS(epoll_pwait2), SYS(epoll_wait), SYS(epoll_wait_old), SYS(eventfd),
	SYS(eventfd2), SYS(execve), SYS(execveat), SYS(exit), SYS(exit_group), SYS(faccessat),
	SYS(faccessat2), SYS(fadvise64), SYS(fadvise64_64), SYS(fallocate), SYS(fanotify_init),
	SYS(fanotify_mark), SYS(fchdir), SYS(fchmod), SYS(fchmodat), NEW(fchmodat2, 452),
	SYS(fchown), SYS(fchown32), SYS(fchownat), SYS(fcntl), SYS(fcntl64), SYS(fdatasync),
	SYS(fgetxattr), NEW(file_getattr, 468), NEW(file_setattr, 469), SYS(finit_module),
	SYS(flistxattr), SYS(flock), SYS(fork), SYS(fremovexattr), SYS(fsconfig), SYS(fsetxattr),
	SYS(fsmount), SYS(fsopen), SYS(fspick), SYS(fstat), SYS(fstat64), SYS(fstatat64),
	SYS(fstatfs), SYS(fstatfs64), SYS(fsync), SYS(ftime), SYS(ftruncate), SYS(ftruncate64),
	SYS(futex), NEW(futex_requeue, 456), SYS(futex_time64), NEW(futex_wait, 455),
	SYS(futex_waitv), NEW(futex_wake, 454), SYS(futimesat), SYS(get_kernel_syms),
	SYS(get_mempolicy), SYS(get_robust_list), SYS(get_thread_area), SYS(get_tls),
	SYS(getcpu), SYS(getcwd), SYS(getdents), SYS(getdents64), SYS(getegid), SYS(getegid32),
	SYS(geteuid), SYS(geteuid32), SYS(getgid), SYS(getgid32), SYS(getgroups),
	SYS(getgroups32), SYS(getitimer), SYS(getpeername), SYS(getpgid), SYS(getpgrp),
	SYS(getpid), SYS(getpmsg), SYS(getppid), SYS(getpriority), SYS(getrandom),
	SYS(getresgid), SYS(getresgid32), SYS(getresuid), SYS(getresuid32), SYS(getrlimit),
	SYS(getrusage), SYS(getsid), SYS(getsockname), SYS(getsockopt), SYS(gettid),
	SYS(gettimeofday), SYS(getuid), SYS(getuid32), SYS(getxattr), NEW(getxattrat, 464),
	SYS(gtty), SYS(idle), SYS(init_module), SYS(inotify_add_watch), SYS(inotify_init),
	SYS(inotify_init1), SYS(inotify_rm_watch), SYS(io_cancel), SYS(io_destroy),
	SYS(io_getevents), SYS(io_pgetevents), SYS(io_pgetevents_time64), SYS(io_setup),
	SYS(io_submit), SYS(io_uring_enter), SYS(io_uring_register), SYS(io_uring_setup),
	SYS(ioctl), SYS(ioperm), SYS(iopl), SYS(ioprio_get), SYS(ioprio_set), SYS(ipc),
	SYS(kcmp), SYS(kexec_file_load), SYS(kexec_load), SYS(keyctl), SYS(kill),
	SYS(landlock_add_rule), SYS(landlock_create_ruleset), SYS(landlock_restrict_self),
	SYS(lchown), SYS(lchown32), SYS(lgetxattr), SYS(link), SYS(linkat), SYS(listen),
	NEW(listmount, 458), SYS(listxattr), NEW(listxattrat, 465), SYS(llistxattr), SYS(lock),
	SYS(lookup_dcookie), SYS(lremovexattr), SYS(lseek), SYS(lsetxattr),
	NEW(lsm_get_self_attr, 459), NEW(lsm_list_modules, 461), NEW(lsm_set_self_attr, 460),
	SYS(lstat), SYS(lstat64), SYS(madvise), NEW(map_shadow_stack, 453), SYS(mbind),
	SYS(membarrier), SYS(memfd_create), SYS(memfd_secret), SYS(migrate_pages), SYS(mincore),
	SYS(mkdir), SYS(mkdirat), SYS(mknod), SYS(mknodat), SYS(mlock), SYS(mlock2),
	SYS(mlockall), SYS(mmap), SYS(mmap2), SYS(modify_ldt), SYS(mount), SYS(mount_setattr),
	SYS(move_mount), SYS(move_pages), SYS(mprotect), SYS(mpx), SYS(mq_getsetattr),
	SYS(mq_notify), SYS(mq_open), SYS(mq_timedreceive), SYS(mq_timedreceive_time64),
	SYS(mq_timedsend), SYS(mq_timedsend_time64), SYS(mq_unlink), SYS(mremap),
	NEW(mseal, 462), SYS(msgctl), SYS(msgget), SYS(msgrcv), SYS(msgsnd), SYS(msync),
	SYS(multiplexer), SYS(munlock), SYS(munlockall), SYS(munmap), SYS(name_to_handle_at),
	SYS(nanosleep), SYS(newfstatat), SYS(nfsservctl), SYS(nice), SYS(oldfstat),
	SYS(oldlstat), SYS(oldolduname), SYS(oldstat), SYS(olduname), SYS(open),
	SYS(open_by_handle_at), SYS(open_tree), NEW(open_tree_attr, 467), SYS(openat),
	SYS(openat2), SYS(pause), SYS(pciconfig_iobase), SYS(pciconfig_read),
	SYS(pciconfig_write), SYS(perf_event_open), SYS(personality), SYS(pidfd_getfd),
	SYS(pidfd_open), SYS(pidfd_send_signal), SYS(pipe), SYS(pipe2), SYS(pivot_root),
	SYS(pkey_alloc), SYS(pkey_free), SYS(pkey_mprotect), SYS(poll), SYS(ppoll),
	SYS(ppoll_time64), SYS(prctl), SYS(pread64), SYS(preadv), SYS(preadv2), SYS(prlimit64),
	SYS(process_madvise), SYS(process_mrelease), SYS(process_vm_readv),
	SYS(process_vm_writev), SYS(prof), SYS(profil), SYS(pselect6), SYS(pselect6_time64),
	SYS(ptrace), SYS(putpmsg), SYS(pwrite64), SYS(pwritev), SYS(pwritev2), SYS(query_module),
	SYS(quotactl), SYS(quotactl_fd), SYS(read), SYS(readahead), SYS(readdir), SYS(readlink),
	SYS(readlinkat), SYS(readv), SYS(reboot), SYS(recv), SYS(recvfrom), SYS(recvmmsg),
	SYS(recvmmsg_time64), SYS(recvmsg), SYS(remap_file_pages), SYS(removexattr),
	NEW(removexattrat, 466), SYS(rename), SYS(renameat), SYS(renameat2), SYS(request_key),
	SYS(restart_syscall), SYS(riscv_flush_icache), SYS(rmdir), SYS(rseq), SYS(rt_sigaction),
	SYS(rt_sigpending), SYS(rt_sigprocmask), SYS(rt_sigqueueinfo), SYS(rt_sigreturn),
	SYS(rt_sigsuspend), SYS(rt_sigtimedwait), SYS(rt_sigtimedwait_time64),
	SYS(rt_tgsigqueueinfo), SYS(rtas), SYS(s390_guarded_storage), SYS(s390_pci_mmio_read),
	SYS(s390_pci_mmio_write), SYS(s390_runtime_instr), SYS(s390_sthyi),
	SYS(sched_get_priority_max), SYS(sched_get_priority_min), SYS(sched_getaffinity),
	SYS(sched_getattr), SYS(sched_getparam), SYS(sched_getscheduler),
	SYS(sched_rr_get_interval), SYS(sched_rr_get_interval_time64), SYS(sched_setaffinity),
	SYS(sched_setattr), SYS(sched_setparam), SYS(sched_setscheduler), SYS(sched_yield),
	SYS(seccomp), SYS(security), SYS(select), SYS(semctl), SYS(semget), SYS(semop),
	SYS(semtimedop), SYS(semtimedop_time64), SYS(send), SYS(sendfile), SYS(sendfile64),
	SYS(sendmmsg), SYS(sendmsg), SYS(sendto), SYS(set_mempolicy),
	SYS(set_mempolicy_home_node), SYS(set_robust_list), SYS(set_thread_area),
	SYS(set_tid_address), SYS(set_tls), SYS(setdomainname), SYS(setfsgid), SYS(setfsgid32),
	SYS(setfsuid), SYS(setfsuid32), SYS(setgid), SYS(setgid32), SYS(setgroups),
	SYS(setgroups32), SYS(sethostname), SYS(setitimer), SYS(setns), SYS(setpgid),
	SYS(setpriority), SYS(setregid), SYS(setregid32), SYS(setresgid), SYS(setresgid32),
	SYS(setresuid), SYS(setresuid32), SYS(setreuid), SYS(setreuid32), SYS(setrlimit),
	SYS(setsid), SYS(setsockopt), SYS(settimeofday), SYS(setuid), SYS(setuid32),
	SYS(setxattr), NEW(setxattrat, 463), SYS(sgetmask), SYS(shmat), SYS(shmctl), SYS(shmdt),
	SYS(shmget), SYS(shutdown), SYS(sigaction), SYS(sigaltstack), SYS(signal), SYS(signalfd),
	SYS(signalfd4), SYS(sigpending), SYS(sigprocmask), SYS(sigreturn), SYS(sigsuspend),
	SYS(socket), SYS(socketcall), SYS(socketpair), SYS(splice), SYS(spu_create),
	SYS(spu_run), SYS(ssetmask), SYS(stat), SYS(stat64), SYS(statfs), SYS(statfs64),
	NEW(statmount, 457), SYS(statx), SYS(stime), SYS(stty), SYS(subpage_prot),
	SYS(swapcontext), SYS(swapoff), SYS(swapon), SYS(switch_endian), SYS(symlink),
	SYS(symlinkat), SYS(sync), SYS(sync_file_range), SYS(sync_file_range2), SYS(syncfs),
	SYS(sys_debug_setcontext), SYS(syscall), SYS(sysfs), SYS(sysinfo), SYS(syslog),
	SYS(sysmips), SYS(tee), SYS(tgkill), SYS(time), SYS(timer_create), SYS(timer_delete),
	SYS(timer_getoverrun), SYS(timer_gettime), SYS(timer_gettime64), SYS(timer_settime),
	SYS(timer_settime64), SYS(timerfd), SYS(timerfd_create), SYS(timerfd_gettime),
	SYS(timerfd_gettime64), SYS(timerfd_settime), SYS(timerfd_settime64), SYS(times),
	SYS(tkill), SYS(truncate), SYS(truncate64), SYS(tuxcall), SYS(ugetrlimit), SYS(ulimit),
	SYS(umask), SYS(umount), SYS(umount2), SYS(uname), SYS(unlink), SYS(unlinkat),
	SYS(unshare), SYS(uselib), SYS(userfaultfd), SYS(usr26), SYS(usr32), SYS(ustat),
	SYS(utime), SYS(utimensat), SYS(utimensat_time64), SYS(utimes), SYS(vfork), SYS(vhangup),
	SYS(vm86), SYS(vm86old), SYS(vmsplice), SYS(vserver), SYS(wait4), SYS(waitid),
	SYS(waitpid), SYS(write), SYS(writev),
};

static int sc_syscall_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct sc_syscall *)entry)->name);
}

const struct sc_syscall *sc_syscall_find(const char *name)
{
	return bsearch(name, sc_syscalls, ARRAY_SIZE(sc_syscalls), sizeof(sc_syscalls[0]),
		       sc_syscall_cmp);
}

const struct sc_syscall *sc_syscall_table(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(sc_syscalls);
	return sc_syscalls;
}

int sc_syscall_max_nr(void)
{
	int max = -1;

	for (size_t i = 0; i < ARRAY_SIZE(sc_syscalls); i++)
		if (sc_syscalls[i].nr > max)
			max = sc_syscalls[i].nr;
	return max;
}

int hutch_seccomp_syscall_nr(const char *name)
{
	const struct sc_syscall *s = name ? sc_syscall_find(name) : NULL;

	return s && s->nr >= 0 ? s->nr : -1;
}

bool hutch_seccomp_syscall_known(const char *name)
{
	return name && sc_syscall_find(name) != NULL;
}

const char *hutch_seccomp_syscall_name(int nr)
{
	if (nr < 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sc_syscalls); i++)
		if (sc_syscalls[i].nr == nr)
			return sc_syscalls[i].name;
	return NULL;
}

/* ---- groups ---- */

/* A member is a syscall name or "@group". Names missing on an architecture
 * are fine (skipped), names hutch does not know are not (a unit test checks
 * every member). */
enum sc_group_id {
	SC_GROUP_BPF,
	SC_GROUP_CLOCK,
	SC_GROUP_CPU_EMULATION,
	SC_GROUP_DEBUG,
	SC_GROUP_IO_URING,
	SC_GROUP_KEYRING,
	SC_GROUP_MODULE,
	SC_GROUP_MOUNT,
	SC_GROUP_NAMESPACES,
	SC_GROUP_NETWORK,
	SC_GROUP_OBSOLETE,
	SC_GROUP_PERF,
	SC_GROUP_PRIVILEGED,
	SC_GROUP_PTRACE,
	SC_GROUP_RAW_IO,
	SC_GROUP_REBOOT,
	SC_GROUP_SWAP,
	SC_GROUP__MAX,
};

static const char *const sc_group_names[SC_GROUP__MAX + 1] = {
	[SC_GROUP_BPF] = "bpf",
	[SC_GROUP_CLOCK] = "clock",
	[SC_GROUP_CPU_EMULATION] = "cpu_emulation",
	[SC_GROUP_DEBUG] = "debug",
	[SC_GROUP_IO_URING] = "io_uring",
	[SC_GROUP_KEYRING] = "keyring",
	[SC_GROUP_MODULE] = "module",
	[SC_GROUP_MOUNT] = "mount",
	[SC_GROUP_NAMESPACES] = "namespaces",
	[SC_GROUP_NETWORK] = "network",
	[SC_GROUP_OBSOLETE] = "obsolete",
	[SC_GROUP_PERF] = "perf",
	[SC_GROUP_PRIVILEGED] = "privileged",
	[SC_GROUP_PTRACE] = "ptrace",
	[SC_GROUP_RAW_IO] = "raw_io",
	[SC_GROUP_REBOOT] = "reboot",
	[SC_GROUP_SWAP] = "swap",
	[SC_GROUP__MAX] = NULL,
};

#define MEMBERS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const *const sc_group_members[SC_GROUP__MAX] = {
	[SC_GROUP_BPF] = MEMBERS("bpf"),
	/* Setting the clocks (CAP_SYS_TIME); adjtimex also reads them. */
	[SC_GROUP_CLOCK] = MEMBERS("adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime",
				   "clock_settime64", "settimeofday", "stime"),
	/* Other instruction sets and memory models: LDT, vm86, endianness. */
	[SC_GROUP_CPU_EMULATION] = MEMBERS("modify_ldt", "subpage_prot", "switch_endian", "vm86",
					   "vm86old"),
	[SC_GROUP_DEBUG] = MEMBERS("@ptrace", "@perf", "lookup_dcookie", "rtas",
				   "s390_runtime_instr", "sys_debug_setcontext"),
	[SC_GROUP_IO_URING] = MEMBERS("io_uring_enter", "io_uring_register", "io_uring_setup"),
	[SC_GROUP_KEYRING] = MEMBERS("add_key", "keyctl", "request_key"),
	[SC_GROUP_MODULE] = MEMBERS("delete_module", "finit_module", "init_module"),
	/* Everything that makes, moves or changes a mount, or the root. */
	[SC_GROUP_MOUNT] = MEMBERS("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount",
				   "mount_setattr", "move_mount", "open_tree", "open_tree_attr",
				   "pivot_root", "umount", "umount2"),
	/* clone(CLONE_NEW*) and clone3 need argument rules: see the default
	 * policy below. */
	[SC_GROUP_NAMESPACES] = MEMBERS("setns", "unshare"),
	[SC_GROUP_NETWORK] = MEMBERS("accept", "accept4", "bind", "connect", "getpeername",
				     "getsockname", "getsockopt", "listen", "recv", "recvfrom",
				     "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg",
				     "sendmsg", "sendto", "setsockopt", "shutdown", "socket",
				     "socketcall", "socketpair"),
	/* Removed from the kernel or never implemented on current ABIs. */
	[SC_GROUP_OBSOLETE] = MEMBERS("_sysctl", "afs_syscall", "bdflush", "break",
				      "create_module", "ftime", "get_kernel_syms", "getpmsg",
				      "gtty", "idle", "lock", "mpx", "nfsservctl", "prof",
				      "profil", "putpmsg", "query_module", "security", "sgetmask",
				      "ssetmask", "stty", "sysfs", "tuxcall", "ulimit", "uselib",
				      "ustat", "vserver"),
	[SC_GROUP_PERF] = MEMBERS("perf_event_open"),
	/* Needs a capability a sandbox never holds. */
	[SC_GROUP_PRIVILEGED] = MEMBERS("@clock", "@module", "@raw_io", "@reboot", "@swap", "acct",
					"bpf", "chroot", "lookup_dcookie", "open_by_handle_at",
					"pivot_root", "quotactl", "quotactl_fd", "setdomainname",
					"sethostname", "vhangup"),
	/* Reading or writing another process's memory or file table. */
	[SC_GROUP_PTRACE] = MEMBERS("pidfd_getfd", "process_vm_readv", "process_vm_writev",
				    "ptrace"),
	[SC_GROUP_RAW_IO] = MEMBERS("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read",
				    "pciconfig_write", "s390_pci_mmio_read", "s390_pci_mmio_write"),
	[SC_GROUP_REBOOT] = MEMBERS("kexec_file_load", "kexec_load", "reboot"),
	[SC_GROUP_SWAP] = MEMBERS("swapoff", "swapon"),
};

const char *const *hutch_seccomp_group(const char *name)
{
	if (!name)
		return NULL;
	if (name[0] == '@')
		name++;
	for (size_t i = 0; i < SC_GROUP__MAX; i++)
		if (strcmp(name, sc_group_names[i]) == 0)
			return sc_group_members[i];
	return NULL;
}

const char *const *hutch_seccomp_group_names(void)
{
	return sc_group_names;
}

/* ---- the default policy ---- */

#define DENY(sc, e) { .syscall = (sc), .action = HUTCH_SC_ERRNO, .errno_value = (e) }
#define KILL(sc) { .syscall = (sc), .action = HUTCH_SC_KILL }
#define DENY_IF(sc, e, ...)                                                                      \
	{                                                                                        \
		.syscall = (sc), .action = HUTCH_SC_ERRNO, .errno_value = (e),                   \
		.args = { __VA_ARGS__ },                                                         \
		.n_args = sizeof((struct hutch_sc_arg[]){ __VA_ARGS__ }) / sizeof(struct hutch_sc_arg), \
	}

/* (arg & mask) == value */
#define ARG_BITS(i, m, v) { .index = (i), .op = HUTCH_SC_MASKED_EQ, .mask = (m), .value = (v) }
/* An int or unsigned int argument equals v. The kernel reads only the low
 * 32 bits of such a register, so the filter must too: comparing all 64 bits
 * lets 0xffffffff00005412 through as TIOCSTI (CVE-2019-10063). */
#define ARG_INT(i, v) ARG_BITS(i, 0xffffffffu, v)
#define ARG_CMP(i, o, v) { .index = (i), .op = (o), .value = (v) }

/* clone()'s flags are its first argument except on s390 (CLONE_BACKWARDS2). */
#if defined(__s390__)
#define SC_CLONE_FLAGS_ARG 1
#else
#define SC_CLONE_FLAGS_ARG 0
#endif
#define CLONE_NEW(flag) DENY_IF("clone", EPERM, ARG_BITS(SC_CLONE_FLAGS_ARG, flag, flag))

/* personality(x) with READ_IMPLIES_EXEC set, unless x is the query
 * 0xffffffff. libseccomp allows one comparison per argument, so "bit 22 set
 * and not all ones" is written as "bit 22 set and bit b clear" for each
 * other bit b of the 32 the kernel reads. */
#define RIE_UNLESS_QUERY(b) \
	DENY_IF("personality", EPERM, ARG_BITS(0, READ_IMPLIES_EXEC | (1u << (b)), READ_IMPLIES_EXEC))

#define SOCKET_FAMILY(af) DENY_IF("socket", EAFNOSUPPORT, ARG_CMP(0, HUTCH_SC_EQ, af))
/* SOCK_TYPE_MASK: the type without SOCK_NONBLOCK and SOCK_CLOEXEC. */
#define SOCKET_TYPE(af, type, e) \
	DENY_IF("socket", e, ARG_CMP(0, HUTCH_SC_EQ, af), ARG_BITS(1, 0xf, type))
#define SOCKET_PROTO(af, proto) \
	DENY_IF("socket", EPROTONOSUPPORT, ARG_CMP(0, HUTCH_SC_EQ, af), ARG_INT(2, proto))

static const struct hutch_sc_rule sc_default_rules[] = {
	/* Namespaces: no new ones, no joining. clone3 passes its flags in
	 * memory that seccomp cannot read, so it fails as if the kernel were
	 * older than 5.3 and libc falls back to clone(). EPERM, not kill:
	 * runtimes probe for namespaces and cope with EPERM. */
	DENY("@namespaces", EPERM),
	CLONE_NEW(CLONE_NEWNS),
	CLONE_NEW(CLONE_NEWCGROUP),
	CLONE_NEW(CLONE_NEWUTS),
	CLONE_NEW(CLONE_NEWIPC),
	CLONE_NEW(CLONE_NEWUSER),
	CLONE_NEW(CLONE_NEWPID),
	CLONE_NEW(CLONE_NEWNET),
	/* CLONE_NEWTIME (0x80) lies in clone()'s exit-signal byte, so the
	 * kernel makes no namespace of it but an invalid exit signal (>= 128;
	 * signals end at 64). Refused like the others rather than "succeeding". */
	CLONE_NEW(CLONE_NEWTIME),
	DENY("clone3", ENOSYS),

	/* The filesystem view, other processes, the kernel's extension points.
	 * EPERM: what an unprivileged process gets anyway, and what tools that
	 * probe (LeakSanitizer's ptrace, libuv's io_uring, libbpf) handle. */
	DENY("@mount", EPERM),
	DENY("@ptrace", EPERM),
	DENY("@bpf", EPERM),
	DENY("@perf", EPERM),
	DENY("@io_uring", EPERM),
	DENY("@keyring", EPERM),
	DENY("@clock", EPERM),
	DENY("@cpu_emulation", EPERM),
	DENY("userfaultfd", EPERM),
	DENY("name_to_handle_at", EPERM),
	DENY("syslog", EPERM),
	DENY("acct", EPERM),
	DENY("quotactl", EPERM),
	DENY("quotactl_fd", EPERM),
	DENY("lookup_dcookie", EPERM),
	DENY("vhangup", EPERM),
	/* As on a kernel without them. */
	DENY("@obsolete", ENOSYS),

	/* No program has a use for these; a call is an attack, so the run is
	 * killed and the verdict names the syscall. */
	KILL("@module"),
	KILL("@reboot"),
	KILL("@swap"),
	KILL("@raw_io"),
	KILL("open_by_handle_at"), /* "shocker" container escape (2014) */

	/* personality: the query and every persona (PER_LINUX32, UNAME26,
	 * ADDR_NO_RANDOMIZE for sanitizers) are allowed, READ_IMPLIES_EXEC is
	 * not. */
	RIE_UNLESS_QUERY(0), RIE_UNLESS_QUERY(1), RIE_UNLESS_QUERY(2), RIE_UNLESS_QUERY(3),
	RIE_UNLESS_QUERY(4), RIE_UNLESS_QUERY(5), RIE_UNLESS_QUERY(6), RIE_UNLESS_QUERY(7),
	RIE_UNLESS_QUERY(8), RIE_UNLESS_QUERY(9), RIE_UNLESS_QUERY(10), RIE_UNLESS_QUERY(11),
	RIE_UNLESS_QUERY(12), RIE_UNLESS_QUERY(13), RIE_UNLESS_QUERY(14), RIE_UNLESS_QUERY(15),
	RIE_UNLESS_QUERY(16), RIE_UNLESS_QUERY(17), RIE_UNLESS_QUERY(18), RIE_UNLESS_QUERY(19),
	RIE_UNLESS_QUERY(20), RIE_UNLESS_QUERY(21), RIE_UNLESS_QUERY(23), RIE_UNLESS_QUERY(24),
	RIE_UNLESS_QUERY(25), RIE_UNLESS_QUERY(26), RIE_UNLESS_QUERY(27), RIE_UNLESS_QUERY(28),
	RIE_UNLESS_QUERY(29), RIE_UNLESS_QUERY(30), RIE_UNLESS_QUERY(31),

	/* Terminal injection and line disciplines: TIOCSTI (CVE-2017-5226),
	 * TIOCLINUX (CVE-2023-1523), TIOCSETD (module autoload, CVE-2017-2636). */
	DENY_IF("ioctl", EPERM, ARG_INT(1, TIOCSTI)),
	DENY_IF("ioctl", EPERM, ARG_INT(1, TIOCLINUX)),
	DENY_IF("ioctl", EPERM, ARG_INT(1, TIOCSETD)),

	/* Sockets: AF_UNIX, AF_INET, AF_INET6 and AF_NETLINK (NETLINK_ROUTE
	 * only: getifaddrs, getaddrinfo) are allowed. Every other family is
	 * refused as if the kernel lacked it: the rare families are where the
	 * socket CVEs are (AF_PACKET, AF_VSOCK, AF_RDS, AF_TIPC, ...), and
	 * socket() autoloads their modules. The family is compared on all 64
	 * bits: with any high bit set it is above AF_PACKET and refused by the
	 * GT rule, so no two socket rules match the same call and each errno
	 * is certain. */
	SOCKET_FAMILY(AF_AX25), SOCKET_FAMILY(AF_IPX), SOCKET_FAMILY(AF_APPLETALK),
	SOCKET_FAMILY(AF_NETROM), SOCKET_FAMILY(AF_BRIDGE), SOCKET_FAMILY(AF_ATMPVC),
	SOCKET_FAMILY(AF_X25), SOCKET_FAMILY(AF_ROSE), SOCKET_FAMILY(AF_DECnet),
	SOCKET_FAMILY(AF_NETBEUI), SOCKET_FAMILY(AF_SECURITY), SOCKET_FAMILY(AF_KEY),
	DENY_IF("socket", EPERM, ARG_CMP(0, HUTCH_SC_EQ, AF_PACKET)),
	DENY_IF("socket", EAFNOSUPPORT, ARG_CMP(0, HUTCH_SC_GT, AF_PACKET)),
	DENY_IF("socket", EPROTONOSUPPORT, ARG_CMP(0, HUTCH_SC_EQ, AF_NETLINK),
		ARG_CMP(2, HUTCH_SC_NE, NETLINK_ROUTE)),
	/* Raw IP (EPERM, as without CAP_NET_RAW), DCCP and SCTP. */
	SOCKET_TYPE(AF_INET, SOCK_RAW, EPERM),
	SOCKET_TYPE(AF_INET6, SOCK_RAW, EPERM),
	SOCKET_TYPE(AF_INET, SOCK_DCCP, EPROTONOSUPPORT),
	SOCKET_TYPE(AF_INET6, SOCK_DCCP, EPROTONOSUPPORT),
	SOCKET_PROTO(AF_INET, IPPROTO_SCTP),
	SOCKET_PROTO(AF_INET6, IPPROTO_SCTP),
};

static const struct hutch_sc_policy sc_default_policy = {
	.name = "profile default",
	.default_action = HUTCH_SC_ALLOW,
	.rules = sc_default_rules,
	.n_rules = ARRAY_SIZE(sc_default_rules),
};

const struct hutch_sc_policy *hutch_seccomp_default_policy(void)
{
	return &sc_default_policy;
}
