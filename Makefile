# Makefile for the hack extension (PGXS)

EXTENSION = hack
MODULE_big = hack
# the install script of the current version is built from the unversioned
# sql/hack.sql (as pgvector does); the released scripts stay as shipped
DATA = hack--1.0.sql hack--1.0--1.1.sql hack--1.1--1.2.sql hack--1.2.sql hack--1.2--1.3.sql hack--1.3.sql hack--1.3--1.4.sql
DATA_built = hack--1.4.sql

CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

# every sql/NAME.sql but the install script sql/hack.sql is a regress test;
# each runs in a database where pg_regress has already created the extension
REGRESS = $(patsubst sql/%.sql,%,$(sort $(filter-out sql/hack.sql,$(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=hack

# our files build with warnings as errors; PostgreSQL's headers trip a few
# -Wextra checks that say nothing about our code
HACK_WARNINGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare
PG_CFLAGS = $(HACK_WARNINGS) -Isrc
# libraries of src/core, for the extension, the unit tests and the fuzzers
CORE_LIBS = -lopenblas -ldnnl -lgomp -lpng -ljpeg -lm -lpthread
SHLIB_LINK = $(CORE_LIBS)

# the libpq client, installed next to psql
CLIENT = src/client/hack-load
SCRIPTS_built = $(CLIENT)

EXTRA_CLEAN = test/unit/run_unit test/fuzz/bin $(CLIENT) results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

hack--1.4.sql: sql/hack.sql
	cp $< $@

CLIENT_SRCS = $(sort $(wildcard src/client/*.c)) src/core/tensor.c src/core/status.c \
	$(sort $(wildcard src/core/image_*.c))
$(CLIENT): $(CLIENT_SRCS) $(wildcard src/client/*.h) src/core/tensor.h src/core/status.h src/core/clock.h \
	$(wildcard src/core/image_*.h)
	$(CC) -std=gnu11 -O2 -g $(HACK_WARNINGS) -I$(shell $(PG_CONFIG) --includedir) \
		-o $@ $(CLIENT_SRCS) -L$(shell $(PG_CONFIG) --libdir) -lpq -lpng -ljpeg -lz -lm

# C unit tests of src/core: plain C11, no server, no PostgreSQL headers
UNIT_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g -Wall -Wextra -Werror \
	-Wdeclaration-after-statement -Isrc/core $(UNIT_EXTRA_CFLAGS)
UNIT_SRCS = $(sort $(wildcard test/unit/*.c))

test/unit/run_unit: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) $(CORE_SRCS) $(CORE_LIBS)

.PHONY: unitcheck
unitcheck: test/unit/run_unit
	test/unit/run_unit

# the unit tests under valgrind (small sizes), failing on any memory error
.PHONY: unitcheck-valgrind
unitcheck-valgrind: test/unit/run_unit
	HACK_UNIT_SMALL=1 OPENBLAS_NUM_THREADS=1 valgrind -q --error-exitcode=1 \
		--leak-check=full --errors-for-leak-kinds=definite test/unit/run_unit

# libFuzzer targets, one per parser of src/core (test/fuzz/fuzz_NAME.c ->
# test/fuzz/bin/fuzz_NAME); test/t/012_fuzz.pl runs each briefly in CI
# and doc/reliability.md says how to run them longer.  Their seed corpora in
# test/fuzz/corpus are written by `make fuzz-seeds`.
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fno-sanitize-recover=all \
	-Wall -Wextra -Werror -Isrc/core
FUZZ_SRCS = $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_BINS = $(patsubst test/fuzz/%.c,test/fuzz/bin/%,$(FUZZ_SRCS))
FUZZ_CORE_OBJS = $(patsubst src/core/%.c,test/fuzz/bin/obj/%.o,$(CORE_SRCS))

# the core is instrumented once and linked into every target
test/fuzz/bin/obj/%.o: src/core/%.c $(wildcard src/core/*.h)
	@mkdir -p test/fuzz/bin/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

test/fuzz/bin/fuzz_%: test/fuzz/fuzz_%.c $(wildcard test/fuzz/*.h) $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $< $(FUZZ_CORE_OBJS) $(CORE_LIBS)

.PHONY: fuzz
fuzz: $(FUZZ_BINS)

test/fuzz/bin/make_seeds: test/fuzz/make_seeds.c $(CORE_SRCS) $(wildcard src/core/*.h)
	mkdir -p test/fuzz/bin
	$(CC) $(UNIT_CFLAGS) -o $@ test/fuzz/make_seeds.c $(CORE_SRCS) $(CORE_LIBS)

.PHONY: fuzz-seeds
fuzz-seeds: test/fuzz/bin/make_seeds
	rm -rf test/fuzz/corpus
	test/fuzz/bin/make_seeds test/fuzz/corpus
	/usr/bin/python3 test/fuzz/make_image_seeds.py test/fuzz/corpus

# TAP tests (test/t/NNN_name.pl) on PostgreSQL::Test::Cluster, against the
# installed extension, as contrib's and pgvector's.  Run them as a user
# that may run initdb (test/run.sh: as postgres); TAP_TESTDIR is where
# their clusters and logs go (tmp_check), PROVE_FLAGS=-j4 runs four at
# once, PROVE_TESTS picks files.
TAP_TESTDIR ?= $(CURDIR)
.PHONY: prove_installcheck
prove_installcheck:
	rm -rf '$(TAP_TESTDIR)/tmp_check'
	$(MKDIR_P) '$(TAP_TESTDIR)/tmp_check'
	cd $(srcdir) && TESTDIR='$(TAP_TESTDIR)' PATH="$(bindir):$$PATH" PGPORT='6$(DEF_PGPORT)' \
		PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
		$(PROVE) $(PG_PROVE_FLAGS) -I test/perl $(PROVE_FLAGS) \
		$(if $(PROVE_TESTS),$(PROVE_TESTS),test/t/*.pl)
