/* SPDX-License-Identifier: MIT */
/*
 * Tracing programs for `hutch profile learn`: hutch_seccomp_trace() in
 * seccomp.h. A tracing program makes the same decisions as the program it
 * is made from, except that every call that program would allow (or log) is
 * first shown to the supervisor, which reports it to the caller and lets it
 * run (SECCOMP_RET_USER_NOTIF answered with SECCOMP_USER_NOTIF_FLAG_CONTINUE,
 * Linux 5.5).
 *
 * Why user notification and not SECCOMP_RET_LOG + the audit log: the log
 * goes to auditd or, without it, to the kernel ring buffer through
 * printk_ratelimit(), which drops records under a burst (a runtime starting
 * up makes thousands of calls), mixes in every other process of the host
 * and needs root to read. A notification is exact, per sandbox, carries the
 * arguments, and needs nothing on the host. Its cost, a round trip to the
 * supervisor per syscall (~10-30 µs), is fine for a learning run.
 *
 * The program is made by rewriting the compiled one, not by compiling the
 * policy again, so it is exactly what the profile runs, prologue included:
 *   - RET ALLOW and RET LOG become RET USER_NOTIF;
 *   - RET USER_NOTIF (kill rules, seccomp.c) becomes RET KILL_PROCESS: the
 *     notification is taken, and a learning run that hits a kill rule ends
 *     with SIGSYS at once (the syscall is not named; rerun under `hutch run`
 *     to see it);
 *   - RET ERRNO and the prologue's kills stay as they are;
 *   - one check goes in front of libseccomp's part: the sandbox's child
 *     hands the listener to the supervisor with sendmsg(..., MSG_NOSIGNAL)
 *     right after loading the filter, before anyone listens, so that call
 *     must not notify (it would wait forever). That one sendmsg shape is
 *     allowed without a report; hutch_seccomp_trace_unreported() says so.
 * Jumps of classic BPF are relative and forward: instructions inserted
 * between the prologue and libseccomp's program leave libseccomp's jumps
 * intact, and the prologue's jumps to "the first instruction after me" now
 * land on the inserted check, which is what we want.
 */
#include "seccomp-internal.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "error.h"
#include "util.h"

#define SCT_INSERTED 6u /* instructions of the sendmsg check */
#define SCT_NOTIF_BUF 512u

/* Low and high 32-bit words of seccomp_data.args[i] (little endian). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SCT_ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * 8u)
#define SCT_ARG_HI(i) (offsetof(struct seccomp_data, args) + (i) * 8u + 4u)
#else
#define SCT_ARG_LO(i) (offsetof(struct seccomp_data, args) + (i) * 8u + 4u)
#define SCT_ARG_HI(i) (offsetof(struct seccomp_data, args) + (i) * 8u)
#endif

static const char *const sct_unreported[] = { "sendmsg", NULL };

const char *const *hutch_seccomp_trace_unreported(void)
{
	return sct_unreported;
}

/* The action a traced program returns instead of k. */
static uint32_t sct_rewrite_ret(uint32_t k)
{
	switch (k & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		return SECCOMP_RET_USER_NOTIF;
	case SECCOMP_RET_USER_NOTIF:
		return SECCOMP_RET_KILL_PROCESS;
	default:
		return k;
	}
}

int hutch_seccomp_trace(const struct hutch_seccomp *prog, hutch_sc_trace_fn fn, void *arg,
			struct hutch_seccomp **ret, struct hutch_error *err)
{
	/* At the insertion point the accumulator holds the syscall number
	 * (the prologue's last load). */
	const struct sock_filter check[SCT_INSERTED] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_sendmsg, 0, SCT_INSERTED - 1),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SCT_ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MSG_NOSIGNAL, 0, SCT_INSERTED - 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SCT_ARG_HI(2)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, SCT_INSERTED - 5),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct hutch_seccomp *t;
	size_t name_len, total;
	char *name;

	if (!prog || !fn || !ret)
		return herr(err, EINVAL, "seccomp trace: no program or callback");
	if (prog->trace_fn)
		return herr(err, EINVAL, "seccomp trace: %s is a tracing program already", prog->name);
	total = (size_t)prog->len + SCT_INSERTED;
	if (total > BPF_MAXINSNS)
		return herr(err, E2BIG, "seccomp trace: %s has %u instructions, no room for tracing",
			    prog->name, prog->len);
	name_len = strlen(prog->name);
	t = calloc(1, sizeof(*t) + total * sizeof(struct sock_filter) + name_len + 1);
	if (!t)
		return herr(err, ENOMEM, "seccomp trace program");
	memcpy(t->insns, prog->insns, SC_PROLOGUE_LEN * sizeof(struct sock_filter));
	memcpy(t->insns + SC_PROLOGUE_LEN, check, sizeof(check));
	memcpy(t->insns + SC_PROLOGUE_LEN + SCT_INSERTED, prog->insns + SC_PROLOGUE_LEN,
	       (prog->len - SC_PROLOGUE_LEN) * sizeof(struct sock_filter));
	for (size_t i = SC_PROLOGUE_LEN + SCT_INSERTED; i < total; i++)
		if (t->insns[i].code == (BPF_RET | BPF_K))
			t->insns[i].k = sct_rewrite_ret(t->insns[i].k);
	t->arch = prog->arch;
	t->len = (unsigned short)total;
	t->wants_listener = true;
	t->trace_fn = fn;
	t->trace_arg = arg;
	name = (char *)(t->insns + total);
	memcpy(name, prog->name, name_len + 1);
	t->name = name;
	*ret = t;
	return 0;
}

bool sc_is_trace(const struct hutch_seccomp *prog)
{
	return prog && prog->trace_fn;
}

union sct_buf {
	struct seccomp_notif notif;
	struct seccomp_notif_resp resp;
	unsigned char raw[SCT_NOTIF_BUF];
};

int sc_trace_event(const struct hutch_seccomp *prog, int listener)
{
	struct seccomp_notif_sizes sizes;
	struct hutch_sc_call call;
	union sct_buf buf;
	uint64_t id;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	if (sizes.seccomp_notif > sizeof(buf) || sizes.seccomp_notif_resp > sizeof(buf))
		return -EOVERFLOW;
	for (;;) {
		memset(&buf, 0, sizeof(buf)); /* the kernel wants it zeroed */
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &buf) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	id = buf.notif.id;
	call.nr = buf.notif.data.nr;
	call.arch = buf.notif.data.arch;
	call.pid = (pid_t)buf.notif.pid;
	memcpy(call.args, buf.notif.data.args, sizeof(call.args));
	prog->trace_fn(&call, prog->trace_arg);

	memset(&buf, 0, sizeof(buf));
	buf.resp.id = id;
	buf.resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	for (;;) {
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &buf) == 0)
			return 0;
		if (errno != EINTR)
			return -errno; /* ENOENT: the task died meanwhile */
	}
}
