# test/t/017_upgrade.pl: ALTER EXTENSION hack UPDATE from 1.0, 1.1, 1.2 and
# 1.3 to 1.4, with trained models in place, and every way to 1.4 installs
# the same catalogue.
#
# 1. The 1.0 catalogue is filled with real trained rows: models are trained
#    in a fresh 1.2 database and their weights, normalisation, metrics and
#    embeddings copied into 1.0's per-group table (the network format
#    reads the same), plus what 1.0 let any role plant: a group of another
#    owner under an existing model name, and a model whose parameters do
#    not say how to read its source.  After UPDATE TO '1.1' the trained
#    models work as before, the planted rows are gone with a WARNING naming
#    each, and the catalogue is 1.1's (PUBLIC reads, nobody writes).
# 2. That database, with a trigger on its source, goes on to 1.2: models,
#    embeddings and trigger keep working, and the old (deprecated) and new
#    function names both work.
# 3. And on to 1.3: the same, and hack_train's new default
#    (riemannian_grad true) applies to new trainings only.
# 4. And on to 1.4: models, embeddings and trigger as before.
# 5. A fresh 1.4 (hack--1.4.sql, built from sql/hack.sql), 1.0 + UPDATE,
#    1.1 + UPDATE, 1.2 + UPDATE, 1.3 + UPDATE and the database of 1-4
#    describe the same
#    extension:
#    members, function definitions and flags, columns, defaults,
#    constraints, indexes, policies, row security, privileges (and initial
#    privileges), comments, the tables pg_dump dumps.
#
# Converted from test/integration/upgrade.sh (22 checks, all kept here).
use strict;
use warnings FATAL => 'all';

use HackTest;
use Test::More;

my $node = hack_node('upgrade');
my $work = hack_tempdir();
my ($SRC, $DB) = ('hack_upgrade_src', 'hack_upgrade_it');
my %src = (db => $SRC);
my %db = (db => $DB);

my $imgs = q{CREATE TABLE imgs (id bigint, label int, img bytea);
INSERT INTO imgs
SELECT i, i % 2, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 1000 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p)
FROM generate_series(1, 120) i;};
$node->sql("CREATE DATABASE $_") for ($SRC, $DB);
$node->sql("CREATE EXTENSION hack; $imgs", %src);
$node->sql("CREATE EXTENSION hack VERSION '1.0'; $imgs", %db);
$node->sql('CREATE ROLE hack_upgrade_mallory');
my $su = $node->sql('SELECT current_user');
$node->sql("CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 2, seed => 1)", %src);
$node->sql("CALL hack_train(model => 'single', source => 'imgs', epochs => 1, pack_epochs => 50, seed => 2)", %src);

my $version = "SELECT extversion FROM pg_extension WHERE extname = 'hack'";
is($node->sql($version, %db), '1.0', 'the database starts at 1.0');
$node->state_is("CALL hack_train(model => 'x', source => 'imgs', epochs => 1)",
	'55000', "this library refuses to train on 1.0's catalogue, saying what to do", %db);

# 1.0's rows, from the trained models (copied as text, so regclass names resolve here)
$node->sql("\\copy (SELECT m.model, g.group_key, m.architecture, m.params, g.weights, g.normalisation, g.metrics, 'imgs', '$su', g.n_rows, g.trained_at FROM hack.models m JOIN hack.model_groups g USING (model)) TO '$work/models.copy'", %src);
$node->sql("\\copy (SELECT model, group_key, id, embedding, particle, particle_id, norm, image_hash FROM hack.embeddings) TO '$work/embeddings.copy'", %src);
$node->sql(<<"SQL", %db);
SET session_replication_role = replica;	-- 1.0's cache trigger on hack.models
\\copy hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows, trained_at) FROM '$work/models.copy'
\\copy hack.embeddings (model, group_key, id, embedding, particle, particle_id, norm, image_hash) FROM '$work/embeddings.copy'
-- planted in 1.0 by another role: a group under 'up', and a model without its reading parameters
INSERT INTO hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows, trained_at)
SELECT model, 'planted', architecture, params, weights, normalisation, metrics, 'pg_class', 'hack_upgrade_mallory', n_rows, trained_at + interval '1 hour'
FROM hack.models WHERE model = 'up' AND group_key = '0';
INSERT INTO hack.embeddings (model, group_key, id, embedding, norm) VALUES ('up', 'planted', 1, '(0,0)', 0);
INSERT INTO hack.models (model, group_key, architecture, params, weights, normalisation, metrics, source, owner, n_rows)
SELECT 'broken', '', architecture, params - 'channels', weights, normalisation, metrics, source, owner, n_rows
FROM hack.models WHERE model = 'single';
INSERT INTO hack.embeddings (model, group_key, id, embedding, norm) VALUES ('broken', '', 1, '(0,0)', 0);
SQL
my $embeddings_digest =
  "SELECT count(*) || ':' || md5(string_agg(e.embedding::text || e.norm, ',' ORDER BY e.model, e.group_key, e.id)) FROM hack.embeddings e";
my $before = $node->sql("$embeddings_digest WHERE e.model IN ('up', 'single') AND e.group_key <> 'planted'", %db);
my $weights = $node->sql("SELECT md5(string_agg(weights::text, ',' ORDER BY model, group_key)) FROM hack.models WHERE model IN ('up', 'single') AND group_key <> 'planted'", %db);
is($node->sql("SELECT count(*) FROM hack.models WHERE model IN ('up', 'single') AND group_key <> 'planted'", %db),
	'3', '1.0 holds the copied models');

# ---- 1.0 -> 1.1 ----
my ($rc, $out, $err) = $node->try_sql("ALTER EXTENSION hack UPDATE TO '1.1'", %db);
is($node->sql($version, %db), '1.1', 'the update runs');
is(scalar(() = $err =~ /WARNING:  hack 1\.1: dropping group "planted" of model "up": its owner/g),
	1, 'the update names the planted group it drops');
is(scalar(() = $err =~ /WARNING:  hack 1\.1: dropping group "" of model "broken": the model.s parameters/g),
	1, 'the update names the model it cannot read');

# the trained models survive, bit for bit
is($node->sql("SELECT string_agg(m.model || ':' || m.source || ':' || m.owner || ':' || (SELECT count(*) FROM hack.model_groups g WHERE g.model = m.model), '|' ORDER BY m.model) FROM hack.models m", %db),
	"single:imgs:$su:1|up:imgs:$su:2", 'one row per model');
is($node->sql("SELECT string_agg(model || ':' || coalesce(group_column, '') || ':' || architecture || ':' || channels || ':' || height || ':' || width || ':' || dim, '|' ORDER BY model) FROM hack.models", %db),
	'single::lenet:1:28:28:2|up:label:mlp:1:28:28:2', "their definitions are read off 1.0's params");
my $weights_digest = "SELECT md5(string_agg(weights::text, ',' ORDER BY model, group_key)) FROM hack.model_groups";
is($node->sql($weights_digest, %db), $weights, 'their weights are unchanged');
is($node->sql($embeddings_digest, %db), $before, 'their embeddings are unchanged');
is($node->sql("SELECT count(*) FROM hack.embeddings e JOIN hack.models m USING (model) WHERE e.owner <> m.owner OR e.source <> m.source OR e.dim <> 2", %db),
	'0', "each embedding carries its model's owner, source and dimension");
is($node->sql("SELECT (SELECT count(*) FROM hack.model_groups WHERE group_key = 'planted' OR model = 'broken') + (SELECT count(*) FROM hack.embeddings WHERE group_key = 'planted' OR model = 'broken')", %db),
	'0', 'nothing planted is left');
my $embed_check = "SELECT bool_and(hack_embed(e.model, i.img, e.group_key) <-> e.embedding < 1e-6) FROM hack.embeddings e JOIN imgs i USING (id) WHERE i.id % 10 = 0";
is($node->sql($embed_check, %db), 't', 'hack_embed gives the stored embeddings');
is($node->sql("CALL hack_refresh('up')", %db), '0|0|0|0|done', 'hack_refresh finds them current');
is($node->sql("SELECT count(*) FROM hack_select('up', 0.1)", %db), '12', 'hack_select ranks them');
$node->sql("INSERT INTO imgs SELECT 500, 1, img FROM imgs WHERE id = 3", %db);
$node->sql("CREATE TRIGGER embed AFTER INSERT OR UPDATE OR DELETE ON imgs FOR EACH ROW EXECUTE FUNCTION hack_embed_trigger('up')", %db);
$node->sql("INSERT INTO imgs SELECT 501, 0, img FROM imgs WHERE id = 4", %db);
my $refreshed = (split /\|/, $node->sql("CALL hack_refresh('up')", %db))[0];
is($refreshed . '|' . $node->sql("SELECT count(*) FROM hack.embeddings WHERE model = 'up' AND id = 501", %db),
	'1|1', 'the trigger and a refresh embed new rows');
$node->sql("CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 1, resume => true)", %db);
is($node->sql("SELECT owner || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'up') FROM hack.models WHERE model = 'up'", %db),
	"$su:2", "a retrain with resume keeps the model's owner");

# the catalogue is 1.1's
my $privileges = "SELECT string_agg(relname || ':' || has_table_privilege('public', c.oid, 'SELECT') || ':' || has_table_privilege('public', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'), '|' ORDER BY relname) FROM pg_class c WHERE relnamespace = 'hack'::regnamespace AND relkind = 'r'";
is($node->sql($privileges, %db), 'embeddings:true:false|model_groups:true:false|models:true:false',
	'PUBLIC reads and does not write');
is($node->sql("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('hack.models'::regclass, 'hack.model_groups'::regclass, 'hack.embeddings'::regclass)", %db),
	'0', 'no trigger is left on the catalogue');
is($node->sql("SELECT count(*) FROM pg_class WHERE relnamespace = 'hack'::regnamespace AND relname IN ('models_1_0', 'heads_1_0')", %db),
	'0', "1.0's tables and helpers are gone");
my $config = "SELECT count(*) FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'hack' AND c IN ('hack.models'::regclass, 'hack.model_groups'::regclass, 'hack.embeddings'::regclass)";
is($node->sql($config, %db), '3', 'the catalogue tables are dumped with the data');

# ---- 1.1 -> 1.2 with the models, embeddings and trigger in place ----
my $digest_11 = $node->sql($embeddings_digest, %db);
my $weights_11 = $node->sql($weights_digest, %db);
($rc, $out, $err) = $node->try_sql("ALTER EXTENSION hack UPDATE TO '1.2'", %db);
is("$rc|$err|" . $node->sql($version, %db), '0||1.2', 'the update to 1.2 runs, without a word');
is($node->sql($embeddings_digest, %db) . ' ' . $node->sql($weights_digest, %db),
	"$digest_11 $weights_11", '1.2: the embeddings and weights are unchanged');
is($node->sql($embed_check, %db), 't', '1.2: hack_embed gives the stored embeddings');
$node->sql("INSERT INTO imgs SELECT 502, 1, img FROM imgs WHERE id = 5; DELETE FROM imgs WHERE id = 500", %db);
is($node->sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM hack.embeddings WHERE model = 'up' AND id >= 500", %db),
	'501,502', "1.2: 1.1's trigger embeds an inserted row and drops a deleted one");
is($node->sql("CALL hack_refresh('up')", %db), '0|0|0|0|done', '1.2: hack_refresh finds them current');
is($node->sql("SELECT count(*) FROM hack_select('up', 0.1)", %db),
	$node->sql("SELECT sum(ceil(0.1 * n)) FROM (SELECT count(*) AS n FROM hack.embeddings WHERE model = 'up' GROUP BY group_key) g", %db),
	'1.2: hack_select ranks them');
is($node->sql(q{SELECT count(*) FILTER (WHERE NOT (
		mobius_add(e.embedding, f.embedding) = poincare_mobius_add(e.embedding, f.embedding)
		AND expmap0(logmap0(e.embedding)) = poincare_expmap0(poincare_logmap0(e.embedding))
		AND logmap(e.embedding, f.embedding) = poincare_logmap(e.embedding, f.embedding)
		AND lorentz_distance(to_lorentz(e.embedding), to_lorentz(f.embedding))
			= poincare_lorentz_distance(poincare_to_lorentz(e.embedding), poincare_to_lorentz(f.embedding))
		AND cone_exterior_angle(e.embedding, f.embedding) = poincare_cone_exterior_angle(e.embedding, f.embedding)))
	|| ':' || count(*)
	FROM hack.embeddings e JOIN hack.embeddings f ON f.model = e.model AND f.id = e.id + 1
	WHERE e.model = 'single'}, %db),
	'0:119', '1.2: the old and new geometry names agree on the stored embeddings');
my $matrix = q{(SELECT array_agg(r ORDER BY i) FROM (SELECT a.id AS i, array_agg(a.embedding <-> b.embedding ORDER BY b.id) AS r
	FROM hack.embeddings a, hack.embeddings b
	WHERE a.model = 'single' AND b.model = 'single' AND a.id <= 8 AND b.id <= 8 GROUP BY a.id) m)};
is($node->sql("SELECT (SELECT array_agg(h ORDER BY h) FROM hungarian($matrix) h) = (SELECT array_agg(h ORDER BY h) FROM hack_hungarian($matrix) h)", %db),
	't', '1.2: hungarian and hack_hungarian agree');
is($node->sql(q{SELECT hungarian_agg(a.id, b.id, a.embedding <-> b.embedding) = hack_hungarian_agg(a.id, b.id, a.embedding <-> b.embedding)
	FROM hack.embeddings a, hack.embeddings b WHERE a.model = 'up' AND b.model = 'single' AND a.id <= 8 AND b.id <= 8}, %db),
	't', '1.2: hungarian_agg and hack_hungarian_agg agree');
$node->sql("CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 1, resume => true)", %db);
is($node->sql("SELECT owner || ':' || (SELECT count(*) FROM hack.model_groups WHERE model = 'up') || ':' || (SELECT count(*) FROM hack.embeddings WHERE model = 'up') FROM hack.models WHERE model = 'up'", %db),
	"$su:2:" . $node->sql('SELECT count(*) FROM imgs', %db), '1.2: a retrain with resume keeps the model and embeds every row');
is($node->sql($privileges, %db), 'embeddings:true:false|model_groups:true:false|models:true:false',
	'1.2: PUBLIC reads and does not write');
is($node->sql($config, %db) . ':' . $node->sql("SELECT cardinality(extconfig) FROM pg_extension WHERE extname = 'hack'", %db),
	'3:3', "1.2: the catalogue tables are dumped with the data, and nothing else (1.0's dropped hack.models is gone from extconfig)");

# ---- 1.2 -> 1.3 with the models, embeddings and trigger in place ----
my $params = "SELECT string_agg(model || ':' || coalesce(params->>'riemannian_grad', '-'), '|' ORDER BY model) FROM hack.models";
my $params_12 = $node->sql($params, %db);
is($params_12, 'single:true|up:false',
	"1.2 records the Euclidean gradient of its retrain ('single' was trained by this library, at 1.3)");
my $digest_12 = $node->sql($embeddings_digest, %db);
my $weights_12 = $node->sql($weights_digest, %db);
my $train_acl = "SELECT coalesce(proacl::text, '-') || ':' || obj_description(oid, 'pg_proc') FROM pg_proc WHERE proname = 'hack_train'";
($rc, $out, $err) = $node->try_sql("ALTER EXTENSION hack UPDATE TO '1.3'", %db);
is("$rc|$err|" . $node->sql($version, %db), '0||1.3', 'the update to 1.3 runs, without a word');
is($node->sql($embeddings_digest, %db) . ' ' . $node->sql($weights_digest, %db),
	"$digest_12 $weights_12", '1.3: the embeddings and weights are unchanged');
is($node->sql($params, %db), $params_12, "1.3: the models' recorded parameters are unchanged");
# the procedure is replaced, not dropped: a grant made at 1.2 survives
$node->sql('CREATE DATABASE hack_grant_12');
$node->sql("CREATE EXTENSION hack VERSION '1.2'; REVOKE EXECUTE ON PROCEDURE hack_train FROM PUBLIC; GRANT EXECUTE ON PROCEDURE hack_train TO hack_upgrade_mallory", db => 'hack_grant_12');
my $acl_12 = $node->sql("SELECT proacl FROM pg_proc WHERE proname = 'hack_train'", db => 'hack_grant_12');
$node->sql("ALTER EXTENSION hack UPDATE TO '1.3'", db => 'hack_grant_12');
like($node->sql($train_acl, db => 'hack_grant_12'), qr/^\Q$acl_12\E:.*riemannian_grad \(default true since 1\.3/,
	'1.3: hack_train keeps the grants made at 1.2 and says its new default');
is($node->sql($embed_check, %db), 't', '1.3: hack_embed gives the stored embeddings');
$node->sql("INSERT INTO imgs SELECT 503, 0, img FROM imgs WHERE id = 6; DELETE FROM imgs WHERE id = 501", %db);
is($node->sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM hack.embeddings WHERE model = 'up' AND id >= 500", %db),
	'502,503', "1.3: 1.1's trigger embeds an inserted row and drops a deleted one");
is($node->sql("CALL hack_refresh('up')", %db), '0|0|0|0|done', '1.3: hack_refresh finds them current');
$node->sql("CALL hack_train(model => 'up', source => 'imgs', group_column => 'label', architecture => 'mlp', hidden => '{16}', epochs => 1, resume => true)", %db);
$node->sql("CALL hack_train(model => 'new13', source => 'imgs', architecture => 'mlp', hidden => '{16}', epochs => 1, pack_epochs => 50)", %db);
is($node->sql($params, %db), 'new13:true|single:true|up:true',
	'1.3: a training that does not name riemannian_grad uses the Riemannian gradient');
is($node->sql("SELECT owner || ':' || (SELECT count(*) FROM hack.embeddings WHERE model = 'up') FROM hack.models WHERE model = 'up'", %db),
	"$su:" . $node->sql('SELECT count(*) FROM imgs', %db), '1.3: a retrain with resume keeps the model and embeds every row');

# ---- 1.3 -> 1.4 with the models, embeddings and trigger in place ----
my $digest_13 = $node->sql($embeddings_digest, %db);
my $weights_13 = $node->sql($weights_digest, %db);
my $params_13 = $node->sql($params, %db);
($rc, $out, $err) = $node->try_sql('ALTER EXTENSION hack UPDATE', %db);
is("$rc|$err|" . $node->sql($version, %db), '0||1.4', 'the update to 1.4 runs, without a word');
is($node->sql($embeddings_digest, %db) . ' ' . $node->sql($weights_digest, %db) . ' ' . $node->sql($params, %db),
	"$digest_13 $weights_13 $params_13", '1.4: the embeddings, weights and recorded parameters are unchanged');
is($node->sql($embed_check, %db), 't', '1.4: hack_embed gives the stored embeddings');
$node->sql("INSERT INTO imgs SELECT 504, 0, img FROM imgs WHERE id = 6; DELETE FROM imgs WHERE id = 502", %db);
is($node->sql("SELECT string_agg(id::text, ',' ORDER BY id) FROM hack.embeddings WHERE model = 'up' AND id >= 500", %db),
	'503,504', "1.4: 1.1's trigger embeds an inserted row and drops a deleted one");
is($node->sql("CALL hack_refresh('up')", %db), '0|0|0|0|done', '1.4: hack_refresh finds them current');

# ---- every way to 1.4 installs the same extension ----
$node->sql("CREATE DATABASE $_") for qw(hack_fresh hack_from_10 hack_from_11 hack_from_12 hack_from_13);
$node->sql('CREATE EXTENSION hack', db => 'hack_fresh');
$node->sql("CREATE EXTENSION hack VERSION '$_->[1]'; ALTER EXTENSION hack UPDATE", db => $_->[0])
	for (['hack_from_10', '1.0'], ['hack_from_11', '1.1'], ['hack_from_12', '1.2'], ['hack_from_13', '1.3']);
is($node->sql($version, db => 'hack_fresh'), '1.4', 'CREATE EXTENSION installs 1.4');

my $objects = "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid WHERE e.extname = 'hack' AND d.deptype = 'e' ORDER BY 1";
is($node->sql($objects, %db), $node->sql($objects, %src), 'the updated extension has the objects of a fresh one');

my $fresh = $node->sql(describe_sql(), db => 'hack_fresh');
my @fresh_lines = split /\n/, $fresh;
cmp_ok(scalar(@fresh_lines), '>', 300, 'the description of a fresh 1.4 covers its objects');
same_catalogue($fresh, $node->sql(describe_sql(), db => "hack_from_$_->[0]"), "$_->[1] + ALTER EXTENSION UPDATE is a fresh 1.4")
	for (['10', '1.0'], ['11', '1.1'], ['12', '1.2'], ['13', '1.3']);
same_catalogue($fresh, $node->sql(describe_sql(), %db), "1.0 with models + UPDATE TO '1.1', '1.2', '1.3' + UPDATE is a fresh 1.4");

$node->stop;
done_testing();

# a check that two descriptions are equal; on failure, the lines only one has
sub same_catalogue
{
	my ($want, $got, $name) = @_;
	my (%w, %g);
	$w{$_}++ for split /\n/, $want;
	$g{$_}++ for split /\n/, $got;
	my @missing = grep { !$g{$_} } sort keys %w;
	my @extra = grep { !$w{$_} } sort keys %g;
	my $ok = ok($want eq $got, $name);
	diag(join("\n", (map { "- $_" } @missing), (map { "+ $_" } @extra))) unless $ok;
	return $ok;
}

# the extension's members as text, one line each, sorted, nothing that
# depends on OIDs: two installations are equal when these lines are
sub describe_sql
{
	return <<'SQL';
WITH m AS (
	SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS object
	FROM pg_depend d JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
	WHERE e.extname = 'hack' AND d.deptype = 'e'),
rel AS (
	SELECT c.oid, m.object FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid),
lines AS (
	-- every member and its comment
	SELECT 'member ' || m.object || ' comment ' || coalesce(obj_description(m.objid, m.classid::regclass::text), '-')
	FROM m
	-- functions, procedures, aggregates: definition, flags, owner, privileges
	UNION ALL
	SELECT 'function ' || m.object || ' kind ' || p.prokind::text || ' volatile ' || p.provolatile::text
		|| ' strict ' || p.proisstrict || ' parallel ' || p.proparallel::text || ' leakproof ' || p.proleakproof
		|| ' secdef ' || p.prosecdef || ' cost ' || p.procost || ' rows ' || p.prorows
		|| ' owner ' || p.proowner::regrole || ' acl ' || coalesce(p.proacl::text, '-')
		|| ' def ' || CASE WHEN p.prokind = 'a' THEN
			(SELECT format('sfunc %s stype %s final %s combine %s init %s modify %s',
				a.aggtransfn, a.aggtranstype::regtype, a.aggfinalfn, a.aggcombinefn,
				coalesce(a.agginitval, '-'), a.aggfinalmodify)
			 FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
			ELSE pg_get_functiondef(p.oid) END
	FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
	-- relations: kind, owner, privileges, row security, view definition
	UNION ALL
	SELECT 'relation ' || r.object || ' kind ' || c.relkind::text || ' owner ' || c.relowner::regrole
		|| ' acl ' || coalesce(c.relacl::text, '-') || ' rls ' || c.relrowsecurity
		|| ' force ' || c.relforcerowsecurity
		|| ' view ' || coalesce(pg_get_viewdef(c.oid), '-')
	FROM rel r JOIN pg_class c ON c.oid = r.oid
	-- the non-dropped columns in attnum order, with their comments
	UNION ALL
	SELECT format('column %s #%s %s %s notnull %s default %s collation %s comment %s',
		r.object, row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum), a.attname,
		format_type(a.atttypid, a.atttypmod), a.attnotnull,
		coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-'), coalesce(co.collname, '-'),
		coalesce(col_description(r.oid, a.attnum), '-'))
	FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
		LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
	-- indexes (the partial GiST ones included) and constraints
	UNION ALL
	SELECT 'index ' || r.object || ' ' || pg_get_indexdef(i.indexrelid)
		|| ' comment ' || coalesce(obj_description(i.indexrelid, 'pg_class'), '-')
	FROM rel r JOIN pg_index i ON i.indrelid = r.oid
	UNION ALL
	SELECT 'constraint ' || r.object || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		|| ' comment ' || coalesce(obj_description(k.oid, 'pg_constraint'), '-')
	FROM rel r JOIN pg_constraint k ON k.conrelid = r.oid
	-- triggers and policies
	UNION ALL
	SELECT 'trigger ' || r.object || ' ' || pg_get_triggerdef(t.oid)
	FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT format('policy %s.%s %s %s %s roles %s using %s check %s comment %s',
		p.schemaname, p.tablename, p.policyname, p.permissive, p.cmd, p.roles,
		coalesce(p.qual, '-'), coalesce(p.with_check, '-'),
		coalesce(obj_description(po.oid, 'pg_policy'), '-'))
	FROM pg_policies p
		JOIN pg_policy po ON po.polname = p.policyname
			AND po.polrelid = format('%I.%I', p.schemaname, p.tablename)::regclass
	WHERE p.schemaname = 'hack'
	-- schemas and types: owner and privileges
	UNION ALL
	SELECT 'schema ' || m.object || ' owner ' || n.nspowner::regrole || ' acl ' || coalesce(n.nspacl::text, '-')
	FROM m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
	UNION ALL
	SELECT 'type ' || m.object || ' owner ' || t.typowner::regrole || ' acl ' || coalesce(t.typacl::text, '-')
		|| ' len ' || t.typlen || ' align ' || t.typalign::text || ' storage ' || t.typstorage::text
	FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
	-- the initial privileges pg_dump compares against
	UNION ALL
	SELECT 'init_privs ' || pg_describe_object(ip.classoid, ip.objoid, ip.objsubid) || ' ' || ip.privtype::text
		|| ' ' || ip.initprivs::text
	FROM pg_init_privs ip JOIN m ON m.classid = ip.classoid AND m.objid = ip.objoid
	-- the tables pg_dump dumps with the extension, in order (a dropped
	-- table's OID prints as a number)
	UNION ALL
	SELECT 'config ' || c.n || ' ' || c.cfg::regclass
		|| ' condition ' || coalesce(e.extcondition[c.n], '-')
	FROM pg_extension e, unnest(e.extconfig) WITH ORDINALITY AS c(cfg, n)
	WHERE e.extname = 'hack')
SELECT replace(l, E'\n', '\n') FROM lines AS t(l) ORDER BY 1;
SQL
}
