#!/usr/bin/env python3
# The Judge0-compatible API, driven as Judge0's clients drive it: every
# language (C, C++, Python 3, JavaScript, Bash) through Accepted, Wrong
# Answer, Compilation Error, Time Limit, memory limit and Runtime Error;
# base64 round trips; wait and async; batch; fields; test_cases; limits
# above the ceilings; bounds (413), bad JSON (400), auth (401/403);
# callbacks received by a local listener, with a retry.
import base64
import io
import json
import os
import socket
import sys
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, HTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hutchd_lib import Hutchd, Tap, need_root  # noqa: E402

need_root()
t = Tap()
C, CPP, JS, PY, BASH = 50, 54, 63, 71, 46
d = Hutchd(workers=2, sets={"max_source": "64K", "max_stdin": "64K", "max_batch": "5", "max_test_cases": "8",
                            "max_json_depth": "8", "callbacks_timeout": "2", "callbacks_max_tries": "3",
                            "work_size": "8M"})


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def unb64(s):
    return None if s is None else base64.b64decode(s).decode("utf-8", "replace")


def run(body, query="", fields="*"):
    r = d.post(f"/submissions?wait=true&fields={fields}{query}", body)
    return r


# ---- languages, statuses ----
r = d.get("/languages")
ids = sorted(x["id"] for x in r.json or [])
t.ok(r.status == 200 and {C, CPP, JS, PY, BASH} <= set(ids), f"GET /languages lists C, C++, JS, Python, Bash ({ids})")
r = d.get(f"/languages/{C}")
t.ok(r.status == 200 and r.json["source_file"] == "main.c" and "gcc" in r.json["compile_cmd"]
     and r.json["profile"] == "grade-c", "GET /languages/50: source file, compile command, profile", r)
t.is_(d.get("/languages/9999").status, 404, "GET /languages/9999: 404")
r = d.get("/statuses")
t.ok(r.status == 200 and [s["id"] for s in r.json] == list(range(1, 15)), "GET /statuses: ids 1..14")
names = {s["id"]: s["description"] for s in r.json or []}
t.ok(names.get(3) == "Accepted" and names.get(6) == "Compilation Error" and names.get(11) == "Runtime Error (NZEC)"
     and names.get(14) == "Exec Format Error" and names.get(13) == "Internal Error", "status descriptions as Judge0's")
r = d.get("/config_info")
t.ok(r.status == 200 and r.json["max_submission_batch_size"] == 5 and "max_cpu_time_limit" in r.json
     and r.json["enable_wait_result"] is True, "GET /config_info with Judge0's keys", r)

# ---- every language: accepted, wrong answer, and its failures ----
SUM = {  # read two numbers, print their sum
    C: "#include <stdio.h>\nint main(void){int a,b;if(scanf(\"%d %d\",&a,&b)!=2)return 1;printf(\"%d\\n\",a+b);return 0;}",
    CPP: "#include <iostream>\nint main(){int a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}",
    JS: "const [a,b]=require('fs').readFileSync(0,'utf8').trim().split(/\\s+/).map(Number);console.log(a+b);",
    PY: "a, b = map(int, input().split())\nprint(a + b)",
    BASH: "read a b\necho $((a + b))",
}
SPIN = {C: "int main(void){for(;;);}", CPP: "int main(){for(;;);}", JS: "for(;;){}", PY: "while True: pass",
        BASH: "while :; do :; done"}
HOG = {C: "#include <stdlib.h>\n#include <string.h>\nint main(void){for(;;){char*p=malloc(1<<20);if(!p)return 3;memset(p,1,1<<20);}}",
       CPP: "#include <vector>\nint main(){std::vector<std::vector<char>> v;for(;;)v.emplace_back(1<<20,1);}",
       JS: "const a=[];for(;;)a.push(Buffer.alloc(1<<20,1));",
       PY: "a = []\nwhile True: a.append(bytearray(1 << 20))"}
CRASH = {C: ("int main(void){volatile int *p=0;return *p;}", 7),
         CPP: ("#include <cstdlib>\nint main(){std::abort();}", 10),
         JS: ("process.exit(3)", 11), PY: ("raise SystemExit(3)", 11), BASH: ("exit 3", 11)}
NAMES = {C: "C", CPP: "C++", JS: "JavaScript", PY: "Python", BASH: "Bash"}
for lang in (C, CPP, JS, PY, BASH):
    n = NAMES[lang]
    if lang not in ids:  # scripts/deps.sh installs them all; say so rather than fail here
        t.skip(f"{n}: not available on this host (see hutchd's log)")
        continue
    r = run({"language_id": lang, "source_code": SUM[lang], "stdin": "2 40", "expected_output": "42"})
    t.ok(r.status == 201 and r.json["status"]["id"] == 3 and r.json["stdout"] == "42\n", f"{n}: Accepted", r)
    r = run({"language_id": lang, "source_code": SUM[lang], "stdin": "2 2", "expected_output": "5"})
    t.ok(r.status == 201 and r.json["status"]["id"] == 4 and r.json["verdict"]["code"] == "WA", f"{n}: Wrong Answer", r)
    r = run({"language_id": lang, "source_code": SPIN[lang], "cpu_time_limit": 0.5, "cpu_extra_time": 0.2})
    t.ok(r.status == 201 and r.json["status"]["id"] == 5 and float(r.json["time"]) >= 0.5, f"{n}: Time Limit Exceeded",
         r)
    src, want = CRASH[lang]
    r = run({"language_id": lang, "source_code": src})
    t.ok(r.status == 201 and r.json["status"]["id"] == want, f"{n}: runtime error is status {want}", r)
    if lang in HOG:
        r = run({"language_id": lang, "source_code": HOG[lang], "memory_limit": 65536})
        t.ok(r.status == 201 and r.json["verdict"]["code"] == "MLE" and r.json["verdict"]["memory_limit_exceeded"]
             and r.json["status"]["id"] in (12, 11, 7, 10), f"{n}: memory limit: hutch's MLE verdict, a Judge0 RE status",
             r)
for lang in (C, CPP):
    r = run({"language_id": lang, "source_code": "int main(void){ return undefined_name; }"})
    t.ok(r.status == 201 and r.json["status"]["id"] == 6 and "undefined_name" in (r.json["compile_output"] or ""),
         f"{NAMES[lang]}: Compilation Error with the compiler's output", r)

# The other languages of the languages file, where the host has them.
OTHERS = {
    59: ("Fortran", "program p\n integer :: a, b\n read *, a, b\n print \"(I0)\", a+b\nend program p"),
    62: ("Java", "import java.util.*;\npublic class Main { public static void main(String[] x) {"
                 " Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + s.nextInt()); } }"),
    67: ("Pascal", "program p; var a, b: integer; begin readln(a, b); writeln(a + b); end."),
    75: ("C (Clang)", SUM[C]),
    76: ("C++ (Clang)", SUM[CPP]),
    85: ("Perl", "my ($a, $b) = split(' ', <STDIN>); print $a + $b, \"\\n\";"),
}
for lang, (n, src) in OTHERS.items():
    if lang not in ids:
        t.skip(f"{n}: not on this host")
        continue
    r = run({"language_id": lang, "source_code": src, "stdin": "2 40", "expected_output": "42"})
    t.ok(r.status == 201 and r.json["status"]["id"] == 3, f"{n}: Accepted", r)

# ---- details of a run ----
r = run({"language_id": PY, "source_code": "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(4)"})
t.ok(r.json["stdout"] == "out\n" and r.json["stderr"] == "err\n" and r.json["exit_code"] == 4 and
     r.json["status"]["id"] == 11, "stdout, stderr and exit_code of a failing program", r)
r = run({"language_id": PY, "source_code": "import sys\nprint('a', flush=True)\nprint('b', file=sys.stderr)",
         "redirect_stderr_to_stdout": True})
t.ok(r.json["stdout"] == "a\nb\n" and r.json["stderr"] is None, "redirect_stderr_to_stdout", r)
r = run({"language_id": C, "source_code": "#include <stdio.h>\nint main(int c,char**v){for(int i=1;i<c;i++)puts(v[i]);}",
         "command_line_arguments": "one 'two words' \"three\""})
t.is_(r.json and r.json["stdout"], "one\ntwo words\nthree\n", "command_line_arguments split like a shell, no shell")
r = run({"language_id": C, "source_code": "#include <stdio.h>\nint main(void){printf(\"%d\\n\", X);}",
         "compiler_options": "-DX=7"})
t.is_(r.json and r.json["stdout"], "7\n", "compiler_options reach the compiler")
r = run({"language_id": C, "source_code": "int main(void){return 0;}", "compiler_options": "-DX='unterminated"})
t.is_(r.status, 422, "compiler_options with an open quote: 422")
r = run({"language_id": PY, "source_code": "print(1)", "number_of_runs": 3})
t.ok(r.status == 201 and r.json["status"]["id"] == 3 and r.json["number_of_runs"] == 3, "number_of_runs = 3", r)
r = run({"language_id": PY, "source_code": "print('x' * 3000000)"})
t.ok(r.json["status"]["id"] == 8 and r.json["verdict"]["code"] == "OLE", "output past the limit: SIGXFSZ status (8), OLE",
     {k: r.json[k] for k in ("status", "verdict")} if r.json else r)
r = run({"language_id": PY, "source_code": "print(1)"})
t.ok(r.json["cpu_time_limit"] == "5.0" and r.json["memory_limit"] == 128000 and r.json["wall_time_limit"] == "10.0",
     "defaults are the profile's (Judge0's: 5 s, 128000 KB, 10 s)", r)
t.ok(r.json["created_at"].endswith("Z") and r.json["finished_at"] and r.json["language"]["id"] == PY,
     "created_at, finished_at, language", r)

# Exec format error: the program the compiler left is not executable.
r = run({"language_id": C, "source_code": "int main(void){return 0;}", "compiler_options": "-c"})
t.ok(r.json and r.json["status"]["id"] == 14, "a non-executable binary: Exec Format Error (14)", r)

# The work dir is a tmpfs of work_size: a program cannot fill the host's disk,
# and whatever it leaves (a tree 300 deep) goes with the job.
r = run({"language_id": PY, "source_code": "for i in range(20):\n    open(f'f{i}', 'wb').write(b'x' * 900000)"})
t.ok(r.json["status"]["id"] == 11 and "No space left" in (r.json["stderr"] or ""),
     "writing past work_size in /box: ENOSPC, a runtime error", {k: r.json[k] for k in ("status", "stderr")})
r = run({"language_id": PY, "source_code": "import os\nos.makedirs('/'.join(['d'] * 300))\nprint('deep')"})
t.is_(r.json and r.json["stdout"], "deep\n", "a program may build a deep tree in /box")
t.is_(sorted(os.listdir(os.path.join(d.state_dir, "work"))), [], "and nothing of either job is left")
t.ok(not any(d.state_dir in line for line in open("/proc/self/mountinfo")), "no work dir mount left")

# ---- base64 ----
src = "print(input()[::-1])"
r = d.post("/submissions?base64_encoded=true&wait=true", {"language_id": PY, "source_code": b64(src),
                                                           "stdin": b64("héllo ✓"), "expected_output": b64("✓ olléh")})
t.ok(r.status == 201 and r.json["status"]["id"] == 3 and unb64(r.json["stdout"]) == "✓ olléh\n",
     "base64 in and out (UTF-8 text)", r)
tok = r.json["token"]
r = d.get(f"/submissions/{tok}?base64_encoded=true&fields=source_code,stdin")
t.ok(unb64(r.json["source_code"]) == src and unb64(r.json["stdin"]) == "héllo ✓", "base64 round trip of source and stdin")
r = d.get(f"/submissions/{tok}?fields=stdout")
t.is_(r.json and r.json["stdout"], "✓ olléh\n", "the same result as plain text")
r = run({"language_id": PY, "source_code": "import sys\nsys.stdout.buffer.write(bytes([0xff, 0xfe, 0]))"}, fields="")
t.ok(r.status == 201 and "base64_encoded=true" in (r.json or {}).get("error", "") and r.json.get("token"),
     "binary output without base64: Judge0's error, with the token", r)
r = d.get(f"/submissions/{r.json['token']}?base64_encoded=true&fields=stdout")
t.is_(r.json and r.json["stdout"], b64(bytes([0xff, 0xfe, 0])), "and the bytes with base64_encoded=true")
r = d.post("/submissions?base64_encoded=true", {"language_id": PY, "source_code": "not base64!!"})
t.ok(r.status == 422 and "source_code" in r.json, "bad base64: 422 naming the field", r)

# ---- async, fields, list, delete ----
r = d.post("/submissions", {"language_id": PY, "source_code": "print('async')"})
t.ok(r.status == 201 and list(r.json) == ["token"], "async create: 201 {token}", r)
res = d.wait_done(r.json["token"])
t.ok(res and res["stdout"] == "async\n", "then GET finds the result")
r = d.get(f"/submissions/{r.json['token']}?fields=status,stdout")
t.is_(sorted(r.json or {}), ["status", "stdout"], "?fields=status,stdout returns exactly those")
r = d.get(f"/submissions/{res['token']}?fields=stdout,bogus")
t.ok(r.status == 400 and "bogus" in r.json["error"], "unknown field: 400 naming it", r)
t.is_(d.get("/submissions/00000000-0000-4000-8000-000000000000").status, 404, "unknown token: 404")
r = d.get("/submissions?per_page=2&page=1&fields=token,status")
t.ok(r.status == 200 and len(r.json["submissions"]) == 2 and r.json["meta"]["total_count"] > 2
     and r.json["meta"]["next_page"] == 2, "GET /submissions is paged", r.json and r.json.get("meta"))
client = d.make_token("client", "c1")
mine = d.post("/submissions", {"language_id": PY, "source_code": "print(1)"}, token=client).json["token"]
r = d.get("/submissions?fields=token", token=client)
t.ok([s["token"] for s in r.json["submissions"]] == [mine], "a client lists only its own submissions", r)
d.wait_done(mine)
t.is_(d.request("DELETE", f"/submissions/{mine}", token=client).status, 403, "DELETE needs an admin token")
r = d.request("DELETE", f"/submissions/{mine}?fields=token,stdout")
t.ok(r.status == 200 and r.json["token"] == mine and unb64(r.json["stdout"]) == "1\n",
     "admin DELETE returns the submission (base64)", r)
t.is_(d.get(f"/submissions/{mine}").status, 404, "and it is gone")

# ---- batch ----
r = d.post("/submissions/batch", {"submissions": [
    {"language_id": PY, "source_code": "print(1)"},
    {"language_id": 9999, "source_code": "x"},
    {"language_id": BASH, "source_code": "echo 2"}]})
t.ok(r.status == 201 and "token" in r.json[0] and "language_id" in r.json[1] and "token" in r.json[2],
     "batch: tokens for the good ones, errors for the bad one", r)
toks = ",".join(x["token"] for x in (r.json or []) if "token" in x)
for x in toks.split(","):
    d.wait_done(x)
r = d.get(f"/submissions/batch?tokens={toks},00000000-0000-4000-8000-000000000000&fields=stdout")
t.ok(r.status == 200 and [s and s["stdout"] for s in r.json["submissions"]] == ["1\n", "2\n", None],
     "GET /submissions/batch?tokens= (unknown token: null)", r)
r = d.post("/submissions/batch", {"submissions": [{"language_id": PY, "source_code": "1"}] * 6})
t.is_(r.status, 413, "a batch past max_batch: 413")
t.is_(d.post("/submissions/batch", {"submissions": []}).status, 400, "an empty batch: 400")

# ---- test_cases (hutch's extension) ----
body = {"language_id": PY, "source_code": "print(int(input()) * 2)",
        "test_cases": [{"stdin": "1", "expected_output": "2"}, {"stdin": "2", "expected_output": "5"},
                       {"stdin": "3", "expected_output": "6"}]}
r = run(body)
cases = r.json and r.json.get("test_cases") or []
t.ok(r.status == 201 and [c["status"]["id"] for c in cases] == [3, 4, 3], "test_cases: a verdict per case", r)
t.ok(r.json["status"]["id"] == 4 and r.json["verdict"]["passed"] == 2 and r.json["verdict"]["total"] == 3,
     "the first failure decides the status; passed/total", r.json and r.json.get("verdict"))
r = run(dict(body, stop_on_first_failure=True))
t.ok([c["verdict"]["code"] for c in r.json["test_cases"]] == ["AC", "WA", "SKIPPED"], "stop_on_first_failure", r)
r = run({"language_id": PY, "source_code": "print(1/3)", "test_cases": [{"expected_output": "0.333333"}],
         "comparison": "float", "float_tolerance": 1e-5})
t.is_(r.json and r.json["status"]["id"], 3, "float comparison within the tolerance")
r = run({"language_id": PY, "source_code": "print(1/3)", "expected_output": "0.333333"})
t.is_(r.json and r.json["status"]["id"], 4, "the default comparison is exact (trailing whitespace aside)")
r = d.post("/submissions", {"language_id": PY, "source_code": "1", "test_cases": [{"stdin": "1"}] * 9})
t.is_(r.status, 413, "more test_cases than max_test_cases: 413")

# ---- additional_files ----
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("data.txt", "from the zip\n")
r = run({"language_id": PY, "source_code": "print(open('data.txt').read(), end='')",
         "additional_files": base64.b64encode(buf.getvalue()).decode()})
t.is_(r.json and r.json["stdout"], "from the zip\n", "additional_files are unpacked next to the source")

# ---- limits, bounds, malformed input, auth ----
r = d.post("/submissions", {"language_id": PY, "source_code": "print(1)", "cpu_time_limit": 100})
t.ok(r.status == 422 and "cpu_time_limit" in r.json and "ceiling" in r.json["cpu_time_limit"][0],
     "cpu_time_limit above the profile's ceiling: 422 naming the field", r)
r = d.post("/submissions", {"language_id": PY, "source_code": "print(1)", "memory_limit": 10 ** 7})
t.ok(r.status == 422 and "memory_limit" in r.json, "memory_limit above the ceiling: 422", r)
r = d.post("/submissions", {"language_id": PY, "source_code": "print(1)", "cpu_time_limit": 19, "cpu_extra_time": 5})
t.ok(r.status == 422 and "cpu_extra_time" in r.json, "cpu_time_limit + cpu_extra_time past the ceiling names the extra",
     r)
r = d.post("/submissions", {"language_id": PY, "source_code": "print(1)", "max_processes_and_or_threads": 0})
t.ok(r.status == 422 and "max_processes_and_or_threads" in r.json, "a zero limit: 422 (zero would mean none)", r)
r = d.post("/submissions", {"language_id": PY, "source_code": "print(1)", "enable_network": True})
t.ok(r.status == 422 and "enable_network" in r.json, "enable_network where the profile has none: 422", r)
r = d.post("/submissions", {"language_id": 9999, "source_code": "x"})
t.ok(r.status == 422 and "doesn't exist" in r.json["language_id"][0], "unknown language: 422 as Judge0", r)
r = d.post("/submissions", {"language_id": PY})
t.ok(r.status == 422 and r.json["source_code"] == ["can't be blank"], "no source: 422 can't be blank", r)
r = d.post("/submissions", {"language_id": PY, "source_code": "#" * 70000})
t.ok(r.status == 413 and "source_code" in r.json["error"], "source over max_source: 413", r)
r = d.post("/submissions", {"language_id": PY, "source_code": "1", "stdin": "x" * 70000})
t.is_(r.status, 413, "stdin over max_stdin: 413")
r = d.request("POST", "/submissions", raw=b'{"language_id": 71, "source_code": "print(1)",}',
              headers={"Content-Type": "application/json"})
t.ok(r.status == 400 and "line 1, column" in r.json["error"], "malformed JSON: 400 saying where", r)
r = d.request("POST", "/submissions", raw=b"[" * 20 + b"]" * 20, headers={"Content-Type": "application/json"})
t.ok(r.status == 413 and "deeper" in r.json["error"], "JSON nested past max_json_depth: 413", r)
# A body over max_body is refused from its Content-Length, before it is sent.
s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
s.sendall(f"POST /submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {d.token}\r\n"
          f"Content-Type: application/json\r\nContent-Length: {17 * 1024 * 1024}\r\n\r\n".encode())
head = s.recv(4096).decode("utf-8", "replace")
s.close()
t.ok(head.startswith("HTTP/1.1 413") and "too large" in head, "a body over max_body: 413 before it is sent", head[:200])
# ... and one sent without a length (chunked) is cut when it passes the bound.
s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
s.sendall(f"POST /submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {d.token}\r\n"
          f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
head = ""
try:
    for _ in range(20):
        s.sendall(b"100000\r\n" + b"x" * 0x100000 + b"\r\n")
    s.sendall(b"0\r\n\r\n")
except OSError:
    pass
try:
    head = s.recv(4096).decode("utf-8", "replace")
except OSError:
    pass
s.close()
t.ok(head.startswith("HTTP/1.1 413"), "a chunked body past max_body: read, dropped, then 413", head[:200])
t.is_(d.post("/submissions", {"language_id": PY, "source_code": "1"}, token=None).status, 401, "no token: 401")
t.is_(d.get("/languages", token=None).status, 401, "no token on GET /languages: 401")

# ---- callbacks ----
received = []


class Listener(BaseHTTPRequestHandler):
    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received.append((self.path, json.loads(body)))
        # The first call of /flaky fails: hutchd must retry.
        code = 500 if self.path == "/flaky" and len([p for p, _ in received if p == "/flaky"]) == 1 else 200
        self.send_response(code)
        self.end_headers()

    def log_message(self, *a):
        pass


srv = HTTPServer(("127.0.0.1", 0), Listener)
threading.Thread(target=srv.serve_forever, daemon=True).start()
url = f"http://127.0.0.1:{srv.server_port}"
t1 = d.post("/submissions", {"language_id": PY, "source_code": "print('cb')", "callback_url": url + "/ok"}).json["token"]
t2 = d.post("/submissions", {"language_id": PY, "source_code": "print('cb2')", "callback_url": url + "/flaky"}).json["token"]
deadline = time.monotonic() + 20
while time.monotonic() < deadline and len(received) < 3:
    time.sleep(0.1)
ok_calls = [b for p, b in received if p == "/ok"]
t.ok(ok_calls and ok_calls[0]["token"] == t1 and unb64(ok_calls[0]["stdout"]) == "cb\n"
     and ok_calls[0]["status"]["id"] == 3, "callback: PUT of the result (base64) to callback_url", received[:1])
flaky = [b for p, b in received if p == "/flaky"]
t.ok(len(flaky) == 2 and flaky[1]["token"] == t2, "callback answered 500 is retried", len(flaky))
r = d.post("/submissions", {"language_id": PY, "source_code": "1", "callback_url": "file:///etc/passwd"})
t.ok(r.status == 422 and "callback_url" in r.json, "a callback_url that is not http(s): 422", r)
srv.shutdown()

m = d.get("/metrics").body
t.like(m, r'hutchd_jobs_finished_total\{status_id="3",status="Accepted"\} [1-9]', "/metrics counts jobs by status")
t.like(m, r'hutchd_run_duration_seconds_count\{step="run"\} [1-9]', "/metrics has the run duration histogram")
t.like(m, r'hutchd_callbacks_total\{result="delivered"\} [1-9]', "/metrics counts callbacks")
d.stop()
t.done()
