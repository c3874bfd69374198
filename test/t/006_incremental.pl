# test/t/006_incremental.pl: incremental curation across sessions: resume
# on a grown table, refresh, the trigger, the per-model lock (error, skip,
# wait; other models run meanwhile; released on error and cancel), and
# statement_timeout during refresh and training.
#
# The job lock is read from pg_locks in a session that holds it (a refresh
# in an open transaction, rolled back), so the test does not depend on how
# hack derives the key (an advisory lock in objsubid 3, which SQL's advisory
# locks cannot take).  Sessions that must hold a lock while the test looks
# are $node->session; jobs that run while the test goes on are
# $node->bg_sql.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use HackTest;

my $DB = 'hack_incremental_it';
my $MLP = "architecture => 'mlp', hidden => '{32}', batch_size => 64";
my $QUIET = '-c client_min_messages=warning';

my $node = hack_node('incremental');

# SQL in $DB (psql options: extra PGOPTIONS words); its output, and its
# messages without psql's "psql:<stdin>:N: " prefix, as one text
sub qdb
{
	my ($sql, $options) = @_;
	my (undef, $out, $err) = $node->try_sql($sql, db => $DB, options => "$QUIET " . ($options // ''));
	$err =~ s/^psql:[^:]*:\d+: //mg;
	return join("\n", grep { $_ ne '' } $out, $err);
}
sub first_line { return (split /\n/, $_[0])[0] // ''; }

# the job lock of a model as pg_locks shows it: "classid objid objsubid"
my %KEY;
sub lock_key
{
	my $model = shift;
	my $out = qdb("BEGIN; CALL hack_refresh('$model');
SELECT classid || ' ' || objid || ' ' || objsubid FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted;
ROLLBACK;");
	return join("\n", grep { /^\d+ \d+ \d+$/ } split /\n/, $out);
}
# the pid holding the job lock of a model, or ''
sub holder_sql
{
	my ($c, $o, $s) = split ' ', ($KEY{ $_[0] } || '0 0 0');
	return "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $c AND objid = $o AND objsubid = $s AND granted";
}
sub holder { return qdb(holder_sql(shift)); }
sub wait_for_holder
{
	my $model = shift;
	return $node->poll_query_until($DB, 'SELECT count(*) > 0 FROM (' . holder_sql($model) . ') h');
}

$node->sql("CREATE DATABASE $DB");
qdb(q{CREATE EXTENSION hack;
CREATE FUNCTION img(seed int) RETURNS bytea LANGUAGE sql AS $$
	SELECT decode(string_agg(lpad(to_hex(hashint4(p + 1000 * seed) & 255), 2, '0'), '' ORDER BY p), 'hex')
	FROM generate_series(0, 783) p $$;
CREATE TABLE imgs (id int PRIMARY KEY, img bytea);
INSERT INTO imgs SELECT i, img(i) FROM generate_series(1, 400) i;
CREATE TABLE imgs2 (id int PRIMARY KEY, img bytea);
INSERT INTO imgs2 SELECT id, img FROM imgs;});

# 1. resume on a grown table
qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 3, seed => 1)");
qdb('INSERT INTO imgs SELECT i, img(i) FROM generate_series(401, 500) i');
qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 3, seed => 2, resume => true)");
is(qdb("SELECT count(*), count(DISTINCT particle_id), count(particle), min(particle_id), max(particle_id),
		(SELECT (metrics->>'resumed_from_rows') FROM hack.model_groups WHERE model = 'a') FROM hack.embeddings WHERE model = 'a'"),
	'500|500|500|1|500|400', 'resume embeds every row of the grown table');

# 2. refresh after inserts, updates and deletes
qdb('INSERT INTO imgs SELECT i, img(i) FROM generate_series(501, 530) i');
qdb('UPDATE imgs SET img = img(9999) WHERE id IN (1, 2)');
qdb('DELETE FROM imgs WHERE id IN (3, 4, 5)');
is(qdb("CALL hack_refresh('a', batch_size => 8)"), '30|2|3|0|done', 'refresh counts');
is(qdb("SELECT count(*), count(*) FILTER (WHERE e.image_hash = hack_image_hash(i.img)) FROM hack.embeddings e JOIN imgs i USING (id) WHERE model = 'a'"),
	'527|527', 'refresh leaves every row embedded');

# 3. the trigger
qdb("CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON imgs FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('a')");
qdb('INSERT INTO imgs VALUES (600, img(600))');
qdb('DELETE FROM imgs WHERE id = 6');
is(qdb("SELECT count(*) FILTER (WHERE id = 600), count(*) FILTER (WHERE id = 6) FROM hack.embeddings WHERE model = 'a'"),
	'1|0', 'trigger embeds inserts and drops deletes');
is(qdb("CALL hack_refresh('a')"), '0|0|0|0|done', 'nothing left for refresh after the trigger');
qdb('DROP TRIGGER embed ON imgs');

# the job lock: one advisory lock in hack's own space, out of SQL's reach
$KEY{a} = lock_key('a');
is(join(',', map { (split ' ')[2] } split /\n/, $KEY{a}), '3', 'a job holds one lock, in objsubid 3');
my ($c, $o) = split ' ', $KEY{a} || '0 0 0';
# SQL's advisory locks on the same numbers (objsubid 1 and 2), and on 1.0's
# key, held by another session, do not make the model busy
my $locker = $node->session('hack_sql_locker', db => $DB);
$locker->query("SELECT pg_advisory_lock(${c}::int8 << 32 | ${o}::int8),
	pg_advisory_lock((${c}::int8 - CASE WHEN ${c}::int8 >= 2147483648 THEN 4294967296 ELSE 0 END)::int4,
		(${o}::int8 - CASE WHEN ${o}::int8 >= 2147483648 THEN 4294967296 ELSE 0 END)::int4),
	pg_advisory_lock(1212236619, hashtext('a'))");
is(qdb("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'hack_sql_locker' AND l.locktype = 'advisory' AND l.granted")
	  . '|' . qdb("CALL hack_refresh('a', if_busy => 'skip')"),
	'3|0|0|0|0|done', "SQL advisory locks on the model's key do not block its jobs");
$locker->close;

# 4. two sessions on the same model
my $job = $node->bg_sql("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 100000, seed => 3, resume => true)",
	db => $DB);
wait_for_holder('a');
my $pid = holder('a');
is(join('|', (split /\n/, qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1)"))[ 0, 1 ]),
	"ERROR:  model \"a\" is busy|DETAIL:  Process $pid is running a job on it.", 'second job errors');
is(qdb(q{DO $$BEGIN EXECUTE 'CALL hack_refresh(''a'')'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END$$},
		'-c client_min_messages=notice'),
	'NOTICE:  55P03', 'second job errors with 55P03');
my $start = time;
my $out = qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, if_busy => 'skip')",
	'-c client_min_messages=notice');
my $took = int(1000 * (time - $start));
is(first_line($out) . '|' . ($took < 2000 ? 'yes' : "no ($took ms)"),
	'NOTICE:  hack_train skipped: model "a" is busy|yes', 'skip is a quick logged no-op');
is(qdb("CALL hack_refresh('a', if_busy => 'skip')"), '0|0|0|0|skipped',
	'refresh skip returns zero counts and status skipped');
is(first_line(qdb("CALL hack_refresh('a', if_busy => 'wait')", '-c lock_timeout=300')),
	'ERROR:  canceling statement due to lock timeout', 'wait honours lock_timeout');
is(first_line(qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, if_busy => 'wait')", '-c statement_timeout=300')),
	'ERROR:  canceling statement due to statement timeout', 'wait honours statement_timeout');
my $waiter = $node->bg_sql("CALL hack_refresh('a', if_busy => 'wait')", db => $DB);
my $b_out = qdb("CALL hack_train(model => 'b', source => 'imgs2', $MLP, epochs => 2)");
is(scalar(grep { $_ ne '' } split /\n/, $b_out) . '|' . qdb("SELECT count(*) FROM hack.embeddings WHERE model = 'b'"),
	'0|400', 'another model trains meanwhile');
is(holder('a'), $pid, 'first job still runs');
# cancelling the first job releases the lock; the waiter then runs
qdb("SELECT pg_cancel_backend($pid)");
$job->wait;
my (undef, $w_out, $w_err) = $waiter->wait;
is(join("\n", grep { $_ ne '' } $w_out, $w_err), '0|0|0|0|done', 'the waiter ran after the cancel');
is(holder('a'), '', 'no lock left behind');
# another definition is refused before the job starts (hack 1.1: one
# definition per model), and leaves no lock behind
is(first_line(qdb("CALL hack_train(model => 'a', source => 'imgs', architecture => 'mlp', hidden => '{32}', dim => 3, epochs => 1, resume => true)")),
	'ERROR:  model "a" was trained with another definition', 'resume with another definition is refused');
is(holder('a'), '', 'no lock after the refused resume');
# an error after the lock was taken (reading the images) releases it too
qdb('UPDATE imgs SET img = NULL WHERE id = 7');
is(first_line(qdb("CALL hack_train(model => 'a', source => 'imgs', $MLP, epochs => 1, resume => true)")),
	'ERROR:  image of row id 7 is NULL', 'the job fails after taking the lock');
qdb('UPDATE imgs SET img = img(7) WHERE id = 7');
is(holder('a') . '|' . qdb("CALL hack_refresh('a')"), '|0|0|0|0|done', 'lock released after an error');

# inside a transaction block the lock lasts until the transaction ends
my $txn = $node->session('hack_txn', db => $DB);
$txn->query('BEGIN');
$txn->query("CALL hack_refresh('a')");
is(first_line(qdb("CALL hack_refresh('a')")), 'ERROR:  model "a" is busy',
	'a job in an open transaction keeps the model busy');
$txn->query('COMMIT');
is(holder('a'), '', 'and frees it at commit');
$txn->close;

# 5. statement_timeout during refresh and training keeps what was there
qdb("CALL hack_train(model => 'slow', source => 'imgs2', architecture => 'lenet', epochs => 1, seed => 5)");
$KEY{slow} = lock_key('slow');
is(join(',', map { (split ' ')[2] } split /\n/, $KEY{slow}) . '|' . ($KEY{slow} ne $KEY{a} ? 'yes' : 'no'),
	'3|yes', 'each model has its own lock');
qdb('INSERT INTO imgs2 SELECT 1000 + g * 400 + id, img FROM imgs2, generate_series(0, 79) g WHERE id <= 400');
# model slow's embeddings (of the rows WHERE), trained_at and weights
sub slow_state
{
	my $where = shift;
	return qdb("SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) || (SELECT m.trained_at || ' ' || g.trained_at || ' ' || md5(g.weights) FROM hack.models m JOIN hack.model_groups g USING (model) WHERE model = 'slow') FROM hack.embeddings WHERE model = 'slow' $where");
}
my $before = slow_state('AND id <= 400');
is(first_line(qdb("CALL hack_refresh('slow', batch_size => 500)", '-c statement_timeout=500')),
	'ERROR:  canceling statement due to statement timeout', 'statement_timeout cancels refresh');
is(slow_state('AND id <= 400') . '|'
	  . qdb("SELECT count(*) % 500 FROM hack.embeddings WHERE model = 'slow' AND id > 400") . '|'
	  . qdb("SELECT CASE WHEN count(*) < 32400 THEN 'yes' ELSE 'no: ' || count(*) END FROM hack.embeddings WHERE model = 'slow'"),
	"$before|0|yes", 'cancelled refresh keeps the old embeddings and whole batches');
$before = slow_state('');
is(first_line(qdb("CALL hack_train(model => 'slow', source => 'imgs2', architecture => 'lenet', epochs => 50, resume => true)", '-c statement_timeout=1500')),
	'ERROR:  canceling statement due to statement timeout', 'statement_timeout cancels a resume');
is(slow_state(''), $before, 'cancelled resume keeps model and embeddings');
is(holder('slow'), '', 'no lock left after the cancels');

done_testing();
