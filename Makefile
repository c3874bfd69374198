# Makefile for the hack extension (PGXS)

EXTENSION = hack
MODULE_big = hack
DATA = hack--1.0.sql

CORE_SRCS = $(sort $(wildcard src/core/*.c))
GLUE_SRCS = $(sort $(wildcard src/*.c))
OBJS = $(GLUE_SRCS:.c=.o) $(CORE_SRCS:.c=.o)

# every sql/NAME.sql is a regress test; each runs in a database where
# pg_regress has already created the extension
REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=hack

# our files build with warnings as errors; PostgreSQL's headers trip a few
# -Wextra checks that say nothing about our code
HACK_WARNINGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare
PG_CFLAGS = $(HACK_WARNINGS) -Isrc
SHLIB_LINK = -lopenblas -lpng -lm

# the libpq client, installed next to psql
CLIENT = src/client/hack-load
SCRIPTS_built = $(CLIENT)

EXTRA_CLEAN = test/unit/run_unit $(CLIENT) results regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

CLIENT_SRCS = $(sort $(wildcard src/client/*.c)) src/core/tensor.c src/core/status.c
$(CLIENT): $(CLIENT_SRCS) $(wildcard src/client/*.h) src/core/tensor.h src/core/status.h
	$(CC) -std=gnu11 -O2 -g $(HACK_WARNINGS) -I$(shell $(PG_CONFIG) --includedir) \
		-o $@ $(CLIENT_SRCS) -L$(shell $(PG_CONFIG) --libdir) -lpq -lz -lm

# C unit tests of src/core: plain C11, no server, no PostgreSQL headers
UNIT_CFLAGS = -std=c11 -O2 -g -Wall -Wextra -Werror -Wdeclaration-after-statement -Isrc/core $(UNIT_EXTRA_CFLAGS)
UNIT_SRCS = $(sort $(wildcard test/unit/*.c))

test/unit/run_unit: $(UNIT_SRCS) $(CORE_SRCS) $(wildcard src/core/*.h) test/unit/unit.h
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) $(CORE_SRCS) -lopenblas -lpng -lm

.PHONY: unitcheck
unitcheck: test/unit/run_unit
	test/unit/run_unit
