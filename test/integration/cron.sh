#!/usr/bin/env bash
# test/integration/cron.sh: hack_train scheduled by pg_cron (Debian's
# postgresql-15-cron, 1.4: minute granularity), the recipe of
# doc/scheduling.md.
#
# pg_cron must be in shared_preload_libraries, so this script starts its
# own throwaway clusters (the one of test/run.sh is left alone): one where
# pg_cron runs jobs through libpq connections (its default; cron.host is
# the socket directory, as the clusters have no TCP) and one where it runs
# them in background workers (cron.use_background_workers). Both are set
# up at once and their jobs scheduled for the same minute, so the script
# waits for one minute boundary. The clusters run in Asia/Kolkata (UTC+5:30)
# and the minute is given in UTC: pg_cron 1.4 reads schedules in UTC. In
# each cluster nine jobs (ten with libpq) run in that minute:
#   ok       CALL hack_train on a good table: succeeded, one embedding a row
#   bad      CALL hack_train with a bad parameter on an existing model:
#            failed with our error, the previous model untouched
#   single   CALL hack_train on a table whose last group fails: failed, the
#            groups before it committed (the CALL is the whole command)
#   multi    the same CALL followed by "; SELECT 1": the CALL is atomic in a
#            multi-statement command, so nothing is kept
#   noperm   scheduled by a role that cannot read the table: the job runs
#            as that role and fails
#   cancel   CALL hack_train on a model that exists (same definition),
#            cancelled while it trains with pg_cancel_backend(job_pid):
#            failed, model untouched
#   timeout  scheduled by a role with statement_timeout = 2s and
#            client_min_messages = warning, on a model given to that role
#            (hack_alter_model_owner): stopped by the timeout, the previous
#            model untouched, no NOTICE in the server log
#   busy_error / busy_skip  hack_refresh and a resumed hack_train on a
#            model whose lock the script holds: the first fails with 55P03's
#            message, the second (if_busy => 'skip') succeeds untouched
#   nohost   (libpq only) a job whose host, copied from cron.host when it
#            was scheduled, has no server: "connection failed", no detail
# Prints "cron: N passed, M failed" last.
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh
DB=hack_cron
WAIT_S=150

# One cluster, its jobs and its checks; prints "ok ..." / "FAIL ..." lines.
run_mode() {
	local mode=$1 opts args minute keep_before keep2_before keep3_before locked_before done i fails=0 jobs=9 cancelled=
	check() {	# check NAME EXPECTED ACTUAL
		if [ "$2" = "$3" ]; then
			echo "ok $mode: $1"
		else
			echo "FAIL $mode: $1: expected [$2], got [$3]"
			fails=$((fails + 1))
		fi
	}
	q() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -At -d "$DB" -c "$1" 2>&1; }
	run() { q "SELECT d.$2 FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = '$1'"; }
	# a model's row, its groups' weights and its embeddings
	state() { q "SELECT md5(string_agg(md5(weights) || trained_at, ',' ORDER BY group_key)) || ':' || (SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) FROM hack.embeddings WHERE model = '$1') || ':' || (SELECT md5(m::text) FROM hack.models m WHERE model = '$1') FROM hack.model_groups WHERE model = '$1'"; }

	unset HACK_PORT
	HACK_CLUSTER_DIR=$(mktemp -d /tmp/hack-cron.XXXXXX)
	HACK_CLUSTER_TEMP=1
	opts="-c shared_preload_libraries=pg_cron -c cron.database_name=$DB -c timezone=Asia/Kolkata"
	if [ "$mode" = libpq ]; then
		opts="$opts -c cron.host=$HACK_CLUSTER_DIR"
	else
		opts="$opts -c cron.use_background_workers=on"
	fi
	hack_start_cluster "$opts" || { echo "FAIL $mode: cluster start"; return; }
	trap hack_stop_cluster EXIT
	createdb "$DB"
	psql -X -q -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION pg_cron;
CREATE EXTENSION hack;
-- 8 x 8 u8 images of random bytes, four groups of 30
CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 4, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 63) p)
FROM generate_series(1, 120) i;
-- 1,000 28 x 28 ones, for a job that runs long enough to be cancelled
CREATE TABLE imgs_big (id bigint, img bytea);
INSERT INTO imgs_big
SELECT i, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p)
FROM generate_series(1, 1000) i;
-- the small one with a NULL image in group 3 (the last one trained)
CREATE TABLE imgs_bad AS SELECT id, label, CASE WHEN id = 3 THEN NULL ELSE img END AS img FROM imgs;
-- a role that may schedule jobs but not read the images
CREATE ROLE hack_cron_user LOGIN;
GRANT USAGE ON SCHEMA cron TO hack_cron_user;
-- a role for training jobs, with its own settings
CREATE ROLE hack_cron_timer LOGIN;
GRANT USAGE ON SCHEMA cron TO hack_cron_timer;
GRANT SELECT ON imgs_big TO hack_cron_timer;
ALTER ROLE hack_cron_timer SET statement_timeout = '2s';
ALTER ROLE hack_cron_timer SET client_min_messages = warning;
SQL
	args="height => 8, width => 8, format => 'u8', architecture => 'mlp', hidden => '{16}', epochs => 3, pack_epochs => 100"
	# the models that failing jobs must leave as they are, each trained with
	# the definition its job uses (hack 1.1 refuses another one before any work)
	for i in keep locked; do
		q "CALL hack_train(model => '$i', source => 'imgs', $args, seed => 1)" >/dev/null
	done
	for i in keep2 keep3; do
		q "CALL hack_train(model => '$i', source => 'imgs_big', epochs => 1, pack_epochs => 100, seed => 1)" >/dev/null
	done
	# the timeout job runs as hack_cron_timer, which must own the model it trains
	q "SELECT hack_alter_model_owner('keep3', 'hack_cron_timer')" >/dev/null
	check "timeout: keep3 given to the role of its job" "hack_cron_timer:1:1000" \
		"$(q "SELECT m.owner || ':' || count(DISTINCT g.group_key) || ':' || (SELECT count(*) FROM hack.embeddings e WHERE e.model = m.model AND e.owner = m.owner) FROM hack.models m JOIN hack.model_groups g USING (model, owner) WHERE model = 'keep3' GROUP BY m.model, m.owner")"
	keep_before=$(state keep)
	keep2_before=$(state keep2)
	keep3_before=$(state keep3)
	locked_before=$(state locked)
	# hold the lock of model "locked" (a CALL inside a transaction block takes
	# it until commit) while two jobs meet it: one fails, one skips
	PGAPPNAME=hack_locker psql -X -q -d "$DB" -c "BEGIN" -c "CALL hack_refresh('locked')" \
		-c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	for i in $(seq 1 100); do
		[ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'hack_locker' AND l.locktype = 'advisory' AND l.classid = 1212236619 AND l.objsubid = 3 AND l.granted")" = 1 ] && break
		sleep 0.1
	done

	# the next minute in UTC, or the one after when this one is nearly over
	minute=$(q "SELECT extract(minute FROM date_trunc('minute', now() AT TIME ZONE 'UTC') + CASE WHEN extract(second FROM now()) < 55 THEN interval '1 minute' ELSE interval '2 minutes' END)::int")
	q "SELECT cron.schedule('ok', '$minute * * * *', \$\$CALL hack_train(model => 'ok', source => 'imgs', $args, seed => 2)\$\$)" >/dev/null
	q "SELECT cron.schedule('bad', '$minute * * * *', \$\$CALL hack_train(model => 'keep', source => 'imgs', $args, seed => 3, batch_size => 0)\$\$)" >/dev/null
	q "SELECT cron.schedule('single', '$minute * * * *', \$\$CALL hack_train(model => 'single', source => 'imgs_bad', group_column => 'label', $args)\$\$)" >/dev/null
	q "SELECT cron.schedule('multi', '$minute * * * *', \$\$CALL hack_train(model => 'multi', source => 'imgs_bad', group_column => 'label', $args); SELECT 1\$\$)" >/dev/null
	q "SELECT cron.schedule('cancel', '$minute * * * *', \$\$CALL hack_train(model => 'keep2', source => 'imgs_big', epochs => 1000, pack_epochs => 100)\$\$)" >/dev/null
	PGUSER=hack_cron_timer q "SELECT cron.schedule('timeout', '$minute * * * *', \$\$CALL hack_train(model => 'keep3', source => 'imgs_big', epochs => 1000, pack_epochs => 100)\$\$)" >/dev/null
	q "SELECT cron.schedule('busy_error', '$minute * * * *', \$\$CALL hack_refresh('locked')\$\$)" >/dev/null
	q "SELECT cron.schedule('busy_skip', '$minute * * * *', \$\$CALL hack_train(model => 'locked', source => 'imgs', $args, resume => true, if_busy => 'skip')\$\$)" >/dev/null
	PGUSER=hack_cron_user q "SELECT cron.schedule('noperm', '$minute * * * *', \$\$CALL hack_train(model => 'noperm', source => 'imgs', $args)\$\$)" >/dev/null
	if [ "$mode" = libpq ]; then
		q "SELECT cron.schedule('nohost', '$minute * * * *', \$\$CALL hack_train(model => 'nohost', source => 'imgs', $args)\$\$)" >/dev/null
		check "cron.host is copied into cron.job" "$HACK_CLUSTER_DIR" "$(q "SELECT nodename FROM cron.job WHERE jobname = 'nohost'")"
		q "UPDATE cron.job SET nodename = 'localhost' WHERE jobname = 'nohost'" >/dev/null
		jobs=10
	fi
	echo "info $mode: scheduled for minute $minute (UTC) at $(date -u +%T) UTC"

	done=0
	for i in $(seq 1 $((2 * WAIT_S))); do
		done=$(q "SELECT count(*) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')")
		[ "$done" -ge $jobs ] && break
		if [ -z "$cancelled" ] && [ "$(q "SELECT count(*) FROM hack.training_progress WHERE model = 'keep2' AND epoch > 0")" = 1 ]; then
			cancelled=$(q "SELECT pg_cancel_backend(job_pid) FROM cron.job_run_details WHERE status = 'running' AND jobid = (SELECT jobid FROM cron.job WHERE jobname = 'cancel')")
		fi
		sleep 0.5
	done
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'hack_locker'" >/dev/null
	check "cancel: pg_cancel_backend(job_pid) while it trains" "t" "$cancelled"
	check "$jobs runs finished within ${WAIT_S} s" "$jobs" "$done"
	q "SELECT j.jobname, d.status, 'started ' || round(extract(epoch FROM d.start_time - date_trunc('minute', d.start_time)), 3) || ' s after the minute', 'took ' || round(extract(epoch FROM d.end_time - d.start_time), 3) || ' s', replace(rtrim(d.return_message, E'\n'), E'\n', ' / ') FROM cron.job_run_details d JOIN cron.job j USING (jobid) ORDER BY j.jobname" | sed "s/^/info $mode: /"
	check "runs started in the scheduled UTC minute" "$minute" \
		"$(q "SELECT string_agg(DISTINCT extract(minute FROM start_time AT TIME ZONE 'UTC')::text, ',') FROM cron.job_run_details")"

	check "ok: succeeded" "succeeded" "$(run ok status)"
	check "ok: return_message" "CALL" "$(run ok return_message)"
	check "ok: one model row" "1" "$(q "SELECT count(*) FROM hack.models WHERE model = 'ok'")"
	check "ok: one group row of 120 rows" "1:120" "$(q "SELECT count(*) || ':' || sum(n_rows) FROM hack.model_groups WHERE model = 'ok'")"
	check "ok: one embedding a row" "120:120" "$(q "SELECT count(*) || ':' || count(DISTINCT id) FROM hack.embeddings WHERE model = 'ok'")"

	check "bad: failed" "failed" "$(run bad status)"
	check "bad: our error in return_message" "ERROR: batch_size must be between 1 and 8192, got 0" \
		"$(run bad return_message | head -1 | tr -s ' ')"
	check "bad: previous model and embeddings unchanged" "$keep_before" "$(state keep)"

	check "cancel: failed" "failed" "$(run cancel status)"
	check "cancel: the cancel in return_message" "ERROR: canceling statement due to user request" \
		"$(run cancel return_message | head -1 | tr -s ' ')"
	check "cancel: previous model and embeddings unchanged" "$keep2_before" "$(state keep2)"

	check "single: failed" "failed" "$(run single status)"
	check "single: our error in return_message" "ERROR: image of row id 3 is NULL" \
		"$(run single return_message | head -1 | tr -s ' ')"
	check "single: groups before the failure committed" "0,1,2" \
		"$(q "SELECT string_agg(group_key, ',' ORDER BY group_key) FROM hack.model_groups WHERE model = 'single'")"

	check "multi: failed" "failed" "$(run multi status)"
	check "multi: atomic, nothing kept" "0:0:0" \
		"$(q "SELECT (SELECT count(*) FROM hack.models WHERE model = 'multi') || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'multi') || ':' || (SELECT count(*) FROM hack.embeddings WHERE model = 'multi')")"

	check "timeout: failed" "failed" "$(run timeout status)"
	check "timeout: the role's statement_timeout stopped it" "ERROR: canceling statement due to statement timeout" \
		"$(run timeout return_message | head -1 | tr -s ' ')"
	check "timeout: previous model and embeddings unchanged" "$keep3_before" "$(state keep3)"
	check "timeout: the role's client_min_messages keeps NOTICEs out of the log" "0" \
		"$(grep -c 'hack_train keep3' "$HACK_CLUSTER_DIR/server.log")"

	check "busy_error: failed" "failed" "$(run busy_error status)"
	check "busy_error: the lock's error in return_message" 'ERROR: model "locked" is busy' \
		"$(run busy_error return_message | head -1 | tr -s ' ')"
	check "busy_skip: succeeded" "succeeded" "$(run busy_skip status)"
	check "busy_skip: the model is untouched" "$locked_before" "$(state locked)"

	check "noperm: ran as the scheduling role" "hack_cron_user" "$(run noperm username)"
	check "noperm: failed on the role's privileges" "ERROR: permission denied for table imgs" \
		"$(run noperm return_message | head -1 | tr -s ' ')"

	if [ "$mode" = libpq ]; then
		check "nohost: failed" "failed" "$(run nohost status)"
		check "nohost: connection failed" "connection failed" "$(run nohost return_message)"
	fi

	q "SELECT cron.unschedule(jobname) FROM cron.job WHERE username = current_user" >/dev/null
	PGUSER=hack_cron_user q "SELECT cron.unschedule('noperm')" >/dev/null
	PGUSER=hack_cron_timer q "SELECT cron.unschedule('timeout')" >/dev/null
	check "unscheduled" "0" "$(q "SELECT count(*) FROM cron.job")"
	[ "$fails" = 0 ] || tail -40 "$HACK_CLUSTER_DIR/server.log" | sed "s/^/log $mode: /"
	hack_stop_cluster
	trap - EXIT
}

tmp=$(mktemp -d)
( run_mode libpq ) >"$tmp/libpq" 2>&1 &
( run_mode bgw ) >"$tmp/bgw" 2>&1 &
wait
cat "$tmp/libpq" "$tmp/bgw"
passed=$(cat "$tmp/libpq" "$tmp/bgw" | grep -c '^ok ')
failed=$(cat "$tmp/libpq" "$tmp/bgw" | grep -c '^FAIL ')
rm -rf "$tmp"
echo "cron: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
