# sc_remoted and its tooling.  `make` builds into $(BUILD); `make check`
# installs missing Debian packages, builds a sanitizer build and runs the
# tests against it.

PREFIX	?= /usr/local
DESTDIR	?=
BUILD	?= build
CC	?= cc
PYTHON	?= /usr/bin/python3
VERSION	 = 0.1

PKGS	 = libevent
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
	   -Wall -Wextra -Werror -Icommon $(PKG_CFLAGS)
ifeq ($(SANITIZE),1)
CFLAGS	+= -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
LDFLAGS	+= -fsanitize=address,undefined
endif

COMMON	 = common/log.c common/wire.c common/addr.c common/uu.c \
	   common/wirebuf.c common/warts.c common/util.c
REMOTED	 = remoted/main.c remoted/listen.c remoted/master.c \
	   remoted/channel.c remoted/unixdir.c
FAKE	 = fakescamper/main.c fakescamper/vp.c fakescamper/control.c \
	   fakescamper/sim.c
ATTACH	 = attach/main.c attach/session.c
UNIT	 = testsuite/unit/test_common.c

obj	 = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

PROGS	 = $(BUILD)/bin/sc_remoted $(BUILD)/bin/fakescamper \
	   $(BUILD)/bin/sc_rattach
TESTPROGS = $(BUILD)/bin/test_common $(BUILD)/bin/bench_sink

all: $(PROGS) $(TESTPROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/bin/sc_remoted: $(call obj,$(REMOTED) $(COMMON))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/fakescamper: $(call obj,$(FAKE) $(COMMON))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/sc_rattach: $(call obj,$(ATTACH) $(COMMON))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/bin/bench_sink: $(call obj,bench/sink.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/bin/test_common: $(call obj,$(UNIT) $(COMMON))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

deps:
	@sh scripts/deps.sh

# The tests run against a sanitizer build, so that memory errors fail them.
check: deps
	$(MAKE) BUILD=build/asan SANITIZE=1 all
	mandoc -Tlint -Wwarning man/*.[0-9]
	$(MAKE) BUILD=build/asan fuzz FUZZ_SECONDS=10
	SC_BIN=$(CURDIR)/build/asan/bin $(PYTHON) -m pytest -q testsuite \
	    $(PYTEST_ARGS)

demo: deps all
	@sh scripts/demo.sh $(BUILD)/bin

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build
	find testsuite -name __pycache__ -prune -exec rm -rf {} +

# libFuzzer harnesses for the decoders (clang); FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZCC	 = clang
FUZZFLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -Icommon -Iattach \
	   -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
FUZZERS	 = wire uu session

$(BUILD)/fuzz/fuzz_wire: fuzz/fuzz_wire.c common/wire.c
$(BUILD)/fuzz/fuzz_uu: fuzz/fuzz_uu.c common/uu.c
$(BUILD)/fuzz/fuzz_session: fuzz/fuzz_session.c attach/session.c \
	   common/uu.c common/warts.c common/log.c
$(BUILD)/fuzz/fuzz_%:
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZFLAGS) -o $@ $^

fuzz: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))
	for f in $(FUZZERS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$f && \
	    $(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=0 $(BUILD)/fuzz/corpus-$$f || exit 1; \
	done

# Side by side with Debian's sc_remoted; takes about ten minutes.
bench: deps all
	$(PYTHON) bench/bench.py --remoted $(BUILD)/bin/sc_remoted \
	    --fake $(BUILD)/bin/fakescamper --sink $(BUILD)/bin/bench_sink

.PHONY: all deps check demo install clean bench fuzz
