# idprover: build, run, test. GNU make; site overrides in config.mk.
-include config.mk

PREFIX	?= /usr/local
BUILD	?= build
PKGS	 = fcgi gnutls json-c libtasn1 libcurl libsmpp34
PKGCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKGLIBS	  := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC	?= cc
OPT	?= -O2 -g
CFLAGS	+= $(OPT) -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -Ilib \
	   $(PKGCFLAGS) -DTEMPLATE_DIR='"$(PREFIX)/share/idprover/templates"' \
	   $(SANFLAGS)
LDFLAGS	+= $(SANFLAGS)
LDLIBS	+= $(PKGLIBS) -ldb-5.3

ifeq ($(CI),true)
WERROR	?= -Werror
endif
ifeq ($(SAN),1)
BUILD	 = build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
endif

PROGS	 = directory new-nonce new-account account key-change new-order \
	   order finalize authz challenge cert revoke-cert crl relay
TOOLS	 = idprover-admin idprover-client

LIBSRC	 = $(wildcard lib/*.c)
LIBOBJ	 = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
LIBA	 = $(BUILD)/libidprover.a
PROGBIN	 = $(PROGS:%=$(BUILD)/cgi-bin/%)
TOOLBIN	 = $(TOOLS:%=$(BUILD)/tools/%)
UNITSRC	 = $(wildcard tests/unit/test_*.c)
UNITBIN	 = $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
HDRS	 = $(wildcard lib/*.h)

all: $(PROGBIN) $(TOOLBIN)

deps:
	@sh scripts/deps.sh

# config.o holds the install prefix: rebuild it when the prefix changes.
$(BUILD)/.prefix: FORCE
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@

$(BUILD)/lib/config.o: $(BUILD)/.prefix

$(BUILD)/lib/%.o: lib/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIBA): $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(BUILD)/cgi-bin/%: cgi-bin/%.c $(LIBA) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tools/%: tools/%.c $(LIBA) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBA) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS) -lcmocka

unit: $(UNITBIN)
	@sh tests/unit/run.sh $(UNITBIN)

run: deps all
	@sh scripts/run.sh

test: deps
	$(MAKE) all unit
	$(MAKE) SAN=1 all unit
	$(MAKE) fuzz-replay
	sh tests/integ/run.sh
	IDP_BUILD=$(CURDIR)/build-san sh tests/integ/run.sh test_accounts.py \
	    test_enroll.py test_hostile.py test_relay.sh

FUZZSRC	 = $(wildcard tests/fuzz/fuzz_*.c)
FUZZBIN	 = $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZTIME ?= 60

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBA) $(LDLIBS)

fuzz-replay:
	$(MAKE) SAN=1 $(FUZZSRC:tests/fuzz/%.c=build-san/fuzz/%)
	@sh tests/fuzz/replay.sh build-san/fuzz

fuzz:
	@sh tests/fuzz/run.sh $(FUZZTIME)

bench: deps all $(BUILD)/bench/load $(BUILD)/bench/nothing
	@sh bench/run.sh

install: all
	sh scripts/install.sh "$(DESTDIR)$(PREFIX)" $(BUILD)

clean:
	rm -rf build build-san tests/tmp

man-lint:
	mandoc -T lint -W warning man/*.[1-9]

FORCE:

.PHONY: all deps unit run test fuzz fuzz-replay bench install clean man-lint FORCE
.SECONDARY:

$(BUILD)/bench/load: bench/load.c $(LIBA) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ bench/load.c $(LIBA) $(LDLIBS)

$(BUILD)/bench/nothing: bench/nothing.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bench/nothing.c $(LDLIBS)
