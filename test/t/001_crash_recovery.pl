# test/t/001_crash_recovery.pl: kill -9 the postmaster while clients write
# to GiST-indexed poincare_point tables and while hack_train runs, restart
# (crash recovery replays the WAL) and check that nothing is lost or
# inconsistent.
#
# Its cluster runs with fsync on.  A crash here is the postmaster and then
# each of its children killed with SIGKILL ($node->kill9_all), as a power
# cut or the OOM killer would leave them: nothing gets to clean up.
#
# (a) HACK_CRASH_ROUNDS (default 3) rounds: tables pts2 and pts8
#     (poincare_point(2) and (8)) with a GiST index, built by the sorted
#     build on 5,000 rows in round 1 and never checkpointed before the first
#     crash; per table two clients insert batches of 20 rows and one deletes
#     every third initial row by id range and runs VACUUM, each writing to
#     its output what the server acknowledged; the postmaster is killed
#     once the insert clients have acknowledged a random number of batches,
#     1,000 to 1,599 (the bash version killed it 3 to 5.9 s into the round,
#     1 to 3 s of which went to writing the client scripts, and got about
#     1,500 on an idle machine), or after 6 s: the kill lands at a random
#     point of the writes while the tables grow by about as much as before
#     whatever the load (the probes' time grows faster than the tables: in
#     round 3 pts8's "reach" probe took 80 s at twice the rows).  What a
#     round proves: WAL replay after a crash
#     in the middle of GiST inserts, page splits, deletes and GiST vacuum
#     (on top of the previous rounds' recovered tables) loses no
#     acknowledged insert, resurrects no acknowledged delete, invents no
#     row, and leaves a GiST index that answers KNN, ball and whole-table
#     probes exactly as a sequential scan does (plans checked with EXPLAIN)
#     and that finds every row at its own point; amcheck verifies the heaps
#     and btrees (there is no GiST check in PostgreSQL 15's amcheck).
# (b) hack_train (architecture mlp, 8 x 8 images, 4 groups committed one by
#     one) trains model m; it is trained again with another seed and killed
#     during group 2.  After the restart the groups whose commit the job
#     acknowledged hold the new model, the others the old one (weights,
#     trained_at, n_rows and embeddings exactly as before), every group's
#     embeddings match its weights (hack_embed recomputes a sample within
#     1e-5), and the job then runs to completion.
#
# Recovery starts with one syncfs() of the data directory instead of an
# fsync() of each file (recovery_init_sync_method), the waits are bounded
# polls; HACK_CRASH_ROUNDS=6 runs more rounds.
use strict;
use warnings FATAL => 'all';

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use HackTest;

my $ROUNDS = $ENV{HACK_CRASH_ROUNDS} // 3;
my $DB = 'hack_crash';
my $work = hack_tempdir();

# fsync = on comes after hack_node's fsync = off, and the last wins; before
# replaying the WAL, crash recovery makes the data directory durable with
# one syncfs() instead of an fsync() of each of its files (4 s a restart)
my $node = hack_node('crash', conf => "fsync = on\nrecovery_init_sync_method = syncfs\n");
is($node->sql('SHOW fsync'), 'on', 'own cluster runs with fsync on');

sub qdb { return $node->sql($_[0], db => $DB); }

# Kill the postmaster, then its children, with SIGKILL; all must be gone.
sub crash
{
	my ($nkids, @left) = $node->kill9_all;
	is("@left", '', "postmaster and its $nkids children are gone");
	return;
}

# Restart; notes the wall time to accept connections and the redo time
# PostgreSQL logs (crash recovery replays the WAL since the last checkpoint).
sub restart
{
	my $t0 = time;
	my $offset = $node->log_offset;
	my $started = $node->start(fail_ok => 1);
	my ($rc, $fsync) = $node->try_sql('SHOW fsync');
	is(($started ? 0 : 1) . " $fsync", '0 on', 'restart after the crash');
	my $log = slurp_file($node->logfile, $offset);
	note("log: $_") for grep { /was interrupted|redo starts|redo done|checkpoint complete|is ready/ }
	  split /\n/, $log;
	my ($redo) = $log =~ /redo done at .*elapsed: ([0-9.]+) s/;
	note(sprintf('recovery: ready after %d ms, redo %s s', 1000 * (time - $t0), $redo // '?'));
	return;
}

# ---------------------------------------------------------------------------
# (a) concurrent inserts and deletes on GiST-indexed tables
# ---------------------------------------------------------------------------
$node->sql("CREATE DATABASE $DB");
qdb('CREATE EXTENSION hack; CREATE EXTENSION amcheck');
$node->consistency_setup($DB);
for my $d (2, 8)
{
	qdb("SELECT setseed(0.$d);
CREATE TABLE pts$d (id bigint PRIMARY KEY, p poincare_point($d) NOT NULL);
INSERT INTO pts$d SELECT g, rnd_point($d) FROM generate_series(1, 5000) g;
CREATE INDEX pts${d}_p_idx ON pts$d USING gist (p);");
}

# The script of client C of round R on table pts$D: KIND ins (batches of 20
# new ids) or del (every third id of a range of the initial rows, then
# VACUUM).  It echoes "ins D A B" / "del D A B" after each acknowledged
# commit, and goes on until the server goes away: far more insert batches
# than fit before the kill, so the kill always lands mid-insert.
sub client_sql
{
	my ($kind, $d, $r, $c) = @_;
	my $sql = '';
	for my $i (0 .. 19999)
	{
		my ($a, $b);
		if ($kind eq 'ins')
		{
			$a = $r * 100000000 + ($d * 10 + $c) * 1000000 + $i * 20;
			$b = $a + 19;
			$sql .= "INSERT INTO pts$d SELECT g, rnd_point($d) FROM generate_series($a, $b) g;\n";
		}
		else
		{
			$a = ($r - 1) * 1500 + $i * 10 + 1;
			$b = $a + 9;
			last if $a > 5000;
			$sql .= "DELETE FROM pts$d WHERE id BETWEEN $a AND $b AND id % 3 = 0;\n";
		}
		$sql .= "\\echo $kind $d $a $b\n";
		$sql .= "VACUUM pts$d;\n" if $kind eq 'del' && $i % 20 == 19;
	}
	return $sql;
}

# the client ends when the server goes away, with one of these
my $GONE_RE = qr/server closed the connection|unexpected postmaster exit|postmaster exited during a parallel transaction|no connection to the server|terminated abnormally|before or while processing|connection to server was lost|^$/;
my @acks;    # "kind d a b" of every round so far

# the acknowledged work as table acks
sub load_acks
{
	my $csv = "$work/acks.csv";
	open my $fh, '>', $csv or die "$csv: $!";
	print $fh join(',', split / /), "\n" for @acks;
	close $fh;
	qdb("DROP TABLE IF EXISTS acks;
CREATE TABLE acks (kind text, d int, a bigint, b bigint);
\\copy acks FROM '$csv' CSV");
	return;
}

sub check_table
{
	my ($r, $d) = @_;
	note("round $r: pts$d holds " . qdb("SELECT count(*) FROM pts$d") . ' rows after recovery');
	is(qdb("SELECT count(*) FROM acks, generate_series(a, b) g WHERE kind = 'ins' AND d = $d AND NOT EXISTS (SELECT FROM pts$d WHERE id = g)"),
		0, "round $r: every acknowledged insert into pts$d survived");
	is(qdb("SELECT count(*) FROM acks, generate_series(a, b) g JOIN pts$d ON id = g WHERE kind = 'del' AND d = $d AND g % 3 = 0"),
		0, "round $r: every acknowledged delete from pts$d stayed deleted");
	# rows committed but not yet acknowledged: at most one batch per client
	# (the acknowledged ids spelt out, for a hash anti-join)
	is(qdb("SELECT CASE WHEN count(*) <= 2 * 20 * $r THEN 'yes' ELSE count(*)::text END FROM pts$d t WHERE id > 5000 AND NOT EXISTS (SELECT FROM acks, generate_series(a, b) g WHERE kind = 'ins' AND d = $d AND g = t.id)"),
		'yes', "round $r: pts$d holds no rows nobody inserted");
	$node->consistency_probe(
		db => $DB, table => "pts$d", col => 'p', id => 'id', index => "pts${d}_p_idx",
		dim => $d, probes => 40, seed => "0.$r$d", label => "round $r pts$d");
	is(qdb("SELECT (SELECT count(*) FROM verify_heapam('pts$d')) + (SELECT count(*) FROM (SELECT bt_index_parent_check('pts${d}_pkey', true)) s) - 1"),
		0, "round $r: amcheck of pts$d (heap and primary key btree)");
	return;
}

sub crash_round
{
	my $r = shift;
	note("round $r");
	my %scripts;
	for my $d (2, 8)
	{
		$scripts{"ins$d$_"} = client_sql('ins', $d, $r, $_) for 1, 2;
		$scripts{"del${d}3"} = client_sql('del', $d, $r, 3);
	}
	my %clients = map { $_ => $node->bg_sql($scripts{$_}, db => $DB, on_error_stop => 0, dir => $work) }
	  sort keys %scripts;
	# the kill: once the insert clients have acknowledged KILL_AT batches
	# (their outputs lag by psql's buffer), or after 6 s
	my $kill_at = 1000 + int(rand(600));
	my $deadline = time + 6;
	while (time < $deadline)
	{
		my $acked = 0;
		$acked += () = $clients{$_}->out =~ /^ins /mg for grep { /^ins/ } keys %clients;
		last if $acked >= $kill_at;
		usleep(50_000);
	}
	crash();
	my (@errors, @finished, @round_acks);
	for my $name (sort keys %clients)
	{
		my (undef, $out, $err) = $clients{$name}->wait;
		my @lines = split /\n/, $out;
		push @errors, grep { !/$GONE_RE/ } split /\n/, $err;
		push @finished, $name if $name =~ /^ins/ && grep({ /^ins/ } @lines) >= 20000;
		push @round_acks, @lines;
	}
	# every client must have stopped because the server went away
	is(join("\n", @errors[0 .. ($#errors < 2 ? $#errors : 2)]), '',
		"round $r: clients ended by the crash, not by an error of theirs");
	is(scalar @finished, 0, "round $r: the kill came while every insert client was still inserting");
	push @acks, @round_acks;
	note(sprintf('round %d: %d insert batches and %d deletes acknowledged before the kill',
		$r, scalar(grep { /^ins/ } @round_acks), scalar(grep { /^del/ } @round_acks)));
	restart();
	load_acks();
	check_table($r, $_) for 2, 8;
	return;
}

crash_round($_) for 1 .. $ROUNDS;

# ---------------------------------------------------------------------------
# (b) kill -9 during hack_train
# ---------------------------------------------------------------------------
note('training');
qdb("CREATE TABLE imgs (id bigint PRIMARY KEY, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 4, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 127) + 64 * (i % 4 = p % 4)::int), 2, '0'), ''), 'hex')
	FROM generate_series(0, 63) p)
FROM generate_series(1, 1600) i;");

# the CALL of a training of model m; the job's NOTICEs go to stderr
my %NOTICE = (db => $DB, options => '-c client_min_messages=notice');
sub train_sql
{
	my ($seed, $epochs) = @_;
	return "CALL hack_train(model => 'm', source => 'imgs',
		group_column => 'label', height => 8, width => 8, architecture => 'mlp', hidden => '{32}',
		epochs => $epochs, batch_size => 32, pack_epochs => 200, seed => $seed)";
}
sub commits { my $n = () = $_[0] =~ /committed group . of 4/g; return $n; }

# per group: weights md5, trained_at, n_rows, count and digest of the embeddings
sub model_state
{
	return split /\n/, qdb("SELECT string_agg(m.group_key || ' ' || md5(weights) || ' ' || trained_at || ' ' || n_rows || ' ' ||
		(SELECT count(*) || ' ' || md5(string_agg(id || embedding::text, ',' ORDER BY id))
		 FROM hack.embeddings e WHERE e.model = m.model AND e.group_key = m.group_key), E'\\n' ORDER BY m.group_key)
		FROM hack.model_groups m WHERE model = 'm'");
}
sub weights { return (split / /, $_[0])[1] // ''; }

# embeddings agree with the weights of their group: recompute a sample
sub embed_check
{
	my $when = shift;
	is(qdb("SELECT count(*) FILTER (WHERE hack_embed('m', img, e.group_key) <-> embedding > 1e-5) || ' ' || count(*)
			FROM (SELECT * FROM hack.embeddings WHERE model = 'm' ORDER BY hashint8(id) LIMIT 60) e JOIN imgs USING (id)"),
		'0 60', "$when: every group's stored embeddings match its model (hack_embed, 60 rows)");
	is(qdb("SELECT count(*) FROM hack.model_groups m WHERE model = 'm' AND n_rows <> (SELECT count(*) FROM hack.embeddings e WHERE e.model = m.model AND e.group_key = m.group_key)"),
		0, "$when: n_rows = number of embeddings in every group");
	# hack 1.1: one model row, its groups and embeddings under its owner and source
	is(qdb("SELECT count(*) || ' ' || (SELECT count(*) FROM hack.model_groups g WHERE g.model = 'm' AND (g.owner, g.source) IS DISTINCT FROM (m.owner, m.source))
			|| ' ' || (SELECT count(*) FROM hack.embeddings e WHERE e.model = 'm' AND ((e.owner, e.source) IS DISTINCT FROM (m.owner, m.source) OR e.dim <> m.dim OR poincare_dim(e.embedding) <> m.dim))
			FROM hack.models m WHERE m.model = 'm' GROUP BY m.owner, m.source, m.dim"),
		'1 0 0', "$when: one model row, every group and embedding under its owner, source and dimension");
	return;
}

$node->sql(train_sql(1, 6), %NOTICE);
is(qdb("SELECT count(*) FROM hack.model_groups WHERE model = 'm'"), 4, 'first training of 4 groups');
my @old = model_state();

my $job = $node->bg_sql(train_sql(2, 400), %NOTICE, dir => $work);
ok($node->poll_query_until($DB, 'SELECT group_no FROM hack.training_progress WHERE epoch >= 2', '2'),
	'the second job reached group 2');
crash();
my (undef, undef, $train2) = $job->wait;
restart();
# the job commits group after group: those it acknowledged (NOTICE) hold
# the new model; the group after them may have committed unacknowledged;
# the rest must be exactly as before
my $acked = commits($train2);
note("training killed after $acked acknowledged group commits");
ok($acked >= 1 && $acked < 4, "the kill came after group 1's commit and before the job's end ($acked)");
my @new = model_state();
for my $g (1 .. 4)
{
	my ($o, $n) = ($old[ $g - 1 ] // '', $new[ $g - 1 ] // '');
	my $renewed = weights($n) ne weights($o);
	if ($g <= $acked)
	{
		ok($renewed, "group $g (acknowledged) holds the new model");
	}
	elsif ($g == $acked + 1 && $renewed)
	{
		pass("group $g (committed, not acknowledged) holds the new model");
	}
	else
	{
		is($n, $o, "group $g holds the old model and its embeddings, untouched");
	}
}
embed_check('after the crash');
# hack 1.1: one partial GiST index per dimension; the queries name it (dim = 2)
$node->consistency_probe(
	db => $DB, table => 'hack.embeddings', col => 'embedding', id => 'id',
	index => 'embeddings_embedding_2d_idx', dim => 2, probes => 40, seed => '0.7',
	label => 'after the crash hack.embeddings', filter => 'dim = 2');
my (undef, undef, $train3) = $node->try_sql(train_sql(3, 6), %NOTICE);
is(commits($train3), 4, 'training runs again to completion after the crash');
my %new_weights = map { weights($_) => 1 } @new;
is(scalar(grep { $new_weights{ weights($_) } } model_state()), 0, 'every group was replaced');
embed_check('after the retraining');

done_testing();
