# test/t/009_gist_knn.pl: the GiST index on poincare_point answers KNN and
# hyperbolic-ball queries exactly as a sequential scan does.
#
# For dims 2, 3 and 8: 20,000 points (uniform in hyperbolic volume within a
# ball, plus clusters near the boundary at norms up to 1 - 1e-6, written by
# test/t/gist_knn_points.py), an index built by the sorted build, 200
# queries (the origin, data points, random points, points near the
# clusters).  Every KNN result (k = 1, 10, 100) must have exactly the
# distances of the sequential scan's and the same ids below the k-th
# distance (ties at the k-th distance may pick either row), every ball
# result the same ids.  Then random deletes, 4,000 inserts (the insert path:
# penalty and picksplit) and VACUUM, and the same checks again.  Each round
# checks that both plans use the index, that the KNN and the ball results
# equal the sequential scan's, and that all 800 results were compared.
# test/sanitize.sh can run this file under ASan (HACK_SAN_TESTS).

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $QUERIES = 200;
my @KS      = (1, 10, 100);

my $node = hack_node('gist_knn');
$node->sql('CREATE EXTENSION hack');
my $work = hack_tempdir();

my %mode_settings = (
	index => 'SET enable_seqscan = off; SET enable_sort = off;',
	seq   => 'SET enable_indexscan = off; SET enable_bitmapscan = off; '
	  . 'SET enable_indexonlyscan = off;');

# run every query in mode "index" or "seq" and store the answers
sub run_mode
{
	my ($mode) = @_;
	my $ks = join ', ', map { "($_)" } @KS;
	$node->sql(
		"$mode_settings{$mode}
		INSERT INTO knn_res
		SELECT '$mode', q.qid, k.k, array_agg(n.id ORDER BY n.ord), array_agg(n.d ORDER BY n.ord)
		FROM queries q CROSS JOIN (VALUES $ks) k(k)
		CROSS JOIN LATERAL (SELECT id, d, row_number() OVER () AS ord
			FROM (SELECT id, p <-> q.p AS d FROM pts ORDER BY p <-> q.p LIMIT k.k) s) n
		GROUP BY q.qid, k.k;
		INSERT INTO ball_res
		SELECT '$mode', q.qid, coalesce((SELECT array_agg(id ORDER BY id) FROM pts
			WHERE p <@ hball(q.p, q.radius)), '{}')
		FROM queries q;");
	return;
}

# the index mode's results against the sequential scan's: (equal, differing)
# counts of the KNN results, then of the ball results
sub compare
{
	my $out = $node->sql(
		q{CREATE OR REPLACE FUNCTION pg_temp.below_last(ids int[], ds float8[]) RETURNS int[]
		LANGUAGE sql IMMUTABLE AS $$
			SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM unnest(ids, ds) u(id, d)
			WHERE d < ds[array_length(ds, 1)] $$;
		SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) FROM (
			SELECT i.ds = s.ds AND pg_temp.below_last(i.ids, i.ds)
				= pg_temp.below_last(s.ids, s.ds) AS ok
			FROM knn_res i JOIN knn_res s USING (qid, k)
			WHERE i.mode = 'index' AND s.mode = 'seq') c;
		SELECT count(*) FILTER (WHERE ok), count(*) FILTER (WHERE NOT ok) FROM (
			SELECT i.ids = s.ids AS ok FROM ball_res i JOIN ball_res s USING (qid)
			WHERE i.mode = 'index' AND s.mode = 'seq') c;});
	return map { [ split /\|/ ] } split /\n/, $out;
}

# one round of checks: plans, both modes, comparison
sub check_round
{
	my ($label) = @_;
	my $q7 = '(SELECT p FROM queries WHERE qid = 7)';
	my $index_re = qr/Index (Only )?Scan using pts_p|Bitmap Index Scan on pts_p/;
	my %plan = (
		KNN  => "SELECT id FROM pts ORDER BY p <-> $q7 LIMIT 10",
		ball => "SELECT id FROM pts WHERE p <@ hball($q7, 1.0)");
	for my $what (sort keys %plan)
	{
		like($node->sql("$mode_settings{index} EXPLAIN (COSTS OFF) $plan{$what}"),
			$index_re, "$label: the $what query uses the index");
	}

	$node->sql('TRUNCATE knn_res, ball_res');
	run_mode('index');
	run_mode('seq');
	my ($knn, $ball) = compare();
	is($knn->[1], 0,
		"$label: KNN results equal the sequential scan's ($knn->[0] equal, $knn->[1] differ)");
	is($ball->[1], 0,
		"$label: ball results equal the sequential scan's ($ball->[0] equal, $ball->[1] differ)");
	is($knn->[0] + $knn->[1] + $ball->[0] + $ball->[1],
		$QUERIES * (@KS + 1), "$label: every query's results compared");
	return;
}

for my $dim (2, 3, 8)
{
	my $start = time;
	command_ok([ hack_python(), hack_repo() . '/test/t/gist_knn_points.py', $dim, $work ],
		"dim $dim: points generated");
	$node->sql(
		"DROP TABLE IF EXISTS pts, queries, knn_res, ball_res;
		CREATE TABLE pts (id integer PRIMARY KEY, p poincare_point($dim));
		CREATE TABLE queries (qid integer, p poincare_point, radius float8);
		CREATE TABLE knn_res (mode text, qid integer, k integer, ids integer[], ds float8[]);
		CREATE TABLE ball_res (mode text, qid integer, ids integer[]);
		\\copy pts FROM '$work/points.csv'
		\\copy queries FROM '$work/queries.csv'
		CREATE INDEX pts_p ON pts USING gist (p);
		VACUUM ANALYZE pts;");
	check_round("dim $dim sorted build");

	$node->sql(
		"SELECT setseed(0.$dim);
		DELETE FROM pts WHERE random() < 0.2;
		\\copy pts FROM '$work/extra.csv'
		DELETE FROM pts WHERE id > 100000 AND random() < 0.1;
		VACUUM ANALYZE pts;");
	check_round("dim $dim after deletes, inserts and VACUUM");
	note("dim $dim took " . (time - $start) . ' s');
}

done_testing();
