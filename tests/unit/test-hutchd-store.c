/* SPDX-License-Identifier: MIT */
/* The SQLite store through its ops table: tokens, the job life cycle
 * (enqueue all-or-none under a queue limit, claim in order, finish,
 * release, recover after a crash, delete rules, listing) and callbacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "store.h"
#include "tap.h"

int main(void)
{
	char dir[] = "/tmp/hutchd-store-test.XXXXXX", path[256], tok[AUTH_TOKEN_LEN + 1];
	struct store_options so = { .path = path, .sync = SYNC_NORMAL };
	struct hutch_error err = { 0 };
	struct store *st = NULL;
	struct job_new nj[3] = {
		{ .kind = "judge0", .owner = -1, .request = "{\"n\":1}" },
		{ .kind = "judge0", .owner = -1, .request = "{\"n\":2}", .callback_url = "http://127.0.0.1:9/cb" },
		{ .kind = "judge0", .owner = -1, .request = "{\"n\":3}" },
	};
	struct job *j = NULL, *j2 = NULL, **list = NULL;
	struct job_stats stats;
	struct callback_item *cbs = NULL;
	size_t n = 0;
	uint64_t total = 0, recovered = 0;
	enum role role;
	int64_t id, tid;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (!ok(store_sqlite_open(&so, &st, &err) == 0, "open a new database (%s)", err.msg))
		return 1;

	/* tokens */
	ok(auth_token_create(st, ROLE_CLIENT, "c", tok, &tid, &err) == 0, "create a client token");
	is_int(auth_check(st, tok, &role, &id, &err), 0, "the token checks");
	is_int(role, ROLE_CLIENT, "with its role");
	is_int(id, tid, "and its id");
	is_int(auth_check(st, "hutch_nope", &role, &id, &err), -ENOENT, "a malformed token: ENOENT");
	is_int(st->ops->token_revoke(st, tid, &err), 0, "revoke it");
	is_int(auth_check(st, tok, &role, &id, &err), -ENOENT, "a revoked token: ENOENT");
	is_int(st->ops->token_revoke(st, tid, &err), -ENOENT, "revoking twice: ENOENT");

	/* enqueue under a limit: all or none */
	is_int(st->ops->job_enqueue(st, nj, 3, 2, &err), -EAGAIN, "3 jobs into a queue of 2: EAGAIN");
	is_int(st->ops->job_stats(st, &stats, &err), 0, "stats");
	is_int(stats.by_state[JOB_QUEUED], 0, "and none of them was stored");
	is_int(st->ops->job_enqueue(st, nj, 2, 2, &err), 0, "2 jobs into a queue of 2");
	ok(strlen(nj[0].token) == 36 && nj[0].token[14] == '4', "a UUID v4 token (%s)", nj[0].token);
	ok(strcmp(nj[0].token, nj[1].token) != 0, "tokens differ");
	is_int(st->ops->job_enqueue(st, nj + 2, 1, 2, &err), -EAGAIN, "a third: EAGAIN (queue full)");

	/* claim in order, finish, get */
	is_int(st->ops->job_claim(st, "node-a", &j, &err), 0, "claim");
	ok(j && strcmp(j->token, nj[0].token) == 0, "the oldest job first");
	is_int(j ? j->state : 0, JOB_RUNNING, "its state is running");
	is_int(j ? j->attempts : 0, 1, "attempts 1");
	ok(j && strcmp(j->request, "{\"n\":1}") == 0, "the request comes back as stored");
	is_int(st->ops->job_delete(st, nj[0].token, &err), -EBUSY, "a running job cannot be deleted");
	is_int(st->ops->job_finish(st, j->id, 3, "{\"ok\":1}", false, &err), 0, "finish it");
	is_int(st->ops->job_finish(st, j->id, 3, "{}", false, &err), -ENOENT, "finishing twice: ENOENT");
	is_int(st->ops->job_get(st, nj[0].token, &j2, &err), 0, "get by token");
	ok(j2 && j2->state == JOB_DONE && j2->status == 3 && j2->result && strcmp(j2->result, "{\"ok\":1}") == 0,
	   "done, with its status and result");
	ok(j2 && j2->finished_ms >= j2->created_ms && j2->finished_ms > 0, "finished_ms set");
	job_freep(&j);
	job_freep(&j2);
	is_int(st->ops->job_get(st, "no-such-token", &j2, &err), -ENOENT, "unknown token: ENOENT");

	/* crash recovery: a claimed job comes back, attempts kept */
	is_int(st->ops->job_claim(st, "node-a", &j, &err), 0, "claim the second job");
	is_int(st->ops->job_claim(st, "node-a", &j2, &err), -ENOENT, "nothing else queued: ENOENT");
	is_int(st->ops->job_recover(st, "node-a", &recovered, &err), 0, "recover (as after a crash)");
	is_int(recovered, 1, "one running job requeued");
	job_freep(&j);
	is_int(st->ops->job_claim(st, "node-a", &j, &err), 0, "claim it again");
	is_int(j ? j->attempts : 0, 2, "attempts 2: the crashed start counts");
	is_int(st->ops->job_release(st, j->id, &err), 0, "release (shutdown)");
	job_freep(&j);
	is_int(st->ops->job_claim(st, "node-a", &j, &err), 0, "claim after release");
	is_int(j ? j->attempts : 0, 2, "a released start does not count");
	is_int(st->ops->job_finish(st, j->id, 4, "{}", true, &err), 0, "finish with a callback");
	is_int(st->ops->callback_due(st, store_now_ms() + 1, 10, &cbs, &n, &err), 0, "callbacks due");
	ok(n == 1 && strcmp(cbs[0].url, "http://127.0.0.1:9/cb") == 0 && cbs[0].job_id == j->id,
	   "the finished job's callback is pending");
	is_int(st->ops->callback_update(st, j->id, CB_PENDING, 1, store_now_ms() + 60000, &err), 0,
	       "postpone it");
	callback_items_free(cbs, n);
	is_int(st->ops->callback_due(st, store_now_ms() + 1, 10, &cbs, &n, &err), 0, "callbacks due again");
	is_int(n, 0, "none: the next try is later");
	callback_items_free(cbs, n);
	job_freep(&j);

	/* listing and deleting */
	is_int(st->ops->job_list(st, -1, 0, 10, &list, &n, &total, &err), 0, "list");
	ok(n == 2 && total == 2 && strcmp(list[0]->token, nj[1].token) == 0, "newest first, with the total");
	jobs_free(list, n);
	is_int(st->ops->job_list(st, -1, 1, 10, &list, &n, &total, &err), 0, "list from offset 1");
	ok(n == 1 && strcmp(list[0]->token, nj[0].token) == 0, "the offset skips");
	jobs_free(list, n);
	is_int(st->ops->job_delete(st, nj[0].token, &err), 0, "delete a finished job");
	is_int(st->ops->job_delete(st, nj[0].token, &err), -ENOENT, "delete it again: ENOENT");

	st->ops->close(st);
	/* reopen: the schema is there, nothing is migrated twice */
	st = NULL;
	ok(store_sqlite_open(&so, &st, &err) == 0, "reopen (%s)", err.msg);
	is_int(st ? st->ops->job_get(st, nj[1].token, &j, &err) : -1, 0, "data survived");
	job_freep(&j);
	if (st)
		st->ops->close(st);
	unlink(path);
	{
		char w[300];
		snprintf(w, sizeof(w), "%s-wal", path);
		unlink(w);
		snprintf(w, sizeof(w), "%s-shm", path);
		unlink(w);
	}
	rmdir(dir);
	return done_testing();
}
