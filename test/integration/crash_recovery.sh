#!/usr/bin/env bash
# test/integration/crash_recovery.sh: kill -9 the postmaster while clients
# write to GiST-indexed poincare_point tables and while hack_train runs,
# restart (crash recovery replays the WAL) and check that nothing is lost
# or inconsistent.
#
# It starts its OWN throwaway cluster (fsync on) so that killing it leaves
# the shared cluster of test/run.sh alone.  A crash here is the postmaster
# and then each of its children killed with SIGKILL, as a power cut or the
# OOM killer would leave them: nothing gets to clean up.
#
# (a) ROUNDS rounds: tables pts2 and pts8 (poincare_point(2) and (8)) with
#     a GiST index, built by the sorted build on 5,000 rows in round 1 and
#     never checkpointed before the first crash; per table two clients
#     insert batches of 20 rows and one deletes every third initial row by
#     id range and runs VACUUM, each writing to a side log what the server
#     acknowledged; the postmaster is killed 3 to 5.9 s into the round.
#     After the restart: every acknowledged insert is present, every
#     acknowledged delete absent, KNN, ball and whole-table probes give the
#     same result through the index as through a sequential scan (plans
#     checked with EXPLAIN), and every row is found through the index at
#     its own point.  amcheck verifies the heaps and btrees (there is no
#     GiST check in PostgreSQL 15's amcheck).
# (b) hack_train (architecture mlp, 8 x 8 images, 4 groups committed one by
#     one) trains model m; it is trained again with another seed and killed
#     during group 2.  After the restart the groups whose commit the job
#     acknowledged hold the new model, the others the old one (weights,
#     trained_at, n_rows and embeddings exactly as before), every group's
#     embeddings match its weights (hack_embed recomputes a sample within
#     1e-5), and the job then runs to completion.
#
# Prints "crash_recovery: N passed, M failed"; about two minutes.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
. test/lib/consistency.sh

ROUNDS=${HACK_CRASH_ROUNDS:-3}
DB=hack_crash
finish() {
	echo "crash_recovery: $passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

WORK=$(mktemp -d /tmp/hack-crash.XXXXXX)
# our own cluster: a new temporary directory and port, fsync on (options
# given to hack_start_cluster come after its -c fsync=off, and the last wins)
unset HACK_CLUSTER_DIR HACK_CLUSTER_TEMP HACK_PORT
hack_start_cluster "-c fsync=on" || { failed=1; finish; }
cleanup() {
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	hack_stop_cluster
	rm -rf "$WORK"
}
trap cleanup EXIT
check "own cluster runs with fsync on" "on" "$(psql -X -At -d postgres -c 'SHOW fsync' 2>&1)"

# alive PID: true while the process exists and is not a zombie
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Kill the postmaster, then its children, with SIGKILL; wait until all are
# gone (shared memory still attached would stop the restart).
crash() {
	local pm kids p i left
	pm=$(head -1 "$HACK_CLUSTER_DIR/data/postmaster.pid")
	kids=$(pgrep -P "$pm" | tr '\n' ' ')
	kill -9 "$pm"
	for p in $kids; do kill -9 "$p" 2>/dev/null; done
	for i in $(seq 1 100); do
		left=""
		for p in $pm $kids; do alive "$p" && left="$left $p"; done
		[ -z "$left" ] && break
		sleep 0.1
	done
	check "postmaster and its $(echo $kids | wc -w) children are gone" "" "$left"
	# a killed postmaster stays a zombie until init reaps it, and a zombie's
	# pid in postmaster.pid makes pg_ctl and the next postmaster think it
	# still runs: wait for the reaping, else drop the stale lock file (the
	# process is dead and holds no shared memory)
	for i in $(seq 1 50); do
		[ -e "/proc/$pm" ] || break
		sleep 0.1
	done
	[ -e "/proc/$pm" ] && rm -f "$HACK_CLUSTER_DIR/data/postmaster.pid"
}

# Restart; prints the wall time to accept connections and the redo time
# PostgreSQL logs (crash recovery replays the WAL since the last checkpoint).
restart() {
	local t0 t1 redo
	t0=$(date +%s%N)
	# (pg_ctl warns about the stale postmaster.pid the crash left behind)
	hack_start_cluster "-c fsync=on" 2> >(grep -v 'another server might be running' >&2)
	check "restart after the crash" "0 on" "$? $(psql -X -At -d postgres -c 'SHOW fsync' 2>&1)"
	t1=$(date +%s%N)
	redo=$(grep -o 'redo done at .*elapsed: [0-9.]* s' "$HACK_CLUSTER_DIR/server.log" | tail -1 |
		sed 's/.*elapsed: \([0-9.]*\) s/\1/')
	grep -E 'starting PostgreSQL|was interrupted|redo starts|redo done|checkpoint complete|database system is ready' "$HACK_CLUSTER_DIR/server.log" | tail -6 | sed 's/^/log: /'
	echo "recovery: ready after $(( (t1 - t0) / 1000000 )) ms, redo ${redo:-?} s" \
		"($(grep -c 'database system was interrupted\|was not properly shut down' "$HACK_CLUSTER_DIR/server.log") crash recoveries logged)"
}

# ---------------------------------------------------------------------------
# (a) concurrent inserts and deletes on GiST-indexed tables
# ---------------------------------------------------------------------------
createdb "$DB" || { failed=$((failed + 1)); finish; }
q "CREATE EXTENSION hack" >/dev/null
q "CREATE EXTENSION amcheck" >/dev/null
hack_consistency_setup "$DB"
for d in 2 8; do
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SELECT setseed(0.$d);
CREATE TABLE pts$d (id bigint PRIMARY KEY, p poincare_point($d) NOT NULL);
INSERT INTO pts$d SELECT g, rnd_point($d) FROM generate_series(1, 5000) g;
CREATE INDEX pts${d}_p_idx ON pts$d USING gist (p);
SQL
done
: > "$WORK/acks"

# Client C of round R on table pts$D: KIND ins (batches of 20 new ids) or
# del (every third id of a range of the initial rows, then VACUUM).  It
# writes "ins A B" / "del A B" after each acknowledged commit and stops
# when the server goes away.
client() {
	local kind=$1 d=$2 r=$3 c=$4 i a b
	{
		echo "SET client_min_messages = warning;"
		# far more batches than fit before the kill, so it always lands mid-insert
		for i in $(seq 0 19999); do
			if [ "$kind" = ins ]; then
				a=$(( r * 100000000 + (d * 10 + c) * 1000000 + i * 20 ))
				b=$(( a + 19 ))
				echo "INSERT INTO pts$d SELECT g, rnd_point($d) FROM generate_series($a, $b) g;"
				echo "\\echo ins $d $a $b"
			else
				a=$(( (r - 1) * 1500 + i * 10 + 1 ))
				b=$(( a + 9 ))
				[ "$a" -gt 5000 ] && break
				echo "DELETE FROM pts$d WHERE id BETWEEN $a AND $b AND id % 3 = 0;"
				echo "\\echo del $d $a $b"
				[ $(( i % 20 )) = 19 ] && echo "VACUUM pts$d;"
			fi
		done
	} > "$WORK/client_$kind$d$c.sql"
	psql -X -q -d "$DB" -f "$WORK/client_$kind$d$c.sql" > "$WORK/ack_$kind$d$c" 2>"$WORK/err_$kind$d$c"
	cat "$WORK/ack_$kind$d$c" >> "$WORK/acks.r$r"
}

for r in $(seq 1 "$ROUNDS"); do
	echo "-- round $r"
	: > "$WORK/acks.r$r"
	pids=""
	for d in 2 8; do
		for c in 1 2; do client ins $d $r $c & pids="$pids $!"; done
		client del $d $r 3 & pids="$pids $!"
	done
	sleep "$(( 3 + RANDOM % 3 )).$(( RANDOM % 10 ))"
	crash
	for p in $pids; do wait "$p"; done
	# every client must have stopped because the server went away
	cat "$WORK"/err_* | grep -v 'server closed the connection\|unexpected postmaster exit\|no connection to the server\|terminated abnormally\|before or while processing\|connection to server was lost\|^$' > "$WORK/errors"
	check "round $r: clients ended by the crash, not by an error of theirs" "" "$(head -3 "$WORK/errors")"
	check "round $r: the kill came while every insert client was still inserting" "0" \
		"$(for f in "$WORK"/ack_ins*; do [ "$(grep -c '^ins' "$f")" -ge 20000 ] && echo "$f"; done | wc -l)"
	cat "$WORK/acks.r$r" >> "$WORK/acks"
	echo "round $r: $(grep -c '^ins' "$WORK/acks.r$r") insert batches and $(grep -c '^del' "$WORK/acks.r$r") deletes acknowledged before the kill"
	restart

	awk '{print $1 "," $2 "," $3 "," $4}' "$WORK/acks" > "$WORK/acks.csv"
	psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS acks;
CREATE TABLE acks (kind text, d int, a bigint, b bigint);
\copy acks FROM '$WORK/acks.csv' CSV
SQL
	for d in 2 8; do
		echo "round $r: pts$d holds $(q "SELECT count(*) FROM pts$d") rows after recovery"
		check "round $r: every acknowledged insert into pts$d survived" "0" \
			"$(q "SELECT count(*) FROM acks, generate_series(a, b) g WHERE kind = 'ins' AND d = $d AND NOT EXISTS (SELECT FROM pts$d WHERE id = g)")"
		check "round $r: every acknowledged delete from pts$d stayed deleted" "0" \
			"$(q "SELECT count(*) FROM acks, generate_series(a, b) g JOIN pts$d ON id = g WHERE kind = 'del' AND d = $d AND g % 3 = 0")"
		# rows committed but not yet acknowledged: at most one batch per client
		check "round $r: pts$d holds no rows nobody inserted" "yes" \
			"$(q "SELECT CASE WHEN count(*) <= 2 * 20 * $r THEN 'yes' ELSE count(*)::text END FROM pts$d t WHERE id > 5000 AND NOT EXISTS (SELECT FROM acks WHERE kind = 'ins' AND d = $d AND t.id BETWEEN a AND b)")"
		hack_consistency_probe "$DB" "pts$d" p id "pts${d}_p_idx" "$d" 40 "0.$r$d" "round $r pts$d"
		check "round $r: amcheck of pts$d (heap and primary key btree)" "0" \
			"$(q "SELECT (SELECT count(*) FROM verify_heapam('pts$d')) + (SELECT count(*) FROM (SELECT bt_index_parent_check('pts${d}_pkey', true)) s) - 1")"
	done
done

# ---------------------------------------------------------------------------
# (b) kill -9 during hack_train
# ---------------------------------------------------------------------------
echo "-- training"
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
CREATE TABLE imgs (id bigint PRIMARY KEY, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 4, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 127) + 64 * (i % 4 = p % 4)::int), 2, '0'), ''), 'hex')
	FROM generate_series(0, 63) p)
FROM generate_series(1, 1600) i;
SQL
train() {	# train SEED EPOCHS: the job's NOTICEs go to stderr
	PGOPTIONS="-c client_min_messages=notice" psql -X -q -d "$DB" -c "CALL hack_train(model => 'm', source => 'imgs',
		group_column => 'label', height => 8, width => 8, architecture => 'mlp', hidden => '{32}',
		epochs => $2, batch_size => 32, pack_epochs => 200, seed => $1)"
}
# per group: weights md5, trained_at, n_rows, count and digest of the embeddings
state() {
	q "SELECT string_agg(m.group_key || ' ' || md5(weights) || ' ' || trained_at || ' ' || n_rows || ' ' ||
		(SELECT count(*) || ' ' || md5(string_agg(id || embedding::text, ',' ORDER BY id))
		 FROM hack.embeddings e WHERE e.model = m.model AND e.group_key = m.group_key), E'\n' ORDER BY m.group_key)
		FROM hack.model_groups m WHERE model = 'm'"
}
# embeddings agree with the weights of their group: recompute a sample
embed_check() {
	check "$1: every group's stored embeddings match its model (hack_embed, 60 rows)" "0 60" \
		"$(q "SELECT count(*) FILTER (WHERE hack_embed('m', img, e.group_key) <-> embedding > 1e-5) || ' ' || count(*)
			FROM (SELECT * FROM hack.embeddings WHERE model = 'm' ORDER BY hashint8(id) LIMIT 60) e JOIN imgs USING (id)")"
	check "$1: n_rows = number of embeddings in every group" "0" \
		"$(q "SELECT count(*) FROM hack.model_groups m WHERE model = 'm' AND n_rows <> (SELECT count(*) FROM hack.embeddings e WHERE e.model = m.model AND e.group_key = m.group_key)")"
	# hack 1.1: one model row, its groups and embeddings under its owner and source
	check "$1: one model row, every group and embedding under its owner, source and dimension" "1 0 0" \
		"$(q "SELECT count(*) || ' ' || (SELECT count(*) FROM hack.model_groups g WHERE g.model = 'm' AND (g.owner, g.source) IS DISTINCT FROM (m.owner, m.source))
			|| ' ' || (SELECT count(*) FROM hack.embeddings e WHERE e.model = 'm' AND ((e.owner, e.source) IS DISTINCT FROM (m.owner, m.source) OR e.dim <> m.dim OR poincare_dim(e.embedding) <> m.dim))
			FROM hack.models m WHERE m.model = 'm' GROUP BY m.owner, m.source, m.dim")"
}
train 1 6 2>"$WORK/train1.log" >/dev/null
check "first training of 4 groups" "4" "$(q "SELECT count(*) FROM hack.model_groups WHERE model = 'm'")"
old=$(state)

train 2 400 2>"$WORK/train2.log" >/dev/null &
job=$!
seen=""
for i in $(seq 1 400); do
	seen=$(q "SELECT group_no FROM hack.training_progress WHERE epoch >= 2")
	[ "$seen" = 2 ] && break
	sleep 0.05
done
check "the second job reached group 2" "2" "$seen"
crash
wait "$job"
restart
# the job commits group after group: those it acknowledged (NOTICE) hold
# the new model; the group after them may have committed unacknowledged;
# the rest must be exactly as before
acked=$(grep -c 'committed group . of 4' "$WORK/train2.log")
echo "training killed after $acked acknowledged group commits (the job was at group $seen)"
check "the kill came after group 1's commit and before the job's end" "yes" \
	"$([ "$acked" -ge 1 ] && [ "$acked" -lt 4 ] && echo yes || echo "no ($acked)")"
new=$(state)
for g in 1 2 3 4; do
	o=$(echo "$old" | sed -n ${g}p)
	n=$(echo "$new" | sed -n ${g}p)
	if [ "$g" -le "$acked" ]; then
		check "group $g (acknowledged) holds the new model" "new" \
			"$([ "$(echo "$n" | cut -d' ' -f2)" != "$(echo "$o" | cut -d' ' -f2)" ] && echo new || echo old)"
	elif [ "$g" = $((acked + 1)) ] && [ "$(echo "$n" | cut -d' ' -f2)" != "$(echo "$o" | cut -d' ' -f2)" ]; then
		check "group $g (committed, not acknowledged) holds the new model" "new" "new"
	else
		check "group $g holds the old model and its embeddings, untouched" "$o" "$n"
	fi
done
embed_check "after the crash"
# hack 1.1: one partial GiST index per dimension; the queries name it (dim = 2)
hack_consistency_probe "$DB" hack.embeddings embedding id embeddings_embedding_2d_idx 2 40 0.7 "after the crash hack.embeddings" "dim = 2"
train 3 6 2>"$WORK/train3.log" >/dev/null
check "training runs again to completion after the crash" "4" "$(grep -c 'committed group . of 4' "$WORK/train3.log")"
check "every group was replaced" "0" \
	"$(echo "$(state)" | awk '{print $2}' | grep -cxF -f <(echo "$new" | awk '{print $2}'))"
embed_check "after the retraining"

finish
