# test/t/004_cron.pl: hack_train scheduled by pg_cron (Debian's
# postgresql-15-cron, 1.4: minute granularity), the recipe of
# doc/scheduling.md.
#
# pg_cron must be in shared_preload_libraries, and how it runs jobs is a
# server start setting, so this test has two clusters: one where pg_cron
# runs jobs through libpq connections (its default; cron.host is the socket
# directory, as the clusters have no TCP) and one where it runs them in
# background workers (cron.use_background_workers).  Both are set up at
# once and their jobs scheduled for the same minute, so the test waits for
# one minute boundary.  The clusters run in Asia/Kolkata (UTC+5:30) and the
# minute is given in UTC: pg_cron 1.4 reads schedules in UTC.  In each
# cluster nine jobs (ten with libpq) run in that minute:
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
#            model whose lock the test holds: the first fails with 55P03's
#            message, the second (if_busy => 'skip') succeeds untouched
#   nohost   (libpq only) a job whose host, copied from cron.host when it
#            was scheduled, has no server: "connection failed", no detail
# Each check's name starts with its cluster's mode (libpq: or bgw:).
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use HackTest;

my $DB = 'hack_cron';
my $WAIT_S = 150;
my $ARGS = "height => 8, width => 8, format => 'u8', architecture => 'mlp', hidden => '{16}', epochs => 3, pack_epochs => 100";

my $SETUP = <<'SQL';
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

# the jobs: name, role that schedules it (default: the test's), command
my @JOBS = (
	[ ok => undef, "CALL hack_train(model => 'ok', source => 'imgs', $ARGS, seed => 2)" ],
	[ bad => undef, "CALL hack_train(model => 'keep', source => 'imgs', $ARGS, seed => 3, batch_size => 0)" ],
	[ single => undef, "CALL hack_train(model => 'single', source => 'imgs_bad', group_column => 'label', $ARGS)" ],
	[ multi => undef, "CALL hack_train(model => 'multi', source => 'imgs_bad', group_column => 'label', $ARGS); SELECT 1" ],
	[ cancel => undef, "CALL hack_train(model => 'keep2', source => 'imgs_big', epochs => 1000, pack_epochs => 100)" ],
	[ timeout => 'hack_cron_timer', "CALL hack_train(model => 'keep3', source => 'imgs_big', epochs => 1000, pack_epochs => 100)" ],
	[ busy_error => undef, "CALL hack_refresh('locked')" ],
	[ busy_skip => undef, "CALL hack_train(model => 'locked', source => 'imgs', $ARGS, resume => true, if_busy => 'skip')" ],
	[ noperm => 'hack_cron_user', "CALL hack_train(model => 'noperm', source => 'imgs', $ARGS)" ]);

sub qm { my ($m, $sql, %o) = @_; return $m->{node}->sql($sql, db => $DB, %o); }
# a column of the run of job NAME
sub run_of
{
	my ($m, $name, $col) = @_;
	return qm($m, "SELECT d.$col FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = '$name'");
}
# the first line of the run's return_message, spaces squeezed
sub message_of { return (split /\n/, run_of(@_, 'return_message') =~ tr/ //sr)[0] // ''; }
# a model's row, its groups' weights and its embeddings
sub model_state
{
	my ($m, $model) = @_;
	return qm($m, "SELECT md5(string_agg(md5(weights) || trained_at, ',' ORDER BY group_key)) || ':' || (SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) FROM hack.embeddings WHERE model = '$model') || ':' || (SELECT md5(m::text) FROM hack.models m WHERE model = '$model') FROM hack.model_groups WHERE model = '$model'");
}

# One cluster: started, set up, its jobs scheduled for the next minute.
sub setup_mode
{
	my $mode = shift;
	my $node = hack_node("cron_$mode",
		conf => "shared_preload_libraries = 'pg_cron'\ncron.database_name = '$DB'\ntimezone = 'Asia/Kolkata'\n"
		  . ($mode eq 'bgw' ? "cron.use_background_workers = on\n" : ''));
	if ($mode eq 'libpq')
	{
		$node->append_conf('postgresql.conf', "cron.host = '" . $node->host . "'\n");
		$node->restart;
	}
	my $m = { mode => $mode, node => $node, jobs => scalar @JOBS, cancelled => '' };
	$node->sql("CREATE DATABASE $DB");
	qm($m, $SETUP);
	# the models that failing jobs must leave as they are, each trained with
	# the definition its job uses (hack 1.1 refuses another one before any work)
	qm($m, "CALL hack_train(model => '$_', source => 'imgs', $ARGS, seed => 1)") for qw(keep locked);
	qm($m, "CALL hack_train(model => '$_', source => 'imgs_big', epochs => 1, pack_epochs => 100, seed => 1)")
	  for qw(keep2 keep3);
	# the timeout job runs as hack_cron_timer, which must own the model it trains
	qm($m, "SELECT hack_alter_model_owner('keep3', 'hack_cron_timer')");
	is(qm($m, "SELECT m.owner || ':' || count(DISTINCT g.group_key) || ':' || (SELECT count(*) FROM hack.embeddings e WHERE e.model = m.model AND e.owner = m.owner) FROM hack.models m JOIN hack.model_groups g USING (model, owner) WHERE model = 'keep3' GROUP BY m.model, m.owner"),
		'hack_cron_timer:1:1000', "$mode: timeout: keep3 given to the role of its job");
	$m->{before}{$_} = model_state($m, $_) for qw(keep keep2 keep3 locked);
	# hold the lock of model "locked" (a CALL inside a transaction block
	# takes it until commit) while two jobs meet it: one fails, one skips
	$m->{locker} = $node->session('hack_locker', db => $DB);
	$m->{locker}->query('BEGIN');
	$m->{locker}->query("CALL hack_refresh('locked')");

	# the next minute in UTC, or the one after when this one is nearly over
	$m->{minute} = qm($m, "SELECT extract(minute FROM date_trunc('minute', now() AT TIME ZONE 'UTC') + CASE WHEN extract(second FROM now()) < 55 THEN interval '1 minute' ELSE interval '2 minutes' END)::int");
	for my $job (@JOBS)
	{
		my ($name, $user, $command) = @$job;
		qm($m, "SELECT cron.schedule('$name', '$m->{minute} * * * *', \$\$$command\$\$)",
			(defined $user ? (user => $user) : ()));
	}
	if ($mode eq 'libpq')
	{
		qm($m, "SELECT cron.schedule('nohost', '$m->{minute} * * * *', \$\$CALL hack_train(model => 'nohost', source => 'imgs', $ARGS)\$\$)");
		is(qm($m, "SELECT nodename FROM cron.job WHERE jobname = 'nohost'"), $node->host,
			"$mode: cron.host is copied into cron.job");
		qm($m, "UPDATE cron.job SET nodename = 'localhost' WHERE jobname = 'nohost'");
		$m->{jobs}++;
	}
	note("$mode: scheduled for minute $m->{minute} (UTC) at " . qm($m, "SELECT to_char(now() AT TIME ZONE 'UTC', 'HH24:MI:SS')") . ' UTC');
	return $m;
}

# One poll of a cluster: its finished runs; cancels job "cancel" once it trains.
sub poll_mode
{
	my $m = shift;
	$m->{done} = qm($m, "SELECT count(*) FROM cron.job_run_details WHERE status IN ('succeeded', 'failed')");
	if ($m->{cancelled} eq ''
		&& qm($m, "SELECT count(*) FROM hack.training_progress WHERE model = 'keep2' AND epoch > 0") eq '1')
	{
		$m->{cancelled} = qm($m, "SELECT pg_cancel_backend(job_pid) FROM cron.job_run_details WHERE status = 'running' AND jobid = (SELECT jobid FROM cron.job WHERE jobname = 'cancel')");
	}
	return $m->{done} >= $m->{jobs};
}

# status and first line of the message of each job that fails with one
my %FAILS_WITH = (
	bad => 'ERROR: batch_size must be between 1 and 8192, got 0',
	cancel => 'ERROR: canceling statement due to user request',
	single => 'ERROR: image of row id 3 is NULL',
	timeout => 'ERROR: canceling statement due to statement timeout',
	busy_error => 'ERROR: model "locked" is busy');
my %WHAT = (
	bad => 'our error', cancel => 'the cancel', single => 'our error',
	timeout => "the role's statement_timeout stopped it", busy_error => "the lock's error");

sub check_mode
{
	my $m = shift;
	my $mode = $m->{mode};
	$m->{locker}->close;
	is($m->{cancelled}, 't', "$mode: cancel: pg_cancel_backend(job_pid) while it trains");
	is($m->{done}, $m->{jobs}, "$mode: $m->{jobs} runs finished within $WAIT_S s");
	note("$mode: $_") for split /\n/, qm($m, "SELECT j.jobname, d.status, 'started ' || round(extract(epoch FROM d.start_time - date_trunc('minute', d.start_time)), 3) || ' s after the minute', 'took ' || round(extract(epoch FROM d.end_time - d.start_time), 3) || ' s', replace(rtrim(d.return_message, E'\\n'), E'\\n', ' / ') FROM cron.job_run_details d JOIN cron.job j USING (jobid) ORDER BY j.jobname");
	is(qm($m, "SELECT string_agg(DISTINCT extract(minute FROM start_time AT TIME ZONE 'UTC')::text, ',') FROM cron.job_run_details"),
		$m->{minute}, "$mode: runs started in the scheduled UTC minute");

	is(run_of($m, 'ok', 'status'), 'succeeded', "$mode: ok: succeeded");
	is(run_of($m, 'ok', 'return_message'), 'CALL', "$mode: ok: return_message");
	is(qm($m, "SELECT count(*) FROM hack.models WHERE model = 'ok'"), 1, "$mode: ok: one model row");
	is(qm($m, "SELECT count(*) || ':' || sum(n_rows) FROM hack.model_groups WHERE model = 'ok'"), '1:120',
		"$mode: ok: one group row of 120 rows");
	is(qm($m, "SELECT count(*) || ':' || count(DISTINCT id) FROM hack.embeddings WHERE model = 'ok'"), '120:120',
		"$mode: ok: one embedding a row");

	my %model = (bad => 'keep', cancel => 'keep2', timeout => 'keep3');
	for my $name (qw(bad cancel single timeout busy_error))
	{
		is(run_of($m, $name, 'status'), 'failed', "$mode: $name: failed");
		is(message_of($m, $name), $FAILS_WITH{$name}, "$mode: $name: $WHAT{$name} in return_message");
		is(model_state($m, $model{$name}), $m->{before}{ $model{$name} },
			"$mode: $name: previous model and embeddings unchanged")
		  if $model{$name};
		if ($name eq 'single')
		{
			is(qm($m, "SELECT string_agg(group_key, ',' ORDER BY group_key) FROM hack.model_groups WHERE model = 'single'"),
				'0,1,2', "$mode: single: groups before the failure committed");
			is(run_of($m, 'multi', 'status'), 'failed', "$mode: multi: failed");
			is(qm($m, "SELECT (SELECT count(*) FROM hack.models WHERE model = 'multi') || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'multi') || ':' || (SELECT count(*) FROM hack.embeddings WHERE model = 'multi')"),
				'0:0:0', "$mode: multi: atomic, nothing kept");
		}
	}
	is(scalar(() = slurp_file($m->{node}->logfile) =~ /hack_train keep3/g), 0,
		"$mode: timeout: the role's client_min_messages keeps NOTICEs out of the log");
	is(run_of($m, 'busy_skip', 'status'), 'succeeded', "$mode: busy_skip: succeeded");
	is(model_state($m, 'locked'), $m->{before}{locked}, "$mode: busy_skip: the model is untouched");

	is(run_of($m, 'noperm', 'username'), 'hack_cron_user', "$mode: noperm: ran as the scheduling role");
	is(message_of($m, 'noperm'), 'ERROR: permission denied for table imgs',
		"$mode: noperm: failed on the role's privileges");

	if ($mode eq 'libpq')
	{
		is(run_of($m, 'nohost', 'status'), 'failed', "$mode: nohost: failed");
		is(run_of($m, 'nohost', 'return_message'), 'connection failed', "$mode: nohost: connection failed");
	}

	qm($m, 'SELECT cron.unschedule(jobname) FROM cron.job WHERE username = current_user');
	qm($m, "SELECT cron.unschedule('noperm')", user => 'hack_cron_user');
	qm($m, "SELECT cron.unschedule('timeout')", user => 'hack_cron_timer');
	is(qm($m, 'SELECT count(*) FROM cron.job'), 0, "$mode: unscheduled");
	return;
}

my @modes = map { setup_mode($_) } qw(libpq bgw);
# wait for both clusters' runs, up to WAIT_S
my $deadline = time + $WAIT_S;
while (time < $deadline)
{
	my $all = 1;
	poll_mode($_) or $all = 0 for @modes;
	last if $all;
	usleep(500_000);
}
check_mode($_) for @modes;

done_testing();
