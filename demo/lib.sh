# demo/lib.sh: what demo/run.sh and demo/colour.sh share (source it after
# test/lib/common.sh, with OUT set).
#
# demo_cluster: builds and installs hack (unless HACK_DEMO_INSTALLED=1),
# starts the demos' cluster (HACK_CLUSTER_DIR, or $OUT/cluster, or
# /tmp/hack-demo when the postgres user cannot reach $OUT), puts
# $HACK_PGBIN first on PATH and creates or updates the extension; defines
# sql (psql, stopping at the first error) and demo_train_filter.
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
# demo_train_filter PATTERN: the lines of a training's output (its NOTICEs)
# that match PATTERN, each as soon as it arrives: into a pipe, as when the
# output is not a terminal, grep would otherwise hold them in its buffer
# until the training ends (test/t/011_demo.pl checks a line comes while the
# CALL still runs).  No match is no error, so a failed CALL still fails the
# pipeline (pipefail).
demo_train_filter() { grep --line-buffered -E "$1" || true; }
demo_cluster() {
	if [ -z "${HACK_DEMO_INSTALLED:-}" ]; then
		hack_log "building and installing hack"
		hack_build
	fi
	mkdir -p "$OUT"
	if [ -z "${HACK_CLUSTER_DIR:-}" ]; then
		if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$OUT"; then
			HACK_CLUSTER_DIR=$OUT/cluster
		else
			HACK_CLUSTER_DIR=/tmp/hack-demo
		fi
	fi
	export HACK_CLUSTER_DIR
	hack_log "starting the cluster in $HACK_CLUSTER_DIR"
	hack_start_cluster
	PATH=$HACK_PGBIN:$PATH
	sql -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS hack"
	# a cluster kept from an earlier run may hold an older version: bring it up to date
	sql -c "SET client_min_messages = warning; ALTER EXTENSION hack UPDATE"
}
