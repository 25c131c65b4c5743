# idprover: build, run, test. GNU make; site overrides in config.mk.
#
# lib/ is a set of layers, one archive each, and every program links the
# layers it uses and the outside libraries of those layers, no more:
#
#   acme  relay            the resources; the platform's relay page
#   ca  sms  client        issuing; texting; the ACME client side
#   server                 request loop, responses, problems, JWS, nonces
#   store                  the store interface; Berkeley DB and PostgreSQL
#   base                   formats and helpers
#
# Flags of outside libraries come from pkg-config when a target needs them,
# not when this file is read, so that `make run` on a bare machine first
# installs the packages (scripts/deps.sh) and then builds in a sub-make.
-include config.mk

PREFIX	?= /usr/local
BUILD	?= build
CC	?= cc
OPT	?= -O2 -g

WARN	 = -W -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
	   -Wmissing-prototypes -Wmissing-declarations -Wsign-compare \
	   -Wformat=2 -Werror=format-security
HARDEN	 = -D_FORTIFY_SOURCE=2 -fstack-protector-strong
ifeq ($(CI),true)
WERROR	?= -Werror
endif
ifeq ($(SAN),1)
BUILD	 = build-san
HARDEN	 = -fstack-protector-strong
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
# Debian's gcc links --as-needed except under -fsanitize: ask for it, so
# that sanitized programs too record only the libraries they use.
SANLD	 = -Wl,--as-needed
endif
CFLAGS	+= $(OPT) -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(WERROR) \
	   -DTEMPLATE_DIR='"$(PREFIX)/share/idprover/templates"' $(SANFLAGS)
LDFLAGS	+= $(SANFLAGS) $(SANLD)

# --- Outside libraries, looked up lazily and once -------------------------
# The Debian package that provides each pkg-config name.
DEB_gnutls	= libgnutls28-dev
DEB_json-c	= libjson-c-dev
DEB_libtasn1	= libtasn1-6-dev
DEB_fcgi	= libfcgi-dev
DEB_libcurl	= libcurl4-gnutls-dev
DEB_libsmpp34	= libsmpp34-dev
DEB_cmocka	= libcmocka-dev
DEB_libpq	= libpq-dev
DEB_libcrypto	= libssl-dev

pkg_run	 = $(if $(shell pkg-config --exists $(2) 2>/dev/null && echo y),$(shell \
	   pkg-config --$(1) $(2)) ,$(error idprover: $(2) not found by \
	   pkg-config: run `make deps deps-test` as root, or apt-get install $(DEB_$(2))))
pkg_q	 = $(if $(PKG_$(1)_$(2)),,$(eval PKG_$(1)_$(2) := $(call pkg_run,$(1),$(2))))$(PKG_$(1)_$(2))
pkg	 = $(foreach p,$(2),$(call pkg_q,$(1),$(p)))
db_check = $(if $(DB_OK),,$(eval DB_OK := $(if $(shell printf '\#include <db.h>\n' | \
	   $(CC) -E - >/dev/null 2>&1 && echo y),y,$(error idprover: Berkeley DB 5.3 \
	   headers not found: run `make deps` as root, or apt-get install libdb5.3-dev))))

# --- Layers ----------------------------------------------------------------
LAYERS	 = acme relay client ca sms server store base	# top to bottom
# What each layer's sources may include: itself and the layers below it.
SEE_base   = base
SEE_store  = base store
SEE_server = base store server
SEE_ca	   = base ca
SEE_sms	   = base sms
SEE_client = base client
SEE_acme   = base store server ca sms acme
SEE_relay  = base store server client relay
# The outside libraries each layer calls.
EXT_base   = gnutls json-c libtasn1
EXT_server = fcgi libcrypto
EXT_store  = libpq
# What a layer opens at run time, when the configuration needs it
# (base/dl.c): its headers, never its link flags. libpq for a PostgreSQL
# store; libcurl for an HTTP SMS gateway (the client layer links it).
OPENED_store = libpq
OPENED_sms   = libcurl
EXT_ca	   = gnutls libtasn1
EXT_sms	   = libcurl libsmpp34
EXT_client = libcurl gnutls

comma	:= ,
space	:= $(subst ,, )
layer_of = $(word 2,$(subst /, ,$(1)))
incs	 = $(addprefix -Ilib/,$(1))
ext_of	 = $(sort $(foreach l,$(1),$(EXT_$(l))))
linked_of = $(sort $(foreach l,$(1),$(filter-out $(OPENED_$(l)),$(EXT_$(l)))))
cflags_of = $(call incs,$(sort $(foreach l,$(1),$(SEE_$(l))))) $(call pkg,cflags,$(call ext_of,$(1)))
libs_of	 = $(foreach l,$(filter $(1),$(LAYERS)),$(BUILD)/lib/lib$(l).a) \
	   $(call pkg,libs,$(call linked_of,$(1))) \
	   $(if $(filter store,$(1)),$(db_check)-ldb-5.3)

$(foreach l,$(LAYERS),$(eval OBJ_$(l) = $(patsubst lib/%.c,$(BUILD)/lib/%.o,$(wildcard lib/$(l)/*.c))))
HDRS	 = $(wildcard lib/*/*.h)

# --- Programs and the layers each links ------------------------------------
PROGS	 = directory new-nonce new-account account key-change new-order \
	   order finalize authz challenge cert revoke-cert crl renewal-info relay
TOOLS	 = idprover-admin idprover-client
ACME	 = acme server store ca base
USE_directory	= $(ACME)
USE_new-nonce	= $(ACME)
USE_new-account	= $(ACME)
USE_account	= $(ACME)
USE_key-change	= $(ACME)
USE_new-order	= $(ACME)
USE_order	= $(ACME)
USE_authz	= $(ACME)
USE_finalize	= $(ACME) ca
USE_cert	= $(ACME) ca
USE_revoke-cert	= $(ACME) ca
USE_crl		= $(ACME) ca
USE_renewal-info = $(ACME)
USE_challenge	= $(ACME) sms
USE_relay	= relay client server store base
USE_idprover-admin  = $(LAYERS)
USE_idprover-client = client base
ALL	 = $(LAYERS)

PROGBIN	 = $(PROGS:%=$(BUILD)/cgi-bin/%)
TOOLBIN	 = $(TOOLS:%=$(BUILD)/tools/%)
UNITSRC	 = $(wildcard tests/unit/test_*.c)
UNITBIN	 = $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZSRC	 = $(wildcard tests/fuzz/fuzz_*.c)
FUZZBIN	 = $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZTIME ?= 60

all: $(PROGBIN) $(TOOLBIN)

# config.o holds the install prefix: rebuild it when the prefix changes.
# The stamp is written only when it differs, so a rebuild stays a no-op.
PREFIX_STAMP := $(shell mkdir -p $(BUILD) && { echo '$(PREFIX)' | \
	cmp -s - $(BUILD)/.prefix || echo '$(PREFIX)' > $(BUILD)/.prefix; } && \
	echo $(BUILD)/.prefix)
$(BUILD)/lib/base/config.o: $(PREFIX_STAMP)

$(BUILD)/lib/%.o: lib/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(call layer_of,$<)) -c -o $@ $<

# The PostgreSQL schema (sql/NNN_*.sql) goes into the engine as a table.
SQL	 = $(sort $(wildcard sql/[0-9]*.sql))
$(BUILD)/gen/schema.h: $(SQL) scripts/sql2c.sh
	@mkdir -p $(@D)
	sh scripts/sql2c.sh $(SQL) > $@.tmp && mv $@.tmp $@
$(BUILD)/lib/store/pg.o $(BUILD)/lib/store/pg_admin.o: $(BUILD)/gen/schema.h
$(BUILD)/lib/store/pg.o $(BUILD)/lib/store/pg_admin.o: CFLAGS += -I$(BUILD)/gen

$(foreach l,$(LAYERS),$(eval $(BUILD)/lib/lib$(l).a: $$(OBJ_$(l)) ; \
	rm -f $$@ && ar rcs $$@ $$(OBJ_$(l))))

$(BUILD)/cgi-bin/%: cgi-bin/%.c $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(USE_$*)) $(LDFLAGS) -o $@ $< \
	    $(call libs_of,$(USE_$*))

$(BUILD)/tools/%: tools/%.c $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(USE_$*)) $(LDFLAGS) -o $@ $< \
	    $(call libs_of,$(USE_$*))

# Helpers shared by the unit tests: the vector loader and the harness
# that makes a store, a CA, a gateway and requests for the handlers.
UNITHELP = $(BUILD)/unit-helpers/vectors.o $(BUILD)/unit-helpers/harness.o

$(BUILD)/unit-helpers/%.o: tests/unit/%.c tests/unit/%.h $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(ALL)) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(UNITHELP) $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(ALL)) -Itests/unit $(LDFLAGS) -o $@ $< \
	    $(UNITHELP) $(call libs_of,$(ALL)) $(call pkg,libs,cmocka) \
	    $(if $(filter test_store_pg,$*),$(call pkg,libs,libpq))

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(ALL)) $(LDFLAGS) -o $@ $< \
	    tests/fuzz/replay.c $(call libs_of,$(ALL))

$(BUILD)/bench/load: bench/load.c $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,client base) $(LDFLAGS) -pthread -o $@ \
	    bench/load.c $(call libs_of,client base)

# The request path under callgrind, and the signature libraries side by side.
$(BUILD)/bench/prof: bench/prof.c $(UNITHELP) $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call cflags_of,$(ALL)) -Itests/unit $(LDFLAGS) -o $@ bench/prof.c \
	    $(UNITHELP) $(call libs_of,$(ALL)) $(call pkg,libs,cmocka)

$(BUILD)/bench/verify: bench/verify.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call pkg,cflags,gnutls libcrypto) $(LDFLAGS) -o $@ \
	    bench/verify.c $(call pkg,libs,gnutls libcrypto)

$(BUILD)/bench/nothing: bench/nothing.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(call pkg,cflags,fcgi) $(LDFLAGS) -o $@ bench/nothing.c \
	    $(call pkg,libs,fcgi)

# --- What a person runs: the packages first, then a sub-make ---------------
deps:
	@sh scripts/deps.sh run

deps-test:
	@sh scripts/deps.sh test

run:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh

unit: $(UNITBIN)
	@sh tests/unit/run.sh $(UNITBIN)

# Layer and link checks: dependencies point down, programs need only what
# they use.
check-layers: $(foreach l,$(LAYERS),$(BUILD)/lib/lib$(l).a) $(PROGBIN) $(TOOLBIN)
	@sh tests/layers.sh $(BUILD) $(foreach l,$(LAYERS),$(l)=$(subst $(space),$(comma),$(strip $(SEE_$(l)))))

test:
	@sh scripts/deps.sh test
	@echo "CFLAGS: $(CFLAGS)"
	$(MAKE) all unit check-layers
	$(MAKE) SAN=1 all unit check-layers
	$(MAKE) fuzz-replay
	$(MAKE) man-lint
	sh tests/integ/run.sh
	IDP_BUILD=$(CURDIR)/build-san sh tests/integ/run.sh test_accounts.py \
	    test_enroll.py test_hostile.py test_relay.sh
	IDP_STORE=pg sh tests/integ/run.sh $(PG_INTEG)

# The integration files that run again with the store on PostgreSQL.
PG_INTEG = test_accounts.py test_enroll.py test_hostile.py \
	   test_sms_delivery.sh test_admin.sh test_crash.sh test_relay.sh \
	   test_store_pg.sh test_copy_store.sh test_pg_outage.sh \
	   test_multinode.sh test_refused.py test_crowd.sh test_sms_crash.py \
	   test_renewal.sh test_eab.sh test_relay_eab.sh test_roundtrips.sh

fuzz-replay:
	$(MAKE) SAN=1 $(FUZZSRC:tests/fuzz/%.c=build-san/fuzz/%)
	@sh tests/fuzz/replay.sh build-san/fuzz

fuzz:
	@sh scripts/deps.sh test
	@sh tests/fuzz/run.sh $(FUZZTIME)

BENCHBIN = $(BUILD)/bench/load $(BUILD)/bench/nothing $(BUILD)/bench/verify

bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCHBIN)
	@BENCH_SHORT=$(BENCH_SHORT) bash bench/run.sh

# The bench on its short setting (1 run of 2 s per workload): that it
# still runs and serves without errors; nothing about speed. For CI.
bench-smoke:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCHBIN)
	@BENCH_SHORT=1 BENCH_OUT=$(CURDIR)/$(BUILD)/bench/smoke.txt bash bench/run.sh

# Instruction counts of the request path per request kind (valgrind).
bench-profile:
	@$(MAKE) --no-print-directory $(BUILD)/bench/prof
	@IDP_BUILD=$(CURDIR)/$(BUILD) sh bench/callgrind.sh

install:
	@sh scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	sh scripts/install.sh "$(DESTDIR)$(PREFIX)" $(BUILD)

fresh-check:
	@FRESH='$(FRESH)' sh scripts/fresh-check.sh

clean:
	rm -rf build build-san tests/tmp

man-lint:
	mandoc -T lint -W warning man/*.[1-9]

.PHONY: all deps deps-test unit run test fuzz fuzz-replay bench bench-smoke \
	bench-profile install \
	clean man-lint check-layers fresh-check
.SECONDARY:
