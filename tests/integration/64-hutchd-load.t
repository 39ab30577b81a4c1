#!/usr/bin/env python3
# A short load test: 300 submissions (Python and C) from 4 concurrent
# clients in batches of 20, against 2 workers; every one must finish
# Accepted with its own output, none lost. The full run (2,000
# submissions, rates against bare programs) is bench/hutchd-load.py;
# speed is reported there, never asserted here.
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hutchd_lib import REPO, Hutchd, Tap, need_root  # noqa: E402

need_root()
spec = importlib.util.spec_from_file_location("hutchd_load", os.path.join(REPO, "bench", "hutchd-load.py"))
load = importlib.util.module_from_spec(spec)
spec.loader.exec_module(load)
t = Tap()
d = Hutchd(workers=2, sets={"max_queue": "100", "log_level": "warn"})
# max_queue 100 < 280: the clients meet 503 + Retry-After and back off.
py = load.served_rate(d, 280, {"language_id": 71, "source_code": load.PY_SRC}, None, 4, 300)
t.diag(f"python: {py['per_second']} submissions/s")
t.ok(py["lost"] == 0, "280 Python submissions through a queue of 100: none lost", py)
t.ok(py["wrong"] == 0, "each Accepted with its own output", py["wrong_sample"])
for tok, _, _ in py["wrong_sample"]:
    t.diag(d.get(f"/submissions/{tok}?fields=*").body)
c = load.served_rate(d, 20, {"language_id": 50, "source_code": load.C_SRC}, "hello, world\n", 4, 300)
t.diag(f"C: {c['per_second']} submissions/s")
t.ok(c["lost"] == 0 and c["wrong"] == 0, "20 C submissions (compile + run): none lost or wrong", c)
m = d.get("/metrics").body
t.like(m, r'(?m)^hutchd_jobs_finished_total\{status_id="3",status="Accepted"\} 300$', "/metrics: 300 Accepted")
t.like(m, r'(?m)^hutchd_jobs_rejected_total\{reason="queue_full"\} [1-9]', "the clients met backpressure")
t.like(m, r"(?m)^hutchd_sandbox_failures_total 0$", "no sandbox failure")
t.is_(d.stop(), 0, "clean stop")
t.done()
