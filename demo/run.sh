#!/usr/bin/env bash
# demo/run.sh: the README's main command.  From a fresh machine: installs
# what is missing (as root), builds and installs hack, starts a local
# PostgreSQL 15 cluster (kept in $HACK_CLUSTER_DIR, default /tmp/hack-demo,
# so re-running is fast) and runs the tour.  The cluster keeps running for
# you to explore; the last lines say how to connect and how to stop it.
set -euo pipefail
cd "$(dirname "$0")/.."
. test/lib/common.sh

hack_install_deps
hack_log "building and installing hack"
hack_build
export HACK_CLUSTER_DIR=${HACK_CLUSTER_DIR:-/tmp/hack-demo}
hack_log "starting the cluster in $HACK_CLUSTER_DIR"
hack_start_cluster
psql -X -q -v ON_ERROR_STOP=1 -f demo/tour.sql
cat <<EOT

The cluster is running. Connect with:
  psql -h $PGHOST -p $PGPORT -U postgres
Stop it with:
  $( [ "$(id -u)" = 0 ] && printf 'runuser -u postgres -- ' )$HACK_PGBIN/pg_ctl -D $HACK_CLUSTER_DIR/data stop
EOT
