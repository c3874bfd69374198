#!/usr/bin/env bash
# test/bench/citus_bench.sh: CALL hack_train of Fashion-MNIST's 60,000
# training images in 10 classes on one server against a Citus coordinator
# with two workers, on this one machine, in one run.  Not part of CI
# (test/t/025_citus.pl checks the same on 1,200 images).  As root:
#
#   bash test/bench/citus_bench.sh [IMAGES [EPOCHS]]     (60000, 10)
#
# Four throwaway servers under one temporary directory, unix sockets only:
# the single node and the coordinator and two workers.  The table is
# distributed by label and its shards moved so that each worker holds five
# classes.  Prints the wall time of each training:
#
#   one node, hack.blas_threads 2 (both cores for one group at a time)
#   one node, hack.blas_threads 1
#   the cluster: each worker trains one group at a time with one thread
#                (hack.jobs_per_worker 1, the workers' hack.blas_threads 1)
#
# then each worker's busy time (the sum of its groups' training, from the
# metrics' started_at and finished_at), the largest difference of norms
# between the cluster and the one-node run (same seed: 0 expected), and
# what one machine per worker would give: the slowest worker's share of
# the one-node (2-thread) per-group times.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

IMAGES=${1:-60000}
EPOCHS=${2:-10}
DATA=/usr/share/datasets/fashion-mnist
PGBIN=$HACK_PGBIN
WORK=$(mktemp -d /tmp/hack-citus-bench.XXXXXX)
chmod 755 "$WORK"
chown postgres: "$WORK"

hack_build || exit 1
if declare -F hack_build_citus >/dev/null; then
	hack_build_citus "$PGBIN/pg_config" || exit 1
fi
[ -f "$("$PGBIN/pg_config" --pkglibdir)/citus.so" ] || { echo "Citus is not installed" >&2; exit 1; }

as_pg() { runuser -u postgres -- "$@"; }
node_start() {	# node_start PORT CITUS(0|1)
	local d=$WORK/n$1
	as_pg "$PGBIN/initdb" -D "$d" -A trust -U postgres >/dev/null || return 1
	{
		echo "port = $1"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$WORK'"
		echo "fsync = off"
		echo "shared_buffers = 512MB"
		echo "max_wal_size = 4GB"
		if [ "$2" = 1 ]; then
			echo "shared_preload_libraries = 'citus'"
			echo "max_prepared_transactions = 20"
			echo "citus.local_hostname = '$WORK'"
			echo "hack.blas_threads = 1"
		fi
	} >> "$d/postgresql.conf"
	as_pg "$PGBIN/pg_ctl" -D "$d" -l "$d.log" -w start >/dev/null
}
stop_all() {
	for d in "$WORK"/n*/; do as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1; done
	rm -rf "$WORK"
}
trap stop_all EXIT
sq() { local port=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$WORK" -p "$port" -U postgres -d postgres "$@"; }
seconds() {	# seconds PORT SQL: wall seconds of one statement
	local t0 t1
	t0=$(date +%s%N)
	sq "$1" -c "$2" >/dev/null 2>"$WORK/notices" || { cat "$WORK/notices" >&2; exit 1; }
	t1=$(date +%s%N)
	awk -v t=$(( t1 - t0 )) 'BEGIN { printf "%.1f", t / 1e9 }'
}

ONE=6101 COORD=6102 W1=6103 W2=6104
node_start $ONE 0 && node_start $COORD 1 && node_start $W1 1 && node_start $W2 1 || exit 1
for p in $COORD $W1 $W2; do sq $p -c "CREATE EXTENSION citus"; done
sq $COORD -c "SELECT citus_set_coordinator_host('$WORK', $COORD)" \
	-c "SELECT citus_add_node('$WORK', $W1)" -c "SELECT citus_add_node('$WORK', $W2)" >/dev/null
sq $COORD -c "CREATE EXTENSION hack" -c "CREATE TABLE imgs (id bigint, label int, img bytea, PRIMARY KEY (label, id))" \
	-c "SELECT create_distributed_table('imgs', 'label')" >/dev/null
sq $ONE -c "CREATE EXTENSION hack" -c "CREATE TABLE imgs (id bigint, label int, img bytea, PRIMARY KEY (label, id))"
LOAD=$("$PGBIN/pg_config" --bindir)/hack-load
for p in $ONE $COORD; do
	"$LOAD" -d "host=$WORK port=$p user=postgres dbname=postgres" -t imgs --limit "$IMAGES" \
		"$DATA/train-images-idx3-ubyte.gz" "$DATA/train-labels-idx1-ubyte.gz" >/dev/null || exit 1
done
# balance the classes over the workers: the shards holding classes, most
# classes first, each to the worker with fewer classes so far (classes may
# share a shard)
declare -A held=([$W1]=0 [$W2]=0)
sq $COORD -F' ' -c "SELECT get_shard_id_for_distribution_column('imgs', label) AS s, count(*)
	FROM generate_series(0, 9) label GROUP BY 1 ORDER BY 2 DESC, 1" > "$WORK/shards"
while read -r shard n; do
	port=$(sq $COORD -c "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = $shard")
	want=$([ "${held[$W1]}" -le "${held[$W2]}" ] && echo $W1 || echo $W2)
	held[$want]=$(( ${held[$want]} + n ))
	if [ "$port" != "$want" ]; then
		sq $COORD -c "SELECT citus_move_shard_placement($shard, '$WORK', $port, '$WORK', $want, shard_transfer_mode := 'block_writes')" >/dev/null || exit 1
	fi
done < "$WORK/shards"
sq $COORD -c "SELECT p.nodeport, count(DISTINCT i.label), count(*) FROM imgs i
	JOIN pg_dist_shard_placement p ON p.shardid = get_shard_id_for_distribution_column('imgs', i.label) GROUP BY 1 ORDER BY 1" |
	awk -F'|' '{ printf "worker %s holds %s classes, %s images\n", $1, $2, $3 }'
for p in $ONE $COORD; do sq $p -c "VACUUM ANALYZE imgs"; done

TRAIN="group_column => 'label', epochs => $EPOCHS, seed => 1"
echo "CALL hack_train of $IMAGES images, 10 classes, lenet, $EPOCHS epochs"
t2=$(seconds $ONE "SET hack.blas_threads = 2; CALL hack_train('one2', 'imgs', $TRAIN)")
echo "one node, 2 threads:                 $t2 s"
t1=$(seconds $ONE "SET hack.blas_threads = 1; CALL hack_train('one1', 'imgs', $TRAIN)")
echo "one node, 1 thread:                  $t1 s"
tc=$(seconds $COORD "CALL hack_train('cluster', 'imgs', $TRAIN)")
echo "coordinator + 2 workers, 1 thread:   $tc s"
sq $COORD -c "SELECT metrics->>'node', round(sum(extract(epoch FROM (metrics->>'finished_at')::timestamptz
		- (metrics->>'started_at')::timestamptz))::numeric, 1), count(*)
	FROM hack.model_groups WHERE model = 'cluster' GROUP BY 1 ORDER BY 1" |
	awk -F'|' '{ printf "  worker %s busy %s s (%s groups)\n", $1, $2, $3 }'
# the norms of the one-node run with one thread, by id, against the cluster's
sq $ONE -c "COPY (SELECT id, norm FROM hack.embeddings WHERE model = 'one1') TO STDOUT" > "$WORK/one.tsv"
sq $COORD -c "CREATE TEMP TABLE one (id bigint, norm float8)" -c "\\copy one FROM '$WORK/one.tsv'" \
	-c "SELECT 'largest |norm difference|, cluster against one node: ' || max(abs(e.norm - o.norm)) || ' over ' || count(*) || ' rows'
		FROM hack.embeddings e JOIN one o USING (id) WHERE e.model = 'cluster'"
# one machine per worker: each trains its classes as fast as one node with 2 threads does
sq $ONE -c "SELECT group_key, extract(epoch FROM (metrics->>'finished_at')::timestamptz
		- (metrics->>'started_at')::timestamptz) FROM hack.model_groups WHERE model = 'one2'" > "$WORK/times"
sq $COORD -c "SELECT group_key, metrics->>'node' FROM hack.model_groups WHERE model = 'cluster'" > "$WORK/nodes"
awk -F'|' -v t2="$t2" -v t1="$t1" -v tc="$tc" 'FNR == NR { node[$1] = $2; next } { s[node[$1]] += $2 }
	END { m = 0; for (w in s) if (s[w] > m) m = s[w];
		printf "speed-up on this 2-core machine: %.2fx against one node with 2 threads, %.2fx against 1 thread\n", t2 / tc, t1 / tc;
		printf "one 2-core machine per worker (the one-node per-group times, summed per worker): %.1f s, %.2fx\n", m, t2 / m }' "$WORK/nodes" "$WORK/times"
