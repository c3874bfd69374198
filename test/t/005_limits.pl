# test/t/005_limits.pl: statement_timeout and pg_cancel_backend stop every
# long-running function of hack quickly, and a cancelled training job
# leaves the previous model intact.
#
# Each case runs a call far longer than its timeout T; psql's \timing gives
# the statement's duration D, and D - T is the cancel latency: the time from
# the deadline to the error, which is the longest stretch of work between
# two interrupt checks (plus the unwinding).  Each case checks the SQLSTATE
# (57014) and fails above LIMITS_MAX_MS (default 1500 ms: the test machine
# is shared; doc/reliability.md has the figures of a quiet machine).  Then
# pg_cancel_backend from another session, during packing and training.
# The inputs come from test/lib/limits_fixtures.sql.
#
#   HACK_LIMITS_BIG=1 also times a training step at the largest batch (8192
#   images; by hand, not a pass/fail case).
#   Peak memory: test/bench/limits_memory.sh.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

my $db     = 'hack_limits';
my $max_ms = $ENV{LIMITS_MAX_MS} // 1500;

my $node = hack_node('limits');

sub dsql { return $node->sql($_[0], db => $db, @_[ 1 .. $#_ ]); }

$node->sql("CREATE DATABASE $db");
dsql('CREATE EXTENSION hack');

# inputs are built beforehand, so that the timeout falls inside our function:
# a 2000 x 2000 cost matrix, an edge list of 1500 x 1500, 2500 points and
# targets, 2M points to plot (the Hungarian sizes stay within the default
# maintenance_work_mem: 8M cells)
dsql(slurp_file(hack_repo() . '/test/lib/limits_fixtures.sql'),
	extra => [
		map { ('-v', $_) } qw(imgs=4096 emb=40000 hm=2000 edges=1500 pts=2500
		  plot=2000000)
	]);

# case_timeout(NAME, TIMEOUT_MS, SQL, MAX_MS): the call must fail with 57014
# within MAX_MS of the deadline
sub case_timeout
{
	my ($name, $t, $sql, $max) = @_;
	$max //= $max_ms;
	my ($rc, $out, $err) = $node->try_sql(
		"SET statement_timeout = $t;\n\\timing on\n$sql;\n",
		db    => $db,
		extra => [ '-v', 'VERBOSITY=verbose' ]);
	my ($dur) = $out =~ /^Time: ([0-9.]+) ms/m;
	my $lat = defined $dur ? int($dur - $t) : undef;
	note(sprintf('%-34s timeout %5d ms, cancelled after %7.0f ms: latency %5d ms',
		$name, $t, $dur // 0, $lat // 0));
	is($err =~ /ERROR:\s+([0-9A-Z]{5}):/ ? $1 : "none: $err", '57014', "$name: 57014");
	ok(defined $lat && $lat < $max, "$name: latency under $max ms")
	  or diag('latency ' . ($lat // "unknown: $out"));
	return;
}

# the models to keep: every embedding with its group's weights and both
# training times
sub models_digest
{
	return dsql(
		"SELECT count(*) || ' ' || md5(string_agg(e.embedding::text || md5(g.weights) || g.trained_at || m.trained_at, ',' ORDER BY e.model, id))
		FROM hack.embeddings e JOIN hack.model_groups g USING (model, group_key) JOIN hack.models m USING (model)
		WHERE model IN ('lim', 'lim_train')");
}

# the model the training cases train and cancel: 4096 images of imgs (hack
# 1.1 keeps one source and definition per model, so not lim, which is the
# fixtures' model of imgs_small)
dsql("CALL hack_train(model => 'lim_train', source => 'imgs', epochs => 1, pack_epochs => 1, seed => 1)");
my $before = models_digest();
like($before, qr/^4352 /,
	'the models to keep hold every image (256 of lim, 4096 of lim_train)');

my $train = "CALL hack_train(model => 'lim_train', source => 'imgs', pack_epochs => 1";
case_timeout('hack_pack n=200000', 1000,
	'SELECT count(*) FROM hack_pack(200000, epochs => 100000)');
case_timeout('hack_pack n=200000 dim=100', 1000,
	'SELECT count(*) FROM hack_pack(200000, dim => 100, epochs => 10)');
# PostgreSQL detoasts the 32 MB array without checking for interrupts
# (doc/reliability.md): that, not the solver, can take a few hundred ms on a
# loaded machine
case_timeout('hungarian 2000 x 2000', 50,
	'SELECT count(*) FROM hm, hungarian(hm.c)', 2 * $max_ms);
case_timeout('hungarian_agg 1500 x 1500 edges', 300,
	'SELECT cardinality(hungarian_agg(r, c, cost)) FROM edges');
case_timeout('hack_assign 2500 x 2500', 50,
	'SELECT count(*) FROM pts, hack_assign(pts.a, pts.b)');
case_timeout('hack_train: packing', 1000,
	"CALL hack_train(model => 'lim_train', source => 'imgs', pack_epochs => 1000000, epochs => 1)");
case_timeout('hack_train: epochs, batch 1024', 3000,
	"$train, batch_size => 1024, reassign_every => 0, epochs => 1000)");
case_timeout('hack_train: Hungarian, batch 1024', 3000,
	"$train, batch_size => 1024, reassign_every => 1, epochs => 1000)");
case_timeout('hack_knn_density n=40000', 1000,
	"SELECT count(*) FROM hack_knn_density('lim_big', 10)");
case_timeout('hack_embed 1M rows', 1000,
	"SELECT count(hack_embed('lim', img)) FROM imgs_small, generate_series(1, 4000)");
case_timeout('hack_plot 2M points, 4096 px', 1000,
	'SELECT length(hack_plot(a, size => 4096)) FROM plotpts');
if ($ENV{HACK_LIMITS_BIG})
{
	dsql("CREATE TABLE imgs8k AS SELECT i::bigint AS id, decode(repeat(md5(i::text), 49), 'hex') AS img FROM generate_series(1, 8192) i");
	my $big = "CALL hack_train(model => 'lim_8k', source => 'imgs8k', pack_epochs => 1, batch_size => 8192";
	case_timeout('hack_train: epochs, batch 8192', 5000,
		"$big, reassign_every => 0, epochs => 1000)", 100000);
	case_timeout('hack_train: Hungarian, batch 8192', 8000,
		"$big, reassign_every => 1, epochs => 1000)", 100000);
}
is(models_digest(), $before, 'cancelled training leaves the previous model and embeddings');
# hungarian_agg sorts its edges in runs merged with interrupt checks: same
# optimum as hungarian()
is(dsql(
		"SELECT round((SELECT sum((m).cost) FROM unnest((SELECT hungarian_agg(r, c, cost) FROM (SELECT * FROM edges ORDER BY hashint8(r * 7 + c)) e)) m)::numeric, 6)
		= round((SELECT sum(h.cost) FROM (SELECT array_agg(x ORDER BY r) a FROM (SELECT r, array_agg(cost ORDER BY c) x FROM edges GROUP BY r) s) t, hungarian(t.a) h)::numeric, 6)"
	),
	't',
	'hungarian_agg (merge-sorted edges) equals hungarian');

# case_cancel(NAME, SQL): pg_cancel_backend from another session a second
# into the call stops it within MAX_MS
sub case_cancel
{
	my ($name, $sql) = @_;
	my $bg = $node->bg_sql("$sql;\n", db => $db, appname => 'limits_cancel');
	my $pid = '';
	for (1 .. 50)
	{
		$pid = dsql("SELECT pid FROM pg_stat_activity WHERE application_name = 'limits_cancel' AND state = 'active'");
		last if $pid ne '';
		Time::HiRes::usleep(100_000);
	}
	Time::HiRes::usleep(1_000_000);
	my $start = Time::HiRes::time();
	dsql("SELECT pg_cancel_backend($pid)") if $pid ne '';
	my ($rc, $out, $err) = $bg->wait;
	my $ms = int(1000 * (Time::HiRes::time() - $start));
	note(sprintf('%-34s pg_cancel_backend: stopped after %5d ms', $name, $ms));
	isnt($rc, 0, "$name: cancelled (psql fails)");
	like($err, qr/canceling statement due to user request/,
		"$name: cancelled by pg_cancel_backend");
	ok($ms < $max_ms, "$name: stops within $max_ms ms") or diag("$ms ms");
	return;
}
case_cancel('hack_pack', 'SELECT count(*) FROM hack_pack(200000, epochs => 100000)');
case_cancel('hack_train', "$train, batch_size => 1024, epochs => 1000)");
is(models_digest(), $before,
	'cancelled training leaves the previous model and embeddings (pg_cancel_backend)');

done_testing();
