# test/t/025_citus.pl: hack on a Citus 13.0.5 cluster (issue 19,
# doc/scaling.md): a coordinator and two workers on this machine
# (HackTest::hack_citus_cluster, unix sockets), and one plain node without
# Citus to compare with.
#
# Fashion-MNIST classes 0-3, 300 images each (the first 300 of each class
# in the training file, loaded with the installed hack-load), in a table
# imgs distributed by label, its shards moved so that worker 1 holds classes
# 0 and 1 and worker 2 classes 2 and 3.  The same rows go into a plain
# table on the single node.  Checked from the coordinator:
# - CALL hack_train trains each group on the worker holding it (the
#   metrics' node), the two workers at the same time, one group at a time
#   each or two with hack.jobs_per_worker = 2, NOTICEs relayed from the
#   workers; norms equal (1e-6; in fact bit for bit) to the single node's
#   by id, and to hack.distributed_training = off's; a table distributed by
#   another column trains on the coordinator;
# - hack_select, KNN on hack.embeddings, hack_plot, hack_gallery,
#   hack_refresh after new and deleted rows;
# - a plain role (alice, created on the coordinator and propagated by
#   Citus) that can neither see, drop, retrain, refresh nor lock the
#   superuser's model, nor write hack's tables on the coordinator or on a
#   worker; the superuser retraining alice's model works on the workers as
#   alice; alice replaying a job captured from the shard queries: another
#   group, rows out of order, duplicates, a tampered job are refused;
# - Citus refusing hack_embed_trigger; hack_embed_with pushed down to the
#   workers embeds with the current model, before and after a retrain in
#   one session;
# - a worker killed with SIGKILL while idle; a training interrupted in its
#   second round by a cancel of a worker's backend and by SIGKILL of a
#   worker: committed groups new, the others old, the error saying what
#   happened where, a re-run completing with the single node's norms.
#
# Needs Citus in the PostgreSQL under test: test/run.sh builds it first
# (hack_build_citus in test/lib/common.sh).  Without it this file fails at
# CREATE EXTENSION citus; it does not skip.  About 40 s on 2 cores.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my @CLASSES = (0, 1, 2, 3);
my $PER_CLASS = 300;
my $DATA = '/usr/share/datasets/fashion-mnist';
# one training of model m, the same on the cluster and on the single node
my $TRAIN =
  "CALL hack_train('m', 'imgs', group_column => 'label', epochs => 2, pack_epochs => 50, seed => 1)";

my ($coord, $w1, $w2) = hack_citus_cluster('citus', workers => 2, conf => 'log_connections = on');
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

# ---------------------------------------------------------------------------
# where the groups trained: each on the worker holding it, the workers in
# parallel, one group at a time on each (hack.jobs_per_worker = 1)
# ---------------------------------------------------------------------------
# group => [node, started_at, finished_at] of MODEL
sub trained
{
	my $model = shift;
	return {
		map { my @f = split /\|/; ($f[0] => [ @f[ 1 .. 3 ] ]) } split /\n/,
		$coord->sql("SELECT group_key, metrics->>'node', metrics->>'started_at', metrics->>'finished_at' FROM hack.model_groups WHERE model = '$model' ORDER BY 1")
	};
}
sub overlap { my ($x, $y) = @_; return $x->[1] lt $y->[2] && $y->[1] lt $x->[2]; }

my $t = trained('m');
is(join(' ', map { $t->{$_}[0] eq $home{$_}->hostport ? 'ok' : "class $_ on $t->{$_}[0]" } @CLASSES),
	join(' ', ('ok') x @CLASSES), "each group's metrics name the worker holding its rows");
ok(overlap($t->{0}, $t->{2}) && overlap($t->{1}, $t->{3}),
	'groups of the two workers trained at the same time (started_at .. finished_at overlap)')
  or diag(explain $t);
ok(!overlap($t->{0}, $t->{1}) && !overlap($t->{2}, $t->{3}),
	'with hack.jobs_per_worker = 1, the groups of one worker trained one after the other')
  or diag(explain $t);

# progress: each epoch's NOTICE is relayed from its worker, each commit reported
($rc, $out, $err) = $coord->try_sql($TRAIN, options => '-c client_min_messages=notice');
my $w1hp = quotemeta $w1->hostport;
like($err, qr/hack_train m group 0: epoch 2\/2[^\n]*\nDETAIL:  from $w1hp/,
	"an epoch's NOTICE comes from the worker that trains the group");
like($err, qr/committed group 3 of 4 \(2\), trained on \Q${\ $w2->hostport}\E/, 'each committed group names its worker');

# two groups at a time per worker
# (a CALL outside a transaction block: inside one, Citus reuses the
# connection that first read a worker's shards, so a worker runs its groups
# one after another whatever the setting; doc/scaling.md)
$coord->sql("CALL hack_train('m2', 'imgs', group_column => 'label', epochs => 2, pack_epochs => 50, seed => 1)",
	options => '-c client_min_messages=warning -c hack.jobs_per_worker=2');
$t = trained('m2');
ok(overlap($t->{0}, $t->{1}) && overlap($t->{2}, $t->{3}),
	'with hack.jobs_per_worker = 2, both groups of a worker trained at the same time')
  or diag(explain $t);
my $same_norms = "SELECT count(*) || ' ' || coalesce(max(abs(a.norm - b.norm)), -1) FROM hack.embeddings a JOIN hack.embeddings b USING (group_key, id) WHERE a.model = 'm' AND b.model = %s";
is($coord->sql(sprintf $same_norms, "'m2'"), '1207 0', "... and the norms are m's, bit for bit");

# hack.distributed_training = off: the coordinator trains, as before 1.4
$coord->sql("SET hack.distributed_training = off; CALL hack_train('moff', 'imgs', group_column => 'label', epochs => 2, pack_epochs => 50, seed => 1)");
is($coord->sql("SELECT count(*) FILTER (WHERE metrics ? 'node') FROM hack.model_groups WHERE model = 'moff'"), '0',
	'hack.distributed_training = off: no group trained on a worker');
is($coord->sql(sprintf $same_norms, "'moff'"), '1207 0', '... and the norms are the same');

# a source distributed by another column trains on the coordinator, with a NOTICE
$coord->sql("CREATE TABLE imgs_by_id (id bigint PRIMARY KEY, label int, img bytea); SELECT create_distributed_table('imgs_by_id', 'id'); INSERT INTO imgs_by_id SELECT id, label, img FROM imgs WHERE label < 2");
($rc, $out, $err) = $coord->try_sql("CALL hack_train('mid', 'imgs_by_id', group_column => 'label', epochs => 1, pack_epochs => 20, seed => 1)",
	options => '-c client_min_messages=notice');
like($err, qr/distributed by id, not by its group column: the coordinator trains every group/,
	'a table distributed by another column than the group column is trained on the coordinator, with a NOTICE');

# values that "=" calls equal but that print differently (numeric 1.0 and
# 1.00) are groups of their own on the workers, as on one server
$coord->sql("CREATE TABLE nimgs (id bigint, label numeric, img bytea, PRIMARY KEY (label, id)); SELECT create_distributed_table('nimgs', 'label');
INSERT INTO nimgs SELECT id, CASE WHEN label = 1 THEN 2 WHEN id % 2 = 0 THEN 1.0 ELSE 1.00 END, img FROM imgs WHERE label < 2");
my $NTRAIN = "CALL hack_train('%s', 'nimgs', group_column => 'label', epochs => 1, pack_epochs => 20, seed => 1)";
$coord->sql(sprintf $NTRAIN, 'mn');
$coord->sql(sprintf($NTRAIN, 'mnoff'), options => '-c client_min_messages=warning -c hack.distributed_training=off');
my $ngroups = "SELECT string_agg(group_key || ':' || n_rows || ':' || (metrics ? 'node'), ' ' ORDER BY group_key) FROM hack.model_groups WHERE model = '%s'";
my ($on, $off) = map { $coord->sql(sprintf $ngroups, $_) } 'mn', 'mnoff';
like($on, qr/^1\.0:\d+:true 1\.00:\d+:true 2:302:true$/, "numeric groups 1.0, 1.00 and 2 each train on a worker ($on)");
is($on =~ s/:true/:false/gr, $off, '... with the groups and row counts of the coordinator training them');
is($coord->sql(sprintf($same_norms =~ s/'m'/'mn'/r, "'mnoff'")), '604 0', '... and its norms');

# ---------------------------------------------------------------------------
# the owner's rights on the workers: a superuser retraining alice's model
# (as a pg_cron job would) works on the workers as alice
# ---------------------------------------------------------------------------
my @offsets = map { $_->log_offset } $w1, $w2;
is($coord->sqlstate("CALL hack_train('am', 'alice_imgs', $ALICE_TR, resume => true)"), 'ok',
	"the superuser retrains alice's model on the workers");
my @alice_on = map { slurp_file($_->logfile, shift @offsets) =~ /connection authorized: user=alice/ ? 1 : 0 } $w1, $w2;
is("@alice_on", '1 1', "... and both workers were connected to as alice (the model's owner), not as the superuser");

# ---------------------------------------------------------------------------
# the worker's aggregate called directly by alice, with a job captured from
# the superuser's training (citus.log_remote_commands shows the shard query)
# ---------------------------------------------------------------------------
($rc, $out, $err) = $coord->try_sql($TRAIN,
	options => '-c client_min_messages=notice -c citus.log_remote_commands=on');
my @jobs = $err =~ /hack_train_group\('(\\x[0-9a-f]+)'::bytea/g;
ok(@jobs >= 2, 'the shard queries carry the job as a bytea constant') or diag(substr($err, 0, 2000));
# the second round's job names groups 1 and 3; alice's groups are 0 and 1
my ($job) = grep { 1 } reverse @jobs;
my $replay = "SELECT label, length(hack_train_group('$job'::bytea, id, img, label ORDER BY id)) FROM alice_imgs";
$coord->state_is("$replay WHERE label = 0 GROUP BY label", '22023',
	"alice: a replayed job on a group it does not name is 22023", user => 'alice');
$coord->state_is("SELECT label, length(hack_train_group('$job'::bytea, id, img, label ORDER BY id DESC)) FROM alice_imgs WHERE label = 1 GROUP BY label",
	'22023', 'alice: rows out of id order are 22023', user => 'alice');
$coord->state_is("SELECT label, length(hack_train_group('$job'::bytea, id, img, label ORDER BY id)) FROM (SELECT * FROM alice_imgs UNION ALL SELECT * FROM alice_imgs) a WHERE label = 1 GROUP BY label",
	'23505', 'alice: a duplicate id is 23505', user => 'alice');
(my $tampered = $job) =~ s/^(\\x.{40})(.)/$1 . ($2 eq '0' ? '1' : '0')/e;
$coord->state_is("SELECT label, length(hack_train_group('$tampered'::bytea, id, img, label ORDER BY id)) FROM alice_imgs WHERE label = 1 GROUP BY label",
	'22P03', 'alice: a tampered job is 22P03', user => 'alice');
# what the job is good for: training her own rows with m's parameters, a
# result returned to her and stored nowhere
like($coord->sql("SELECT label, length(hack_train_group('$job'::bytea, id, img, label ORDER BY id)) > 0 FROM alice_imgs WHERE label = 1 GROUP BY label", user => 'alice'),
	qr/^1\|t$/, "alice: m's job on her own rows trains them, for her alone");
is($coord->sql("SELECT count(*) FROM hack.model_groups WHERE model = 'm' AND trained_at > now() - interval '0.1 s'"), '0',
	"... and m is not touched");
is($coord->sql("SELECT count(*) FROM hack.models WHERE model IN ('m', 'am')", user => 'alice'), '1',
	'alice still sees only her own model');

# ---------------------------------------------------------------------------
# triggers and the pushed-down form of embedding
# ---------------------------------------------------------------------------
like(($coord->try_sql("CREATE TRIGGER emb AFTER INSERT ON imgs FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('m')"))[2],
	qr/triggers are not supported on distributed tables/, 'Citus refuses hack_embed_trigger on a distributed table (doc/scaling.md)');
$coord->sql("CREATE TABLE imgs_emb (label int, id bigint, emb poincare_point, PRIMARY KEY (label, id)); SELECT create_distributed_table('imgs_emb', 'label', colocate_with => 'imgs')");
my $EMBED = "INSERT INTO imgs_emb SELECT label, id, hack_embed_with(hack_export_model('m'), img, hack_group_key(label)) FROM imgs WHERE label = %d ON CONFLICT (label, id) DO UPDATE SET emb = excluded.emb";
my $EMB_CHECK = "SELECT count(*) || ' ' || (max(poincare_distance(x.emb, e.embedding)) < 1e-6) FROM imgs_emb x JOIN hack.embeddings e ON e.model = 'm' AND e.group_key = x.label::text AND e.id = x.id";
# in one session: embed, retrain m with another seed, embed again; the
# second pass must use the new networks (Citus keeps its worker connections)
my $pushed = $coord->sql(join(";\n",
	(map { sprintf $EMBED, $_ } @CLASSES), $EMB_CHECK,
	"CALL hack_train('m', 'imgs', group_column => 'label', epochs => 2, pack_epochs => 50, seed => 7)",
	(map { sprintf $EMBED, $_ } @CLASSES), $EMB_CHECK));
is($pushed, "1207 true\n1207 true", 'hack_embed_with pushed down to the workers embeds as the coordinator stored, before and after a retrain in the same session (no stale network)');

# ---------------------------------------------------------------------------
# a training interrupted on one worker in its second round, by a cancel of
# the worker's backend and by kill -9 of the worker: the groups committed
# before keep their new models, the others their old ones, the error says
# what happened where, and a re-run completes with the norms of the single
# node
# ---------------------------------------------------------------------------
my $LONG = "CALL hack_train('m', 'imgs', group_column => 'label', epochs => 40, pack_epochs => 50, seed => 3)";
my $group_state = "SELECT string_agg(group_key || '=' || md5(g.weights::text || (SELECT string_agg(e.id || ':' || e.embedding::text, ',' ORDER BY e.id) FROM hack.embeddings e WHERE e.model = g.model AND e.group_key = g.group_key)), ' ' ORDER BY group_key) FROM hack.model_groups g WHERE model = 'm'";

# train m with SEED, run ACT once the first round is committed; the error
sub interrupted
{
	my ($seed, $what, $act) = @_;
	my %before = map { split /=/ } split / /, $coord->sql($group_state);
	my $t0 = $coord->sql('SELECT clock_timestamp()');
	my $bg = $coord->bg_sql("CALL hack_train('m', 'imgs', group_column => 'label', epochs => 40, pack_epochs => 50, seed => $seed)");
	my $first = 0;
	for (1 .. 600)
	{
		$first = $coord->sql("SELECT count(*) FROM hack.model_groups WHERE model = 'm' AND trained_at > '$t0'");
		last if $first >= 2;
		usleep(50_000);
	}
	is($first, 2, "$what: the first round (groups 0 and 2) is committed");
	like($coord->sql("SELECT model || ' ' || groups || ' ' || epoch || '/' || epochs || ' ' || \"group\" FROM hack.training_progress"),
		qr/^m 4 40\/40 [02]$/, "$what: hack.training_progress on the coordinator shows the job and the last group it stored");
	$act->();
	my ($brc, $bout, $berr) = $bg->wait;
	isnt($brc, 0, "$what: the training fails");
	my %after = map { split /=/ } split / /, $coord->sql($group_state);
	is(join(' ', map { ($after{$_} ne $before{$_} ? 'new' : 'old') } @CLASSES), 'new old new old',
		"$what: groups 0 and 2 (committed) have their new models, 1 and 3 their old ones");
	is($coord->sql("SELECT count(*) FROM hack.model_groups g WHERE model = 'm' AND n_rows <> (SELECT count(*) FROM hack.embeddings e WHERE e.model = 'm' AND e.group_key = g.group_key AND e.particle IS NOT NULL)"),
		'0', "$what: every group has exactly the embeddings of its own training");
	return $berr;
}

my $err1 = interrupted(4, 'cancel on worker 1', sub {
	my $cancelled = 0;
	for (1 .. 600)
	{
		$cancelled = $w1->sql("SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'hack_train progress:%'");
		last if $cancelled > 0;
		usleep(20_000);
	}
	is($cancelled, 1, "worker 1's training backend is cancelled");
});
like($err1, qr/canceling statement due to user request/, 'cancel on worker 1: the error says the worker was cancelled') or diag($err1);
my $err2 = interrupted(3, 'kill -9 of worker 2', sub { ($killed, @left) = $w2->kill9_restart; });
like($err2, qr/\Q${\ $w2->hostport}\E/, 'kill -9 of worker 2: the error names the worker that died') or diag($err2);
$coord->sql($LONG);
$single->sql($LONG);
($n, $max) = compare_norms();
ok($n == $PER_CLASS * @CLASSES + 7 && $max <= 1e-6, 'the re-run completes, with the norms of the single node')
  or diag("$n rows, max difference $max");

$_->no_crash(0, $_->name) for @ALL;

done_testing();
