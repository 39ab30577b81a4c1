# hutch: one Makefile for the library, the CLI, the server, tests and benches.
# make deps | all | check | check-v2 | asan | fuzz | lint | bench | format | install

PREFIX     ?= /usr/local
CC         ?= cc
BUILD      ?= build
PKGS       := libseccomp libcap libcjson libnl-3.0 libnl-route-3.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wformat-nonliteral -Wno-unused-parameter
HARDEN  := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
OPT     ?= -O2 -g
CFLAGS  ?=
CFLAGS  += -std=gnu11 $(OPT) $(WARN) $(HARDEN) -D_GNU_SOURCE -Isandbox -Iruntime $(PKG_CFLAGS) \
           -DHUTCH_PROFILE_DIR='"$(abspath profiles)"' -DHUTCH_INSTALLED_PROFILE_DIR='"$(PREFIX)/share/hutch/profiles"'
LDFLAGS ?=
LDFLAGS += -pie -Wl,-z,relro,-z,now
LIBS    := $(PKG_LIBS) -lm
# The hutch command links libseccomp, libcap and libnl statically where their
# archives are installed (Debian's -dev packages ship them): every `hutch run`
# is a new process, and loading and relocating those shared libraries (with
# -z now) cost 130-260 us of each start (docs/performance.md). They are
# LGPL or BSD: the objects to relink hutch are the build's own.
STATIC_LIBS := $(foreach l,seccomp cap nl-route-3 nl-3,$(if $(filter /%,$(shell $(CC) -print-file-name=lib$(l).a 2>/dev/null)),$(l)))
HUTCH_LIBS  := -Wl,-Bstatic $(addprefix -l,$(STATIC_LIBS)) -Wl,-Bdynamic \
               $(filter-out $(addprefix -l,$(STATIC_LIBS)),$(PKG_LIBS)) -lm

# hutchd (server/): HTTP, SQLite, callbacks, token hashing.
SERVER_PKGS   := libmicrohttpd sqlite3 libcurl libcrypto
SERVER_CFLAGS := $(shell pkg-config --cflags $(SERVER_PKGS) 2>/dev/null) -Iserver -pthread \
                 -DHUTCHD_SOURCE_LANGUAGES='"$(abspath server/languages.json)"' \
                 -DHUTCHD_INSTALLED_LANGUAGES='"$(PREFIX)/share/hutch/languages.json"'
SERVER_LIBS   := $(shell pkg-config --libs $(SERVER_PKGS) 2>/dev/null) -pthread

SANDBOX_SRC := $(sort $(wildcard sandbox/*.c))
SANDBOX_OBJ := $(SANDBOX_SRC:%.c=$(BUILD)/%.o)
RUNTIME_LIB_SRC := $(filter-out runtime/main.c,$(sort $(wildcard runtime/*.c)))
RUNTIME_LIB_OBJ := $(RUNTIME_LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC    := $(sort $(wildcard tests/unit/*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
SERVER_SRC  := $(filter-out server/main.c,$(sort $(wildcard server/*.c)))
SERVER_OBJ  := $(SERVER_SRC:%.c=$(BUILD)/%.o)
HELPER_SRC  := $(sort $(wildcard tests/helpers/*.c))
HELPER_BIN  := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

.PHONY: all demo deps check check-unit check-integration check-security check-v2 asan fuzz lint bench format install clean

all: hutch hutchd $(UNIT_BIN) $(HELPER_BIN) $(BUILD)/hutch-probe $(BUILD)/bench/hb-spawn

deps:
	@./scripts/deps.sh

$(BUILD)/%.o: %.c $(wildcard sandbox/*.h runtime/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libhutch.a: $(SANDBOX_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhutch-runtime.a: $(RUNTIME_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

hutch: $(BUILD)/runtime/main.o $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HUTCH_LIBS)

$(BUILD)/server/%.o: server/%.c $(wildcard server/*.h sandbox/*.h runtime/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SERVER_CFLAGS) -c -o $@ $<

$(BUILD)/libhutchd.a: $(SERVER_OBJ)
	@rm -f $@
	ar rcs $@ $^

hutchd: $(BUILD)/server/main.o $(BUILD)/libhutchd.a $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) $(SERVER_LIBS)

# Unit tests of hutchd's modules link its library too.
$(BUILD)/tests/unit/test-hutchd-%: tests/unit/test-hutchd-%.c $(BUILD)/libhutchd.a $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SERVER_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libhutchd.a $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a $(LIBS) $(SERVER_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a $(LIBS)

# Probe helpers run inside sandboxes (and runtime images): static, no deps.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -D_GNU_SOURCE -Wall -Wextra -Werror -static -o $@ $< -lpthread

# `hutch profile audit` runs the security suite's probe in its sandboxes; it
# finds it next to hutch (build/hutch-probe) or in libexec/hutch once installed.
$(BUILD)/hutch-probe: $(BUILD)/tests/helpers/probe
	cp $< $@

# The bench's launcher: fork + execve + wait4, the same for every tool.
$(BUILD)/bench/hb-spawn: bench/hb-spawn.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g $(WARN) $(HARDEN) -D_GNU_SOURCE $(LDFLAGS) -o $@ $<

# make bench: hutch against bubblewrap, firejail, crun and unshare on this
# machine (installs the peers from Debian). BENCH_QUICK=1: the < 1 min run
# CI does (peers only if present, no install, no targets judged).
bench: hutch $(BUILD)/bench/hb-spawn
	@python3 bench/bench.py $(if $(BENCH_QUICK),--quick) $(BENCH_ARGS)

demo: all
	@./examples/grade.sh

check: all
	@./tests/run.sh

check-unit: all
	@./tests/run.sh unit

check-integration: all
	@./tests/run.sh integration

check-security: all
	@./tests/run.sh security

check-v2: all
	@./tests/v2/run-vm.sh

install: hutch hutchd $(BUILD)/hutch-probe
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hutch/profiles \
		$(DESTDIR)$(PREFIX)/share/hutch/runtimes $(DESTDIR)$(PREFIX)/libexec/hutch
	install -m 0755 hutch $(DESTDIR)$(PREFIX)/bin/hutch
	install -m 0755 hutchd $(DESTDIR)$(PREFIX)/bin/hutchd
	install -m 0644 server/languages.json $(DESTDIR)$(PREFIX)/share/hutch/languages.json
	install -m 0644 profiles/*.json $(DESTDIR)$(PREFIX)/share/hutch/profiles/
	install -m 0644 runtime/runtimes/*.json $(DESTDIR)$(PREFIX)/share/hutch/runtimes/
	install -m 0755 $(BUILD)/hutch-probe $(DESTDIR)$(PREFIX)/libexec/hutch/hutch-probe

format:
	clang-format -i sandbox/*.[ch] runtime/*.[ch] server/*.[ch] tests/unit/*.[ch] tests/helpers/*.c

clean:
	rm -rf $(BUILD) hutch hutchd
