# test/t/025_citus.pl: hack on a Citus 13.0.5 cluster (issue 19): a
# coordinator and two workers on this machine (HackTest::hack_citus_cluster,
# unix sockets), and one plain node without Citus to compare with.
#
# Fashion-MNIST classes 0-3, 300 images each (the first 300 of each class
# in the training file, loaded with the installed hack-load), in a table
# imgs distributed by label, its shards moved so that worker 1 holds classes
# 0 and 1 and worker 2 classes 2 and 3.  The same rows go into a plain
# table on the single node.  Checked from the coordinator: CALL hack_train
# on the distributed table, with norms equal (1e-6) to those of the single
# node by id; hack_select, KNN on hack.embeddings, hack_plot, hack_gallery,
# hack_refresh after new and deleted rows; a plain role (alice, created on
# the coordinator and propagated by Citus) that can neither see, drop,
# retrain, refresh nor lock the superuser's model, nor write hack's tables
# on the coordinator or on a worker; a worker killed with SIGKILL and
# restarted, then a re-training.
#
# Needs Citus in the PostgreSQL under test: test/run.sh builds it first
# (hack_build_citus in test/lib/common.sh).  Without it this file fails at
# CREATE EXTENSION citus; it does not skip.  About 10 s on 2 cores.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my @CLASSES = (0, 1, 2, 3);
my $PER_CLASS = 300;
my $DATA = '/usr/share/datasets/fashion-mnist';
# one training of model m, the same on the cluster and on the single node
my $TRAIN =
  "CALL hack_train('m', 'imgs', group_column => 'label', epochs => 2, pack_epochs => 50, seed => 1)";

my ($coord, $w1, $w2) = hack_citus_cluster('citus', workers => 2);
my $single = hack_node('citus_single');
my @ALL = ($coord, $w1, $w2, $single);

is($coord->sql('SELECT count(*) FROM citus_get_active_worker_nodes()'), '2',
	'the coordinator has two active workers');

# ---------------------------------------------------------------------------
# hack on the cluster, and the data
# ---------------------------------------------------------------------------
$coord->sql('CREATE EXTENSION hack');
$single->sql('CREATE EXTENSION hack');
my $version = $coord->sql("SELECT extversion FROM pg_extension WHERE extname = 'hack'");
is(join(' ', map { $_->sql("SELECT extversion FROM pg_extension WHERE extname = 'hack'") } $w1, $w2),
	"$version $version", "CREATE EXTENSION hack on the coordinator reaches both workers ($version)");

# the first $PER_CLASS images of each class of @CLASSES into imgs, by way of
# a local table "stage" loaded by hack-load: the first 4,000 images of the
# file (class 0's 300th is image 3,156; the refresh below takes 2 more)
my $classes = join ', ', @CLASSES;
my $hack_load = $coord->config_data('--bindir') . '/hack-load';
sub load
{
	my ($node, $name) = @_;
	$node->command_ok(
		[
			$hack_load, '-q', '-d', 'postgres', '-t', 'stage', '--create', '--limit', '4000',
			"$DATA/train-images-idx3-ubyte.gz", "$DATA/train-labels-idx1-ubyte.gz"
		],
		"$name: hack-load of 4,000 images");
	$node->sql(<<"SQL");
INSERT INTO imgs
SELECT id, label, img FROM (SELECT *, row_number() OVER (PARTITION BY label ORDER BY id) AS r FROM stage
	WHERE label IN ($classes)) s
WHERE r <= $PER_CLASS;
SQL
	return;
}

my $IMGS = 'CREATE TABLE imgs (id bigint, label int, img bytea, PRIMARY KEY (label, id))';
$coord->sql("$IMGS; SELECT create_distributed_table('imgs', 'label')");
$single->sql($IMGS);
load($coord, 'cluster');
load($single, 'single node');

my $digest = "SELECT count(*) || ' ' || md5(string_agg(id || ':' || label || ':' || md5(img), ',' ORDER BY id)) FROM imgs";
my $counts = "SELECT string_agg(label || ':' || n, ',' ORDER BY label) FROM (SELECT label, count(*) AS n FROM imgs GROUP BY label) c";
is($coord->sql($counts), join(',', map { "$_:$PER_CLASS" } @CLASSES), "$PER_CLASS images of each class in the distributed imgs");
is($coord->sql($digest), $single->sql($digest), 'the distributed and the local imgs hold the same rows');

# ---------------------------------------------------------------------------
# layout: classes 0 and 1 on worker 1, 2 and 3 on worker 2
# ---------------------------------------------------------------------------
my $shards = $coord->sql(
	"SELECT count(DISTINCT get_shard_id_for_distribution_column('imgs', c)) FROM unnest(ARRAY[$classes]) c");
is($shards, scalar @CLASSES, 'each class is in a shard of its own (so each can be moved alone)');
my %home = (0 => $w1, 1 => $w1, 2 => $w2, 3 => $w2);
$coord->citus_move('imgs', $_, $home{$_}) for @CLASSES;
is(join(' ', map { $coord->citus_node_of('imgs', $_) eq $home{$_}->hostport ? 'ok' : "class $_ elsewhere" } @CLASSES),
	join(' ', ('ok') x @CLASSES), "citus_shards: classes 0, 1 on worker 1 and 2, 3 on worker 2");
# what the workers' shards hold, read on the workers themselves
my $on_workers = $coord->sql(<<'SQL');
SELECT string_agg(nodeport || '=' || labels, ' ' ORDER BY nodeport) FROM (
	SELECT nodeport, string_agg(result, ',' ORDER BY result) AS labels
	FROM run_command_on_placements('imgs', $$SELECT string_agg(DISTINCT label::text, ',') FROM %s$$)
	WHERE success AND result <> '' GROUP BY nodeport) p
SQL
is($on_workers, $w1->port . '=0,1 ' . $w2->port . '=2,3', 'the rows of classes 0, 1 are on worker 1, of 2, 3 on worker 2');

# ---------------------------------------------------------------------------
# training from the coordinator, against the single node
# ---------------------------------------------------------------------------
# id => norm of model m's embeddings on NODE
sub norms
{
	my $node = shift;
	return { map { split /\|/ } split /\n/, $node->sql("SELECT id, norm FROM hack.embeddings WHERE model = 'm'") };
}

# "N ids, max |difference| D" between the norms of the cluster and the single node
sub compare_norms
{
	my ($c, $s) = (norms($coord), norms($single));
	my @ids = sort { $a <=> $b } keys %$c;
	return ('different ids', 9**9**9) unless join(',', @ids) eq join(',', sort { $a <=> $b } keys %$s);
	my $max = 0;
	for (@ids)
	{
		my $d = abs($c->{$_} - $s->{$_});
		$max = $d if $d > $max;
	}
	return (scalar @ids, $max);
}

my ($rc, $out, $err) = $coord->try_sql($TRAIN);
is("$rc $err", '0 ', "$TRAIN on the distributed table succeeds");
$single->sql($TRAIN);
my $groups = "SELECT string_agg(group_key || ':' || n_rows, ',' ORDER BY group_key) FROM hack.model_groups WHERE model = 'm'";
is($coord->sql($groups), join(',', map { "$_:$PER_CLASS" } @CLASSES), 'a group of 300 rows for each class');
my ($n, $max) = compare_norms();
is($n, $PER_CLASS * @CLASSES, 'an embedding for every row, the same ids as on the single node');
ok($max <= 1e-6, 'norms equal to those of the single node (max |difference| <= 1e-6)') or diag("max difference $max");
note "norms: max |cluster - single node| = $max over $n rows";

# ---------------------------------------------------------------------------
# reading the model from the coordinator
# ---------------------------------------------------------------------------
my $select = "SELECT count(*) || ' ' || md5(string_agg(group_key || ':' || id, ',' ORDER BY group_key, id)) FROM hack_select('m', 0.1, 'atypical')";
my $picked = $coord->sql($select);
like($picked, qr/^120 /, "hack_select('m', 0.1, 'atypical'): 30 rows of each class");
is($picked, $single->sql($select), 'hack_select picks the rows it picks on the single node');

my $knn = "SELECT string_agg(id::text, ',') FROM (SELECT id FROM hack.embeddings WHERE model = 'm' AND dim = 2 ORDER BY embedding <-> '(0,0)' LIMIT 5) k";
my $nearest = $coord->sql($knn);
is($nearest,
	$coord->sql("SELECT string_agg(id::text, ',') FROM (SELECT id FROM hack.embeddings WHERE model = 'm' ORDER BY norm LIMIT 5) k"),
	"KNN to the origin on hack.embeddings: the 5 smallest norms ($nearest)");
is($nearest, $single->sql($knn), 'KNN gives the ids it gives on the single node');

my $png = "'\\x89504e470d0a1a0a'::bytea";
is($coord->sql("SELECT substr(hack_plot('m'), 1, 8) = $png, substr(hack_plot('m', '2'), 1, 8) = $png"),
	't|t', "hack_plot('m') and hack_plot('m', '2') draw PNGs (images read from the distributed table)");
is($coord->sql("SELECT substr(hack_gallery('m', '1', n => 4), 1, 8) = $png"), 't', "hack_gallery('m', '1') draws a PNG");

# new rows (the next 2 of each class) and a deleted one, caught up by
# hack_refresh on both; the norms stay equal
for my $node ($coord, $single)
{
	$node->sql(<<"SQL");
INSERT INTO imgs
SELECT id, label, img FROM (SELECT *, row_number() OVER (PARTITION BY label ORDER BY id) AS r FROM stage
	WHERE label IN ($classes)) s
WHERE r > $PER_CLASS AND r <= $PER_CLASS + 2;
DELETE FROM imgs WHERE id = (SELECT min(id) FROM imgs WHERE label = 3);
SQL
}
is($coord->sql("CALL hack_refresh('m')"), '8|0|1|0|done', 'hack_refresh: 8 new rows embedded, 1 deleted');
$single->sql("CALL hack_refresh('m')");
($n, $max) = compare_norms();
is($n, $PER_CLASS * @CLASSES + 8 - 1, 'after the refresh: an embedding for every row, as on the single node');
ok($max <= 1e-6, 'after the refresh: norms equal to those of the single node') or diag("max difference $max");

# ---------------------------------------------------------------------------
# a plain role against the superuser's model
# ---------------------------------------------------------------------------
$coord->sql('CREATE ROLE alice LOGIN; GRANT CREATE ON SCHEMA public TO alice');
is(join(' ', map { $_->sql("SELECT count(*) FROM pg_roles WHERE rolname = 'alice'") } $w1, $w2),
	'1 1', 'CREATE ROLE alice on the coordinator reaches both workers');

# the superuser's model m: its row, groups (weights included) and embeddings as one md5
my $state = <<'SQL';
SELECT md5(coalesce((SELECT m::text FROM hack.models m WHERE model = 'm'), '-')
	|| '|' || coalesce((SELECT string_agg(g::text, ',' ORDER BY group_key) FROM hack.model_groups g WHERE model = 'm'), '-')
	|| '|' || coalesce((SELECT string_agg(e::text, ',' ORDER BY group_key, id) FROM hack.embeddings e WHERE model = 'm'), '-'))
SQL
my $m_before = $coord->sql($state);

# alice's own distributed table, and a model of her own on it: she can
# train on the cluster, so the refusals below are about m
$coord->sql(
	"CREATE TABLE alice_imgs (id bigint, label int, img bytea, PRIMARY KEY (label, id));
SELECT create_distributed_table('alice_imgs', 'label');
INSERT INTO alice_imgs SELECT i, i % 2, decode(repeat(lpad(to_hex(i), 2, '0'), 784), 'hex') FROM generate_series(1, 40) i;",
	user => 'alice');
my $ALICE_TR = "group_column => 'label', format => 'u8', architecture => 'mlp', hidden => '{16}', epochs => 1, pack_epochs => 20, seed => 1";
is($coord->sqlstate("CALL hack_train('am', 'alice_imgs', $ALICE_TR)", user => 'alice'), 'ok',
	"alice trains a model of her own on her distributed table");

my @refused = (
	[ 'hack_drop_model(m)',                   "SELECT hack_drop_model('m')" ],
	[ 'hack_drop_group(m, 0)',                "SELECT hack_drop_group('m', '0')" ],
	[ 'hack_train(m) on imgs (not readable)', "CALL hack_train('m', 'imgs', $ALICE_TR)" ],
	[ 'hack_train(m) on her own table',       "CALL hack_train('m', 'alice_imgs', $ALICE_TR)" ],
	[ 'hack_train(m) on her own table, resume', "CALL hack_train('m', 'alice_imgs', $ALICE_TR, resume => true)" ],
	[ 'CALL hack_refresh(m)',                 "CALL hack_refresh('m')" ],
	[ 'hack_rename_model(m)',                 "SELECT hack_rename_model('m', 'mine')" ],
	[ 'hack_alter_model_owner(m, alice)',     "SELECT hack_alter_model_owner('m', 'alice')" ],
	[ 'LOCK TABLE hack.models',               "BEGIN; LOCK TABLE hack.models IN ACCESS EXCLUSIVE MODE; COMMIT" ],
	[ 'LOCK TABLE hack.embeddings',           "BEGIN; LOCK TABLE hack.embeddings IN SHARE MODE; COMMIT" ],
	[ 'SELECT FROM hack.models FOR UPDATE',   "SELECT * FROM hack.models FOR UPDATE" ],
	[ 'UPDATE hack.models SET owner',         "UPDATE hack.models SET owner = 'alice' WHERE model = 'm'" ],
	[ 'DELETE FROM hack.embeddings',          "DELETE FROM hack.embeddings WHERE model = 'm'" ],
	[ 'UPDATE hack.model_groups SET weights', "UPDATE hack.model_groups SET weights = '\\x00' WHERE model = 'm'" ],
	[ 'TRUNCATE hack.embeddings',             'TRUNCATE hack.embeddings' ]);
for my $r (@refused)
{
	$coord->state_is($r->[1], '42501', "alice on the coordinator: $r->[0] is 42501", user => 'alice');
}
$coord->state_is("SELECT count(*) FROM hack_select('m', 0.1)", '42704',
	"alice: hack_select('m') is 42704 (no such model for her)", user => 'alice');
is($coord->sql(
		"SELECT (SELECT count(*) FROM hack.models WHERE model = 'm') || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'm') || ':' || (SELECT count(*) FROM hack.embeddings WHERE model = 'm') || ' ' || (SELECT count(*) FROM hack.embeddings)",
		user => 'alice'),
	'0:0:0 40', "alice sees no row of m (only her own model's 40 embeddings)");
is($coord->sql("SELECT count(*) FROM ($knn) k WHERE string_agg IS NOT NULL", user => 'alice'), '0',
	"alice: the KNN query on m's embeddings finds nothing");

# forged catalogue rows naming m, on the coordinator and on each worker
my $FORGED_MODEL =
  "INSERT INTO hack.models (model, owner, source, id_column, image_column, format, architecture, channels, height, width, dim, params, created_at, trained_at) VALUES ('m', 'alice', 'alice_imgs', 'id', 'img', 'u8', 'mlp', 1, 28, 28, 2, '{}', now(), now())";
my $FORGED_EMB =
  "INSERT INTO hack.embeddings (model, group_key, id, embedding, norm, owner, source, dim) VALUES ('m', '0', 999, '(0,0)', 0, 'alice', 'alice_imgs', 2)";
for my $node ([ 'the coordinator', $coord ], [ 'worker 1', $w1 ], [ 'worker 2', $w2 ])
{
	my ($where, $nd) = @$node;
	$nd->state_is($FORGED_MODEL, '42501', "alice on $where: INSERT INTO hack.models is 42501", user => 'alice');
	$nd->state_is($FORGED_EMB, '42501', "alice on $where: INSERT INTO hack.embeddings is 42501", user => 'alice');
}
is($coord->sql($state), $m_before, "the superuser's model m is unchanged");
my $m_rows = "SELECT (SELECT count(*) FROM hack.models WHERE model = 'm') + (SELECT count(*) FROM hack.model_groups WHERE model = 'm') + (SELECT count(*) FROM hack.embeddings WHERE model = 'm')";
is(join(' ', map { $_->sql($m_rows, user => 'alice') } $w1, $w2), '0 0', "alice on the workers: no row of m in hack's tables");

# ---------------------------------------------------------------------------
# a worker killed with SIGKILL (no job running) and restarted: the
# coordinator reads every row again and a re-training gives the norms of the
# single node
# ---------------------------------------------------------------------------
my ($killed, @left) = $w2->kill9_restart;
is("@left", '', "worker 2: postmaster and its $killed children killed, then restarted");
is($coord->sql($counts), '0:302,1:302,2:302,3:301', 'the coordinator reads the rows of both workers again');
for my $node ($coord, $single) { $node->sql($TRAIN); }
($n, $max) = compare_norms();
ok($n == $PER_CLASS * @CLASSES + 7 && $max <= 1e-6, 're-training after the restart: norms equal to those of the single node')
  or diag("$n rows, max difference $max");

$_->no_crash(0, $_->name) for @ALL;

# ---------------------------------------------------------------------------
# Worker-side checks of issue 19 (per-group training on the workers) go
# here, after the checks above, which must hold before and after it:
# - hack.model_groups.metrics of each group names the worker that trained
#   it ("node" = $w1->hostport or $w2->hostport, the worker $home{class}
#   holds; $coord->citus_node_of('imgs', class)) and its
#   "started_at"/"finished_at"; groups of different workers overlap in
#   time, groups of one worker do not with hack.jobs_per_worker = 1;
# - hack.distributed_training = off trains on the coordinator, with the
#   same norms (compare_norms());
# - kill -9 of one worker mid-job ($w2->kill9_restart, with a longer
#   $TRAIN in $coord->bg_sql) leaves each group with its old or its new
#   model, the error names the worker, and a re-run completes.
# ---------------------------------------------------------------------------

done_testing();
