# test/t/024_plans.pl: the query shapes of the README use hack's own indexes,
# for a plain role under hack's row security as for a superuser, and
# hack_select reads each group's rows from the index.
#
# 100,000 synthetic embeddings written straight into the catalogue
# (test/lib/selection_data.sql): fashion_v1 (10 groups of 1,000, its source
# readable by the plain role reader), other (90 groups of 1,000, hidden from
# reader).  Every executor run's plan, nested ones included (hack_select's
# queries, the SPI queries of C functions), comes back as a NOTICE from
# auto_explain.
#
# 1. Every SQL statement of README.md that reads hack.embeddings, directly or
#    through hack_select, hack_knn_density, hack_plot or hack_gallery, matches a rule below that says
#    which index it must use; a statement no rule knows fails, so a new
#    query shape in the README needs its check here.  Searches (rank, KNN,
#    KNN within a group, ball) must use their index and no other scan of
#    hack.embeddings, as reader and as the superuser; hack_select reads the
#    groups through the index; whole-model reads (the plot, the gallery, the density) of
#    a model that is a tenth of the table read it through an index as
#    reader, and nothing sorts a model's rows by norm.  The README has no
#    CREATE INDEX on hack's tables (they have their own).
# 2. Ball search under row security: the LEAKPROOF operators, reader's
#    results are the visible rows only, and no error whatever the hidden
#    rows hold (a ball of another dimension is false, not an error).
# 3. hack_select: the typical and atypical modes read each group from
#    embeddings_norm_idx, forwards or backwards, sort no model's rows, and
#    return what the window-function version of 1.3 returned (ties by id
#    included).
# 4. The selection queries of test/bench/selection_scale.sh at CI size:
#    hack_select(model, 0.01, 'atypical'), the top 100 by norm of one group,
#    the KNN of a point within one group, each from an index.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'hack_plans';
my %d  = (db => $db);
my %r  = (db => $db, user => 'reader');

my $node = hack_node(
	'plans',
	conf => "session_preload_libraries = 'auto_explain'\n"
	  . "auto_explain.log_min_duration = 0\n"
	  . "auto_explain.log_nested_statements = on\n"
	  . "auto_explain.log_level = notice\n");

my $data = hack_repo() . '/test/lib/selection_data.sql';
$node->sql("CREATE ROLE reader LOGIN; CREATE DATABASE $db");
$node->sql('CREATE EXTENSION hack', %d);
for my $m ([ 'fashion_v1', 10, 1000, 'images' ], [ 'other', 90, 1000, 'other_src' ])
{
	my ($model, $groups, $per, $src) = @$m;
	local $ENV{PGOPTIONS} = '-c client_min_messages=warning';
	$node->command_ok(
		[
			'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', "model=$model", '-v', "groups=$groups",
			'-v', "per_group=$per", '-v', "src=$src", '-f', $data, '-d', $db
		],
		"$model: $groups groups of $per embeddings");
}
$node->sql('GRANT SELECT ON images TO reader', %d);
is($node->sql("SELECT model || ' ' || count(*) FROM hack.embeddings GROUP BY model ORDER BY model", %r),
	'fashion_v1 10000', 'reader sees fashion_v1 and not other');

# the plans of every executor run of SQL (auto_explain's NOTICEs), and its
# output: (plans, out, err)
sub plans_of
{
	my ($sql, %o) = @_;
	my ($rc, $out, $err) = $node->try_sql($sql, %o, options => '-c client_min_messages=notice');
	my @plans = grep { /\S/ } split /^(?:psql:\S+ )?NOTICE:  duration: [0-9.]+ ms  plan:\n/m, $err;
	my $errors = join "\n", grep { /^(?:psql:\S+ )?(?:ERROR|FATAL):/ } split /\n/, $err;
	return (join("\n", @plans), $out, $rc == 0 && $errors eq '' ? '' : "rc $rc: $errors");
}

# the scans of hack.embeddings in a plan text: "seq", "norm_idx",
# "norm_idx backward", "embedding_2d_idx", ... sorted, unique
sub scans
{
	my ($plans) = @_;
	my %s;
	for (split /\n/, $plans)
	{
		if (/Seq Scan on embeddings\b/) { $s{seq} = 1; }
		elsif (/(Index Scan|Index Only Scan|Bitmap Index Scan)( Backward)? (?:using|on) embeddings_(\w+)/)
		{
			$s{ $3 . ($2 ? ' backward' : '') } = 1;
		}
	}
	return join ', ', sort keys %s;
}

# how many sorts in a plan text sort by norm from scratch (an incremental sort
# of rows the index gives in norm order, for ties by id, is not one)
sub full_sorts_by_norm
{
	my @lines = split /\n/, shift;
	return scalar grep { $lines[$_] =~ /^\s*Sort Key: .*\bnorm\b/ && ($lines[ $_ + 1 ] // '') !~ /Presorted Key/ }
	  0 .. $#lines;
}

# ---- 1. the README's query shapes

my $readme = slurp_file(hack_repo() . '/README.md');
unlike($readme, qr/CREATE INDEX[^;]*\bON\s+hack\./i,
	'the README creates no index on hack\'s tables (they have their own)');
my @blocks = $readme =~ /^```sql\n(.*?)^```/msg;
my @statements;
for my $block (@blocks)
{
	my $text = join "\n", map { s/\s*--.*$//r } split /\n/, $block;
	push @statements, grep { /\S/ } map { s/^\s+|\s+$//gr } split /;\s*\n|;\s*$/, $text;
}
ok(@statements > 10, 'the README has SQL statements (' . scalar(@statements) . ')');

# rule: [ name, statement regex, kind, what the scans of hack.embeddings must
# be]: a search uses its index and nothing else, as reader and as the
# superuser; hack_select reads the groups from the index backwards (and
# counts the groups' rows as the planner likes); a whole-model read of a
# model that is a tenth of the table reads it through an index as reader
my @rules = (
	[ 'rank a group by norm', qr/FROM hack\.embeddings WHERE model = \S+ AND group_key = \S+\s+ORDER BY norm LIMIT/,
		'search', qr/^norm_idx$/ ],
	# by the GiST index, or the group's rows by the btree (a small group) and
	# the nearest of them
	[ 'KNN within a group', qr/AND group_key = \S+ AND dim = 2\s+ORDER BY embedding <-> /,
		'search', qr/^(embedding_2d_idx|norm_idx)$/ ],
	[ 'KNN', qr/FROM hack\.embeddings WHERE dim = 2 ORDER BY embedding <-> /, 'search', qr/^embedding_2d_idx$/ ],
	[ 'ball', qr/WHERE dim = 2 AND embedding <@ hball\(/, 'search', qr/^embedding_2d_idx$/ ],
	[ 'hack_select atypical', qr/FROM hack_select\(\S+, \S+, 'atypical'\)/, 'select', qr/\bnorm_idx backward\b/ ],
	[ 'density', qr/FROM hack_knn_density\(/, 'whole', qr/^(?!.*\bseq\b)./ ],
	[ 'plot', qr/hack_plot\(\S+, \S+\)/, 'whole', qr/^(?!.*\bseq\b)./ ],
	# one group's rows through the index, joined to the source: the planner
	# may sort that join's output (a group, not the model)
	[ 'gallery', qr/hack_gallery\(/, 'group', qr/^(?!.*\bseq\b)./ ]);

my %seen;
for my $stmt (@statements)
{
	next unless $stmt =~ /hack\.embeddings|hack_select\(|hack_knn_density\(|hack_plot\(|hack_gallery\(/;
	my @match = grep { $stmt =~ $_->[1] } @rules;
	my $short = substr($stmt =~ s/\s+/ /gr, 0, 70);
	if (@match != 1)
	{
		fail("README statement \"$short\" has one plan rule (has " . scalar(@match) . ')');
		next;
	}
	my ($name, undef, $kind, $want) = @{ $match[0] };
	$seen{$name}++;
	my $sql = $kind eq 'explain' ? "EXPLAIN (COSTS OFF) $stmt" : $stmt;
	my ($rplans, $rout, $rerr) = plans_of($sql, %r);
	is($rerr, '', "README $name: runs as reader");
	$rplans = $rout if $kind eq 'explain';
	if ($kind ne 'search')
	{
		like(scans($rplans), $want, "README $name: reader's plan (" . scans($rplans) . ')');
		is(full_sorts_by_norm($rplans), 0, "README $name: sorts no model's rows by norm")
		  unless $kind eq 'group';
		next;
	}
	my ($splans, $sout, $serr) = plans_of($sql, %d);
	is($serr, '', "README $name: runs as the superuser");
	like(scans($rplans), $want, "README $name: reader's plan uses its index and no other scan (" . scans($rplans) . ')');
	like(scans($splans), $want, "README $name: the superuser's too (" . scans($splans) . ')');
	# reader sees fashion_v1 only
	is($rout, $sout, "README $name: reader and superuser get the same rows") if $stmt =~ /'fashion_v1'/;
}
is(join(',', sort keys %seen), join(',', sort map { $_->[0] } @rules), 'every rule met its README statement');

# ---- 2. ball search under row security

is($node->sql(<<'SQL', %d), 'hball_contains_point poincare_point_eq poincare_point_ge poincare_point_gt poincare_point_in_hball poincare_point_le poincare_point_lt poincare_point_ne', 'the LEAKPROOF functions of hack: containment and comparisons');
SELECT string_agg(p.proname, ' ' ORDER BY p.proname) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
	AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
	JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'hack' WHERE p.proleakproof
SQL
for my $ball ("hball('(0,0)', 0.1)", "hball('(0.3,-0.2)', 0.5)")
{
	my $q = "SELECT count(*) || ' ' || md5(string_agg(id::text, ',' ORDER BY model, id)) FROM hack.embeddings WHERE dim = 2 AND embedding <@ $ball";
	my ($plans, $out, $err) = plans_of($q, %r);
	is(scans($plans) . $err, 'embedding_2d_idx', "reader: <\@ $ball uses the index");
	is($out, $node->sql("$q AND model = 'fashion_v1'", %d), "reader: <\@ $ball gives fashion_v1's rows, none of other's");
}
# the operator runs before the policy now: on hidden rows too, so it must not
# raise on any of them; a ball of another dimension holds no point
$node->sql("INSERT INTO hack.embeddings (model, group_key, id, embedding, norm, owner, source, dim)
	SELECT 'other', '0', 900000 + i, ARRAY[0.1, 0.1, 0.01 * i]::poincare_point, 0.3, owner, source, 3
	FROM hack.models, generate_series(1, 5) i WHERE model = 'other'", %d);
for my $as ([ 'reader', %r ], [ 'the superuser', %d ])
{
	my ($who, %o) = @$as;
	is(join('|', $node->try_sql("SELECT count(*) FROM hack.embeddings WHERE embedding <@ hball('(0,0,0)', 5)", %o)),
		$who eq 'reader' ? '0|0|' : '0|5|', "$who: a 3-D ball over 2-D and 3-D rows: no error, the 3-D rows it may see");
	is($node->sql("SELECT '(0.1,0.1)'::poincare_point <\@ hball('(0,0,0)', 5)", %o), 'f',
		"$who: a point is not in a ball of another dimension");
}
$node->sql("DELETE FROM hack.embeddings WHERE id > 900000", %d);

# ---- 3. hack_select from the index, as 1.3 computed it

# hack_select of 1.3 (typical and atypical): every row of the model sorted
# by window functions
$node->sql(<<'SQL', %d);
CREATE FUNCTION select_13(model text, fraction double precision, mode text)
	RETURNS TABLE (group_key text, id bigint, norm double precision, rank integer) LANGUAGE sql AS $$
	SELECT s.group_key, s.id, s.norm, s.r::integer FROM (
		SELECT e.group_key, e.id, e.norm,
			row_number() OVER (PARTITION BY e.group_key ORDER BY
				CASE WHEN mode = 'typical' THEN e.norm ELSE -e.norm END, e.id) AS r,
			count(*) OVER (PARTITION BY e.group_key) AS n
		FROM hack.embeddings e WHERE e.model = select_13.model) s
	WHERE s.r <= ceil(fraction * s.n)
	ORDER BY s.group_key, s.r
$$;
-- ties: every norm of group 3 of fashion_v1 rounded to 1e-3, so many rows share one
UPDATE hack.embeddings SET norm = round(norm::numeric, 3) WHERE model = 'fashion_v1' AND group_key = '3';
SQL
for my $mode ('typical', 'atypical')
{
	for my $f (0.0001, 0.01, 0.1, 0.5, 1)
	{
		is($node->sql("SELECT (SELECT count(*) || ' ' || md5(string_agg(s::text, ';')) FROM hack_select('fashion_v1', $f, '$mode') s)
				= (SELECT count(*) || ' ' || md5(string_agg(s::text, ';')) FROM select_13('fashion_v1', $f, '$mode') s)", %d),
			't', "hack_select(fashion_v1, $f, $mode) returns 1.3's rows in 1.3's order");
	}
	my ($plans, $out, $err) = plans_of("SELECT count(*) FROM hack_select('fashion_v1', 0.1, '$mode')", %r);
	is($out . $err, '1000', "reader: hack_select(fashion_v1, 0.1, $mode) returns 1000 rows");
	like(scans($plans), $mode eq 'typical' ? qr/\bnorm_idx\b(?! backward)/ : qr/\bnorm_idx backward\b/,
		"reader: hack_select $mode reads the groups from embeddings_norm_idx");
	is(full_sorts_by_norm($plans), 0, "reader: hack_select $mode sorts no model's rows by norm");
	unlike($plans, qr/external merge|Disk:/, "reader: hack_select $mode spills nothing to disk");
}

# ---- 4. the selection queries at scale, at CI size

my %scale = (
	"hack_select(fashion_v1, 0.01, 'atypical')" =>
	  [ "SELECT count(*) FROM hack_select('fashion_v1', 0.01, 'atypical')", '100', qr/\bnorm_idx backward\b/ ],
	'the top 100 by norm of one group' => [
		"SELECT count(*) FROM (SELECT id FROM hack.embeddings WHERE model = 'fashion_v1' AND group_key = '7' ORDER BY norm DESC LIMIT 100) t",
		'100', qr/^norm_idx backward$/ ],
	'the KNN of a point within one group' => [
		"SELECT count(*) FROM (SELECT id FROM hack.embeddings WHERE model = 'fashion_v1' AND group_key = '7' AND dim = 2 ORDER BY embedding <-> '(0.2,-0.4)' LIMIT 100) t",
		'100', qr/^(embedding_2d_idx|norm_idx)$/ ]);
for my $name (sort keys %scale)
{
	my ($q, $n, $want) = @{ $scale{$name} };
	my ($plans, $out, $err) = plans_of($q, %r);
	is($out . $err, $n, "reader: $name returns $n rows");
	like(scans($plans), $want, "reader: $name answers from an index (" . scans($plans) . ')');
}

done_testing();
