/* SPDX-License-Identifier: MIT */
/*
 * The grading engine: one job = one work directory, compile once, run
 * every test case (number_of_runs times each), compare, verdicts.
 *
 * Every step is a hutch_run() from this worker thread, through
 * spec_build(): the language's profile, the request's limits as
 * overrides within the profile's ceilings. Nothing the program can write
 * is read back as a result: its stdout and stderr come through memfds the
 * supervisor fills (bounded by the output limit), stdin is a sealed memfd,
 * and the verdict comes from libhutch's struct hutch_result.
 *
 * The work directory is <state_dir>/work/<job token>, a tmpfs of its own
 * (work_size, work_inodes): what the program writes into /box costs
 * memory within a bound, never the host's disk, and the whole tree goes
 * with one umount however deep the program made it. The source is written
 * there by hutchd (root, mode 0644), then the directory is mounted
 * read-write at /box for the steps (libhutch makes its top dir the
 * program's for the run and gives it back).
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "judge.h"
#include "lang.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "spec.h"
#include "util.h"

#define ZIP_NAME "additional_files.zip"

/* What one sandbox run gave. */
struct step_out {
	int r;                   /* hutch_run()'s return: < 0 the sandbox failed */
	struct hutch_result res;
	struct hutch_error err;
	struct bytes out, err_bytes;
};

static void step_out_free(struct step_out *o)
{
	bytes_free(&o->out);
	bytes_free(&o->err_bytes);
}

/* A memfd holding data, sealed against any change: the program gets it as
 * stdin and cannot write into it. */
static int sealed_memfd(const struct bytes *data)
{
	int fd = memfd_create("hutch-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if ((data->n && hu_write_all(fd, data->p, data->n) < 0) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		(void)close(fd); /* a memfd of ours: nothing to flush */
		return -e;
	}
	return fd;
}

/* Read back what the supervisor wrote into a memfd (at most max). */
static int memfd_read(int fd, uint64_t max, struct bytes *ret)
{
	off_t size = lseek(fd, 0, SEEK_END);
	size_t n;
	ssize_t got;

	if (size < 0)
		return -errno;
	n = (uint64_t)size > max ? (size_t)max : (size_t)size;
	ret->p = malloc(n + 1);
	if (!ret->p)
		return -ENOMEM;
	got = n ? pread(fd, ret->p, n, 0) : 0;
	if (got < 0) {
		int e = errno;
		bytes_free(ret);
		return -e;
	}
	ret->p[got] = '\0';
	ret->n = (size_t)got;
	return 0;
}

/* Run argv in the work dir under profile lp with overrides ov. */
static void run_step(struct worker_ctx *w, const struct loaded_profile *lp, const struct run_overrides *ov,
		     char *const *argv, const char *workdir, const struct bytes *in, bool redirect,
		     enum metrics_step step, struct step_out *o)
{
	struct app *app = w->app;
	struct spec_extras x = { .seccomp = lp->sc, .state_dir = app->cfg->state_dir };
	struct spec_parts parts;
	struct hutch_spec spec;
	_cleanup_close_ int in_fd = -1, out_fd = -1, err_fd = -1;
	uint64_t t0 = hu_now_us();
	int r;

	memset(o, 0, sizeof(*o));
	o->res.status = HUTCH_XX;
	o->res.exit_code = -1;
	hutch_spec_init(&spec);
	r = spec_build(lp->p, ov, &x, &parts, &spec, &o->err);
	if (r < 0) {
		o->r = r;
		return;
	}
	if (in && in->n) {
		in_fd = sealed_memfd(in);
		if (in_fd < 0) {
			o->r = herr(&o->err, -in_fd, "stdin memfd");
			goto out;
		}
	}
	out_fd = memfd_create("hutch-stdout", MFD_CLOEXEC);
	err_fd = memfd_create("hutch-stderr", MFD_CLOEXEC);
	if (out_fd < 0 || err_fd < 0) {
		o->r = herr(&o->err, errno, "output memfd");
		goto out;
	}
	spec.argv = argv;
	spec.workdir = workdir;
	spec.cwd = "/box";
	spec.stdin_fd = in_fd;
	spec.stdout_fd = out_fd;
	spec.stderr_fd = err_fd;
	spec.redirect_stderr = redirect;
	spec.cancel_fd = w->cancel_fd;
	spec.cgroups = app->cgroups;
	o->r = hutch_run(&spec, &o->res, &o->err);
	atomic_fetch_add(&app->metrics->sandbox_runs[step], 1);
	metrics_observe(&app->metrics->run_seconds[step], hu_now_us() - t0);
	if (o->r < 0) {
		atomic_fetch_add(&app->metrics->sandbox_failures, 1);
		log_error("sandbox failed", LSTR("step", step == MS_COMPILE ? "compile" : step == MS_RUN ? "run" : "extract"),
			  LSTR("error", o->err.msg));
		goto out;
	}
	if ((r = memfd_read(out_fd, spec.limits.output_bytes ? spec.limits.output_bytes : UINT64_MAX, &o->out)) < 0 ||
	    (r = memfd_read(err_fd, spec.limits.output_bytes ? spec.limits.output_bytes : UINT64_MAX, &o->err_bytes)) < 0) {
		o->r = herr(&o->err, -r, "read the program's output");
		o->res.status = HUTCH_XX;
	}
out:
	spec_parts_free(&parts);
}

/* The verdict of one run, after Judge0 (isolate's meta status mapped the
 * same way) plus hutch's own detail. */
static void judge_run(const struct j0_request *rq, const struct j0_case *c, struct step_out *o, struct j0_run *run)
{
	static const struct {
		int signal;
		int status;
	} signals[] = {
		{ SIGSEGV, J0_SIGSEGV }, { SIGXFSZ, J0_SIGXFSZ }, { SIGFPE, J0_SIGFPE }, { SIGABRT, J0_SIGABRT },
	};
	const struct hutch_result *res = &o->res;

	run->exit_code = res->exit_code >= 0 ? res->exit_code : -1;
	run->exit_signal = res->signal;
	run->time = res->time;
	run->wall_time = res->wall_time;
	run->memory = res->memory_peak / 1024;
	hu_strlcpy(run->sandbox, hutch_status_name(o->r < 0 ? HUTCH_XX : res->status), sizeof(run->sandbox));
	free(run->detail);
	run->detail = strdup(o->r < 0 ? o->err.msg : res->message);
	free(run->message);
	run->message = NULL;
	if (o->r < 0) {
		run->status = J0_INTERNAL_ERROR;
		run->verdict = "IE";
		run->message = strdup(o->err.msg);
		return;
	}
	if (res->exec_failed) {
		run->status = J0_EXEC_FORMAT;
		run->verdict = "EFE";
		run->message = strdup(res->message);
		return;
	}
	/* Past cpu_time_limit is a TLE even if the program ended within the
	 * extra time (isolate's rule, which Judge0 inherits). */
	if (res->status == HUTCH_TO || res->time > rq->limit[J0L_CPU]) {
		run->status = J0_TIME_LIMIT;
		run->verdict = "TLE";
		/* isolate's words (Judge0's message); hutch's are in detail. */
		run->message = strdup(res->timed_out == HUTCH_TIMEOUT_WALL ? "Wall time limit exceeded"
										: "Time limit exceeded");
		return;
	}
	switch (res->status) {
	case HUTCH_OK:
		run->status = !c->has_expected || j0_output_matches(&o->out, &c->expected, rq->cmp, rq->float_tolerance)
				      ? J0_ACCEPTED : J0_WRONG_ANSWER;
		run->verdict = run->status == J0_ACCEPTED ? "AC" : "WA";
		return;
	case HUTCH_ML:
		/* Judge0 sees the OOM kill as a signal: Runtime Error (Other).
		 * hutch says what it was in the verdict. */
		run->status = J0_RUNTIME_OTHER;
		run->verdict = "MLE";
		break;
	case HUTCH_OL:
		/* Output past the limit: what isolate reports as SIGXFSZ. */
		run->status = J0_SIGXFSZ;
		run->verdict = "OLE";
		break;
	case HUTCH_SG:
		run->status = J0_RUNTIME_OTHER;
		for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
			if (signals[i].signal == res->signal)
				run->status = signals[i].status;
		run->verdict = "RE";
		break;
	case HUTCH_RE:
		run->status = J0_NZEC;
		run->verdict = "RE";
		break;
	default:
		run->status = J0_INTERNAL_ERROR;
		run->verdict = "IE";
	}
	run->message = strdup(res->message);
}

/* Run case c number_of_runs times (Judge0: stop at the first run that is
 * not accepted; time and memory are the average). Returns -ECANCELED if
 * shutdown cancelled it. */
static int run_case(struct worker_ctx *w, const struct lang *l, const struct j0_request *rq,
		    const struct run_overrides *ov, char *const *argv, const char *workdir, const struct j0_case *c,
		    struct j0_run *run)
{
	double t = 0, wt = 0, mem = 0;
	unsigned done = 0;

	for (unsigned k = 0; k < rq->number_of_runs; k++) {
		struct step_out o;

		run_step(w, l->prof, ov, argv, workdir, &c->in, rq->redirect_stderr, MS_RUN, &o);
		if (o.r == 0 && o.res.cancelled) {
			step_out_free(&o);
			return -ECANCELED;
		}
		judge_run(rq, c, &o, run);
		bytes_free(&run->out);
		bytes_free(&run->err);
		run->out = o.out;
		run->err = o.err_bytes;
		t += run->time;
		wt += run->wall_time;
		mem += (double)run->memory;
		done++;
		if (run->status != J0_ACCEPTED)
			break;
	}
	run->time = t / done;
	run->wall_time = wt / done;
	run->memory = (uint64_t)llround(mem / done);
	return 0;
}

static int write_file_at(int dfd, const char *name, const struct bytes *data)
{
	_cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (data->n && hu_write_all(fd, data->p, data->n) < 0)
		return -errno;
	return 0;
}

/* Compile output, or what stopped the compiler, for the result. */
static void compile_failed(struct j0_result *res, struct step_out *o)
{
	res->has_compile_output = true;
	res->compile_output = o->out;
	o->out.p = NULL;
	o->out.n = 0;
	if (o->res.status == HUTCH_TO) {
		/* Judge0's words. */
		static const char tle[] = "Compilation time limit exceeded.";
		char *s = malloc(res->compile_output.n + sizeof(tle) + 1);
		if (s) {
			size_t n = res->compile_output.n;
			if (n)
				memcpy(s, res->compile_output.p, n);
			if (n && s[n - 1] != '\n')
				s[n++] = '\n';
			memcpy(s + n, tle, sizeof(tle));
			bytes_free(&res->compile_output);
			res->compile_output.p = s;
			res->compile_output.n = n + sizeof(tle) - 1;
		}
	}
	res->status = J0_COMPILATION_ERROR;
}

static char *result_json(const struct j0_result *res)
{
	cJSON *o = j0_result_store(res);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

/* The whole job in work dir wd (path) / wd_fd. */
static int grade(struct worker_ctx *w, const struct lang *l, const struct j0_request *rq, const char *wd,
		 int wd_fd, struct j0_result *res)
{
	struct app *app = w->app;
	char **opts = NULL, **args = NULL, **argv = NULL, msg[128];
	struct run_overrides ov;
	size_t n;
	int r = 0;

	res->decisive = -1;
	r = write_file_at(wd_fd, l->source_file, &rq->source);
	if (r < 0) {
		res->status = J0_INTERNAL_ERROR;
		if (asprintf(&res->message, "write %s: %s", l->source_file, strerror(-r)) < 0)
			res->message = NULL;
		return 0;
	}
	if (rq->additional_files.n) {
		struct step_out o;
		if (!app->langs->extract) {
			res->status = J0_INTERNAL_ERROR;
			res->message = strdup("additional_files: no extract command in the languages file");
			return 0;
		}
		r = write_file_at(wd_fd, ZIP_NAME, &rq->additional_files);
		if (r < 0) {
			res->status = J0_INTERNAL_ERROR;
			res->message = strdup("additional_files: cannot write the archive");
			return 0;
		}
		run_step(w, l->prof, &l->compile_ov, app->langs->extract, wd, NULL, true, MS_EXTRACT, &o);
		(void)unlinkat(wd_fd, ZIP_NAME, 0); /* the program may have removed it already */
		if (o.r == 0 && o.res.cancelled) {
			step_out_free(&o);
			return -ECANCELED;
		}
		if (o.r < 0 || o.res.status != HUTCH_OK) {
			if (o.r < 0) {
				res->status = J0_INTERNAL_ERROR;
				res->message = strdup(o.err.msg);
			} else {
				compile_failed(res, &o);
			}
			step_out_free(&o);
			return 0;
		}
		step_out_free(&o);
	}
	if (rq->compiler_options && *rq->compiler_options &&
	    words_split(rq->compiler_options, 128, &opts, &n, msg, sizeof(msg)) < 0)
		opts = NULL;
	if (rq->command_line_arguments && *rq->command_line_arguments &&
	    words_split(rq->command_line_arguments, 128, &args, &n, msg, sizeof(msg)) < 0)
		args = NULL;

	if (l->compile) {
		struct step_out o;
		if (lang_expand(l->compile, opts, NULL, &argv) < 0) {
			r = -ENOMEM;
			goto out;
		}
		run_step(w, l->prof, &l->compile_ov, argv, wd, NULL, true, MS_COMPILE, &o);
		free(argv);
		argv = NULL;
		if (o.r == 0 && o.res.cancelled) {
			step_out_free(&o);
			r = -ECANCELED;
			goto out;
		}
		if (o.r < 0) {
			res->status = J0_INTERNAL_ERROR;
			res->message = strdup(o.err.msg);
			step_out_free(&o);
			goto out;
		}
		if (o.res.status != HUTCH_OK) {
			compile_failed(res, &o);
			step_out_free(&o);
			goto out;
		}
		/* Judge0 keeps the compiler's warnings of a successful build. */
		if (o.out.n) {
			res->has_compile_output = true;
			res->compile_output = o.out;
			o.out.p = NULL;
			o.out.n = 0;
		}
		step_out_free(&o);
	}

	j0_run_overrides(rq, l->prof->p, app->cfg->max_output, &ov);
	if (l->compile)
		ov.workdir_exec = true; /* the program is what the compiler wrote into /box */
	if (lang_expand(l->run, NULL, args, &argv) < 0) {
		r = -ENOMEM;
		goto out;
	}
	res->runs = calloc(rq->n_cases, sizeof(*res->runs));
	if (!res->runs) {
		r = -ENOMEM;
		goto out;
	}
	res->n_runs = rq->n_cases;
	res->status = J0_ACCEPTED;
	for (size_t i = 0; i < rq->n_cases; i++) {
		struct j0_run *run = &res->runs[i];
		if (res->status != J0_ACCEPTED && rq->stop_on_failure) {
			run->verdict = "SKIPPED";
			continue;
		}
		r = run_case(w, l, rq, &ov, argv, wd, &rq->cases[i], run);
		if (r < 0)
			goto out;
		if (run->status != J0_ACCEPTED && res->status == J0_ACCEPTED) {
			res->status = run->status;
			res->decisive = (int)i;
		}
	}
	if (res->decisive < 0)
		res->decisive = (int)rq->n_cases - 1;
out:
	free(argv);
	words_free(opts);
	words_free(args);
	return r;
}

/* Unmount (if mounted) and remove a job's work dir. */
void work_dir_remove(struct app *app, const char *name, const char *path)
{
	/* EINVAL: not a mount point (made but not mounted, or a plain dir
	 * of an older hutchd). MNT_DETACH: a process of the sandbox that is
	 * still leaving cannot keep it busy. */
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
		log_warn("cannot unmount a work directory", LSTR("path", path), LSTR("error", strerror(errno)));
	if (fs_remove_tree_at(app->work_dirfd, name) < 0)
		log_warn("cannot remove a work directory", LSTR("path", path));
}

static enum job_outcome judge0_run(struct worker_ctx *w, const struct job *job, char **ret_result, int *ret_status)
{
	struct app *app = w->app;
	struct j0_request rq;
	struct j0_result res = { .decisive = -1 };
	const struct lang *l;
	char msg[256], wd[PATH_MAX], opts[96];
	_cleanup_close_ int wd_fd = -1;
	int r;

	if (j0_request_load(job->request, &rq, msg, sizeof(msg)) < 0) {
		*ret_status = J0_INTERNAL_ERROR;
		*ret_result = j0_internal_error_json(msg);
		return JOB_OUTCOME_DONE;
	}
	l = lang_find(app->langs, rq.language_id);
	if (!l) {
		snprintf(msg, sizeof(msg), "language %d is not available on this host any more", rq.language_id);
		*ret_status = J0_INTERNAL_ERROR;
		*ret_result = j0_internal_error_json(msg);
		j0_request_free(&rq);
		return JOB_OUTCOME_DONE;
	}
	/* A fresh, empty work dir; what a crashed run left is removed first. */
	snprintf(wd, sizeof(wd), "%s/work/%s", app->cfg->state_dir, job->token);
	work_dir_remove(app, job->token, wd);
	snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0755",
		 (unsigned long long)app->cfg->work_size, (unsigned long long)app->cfg->work_inodes);
	if (mkdirat(app->work_dirfd, job->token, 0755) < 0 ||
	    mount("hutchd-work", wd, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ||
	    (wd_fd = openat(app->work_dirfd, job->token, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(msg, sizeof(msg), "work directory %.160s: %.64s", wd, strerror(errno));
		log_error("cannot make a work directory", LSTR("error", msg));
		work_dir_remove(app, job->token, wd);
		*ret_status = J0_INTERNAL_ERROR;
		*ret_result = j0_internal_error_json(msg);
		j0_request_free(&rq);
		return JOB_OUTCOME_DONE;
	}
	r = grade(w, l, &rq, wd, wd_fd, &res);
	if (r < 0 && r != -ECANCELED) {
		res.status = J0_INTERNAL_ERROR;
		if (!res.message)
			res.message = strdup(strerror(-r));
	}
	closep(&wd_fd);
	work_dir_remove(app, job->token, wd);
	j0_request_free(&rq);
	if (r == -ECANCELED) {
		j0_result_free(&res);
		return JOB_OUTCOME_CANCELLED;
	}
	*ret_status = res.status;
	*ret_result = result_json(&res);
	j0_result_free(&res);
	return JOB_OUTCOME_DONE;
}

static char *judge0_failed(struct app *app, const struct job *job, const char *why, int *ret_status)
{
	*ret_status = J0_INTERNAL_ERROR;
	return j0_internal_error_json(why);
}

const struct job_kind judge0_job_kind = {
	.name = "judge0",
	.run = judge0_run,
	.failed = judge0_failed,
	.callback_body = j0_callback_body,
};
