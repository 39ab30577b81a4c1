#!/bin/sh
# Install the Debian packages hutch needs to build and test, when missing.
# Non-interactive; safe to run again.
set -eu
PKGS="build-essential pkg-config libseccomp-dev libcap-dev libcjson-dev libnl-3-dev libnl-route-3-dev
libmicrohttpd-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev nodejs unzip python3 iproute2 util-linux
nftables curl
debootstrap
clang clang-tidy clang-format cppcheck valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: all packages present"
fi
# libFuzzer and the sanitizer runtimes ship per clang version, as
# libclang-rt-N-dev (Debian 12: clang 14): the one matching this clang.
if command -v clang >/dev/null; then
	v=$(clang -dumpversion | cut -d. -f1)
	if ! dpkg-query -W -f='${Status}' "libclang-rt-$v-dev" 2>/dev/null | grep -q "install ok installed"; then
		echo "deps: installing: libclang-rt-$v-dev"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "libclang-rt-$v-dev"
	fi
fi
