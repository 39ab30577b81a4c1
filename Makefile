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
# Sanitizer flags, set by `make asan` and `make fuzz` for their own BUILD dirs.
SAN     ?=
CFLAGS  ?=
CFLAGS  += -std=gnu11 $(OPT) $(WARN) $(HARDEN) $(SAN) -D_GNU_SOURCE -Isandbox -Iruntime $(PKG_CFLAGS) \
           -DHUTCH_PROFILE_DIR='"$(abspath profiles)"' -DHUTCH_INSTALLED_PROFILE_DIR='"$(PREFIX)/share/hutch/profiles"'
LDFLAGS ?=
LDFLAGS += -pie -Wl,-z,relro,-z,now $(SAN)
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
# ./hutch, ./hutchd for the default build; other BUILD dirs (asan, fuzz) keep
# theirs inside.
HUTCH_BIN   := $(if $(filter build,$(BUILD)),hutch,$(BUILD)/hutch)
HUTCHD_BIN  := $(if $(filter build,$(BUILD)),hutchd,$(BUILD)/hutchd)

.PHONY: all demo deps check check-unit check-integration check-security check-v2 asan asan-build fuzz \
        fuzz-build fuzz-targets lint bench format format-all install clean

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

$(HUTCH_BIN): $(BUILD)/runtime/main.o $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(HUTCH_LIBS)

$(BUILD)/server/%.o: server/%.c $(wildcard server/*.h sandbox/*.h runtime/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SERVER_CFLAGS) -c -o $@ $<

$(BUILD)/libhutchd.a: $(SERVER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(HUTCHD_BIN): $(BUILD)/server/main.o $(BUILD)/libhutchd.a $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a
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

# Inside the VM (tests/v2/run-vm.sh): the cgroup driver's unit test and the
# limit tests, on a pure cgroup v2 kernel. Kept small: the VM is 20-60x slower.
check-v2-inner:
	@HUTCH_EXPECT_BACKEND=v2 python3 tests/run.py v2 unit -k test-cgroup --timeout 900 && \
	 HUTCH_EXPECT_BACKEND=v2 python3 tests/run.py v2 --timeout 900

check-v2: all
	@./tests/v2/run-vm.sh

# ---- sanitizers: hutch, hutchd and the unit tests built with ASan+UBSan
# into $(ASAN_BUILD) (./hutch untouched), then the unit and integration
# tests run against them (ASAN_LAYERS="unit integration security" adds the
# escape suite). A report ends the process that made it with status
# $(SAN_EXIT), which no test expects: it fails its test even where stderr
# is not looked at. No log_path: the sandbox's side cannot reach a host
# path after pivot_root. docs/security-testing.md has the details.
# The compiler `make` ships with (gcc); float-cast-overflow is not in gcc's
# "undefined" set, so named. -Wno-error: warnings differ with -O1 and the
# instrumentation, and `make` (-Werror) already gates them.
ASAN_CC     ?= $(CC)
ASAN_BUILD  ?= build-asan
ASAN_LAYERS ?= unit integration
ASAN_SAN    := -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -U_FORTIFY_SOURCE -Wno-error
SAN_EXIT    := 86
SAN_ENV      = ASAN_OPTIONS=exitcode=$(SAN_EXIT):detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
               UBSAN_OPTIONS=exitcode=$(SAN_EXIT):print_stacktrace=1:halt_on_error=1

asan-build:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CC=$(ASAN_CC) OPT="-O1 -g" SAN="$(ASAN_SAN)" \
		$(ASAN_BUILD)/hutch $(ASAN_BUILD)/hutchd $(UNIT_BIN:$(BUILD)/%=$(ASAN_BUILD)/%) \
		$(HELPER_BIN:$(BUILD)/%=$(ASAN_BUILD)/%)

asan: asan-build
	@$(SAN_ENV) HUTCH=$(abspath $(ASAN_BUILD)/hutch) HUTCHD=$(abspath $(ASAN_BUILD)/hutchd) \
		HUTCH_BUILD=$(ASAN_BUILD) HUTCH_SANITIZED=1 PROBE_DIR=$(abspath $(ASAN_BUILD)/tests/helpers) \
		./tests/run.sh $(ASAN_LAYERS)

# ---- fuzzing: clang's libFuzzer with ASan+UBSan into $(FUZZ_BUILD). A
# target is one file, tests/fuzz/fuzz-NAME.c, with seeds in
# tests/fuzz/corpus/NAME/ and an optional dictionary tests/fuzz/NAME.dict;
# nothing else to add. `make fuzz FUZZ_SECONDS=N` runs each N seconds and
# fails on a crash, leak, timeout or broken invariant. -Wno-error: clang
# warns where gcc does not, and `make` (gcc, -Werror) already gates warnings.
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# What a target may call: hutchd's modules, the profile loader, libhutch.
FUZZ_ARCHIVES = $(BUILD)/libhutchd.a $(BUILD)/libhutch-runtime.a $(BUILD)/libhutch.a

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT="-O1 -g" \
		SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -U_FORTIFY_SOURCE -Wno-error" \
		fuzz-targets

fuzz-targets: $(FUZZ_BIN)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_ARCHIVES)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SERVER_CFLAGS) -fsanitize=fuzzer -Itests/fuzz $(LDFLAGS) -o $@ $< $(FUZZ_ARCHIVES) \
		$(LIBS) $(SERVER_LIBS)

fuzz: fuzz-build
	@./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# ---- static analysis: cppcheck (suppressions with reasons in
# tests/cppcheck.supp) and clang-tidy (.clang-tidy), both must be silent.
LINT_SRC := $(sort $(wildcard sandbox/*.c runtime/*.c server/*.c server/*/*.c))
LINT_INC := -Isandbox -Iruntime $(PKG_CFLAGS) $(SERVER_CFLAGS)

lint:
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
		--inline-suppr --suppressions-list=tests/cppcheck.supp -D__GNUC__ -D_GNU_SOURCE \
		-DHUTCH_PROFILE_DIR='""' -DHUTCH_INSTALLED_PROFILE_DIR='""' \
		$(filter-out -I/usr/include/%-linux-gnu,$(filter -I% -D%,$(LINT_INC))) $(LINT_SRC)
	clang-tidy --quiet $(LINT_SRC) -- -std=gnu11 -D_GNU_SOURCE $(LINT_INC) \
		-DHUTCH_PROFILE_DIR='""' -DHUTCH_INSTALLED_PROFILE_DIR='""'

install: hutch hutchd $(BUILD)/hutch-probe
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hutch/profiles \
		$(DESTDIR)$(PREFIX)/share/hutch/runtimes $(DESTDIR)$(PREFIX)/libexec/hutch
	install -m 0755 hutch $(DESTDIR)$(PREFIX)/bin/hutch
	install -m 0755 hutchd $(DESTDIR)$(PREFIX)/bin/hutchd
	install -m 0644 server/languages.json $(DESTDIR)$(PREFIX)/share/hutch/languages.json
	install -m 0644 profiles/*.json $(DESTDIR)$(PREFIX)/share/hutch/profiles/
	install -m 0644 runtime/runtimes/*.json $(DESTDIR)$(PREFIX)/share/hutch/runtimes/
	install -m 0755 $(BUILD)/hutch-probe $(DESTDIR)$(PREFIX)/libexec/hutch/hutch-probe

# .clang-format is the house style; the tree predates it and would change
# in ~2,000 whitespace-only lines, so `make format` formats only the C files
# you changed or added (git), and `make format-all` everything.
FORMAT_ALL := $(wildcard sandbox/*.[ch] runtime/*.[ch] server/*.[ch] tests/unit/*.[ch] tests/helpers/*.c tests/fuzz/*.[ch])
format:
	@files=$$( (git diff --name-only HEAD; git ls-files --others --exclude-standard) 2>/dev/null | \
		grep -E '^(sandbox|runtime|server|tests/(unit|helpers|fuzz))/[^/]*\.[ch]$$' | sort -u); \
	for f in $$files; do [ -f "$$f" ] && echo "clang-format $$f" && clang-format -i "$$f"; done; true

format-all:
	clang-format -i $(FORMAT_ALL)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) hutch hutchd
