/* SPDX-License-Identifier: MIT */
/*
 * libhutch: run one untrusted program in a fresh, fully isolated sandbox.
 *
 * A typed spec goes in (struct hutch_spec), a typed result comes out
 * (struct hutch_result). The library never prints, never exits and keeps no
 * global state: every failure is a negative errno plus a struct hutch_error
 * that says which step failed and why, for the front end to report once.
 *
 * Two kinds of failure are kept apart on purpose:
 *   - the sandbox failed (bad spec, mount refused, cgroup unwritable):
 *     hutch_run() returns < 0 and result->status is HUTCH_XX;
 *   - the program failed (non-zero exit, signal, limit hit): hutch_run()
 *     returns 0 and result->status carries the verdict.
 */
#ifndef HUTCH_H
#define HUTCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/types.h>

#define HUTCH_VERSION "0.1.0"

/* Error contract: see docs/errors.md. msg is one line, made where the failure
 * happened, with context prepended by callers ("setup rootfs: mount ..."). */
struct hutch_error {
	int code; /* positive errno (0: no error) */
	char msg[1024];
};

/* Verdicts of design.md. Order is ABI: append only. */
enum hutch_status {
	HUTCH_OK = 0, /* exit 0 */
	HUTCH_RE,     /* non-zero exit */
	HUTCH_SG,     /* killed by a signal (not by hutch for a limit) */
	HUTCH_TO,     /* CPU or wall time limit */
	HUTCH_ML,     /* memory limit (OOM kill reported by the cgroup) */
	HUTCH_OL,     /* output or file size limit */
	HUTCH_XX,     /* sandbox internal error */
};

enum hutch_timeout { HUTCH_TIMEOUT_NONE = 0, HUTCH_TIMEOUT_CPU, HUTCH_TIMEOUT_WALL };

/* Network modes; docs/network.md describes each. */
enum hutch_net_mode {
	HUTCH_NET_NONE = 0, /* new netns, no interface up */
	HUTCH_NET_LOOPBACK, /* new netns, lo up */
	HUTCH_NET_EGRESS,   /* lo + a veth to the host, NAT out (net_opts) */
	HUTCH_NET_PUBLISH,  /* egress, plus net_opts.publish ports reachable from the host */
};

/* Bounds of struct hutch_net_options (checked by hutch_run). */
#define HUTCH_NET_MAX_ALLOW 64
#define HUTCH_NET_MAX_PORTS 16
#define HUTCH_NET_MAX_DNS 3

/* Default address pool of egress/publish: 10.213.0.0/16, one /30 per run
 * (docs/network.md says why this range). */
#define HUTCH_NET_DEFAULT_POOL 0x0ad50000u /* host byte order */
#define HUTCH_NET_DEFAULT_POOL_PREFIX 16

/* A destination the sandbox may reach when net_opts.allow_only is set. */
struct hutch_net_dest {
	struct in_addr addr; /* network byte order; host bits must be zero */
	uint8_t prefix;      /* 0..32 */
	uint16_t port;       /* 0: any port; else TCP and UDP to this port only */
};

/* Where a running sandbox is, for the caller (a proxy to a published port). */
struct hutch_net_info {
	const char *ifname;     /* host side of the veth pair */
	struct in_addr address; /* the sandbox's address: published ports answer here */
	struct in_addr gateway; /* the host's side: host_ports and the resolver */
};

/* Options of the egress and publish modes (ignored by none/loopback). */
struct hutch_net_options {
	struct in_addr pool; /* network order; pool_prefix 0: the default pool */
	uint8_t pool_prefix; /* 8..28 */
	/* allow_only: the sandbox reaches allow[] (and its resolvers) and
	 * nothing else. Otherwise it reaches anything but the pool (other
	 * sandboxes) and link-local addresses (cloud metadata services). */
	const struct hutch_net_dest *allow;
	size_t n_allow;
	bool allow_only;
	/* TCP ports the sandbox listens on, reachable from the host (only) at
	 * info.address:port. Publish mode. */
	const uint16_t *publish;
	size_t n_publish;
	/* TCP ports of services on the host's loopback (a registry mirror)
	 * the sandbox may reach at info.gateway:port. Nothing else of the
	 * host is reachable. */
	const uint16_t *host_ports;
	size_t n_host_ports;
	/* Resolvers written to the sandbox's /etc/resolv.conf. NULL: those of
	 * the host's /etc/resolv.conf (a loopback one is reached through the
	 * gateway); non-NULL with n_dns 0: none. IPv4 only. */
	const struct in_addr *dns;
	size_t n_dns;
	/* Called once in hutch_run's thread when the network is up, before
	 * the program runs; the info is valid during the call only. */
	void (*on_ready)(const struct hutch_net_info *info, void *arg);
	void *on_ready_arg;
};

/* Flags of one bind mount. Default: read-only, nosuid, nodev, noexec. */
enum hutch_bind_flags {
	HUTCH_BIND_RW = 1u << 0,
	HUTCH_BIND_EXEC = 1u << 1,
	HUTCH_BIND_OPTIONAL = 1u << 2, /* skip silently if the source is missing */
};

struct hutch_bind {
	const char *src; /* host path, absolute */
	const char *dst; /* path inside the sandbox, absolute */
	unsigned flags;  /* enum hutch_bind_flags */
};

/* Limits. 0 means "no limit" for every field except where noted. */
struct hutch_limits {
	uint64_t cpu_time_us;  /* whole tree user+sys */
	uint64_t wall_time_us; /* supervisor clock */
	uint64_t memory_bytes; /* cgroup memory.max; swap off */
	uint64_t pids;         /* cgroup pids.max */
	uint64_t fsize_bytes;  /* RLIMIT_FSIZE */
	uint64_t output_bytes; /* per stream: stdout and stderr each */
	uint64_t nofile;       /* RLIMIT_NOFILE (0: hutch default 64) */
	uint64_t stack_bytes;  /* RLIMIT_STACK (0: hutch default 8 MiB) */
	uint64_t tmpfs_bytes;  /* writable root upper layer and /tmp (0: 64 MiB) */
	uint64_t shm_bytes;    /* /dev/shm (0: 16 MiB) */
	uint64_t cpu_bandwidth_permille; /* cpu.max: 1000 = one full CPU (0: off) */
	const char *cpuset;    /* cpuset.cpus, e.g. "0" (NULL: off) */
};

/* A compiled seccomp program, made once by hutch_seccomp_compile() and
 * reusable across any number of runs. Opaque. */
struct hutch_seccomp;

/* Where the run's cgroups live and how they are driven. Made once by
 * hutch_cgroup_detect(); reusable across runs. Opaque. */
struct hutch_cgroup_host;

/* Timestamps of the start path, in microseconds from the start of
 * hutch_run(), filled when spec->timings is set. */
enum hutch_step {
	HUTCH_STEP_CGROUP = 0, /* cgroup created */
	HUTCH_STEP_CLONE,      /* clone with namespaces returned in the parent */
	HUTCH_STEP_IDMAP,      /* uid/gid maps written */
	HUTCH_STEP_MOUNTS,     /* binds cloned, tmpfs, overlay */
	HUTCH_STEP_PIVOT,      /* pivot_root done, old root detached */
	HUTCH_STEP_SECCOMP,    /* filter loaded */
	HUTCH_STEP_EXEC,       /* just before execve */
	HUTCH_STEP_EXIT,       /* program's exit seen */
	HUTCH_STEP_DONE,       /* teardown finished */
	HUTCH_STEP__MAX,
};

struct hutch_spec {
	/* Program. argv[0] is looked up in PATH from envp (inside the sandbox)
	 * when it has no '/'. envp is the whole environment: nothing of the
	 * caller's leaks in. */
	char *const *argv;
	char *const *envp;

	/* Root filesystem. rootfs NULL: the minimal host view (/usr, /bin,
	 * /lib*, /etc with secrets masked). Otherwise a directory used as the
	 * read-only overlay lower layer (a runtime image). */
	const char *rootfs;
	const char *const *masked_paths; /* NULL-terminated; made empty/absent */
	const char *workdir;             /* host dir mounted rw at /box; may be NULL */
	bool workdir_exec;               /* allow exec from /box (compile steps) */
	const struct hutch_bind *binds;
	size_t n_binds;
	const char *cwd;      /* inside; NULL: /box if workdir, else / */
	const char *hostname; /* NULL: "hutch" */

	/* Identity inside. The program runs as uid/gid (default 1000), mapped
	 * to host_uid_base + uid on the host (see docs/identity.md). */
	uid_t uid;
	gid_t gid;
	uid_t host_uid_base; /* 0: HUTCH_HOST_UID_BASE */

	enum hutch_net_mode net;
	struct hutch_net_options net_opts; /* egress and publish only */
	struct hutch_limits limits;

	/* Standard streams. stdin_fd: -1 means /dev/null. stdout_fd/stderr_fd
	 * receive the captured bytes (up to limits.output_bytes) as they come;
	 * -1 discards them. redirect_stderr sends the program's stderr into the
	 * stdout stream. These fds belong to the caller. */
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	bool redirect_stderr;

	/* When this fd becomes readable (a signalfd, eventfd or pipe of the
	 * caller's), the run is killed and reported as cancelled. -1: none. */
	int cancel_fd;

	const struct hutch_seccomp *seccomp; /* NULL: no filter (not advised) */
	const struct hutch_cgroup_host *cgroups; /* NULL: auto-detect per run */

	bool timings;
};

#define HUTCH_HOST_UID_BASE 2000000000u
#define HUTCH_DEFAULT_UID 1000u

/* Bits of hutch_result.unenforced: limits asked for that this host could
 * not enforce (cgroup backend "none" or a missing controller). */
enum hutch_unenforced {
	HUTCH_UNENF_MEMORY = 1u << 0,
	HUTCH_UNENF_PIDS = 1u << 1,
	HUTCH_UNENF_CPU_TREE = 1u << 2, /* CPU time measured per process only */
	HUTCH_UNENF_CPU_BANDWIDTH = 1u << 3,
	HUTCH_UNENF_CPUSET = 1u << 4,
};

struct hutch_result {
	enum hutch_status status;
	int exit_code; /* -1: none */
	int signal;    /* 0: none */
	double time;   /* CPU seconds, user+sys, whole tree */
	double wall_time;
	uint64_t memory_peak; /* bytes */
	bool oom_killed;
	enum hutch_timeout timed_out;
	bool stdout_truncated;
	bool stderr_truncated;
	bool fsize_exceeded; /* SIGXFSZ */
	bool exec_failed;    /* PROGRAM could not be executed */
	bool cancelled;      /* spec->cancel_fd fired: killed on the caller's request */
	int exec_errno;      /* errno of the failed execve (ENOENT: not found) */
	int seccomp_syscall; /* -1: none; else the denied syscall number */
	uint32_t seccomp_arch;
	unsigned unenforced; /* enum hutch_unenforced */
	uint64_t stdout_bytes;
	uint64_t stderr_bytes;
	char message[512];
	uint64_t step_us[HUTCH_STEP__MAX];
};

/* Fill spec with the defaults of docs (no limits, default identity, host
 * view, net none, streams -1). */
void hutch_spec_init(struct hutch_spec *spec);

/* Run spec->argv in a new sandbox and wait for it to end.
 * Returns 0 when the program ran (result->status is its verdict), or a
 * negative errno when the sandbox failed (result->status = HUTCH_XX,
 * result->message and err say why). Nothing is left behind either way:
 * no process, mount, cgroup or temporary file. */
int hutch_run(const struct hutch_spec *spec, struct hutch_result *result,
	      struct hutch_error *err);

/* Exit status for the `hutch run` contract: program exit code, 128+signal,
 * 125 sandbox failure, 126/127 exec failure. */
int hutch_result_exit_status(const struct hutch_result *result);

/* "OK", "RE", ... */
const char *hutch_status_name(enum hutch_status status);

#endif
