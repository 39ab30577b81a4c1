#!/bin/bash
# Network modes (issue 5; docs/network.md): none, loopback, egress, publish.
#
# "The outside" is made here: a network namespace of this test's own with a
# veth pair to the host (198.18.S.0/30, the benchmarking range) running an
# HTTP server and a tiny DNS server. Traffic only ever goes to addresses of
# this machine. Everything made here is removed at exit; nothing of the
# host's own (interfaces, routes, nft tables) is touched.
. "$(dirname "$0")/lib.sh"
need_root
for tool in ip nft curl python3; do
	command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed (scripts/deps.sh)"; exit 77; }
done
nft list tables >/dev/null 2>&1 || { echo "1..0 # SKIP nftables not usable here"; exit 77; }

PY=$(command -v python3)
ID=$$
S=$((ID % 200 + 20))
NS=hutch-t40-$ID
HIF=ht40h$((ID % 100000)) # not "hutch*": hutch's guard and sweep own those names
OIF=ht40o$((ID % 100000))
HOST_IP=198.18.$S.1
OUT_IP=198.18.$S.2
BG=()

cleanup() {
	local p
	for p in "${BG[@]}"; do { kill -9 "$p"; wait "$p"; } 2>/dev/null; done
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	ip link del "$HIF" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ip netns add "$NS" || { echo "1..0 # SKIP cannot create a network namespace"; exit 77; }
ip link add "$HIF" type veth peer name "$OIF" netns "$NS" &&
	ip addr add "$HOST_IP/30" dev "$HIF" && ip link set "$HIF" up &&
	ip -n "$NS" addr add "$OUT_IP/30" dev "$OIF" && ip -n "$NS" link set "$OIF" up &&
	ip -n "$NS" link set lo up || { echo "1..0 # SKIP cannot set up the test's veth pair"; exit 77; }

mkdir -p "$T/www"
echo "hello from outside" >"$T/www/hello"
chmod -R a+rX "$T/www"
ip netns exec "$NS" "$PY" -m http.server 8000 --bind "$OUT_IP" --directory "$T/www" >/dev/null 2>&1 &
BG+=($!)
ip netns exec "$NS" "$PY" -m http.server 8001 --bind "$OUT_IP" --directory "$T/www" >/dev/null 2>&1 &
BG+=($!)

# A DNS server answering every A query with 198.18.S.77 (and AAAA with
# nothing): $1 address to bind.
dns_server='
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
answer = socket.inet_aton(sys.argv[2])
while True:
    q, peer = s.recvfrom(512)
    i = 12
    while q[i]:
        i += q[i] + 1
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    an = b""
    if qtype == 1:
        an = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + answer
    hdr = q[:2] + struct.pack(">HHHHH", 0x8180, 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + question + an, peer)
'
ip netns exec "$NS" "$PY" -c "$dns_server" "$OUT_IP" "198.18.$S.77" >/dev/null 2>&1 &
BG+=($!)
"$PY" -c "$dns_server" 127.0.0.77 "198.18.$S.78" >/dev/null 2>&1 &
BG+=($!)

# Listeners on the host itself, on every address and on loopback only,
# counting connections; and an HTTP server on loopback (a host service).
listener='
import socket, sys, threading
def serve(s, name):
    while True:
        c, _ = s.accept(); c.close()
        with open(sys.argv[1], "a") as f: f.write(name + "\n")
ports = []
for addr in ("0.0.0.0", "127.0.0.1"):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0)); s.listen(64); ports.append(s.getsockname()[1])
    threading.Thread(target=serve, args=(s, addr), daemon=True).start()
with open(sys.argv[2], "w") as f: f.write("%d %d\n" % tuple(ports))
threading.Event().wait()
'
: >"$T/hits"
"$PY" -c "$listener" "$T/hits" "$T/ports" &
BG+=($!)
svc='
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
with open(sys.argv[2], "w") as f: f.write("%d\n" % s.server_address[1])
s.serve_forever()
'
"$PY" -c "$svc" "$T/www" "$T/svc.port" 2>"$T/svc.log" &
BG+=($!)
for _ in $(seq 100); do
	[ -s "$T/ports" ] && [ -s "$T/svc.port" ] && ip netns exec "$NS" bash -c "exec 3<>/dev/tcp/$OUT_IP/8000" 2>/dev/null && break
	sleep 0.1
done
read -r ANY_PORT LO_PORT <"$T/ports"
read -r SVC_PORT <"$T/svc.port"
[ -n "$ANY_PORT" ] && [ -n "$SVC_PORT" ] || { echo "1..0 # SKIP the test's servers did not start"; exit 77; }

# Profiles: the default one with every mode allowed, then variants.
mkprofile() { # mkprofile NAME PYTHON-EXPR-ON-n (n: the "network" dict)
	"$PY" - "$REPO/profiles/default.json" "$T/$1.json" "$2" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
n = {"mode": "none", "allowed": ["none", "loopback", "egress", "publish"]}
exec(sys.argv[3])
p["network"] = n
json.dump(p, open(sys.argv[2], "w"))
EOF
}
mkprofile net 'pass'
mkprofile allow "n['allow'] = ['$OUT_IP/32:8000']"
mkprofile svc "n['host_ports'] = [$SVC_PORT]"
mkprofile dns "n['dns'] = ['$OUT_IP']"
mkprofile dnslo "n['dns'] = ['127.0.0.77']"
P=$T/net.json

# Host addresses the sandbox must not reach (every IPv4 address of the host).
HOST_ADDRS=$(ip -4 -o addr show | awk '{split($4, a, "/"); print a[1]}' | grep -v '^10\.213\.' | tr '\n' ' ')

# connects MODE [OPTS...]: from a sandbox, try the outside HTTP server and
# every host address; print "target:ok" or "target:no" per line.
probe='
gw=$(ip route 2>/dev/null | awk "/^default/ {print \$3}")
try() { if timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; then echo "$3:ok"; else echo "$3:no"; fi; }
try '"$OUT_IP"' 8000 outside
for a in '"$HOST_ADDRS"' $gw; do try $a '"$ANY_PORT"' host-$a; done
try 127.0.0.1 '"$LO_PORT"' host-loopback
'

for mode in none loopback egress publish; do
	hrun --profile "$P" --net "$mode" --wall-time 30 -- /bin/bash -c "$probe"
	is "$RC" 0 "net $mode: probe ran"
	if [ "$mode" = egress ] || [ "$mode" = publish ]; then
		like "$OUT" "outside:ok" "net $mode: the outside HTTP server is reachable"
	else
		like "$OUT" "outside:no" "net $mode: the outside HTTP server is unreachable"
	fi
	is "$(echo "$OUT" | grep '^host' | grep -c ':ok')" 0 "net $mode: no address of the host itself answers ($(echo $OUT | tr '\n' ' '))"
done
is "$(wc -l <"$T/hits")" 0 "the host's listeners were never reached"

hrun --profile "$P" --net egress -- /usr/bin/curl -sS -m 5 "http://$OUT_IP:8000/hello"
is "$OUT" "hello from outside" "egress: a download from the outside has the right content"
hrun --profile "$P" --net none -- /usr/bin/curl -sS -m 5 "http://$OUT_IP:8000/hello"
ok $([ "$RC" -ne 0 ] && [ -z "$OUT" ]; echo $?) "none: the same download fails (exit $RC)"

hrun --profile "$P" --net egress -- /bin/sh -c 'ip -o link | grep -v " lo:" | wc -l; ip -o -6 addr | wc -l; ip route | head -1'
like "$(echo $OUT)" "^1 1 default via 10\.213\.[0-9.]+ dev eth0" \
	"egress: one interface besides lo, no IPv6 but ::1, a default route via eth0"

# Allowlist: only 198.18.S.2:8000.
hrun --profile "$T/allow.json" --net egress -- /bin/bash -c "
	curl -sS -m 3 http://$OUT_IP:8000/hello; curl -sS -m 3 http://$OUT_IP:8001/hello >/dev/null 2>&1 || echo refused-8001"
is "$(echo $OUT)" "hello from outside refused-8001" "allowlist: the allowed port answers, another port of the same host does not"

# A service on the host's loopback, named by the profile, is reachable at
# the gateway; the other ports of the host stay closed.
hrun --profile "$T/svc.json" --net egress -- /bin/bash -c '
	gw=$(ip route | awk "/^default/ {print \$3}")
	curl -sS -m 3 http://$gw:'"$SVC_PORT"'/hello
	timeout 3 bash -c "exec 3<>/dev/tcp/$gw/'"$ANY_PORT"'" 2>/dev/null && echo open || echo closed'
is "$(echo $OUT)" "hello from outside closed" "host_ports: the named loopback service answers at the gateway, other ports do not"
ok $(grep -q "GET /hello" "$T/svc.log"; echo $?) "host_ports: the request reached the host's loopback service"

# DNS: resolv.conf inside names the resolver; a loopback resolver of the
# host is reached through the gateway.
hrun --profile "$T/dns.json" --net egress -- /bin/sh -c 'grep ^nameserver /etc/resolv.conf; getent ahostsv4 pkg.hutch.test | head -1'
like "$(echo $OUT)" "^nameserver $OUT_IP 198\.18\.$S\.77 " "dns: resolv.conf names the profile's resolver, names resolve through it"
hrun --profile "$T/dnslo.json" --net egress -- /bin/sh -c 'grep ^nameserver /etc/resolv.conf; getent ahostsv4 pkg.hutch.test | head -1'
like "$(echo $OUT)" "^nameserver 10\.213\.[0-9.]+ 198\.18\.$S\.78 " "dns: a resolver on the host's loopback is reached at the gateway"
hrun --profile "$P" --net loopback -- /bin/sh -c 'cat /etc/resolv.conf 2>/dev/null | grep -c "made by hutch"'
is "$OUT" 0 "loopback: no generated resolv.conf"

# publish: a sandbox serving on 8080 (published) and 8081 (not).
rm -f "$T/a.json"
"$HUTCH" run --profile "$P" --publish 8080 --net-info "$T/a.json" --wall-time 60 -- /bin/sh -c \
	"cd /tmp && echo published >index.html && /usr/bin/python3 -m http.server 8080 & cd /tmp && /usr/bin/python3 -m http.server 8081 & wait" \
	>"$T/a.out" 2>&1 </dev/null &
A_PID=$!
BG+=($A_PID)
for _ in $(seq 100); do [ -s "$T/a.json" ] && break; sleep 0.1; done
A_IP=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["address"])' "$T/a.json" 2>/dev/null)
# Through A's interface only (SO_BINDTODEVICE): were A gone, nothing may
# leave the host for the pool's address by the default route.
A_IF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["interface"])' "$T/a.json" 2>/dev/null)
acurl() { curl --interface "${A_IF:-none}" "$@"; }
like "$A_IP" '^10\.213\.[0-9]+\.[0-9]+$' "publish: --net-info gives the sandbox's address ($A_IP)"
for _ in $(seq 100); do acurl -s -m 1 -o /dev/null "http://$A_IP:8080/" && break; sleep 0.1; done
is "$(acurl -sS -m 3 "http://$A_IP:8080/index.html")" published "publish: the published port answers from the host"
acurl -sS -m 3 -o /dev/null "http://$A_IP:8081/" 2>"$T/c.err"
like "$(cat "$T/c.err")" "Failed to connect|Connection refused" "publish: a port not published does not answer the host"
if ip link show "$A_IF" >/dev/null 2>&1; then
	ip -n "$NS" route add 10.213.0.0/16 via "$HOST_IP"
	ok $(! ip netns exec "$NS" curl -s -m 3 -o /dev/null "http://$A_IP:8080/"; echo $?) \
		"publish: the published port is not reachable from outside the host"
else
	ok 1 "publish: the published sandbox is gone early ($A_IF)"
fi
hrun --profile "$P" --net egress -- /bin/bash -c "
	for p in 8080 8081; do timeout 3 bash -c \"exec 3<>/dev/tcp/$A_IP/\$p\" 2>/dev/null && echo open-\$p; done; echo done"
is "$(echo $OUT)" "done" "two sandboxes: one cannot reach the other, published port or not"
kill -TERM "$A_PID"
wait "$A_PID" 2>/dev/null

# Leftovers: an interface hutchN without its run's table hutch_N (tables
# are owned by a live supervisor's socket), a pool address or route on
# anything but a live run's interface, a resolv file without its table.
leftovers() {
	local tables links n=0 l
	tables=$(nft list tables 2>/dev/null | awk '$3 ~ /^hutch_[0-9]+$/ {sub("hutch_", "", $3); print $3}')
	links=$(ip -o link | awk -F': ' '{sub("@.*", "", $2); print $2}' | grep -E '^hutch[0-9]+$' | sed 's/hutch//')
	for l in $links; do echo "$tables" | grep -qx "$l" || { echo "interface hutch$l"; n=$((n + 1)); }; done
	ip -o -4 addr | awk '$4 ~ /^10\.213\./ {print $2}' | grep -vE '^hutch[0-9]+$' | sed 's/^/address on /'
	ip route | grep '^10\.213\.' | grep -vE 'dev hutch[0-9]+ ' | sed 's/^/route /'
	for f in "$STATE"/resolv.*.conf; do
		[ -e "$f" ] || continue
		l=${f##*/resolv.}
		echo "$tables" | grep -qx "${l%.conf}" || echo "file $f"
	done
}
STATE=/run/hutch/net/$(stat -L -c %i /proc/self/ns/net)
fails=0
for i in $(seq 50); do
	"$HUTCH" run --profile "$P" --net egress -- /bin/true >/dev/null 2>&1 || fails=$((fails + 1))
done
is "$fails" 0 "50 egress runs succeed"
# A veth pair goes with its sandbox's namespace, which the kernel tears
# down asynchronously: give it a moment.
settled_leftovers() {
	local left
	for _ in $(seq 50); do
		left=$(leftovers)
		[ -z "$left" ] && break
		sleep 0.1
	done
	echo "$left"
}
is "$(settled_leftovers)" "" "nothing left after 50 runs: interface, address, route, table or file"

rm -f "$T/k.json"
"$HUTCH" run --profile "$P" --net egress --net-info "$T/k.json" -- /bin/sleep 60 >/dev/null 2>&1 &
K_PID=$!
BG+=($K_PID)
for _ in $(seq 100); do [ -s "$T/k.json" ] && break; sleep 0.1; done
K_IF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["interface"])' "$T/k.json" 2>/dev/null)
like "$K_IF" '^hutch[0-9]+$' "kill -9: the run is up ($K_IF)"
K_SLOT=${K_IF#hutch}
kill -9 "$K_PID"
wait "$K_PID" 2>/dev/null
gone=1
for _ in $(seq 50); do
	if ! ip link show "$K_IF" >/dev/null 2>&1 && ! nft list table inet "hutch_$K_SLOT" >/dev/null 2>&1; then
		gone=0
		break
	fi
	sleep 0.1
done
ok $gone "kill -9 of hutch: its interface and nft table disappear by themselves"
"$HUTCH" run --profile "$P" --net egress -- /bin/true >/dev/null 2>&1
is "$(settled_leftovers)" "" "kill -9 of hutch: nothing left once the next run has started"
[ -e "$STATE/resolv.$K_SLOT.conf" ] && ok 1 "kill -9: resolv file swept" || ok 0 "kill -9: the dead run's resolv file was swept by the next run"

done_testing
