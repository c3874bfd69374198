# test/lib/common.sh: shared by test/run.sh and demo/run.sh (source it).
#
# hack_install_deps   installs Debian packages when run as root and missing
# hack_build          builds and installs the extension (warnings are errors)
# hack_start_cluster  starts a PostgreSQL 15 cluster (as the postgres OS user
#                     when run as root) in $HACK_CLUSTER_DIR, or in a throwaway
#                     temporary directory, and exports PGHOST/PGPORT/PGUSER/
#                     PGDATABASE for clients; HACK_SERVER_ENV (words like
#                     LD_PRELOAD=...) is set in the server's environment
# hack_stop_cluster   stops it and removes the directory
# hack_prove DIR FLAGS [TESTS]  runs the TAP tests (make prove_installcheck)
#                     as the cluster owner, their clusters under DIR
# hack_prove_counts OUTPUT-FILE STATUS  prints "PASSED FAILED" of a prove run
# hack_build_citus PG_CONFIG  builds and installs Citus 13.0.5 into that
#                     PostgreSQL (for test/t/025_citus.pl) unless it is there

HACK_PGBIN=${HACK_PGBIN:-/usr/lib/postgresql/15/bin}

# Debian packages the build, the tests and the demo need
HACK_PACKAGES="build-essential postgresql-15 postgresql-server-dev-15 postgresql-client-15
	libopenblas-dev libpq-dev libpng-dev libjpeg62-turbo-dev libdnnl-dev zlib1g-dev python3 python3-scipy python3-pil python3-torch valgrind
	clang libclang-rt-14-dev postgresql-15-cron libipc-run-perl libio-pty-perl
	python3-psycopg python3-psycopg2 python3-sqlalchemy python3-numpy nodejs npm dataset-fashion-mnist
	libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libpam0g-dev autoconf flex bison"

hack_log() { printf '== %s\n' "$*" >&2; }

# The packages installed (current status i), and the virtual ones they provide: NodeSource's
# nodejs provides (and conflicts with) Debian's npm, which must then not be
# installed.
hack_installed_packages() {
	dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' 2>/dev/null |
		awk -F'|' '$1 ~ /^.i/ { print $2; n = split($3, p, ","); for (i = 1; i <= n; i++) {
			sub(/^ +/, "", p[i]); sub(/ .*/, "", p[i]); if (p[i] != "") print p[i] } }'
}

hack_install_deps() {
	local missing="" installed
	# one name a line, matched without a pipe (grep -q closing it early
	# would fail the pipeline of a caller under pipefail)
	installed=$'\n'$(hack_installed_packages)$'\n'
	for p in $HACK_PACKAGES "$@"; do
		[[ $installed == *$'\n'"$p"$'\n'* ]] || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		hack_log "missing Debian packages:$missing (run as root, or: sudo apt-get install -y$missing)"
		return 1
	fi
	hack_log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null
}

hack_build() {
	make -s PG_CONFIG="$HACK_PGBIN/pg_config" >/dev/null &&
		make -s PG_CONFIG="$HACK_PGBIN/pg_config" install >/dev/null
}

# Run a command as the cluster's OS user: postgres when we are root.
hack_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# With HACK_CLUSTER_DIR already set, that directory is kept between runs
# (created and initialised the first time, started if not running);
# otherwise a fresh temporary directory is used.
hack_start_cluster() {
	local opts="${1:-}"
	if [ -z "${HACK_CLUSTER_DIR:-}" ]; then
		HACK_CLUSTER_DIR=$(mktemp -d /tmp/hack-cluster.XXXXXX)
		HACK_CLUSTER_TEMP=1
	fi
	mkdir -p "$HACK_CLUSTER_DIR"
	chmod 755 "$HACK_CLUSTER_DIR"
	[ "$(id -u)" = 0 ] && chown postgres: "$HACK_CLUSTER_DIR"
	if [ -f "$HACK_CLUSTER_DIR/port" ]; then
		HACK_PORT=$(cat "$HACK_CLUSTER_DIR/port")
	else
		# a free port above the usual ones
		HACK_PORT=${HACK_PORT:-$(( 55000 + RANDOM % 5000 ))}
		echo "$HACK_PORT" > "$HACK_CLUSTER_DIR/port"
	fi
	export PGHOST=$HACK_CLUSTER_DIR PGPORT=$HACK_PORT PGUSER=postgres PGDATABASE=postgres
	if [ ! -f "$HACK_CLUSTER_DIR/data/PG_VERSION" ]; then
		hack_as_owner "$HACK_PGBIN/initdb" -D "$HACK_CLUSTER_DIR/data" -U postgres -A trust \
			--no-sync -E UTF8 --locale=C >"$HACK_CLUSTER_DIR/initdb.log" 2>&1 || {
			cat "$HACK_CLUSTER_DIR/initdb.log" >&2; return 1; }
	fi
	hack_as_owner "$HACK_PGBIN/pg_ctl" -D "$HACK_CLUSTER_DIR/data" status >/dev/null 2>&1 && return 0
	hack_as_owner env ${HACK_SERVER_ENV:-} "$HACK_PGBIN/pg_ctl" -D "$HACK_CLUSTER_DIR/data" -w -l "$HACK_CLUSTER_DIR/server.log" \
		-o "-k $HACK_CLUSTER_DIR -p $HACK_PORT -c listen_addresses='' -c fsync=off $opts" start >/dev/null || {
		cat "$HACK_CLUSTER_DIR/server.log" >&2; return 1; }
}

# Stop the cluster; a temporary one is also removed.
hack_stop_cluster() {
	[ -n "${HACK_CLUSTER_DIR:-}" ] || return 0
	hack_as_owner "$HACK_PGBIN/pg_ctl" -D "$HACK_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1
	if [ -n "${HACK_CLUSTER_TEMP:-}" ]; then
		rm -rf "$HACK_CLUSTER_DIR"
		HACK_CLUSTER_DIR=
		HACK_CLUSTER_TEMP=
	fi
}

# Run the TAP tests of test/t as the cluster owner (initdb refuses root),
# with their clusters and logs under DIR (which that user may write);
# HACK_SERVER_ENV and HACK_SERVER_CONF reach the servers they start
# (test/perl/HackTest.pm).
hack_prove() {
	local dir=$1 flags=$2 tests=${3:-}
	hack_as_owner env HACK_SERVER_ENV="${HACK_SERVER_ENV:-}" HACK_SERVER_CONF="${HACK_SERVER_CONF:-}" \
		make -s PG_CONFIG="$HACK_PGBIN/pg_config" prove_installcheck TAP_TESTDIR="$dir" \
		PROVE_FLAGS="--timer $flags" ${tests:+PROVE_TESTS="$tests"}
}

# The assertions of a prove run: all of "Tests=N" less the failed ones of
# the summary; a file that died with no failed assertion (no plan, a bad
# exit) is one failure, and so is a failing run with nothing counted.
hack_prove_counts() {
	awk -v rc="$2" '
		/^Files=[0-9]+, Tests=[0-9]+/ {
			match($0, /Tests=[0-9]+/); total = substr($0, RSTART + 6, RLENGTH - 6) + 0; seen = 1 }
		/\(Wstat: .*Tests: [0-9]+ Failed: [0-9]+\)/ {
			match($0, /Failed: [0-9]+\)/); f = substr($0, RSTART + 8, RLENGTH - 9) + 0
			sumf += f; if (f == 0) died++ }
		END {
			if (!seen) { print 0, 1; exit }
			failed = sumf + died
			if (rc != 0 && failed == 0) failed = 1
			print total - sumf, failed }' "$1"
}

# Citus, for the tests of hack on a distributed cluster (test/t/025_citus.pl).
# Debian does not package it: it is built from the unmodified release source
# (../shared/citus/README.md beside the repository), found as
# $HACK_CITUS_TARBALL, else ../shared/citus/ next to the repository, else
# /work/shared/citus/.  No tarball is an error, not a skipped test.
HACK_CITUS_VERSION=13.0.5
HACK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

hack_citus_tarball() {
	local f
	for f in "${HACK_CITUS_TARBALL:-}" \
		"$HACK_REPO/../shared/citus/citus-$HACK_CITUS_VERSION.tar.gz" \
		"/work/shared/citus/citus-$HACK_CITUS_VERSION.tar.gz"; do
		[ -n "$f" ] && [ -f "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

# Nothing to do when the PostgreSQL of PG_CONFIG has Citus 13.0.5 already
# (its citus.so says "Citus 13.0.5 on ..." in citus_version()'s string, and
# the control file is there); otherwise configure, make -j2 and make install
# in a temporary directory (2-3 minutes on 2 cores), the build's output in a
# log whose end is shown when it fails.
hack_build_citus() {
	local pgc=${1:-$HACK_PGBIN/pg_config} lib control tarball tmp rc
	lib=$("$pgc" --pkglibdir)/citus.so || return 1
	control=$("$pgc" --sharedir)/extension/citus.control
	if [ -f "$lib" ] && [ -f "$control" ] &&
		LC_ALL=C grep -qa "Citus ${HACK_CITUS_VERSION//./\\.}[^0-9.]" "$lib"; then
		return 0
	fi
	if ! tarball=$(hack_citus_tarball); then
		hack_log "Citus $HACK_CITUS_VERSION source not found: set HACK_CITUS_TARBALL, or put" \
			"citus-$HACK_CITUS_VERSION.tar.gz in $HACK_REPO/../shared/citus/"
		return 1
	fi
	hack_log "building Citus $HACK_CITUS_VERSION from $tarball into $("$pgc" --pkglibdir)"
	tmp=$(mktemp -d /tmp/hack-citus.XXXXXX) || return 1
	# a chain, not set -e: a caller's "|| ..." would turn set -e off
	(tar -xzf "$tarball" -C "$tmp" &&
		cd "$tmp/citus-$HACK_CITUS_VERSION" &&
		./configure PG_CONFIG="$pgc" &&
		make -j2 &&
		make install) >"$tmp/build.log" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 40 "$tmp/build.log" >&2
		hack_log "building Citus failed (status $rc)"
	elif ! LC_ALL=C grep -qa "Citus ${HACK_CITUS_VERSION//./\\.}[^0-9.]" "$lib"; then
		hack_log "Citus built, but $lib is not version $HACK_CITUS_VERSION"
		rc=1
	fi
	rm -rf "$tmp"
	return "$rc"
}
