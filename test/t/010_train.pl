# test/t/010_train.pl: hack_train behaviours that need several sessions or
# transactions: per-group commits, cancellation, live progress, privileges,
# pg_dump/pg_restore of the catalogue.  400 images of 28 x 28 bytes in 4
# labels, one cluster; each CALL is a statement of its own (in a
# multi-statement string CALL would be atomic).

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

my $db       = 'hack_train_it';
my $restored = "${db}_restored";

my $node = hack_node('train');

sub dsql { return $node->sql($_[0], db => $db, @_[ 1 .. $#_ ]); }

# the first line of psql's error output, without psql's "psql:<stdin>:N: "
sub first_error
{
	my ($err) = @_;
	my ($line) = split /\n/, $err;
	$line //= '';
	$line =~ s/^psql:[^ ]* //;
	return $line;
}

# what hack_nobody sees in DB: its error or the output
sub as_nobody
{
	my ($sql, $in_db) = @_;
	my ($rc, $out, $err) = $node->try_sql($sql, db => $in_db // $db, user => 'hack_nobody');
	return $rc == 0 ? $out : first_error($err);
}

$node->sql("CREATE DATABASE $db");
dsql(<<'SQL');
CREATE EXTENSION hack;
CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 4, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p)
FROM generate_series(1, 400) i;
SQL

# 1. outside a transaction block, each group is committed on its own: make
#    group 3 fail (a NULL image) and groups 0-2 stay
dsql('UPDATE imgs SET img = NULL WHERE id = 3');
$node->try_sql(
	"CALL hack_train(model => 'pergroup', source => 'imgs', group_column => 'label', epochs => 1, seed => 1)",
	db => $db);
is(dsql("SELECT string_agg(group_key, ',' ORDER BY group_key) FROM hack.model_groups WHERE model = 'pergroup'"),
	'0,1,2', 'commit per group keeps groups before the failure');
is(dsql("SELECT count(*), min(group_column), min(architecture) FROM hack.models WHERE model = 'pergroup'"),
	'1|label|lenet', 'the committed groups are under one model row');
# inside a transaction block it is all or nothing
$node->try_sql(
	"BEGIN;\nCALL hack_train(model => 'atomic', source => 'imgs', group_column => 'label', epochs => 1);\nCOMMIT;\n",
	db            => $db,
	on_error_stop => 0);
is(dsql("SELECT (SELECT count(*) FROM hack.models WHERE model = 'atomic'), (SELECT count(*) FROM hack.model_groups WHERE model = 'atomic'), (SELECT count(*) FROM hack.embeddings WHERE model = 'atomic')"),
	'0|0|0', 'inside a transaction block nothing is kept');
dsql('UPDATE imgs SET img = (SELECT img FROM imgs WHERE id = 7) WHERE id = 3');

# 2. a job cancelled by statement_timeout stops quickly and leaves the
#    previous results
my $cancel_digest =
  "SELECT md5(string_agg(embedding::text, ',' ORDER BY id)) FROM hack.embeddings WHERE model = 'cancel'";
dsql("CALL hack_train(model => 'cancel', source => 'imgs', epochs => 1, seed => 1)");
my $before = dsql($cancel_digest);
my $start  = Time::HiRes::time();
my ($rc, $out, $err) = $node->try_sql(
	"CALL hack_train(model => 'cancel', source => 'imgs', epochs => 500, seed => 2)",
	db      => $db,
	options => '-c statement_timeout=1500 -c client_min_messages=warning');
my $took_ms = int(1000 * (Time::HiRes::time() - $start));
is(first_error($err), 'ERROR:  canceling statement due to statement timeout',
	'statement_timeout cancels training');
ok($took_ms < 3500, 'cancel takes effect within about a second of the timeout')
  or diag("$took_ms ms");
is(dsql($cancel_digest), $before, 'cancelled job leaves the previous embeddings');

# 3. live progress is readable from another session
my $job = $node->bg_sql(
	"CALL hack_train(model => 'live', source => 'imgs', epochs => 400, seed => 3);\n",
	db => $db);
my $seen = '';
for (1 .. 60)
{
	$seen = dsql("SELECT model || ':' || (epoch > 0) FROM hack.training_progress LIMIT 1");
	last if $seen ne '';
	Time::HiRes::usleep(250_000);
}
is($seen, 'live:true', 'progress view shows the running job');
dsql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'hack_train progress:%'");
$job->wait;

# 4. privileges: a role without SELECT on the table cannot train on it
$node->sql('CREATE ROLE hack_nobody LOGIN');
is(as_nobody("CALL hack_train(model => 'stolen', source => 'imgs', epochs => 1)"),
	'ERROR:  permission denied for table imgs', 'no SELECT privilege, no training');
is(as_nobody('SELECT count(*) FROM hack.embeddings'),
	'0', 'no embedding of a table it cannot read');
my $counts = "SELECT (SELECT count(*) FROM hack.models) || '|' || (SELECT count(*) FROM hack.model_groups)";
is(as_nobody($counts), '0|0', 'no model or group of a table it cannot read');

# 5. the catalogue survives pg_dump / pg_restore
my $dump = hack_tempdir() . '/train.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $db, '-f', $dump ], 'pg_dump of the catalogue');
$node->sql("CREATE DATABASE $restored");
$node->command_ok([ 'pg_restore', '-d', $restored, $dump ], 'pg_restore of the catalogue');
# every column of the three tables: models, their groups (weights in
# full), the embeddings with the digest of their group's weights
my $digest = <<'SQL';
SELECT (SELECT count(*) || ':' || md5(string_agg(m::text, ',' ORDER BY model)) FROM hack.models m)
	|| ' ' || (SELECT count(*) || ':' || md5(string_agg(g::text, ',' ORDER BY model, group_key)) FROM hack.model_groups g)
	|| ' ' || (SELECT count(*) || ':' || md5(string_agg(e::text || md5(g.weights), ',' ORDER BY e.model, e.group_key, e.id))
		FROM hack.embeddings e JOIN hack.model_groups g USING (model, group_key))
SQL
my $orig = dsql($digest);
is($node->sql($digest, db => $restored), $orig, 'pg_dump/pg_restore keeps models and embeddings');
like($orig, qr/^[1-9][0-9]*:[0-9a-f]{32} [1-9][0-9]*:[0-9a-f]{32} [1-9][0-9]*:[0-9a-f]{32}$/,
	'the digest covers models, groups and embeddings');
is(as_nobody("$counts || '|' || (SELECT count(*) FROM hack.embeddings)", $restored),
	'0|0|0', 'restored catalogue keeps its row security');
is($node->sql(
		"SELECT hack_embed('cancel', img) <-> embedding < 1e-6 FROM imgs JOIN hack.embeddings e USING (id) WHERE e.model = 'cancel' AND id = 5",
		db => $restored),
	't', 'restored models still embed');

done_testing();
