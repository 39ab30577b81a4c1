#!/bin/bash
# Attack 37: the network. A listener on the host's loopback, a host
# abstract unix socket, raw and packet sockets, interfaces, unix socket
# files reachable through the file system. With --net none nothing but a
# down lo exists; with --net loopback lo is the sandbox's own.
. "$(dirname "$0")/../lib.sh"
require_sandbox

# host-side listeners: a TCP port on 127.0.0.1, a UDP port, and an
# abstract unix socket; each counts what reaches it into a file
ABSTRACT=hutch-sec-$$-$RANDOM
listener='
import os, socket, sys, threading
port_file, count_file, abstract = sys.argv[1:4]
hits = 0
lock = threading.Lock()
def bump():
    global hits
    with lock:
        hits += 1
        with open(count_file, "w") as f:
            f.write(str(hits))
def serve(s):
    while True:
        try:
            c, _ = s.accept(); c.close(); bump()
        except OSError:
            return
def serve_udp(u):
    while True:
        try:
            u.recv(100); bump()
        except OSError:
            return
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(16)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", t.getsockname()[1]))
a = socket.socket(socket.AF_UNIX); a.bind("\0" + abstract); a.listen(16)
with open(count_file, "w") as f:
    f.write("0")
for target, s in ((serve, t), (serve_udp, u), (serve, a)):
    threading.Thread(target=target, args=(s,), daemon=True).start()
with open(port_file, "w") as f:
    f.write(str(t.getsockname()[1]))
threading.Event().wait()
'
python3 -c "$listener" "$T/port" "$T/hits" "$ABSTRACT" &
bg_track $!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port" 2>/dev/null)
[ -n "$PORT" ] || tap_skip_all "could not start the host listener"

hits_check() {
	local h
	h=$(cat "$T/hits")
	[ "$h" = 0 ] || fail "the host listener was reached ($h connections/datagrams)"
}

attack "net none: a listener on the host's 127.0.0.1 is unreachable"
probe_run --net none --wall-time 10 -- steps connect-tcp 127.0.0.1 "$PORT" + udp-send 127.0.0.1 "$PORT" + \
	connect-tcp ::1 "$PORT"
expect_not_hung
expect_denied "connect-tcp 127.0.0.1:$PORT" ENETUNREACH
expect_denied "udp-send 127.0.0.1:$PORT" ENETUNREACH
expect_denied "connect-tcp ::1:$PORT" ENETUNREACH EADDRNOTAVAIL EAFNOSUPPORT
hits_check
end_attack

attack "net loopback: 127.0.0.1 is the sandbox's own, not the host's"
probe_run --net loopback --wall-time 10 -- steps connect-tcp 127.0.0.1 "$PORT" + udp-send 127.0.0.1 "$PORT"
expect_not_hung
expect_denied "connect-tcp 127.0.0.1:$PORT" ECONNREFUSED
hits_check
end_attack

for mode in none loopback; do
	attack "net $mode: a host abstract unix socket is unreachable"
	probe_run --net "$mode" --wall-time 10 -- connect-abstract "$ABSTRACT"
	expect_not_hung
	expect_denied "connect-abstract $ABSTRACT" ECONNREFUSED
	hits_check
	end_attack
done

attack "net none: only lo, and it is down"
probe_run --net none --wall-time 10 -- ifaces
expect_not_hung
expect_line ifaces '^count=1 list=lo:down$'
end_attack

attack "net loopback: only lo, up"
probe_run --net loopback --wall-time 10 -- ifaces
expect_not_hung
expect_line ifaces '^count=1 list=lo:up$'
end_attack

for s in "inet raw icmp" "inet raw tcp" "inet6 raw icmp" "packet raw all" "packet dgram all" \
	"inet packet all"; do
	set -- $s
	attack "socket($1, $2, $3) is refused"
	probe_run --net loopback --wall-time 10 -- socket "$1" "$2" "$3"
	expect_not_hung
	expect_denied "socket $1/$2/$3"
	end_attack
done

attack "no unix socket file of the host is reachable"
probe_run --wall-time 30 -- find-sockets
expect_not_hung
expect_line find-sockets '^count=0$'
end_attack

done_testing
