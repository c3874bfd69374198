# test/t/014_hungarian_scipy.pl: cross-check the assignment solver with
# scipy.optimize.linear_sum_assignment on random dense 1000 x 1000 problems
# (uniform, integer with ties, hyperbolic distances, rectangular, maximize),
# and hack_assign() on 1000 + 1000 points of the disc.
#
# test/t/hungarian_scipy.py draws the seeded cases, solves them with scipy
# and writes each as a COPY file with scipy's optimal total; each is loaded
# into a table, solved by hungarian() (or hack_assign(), which builds the
# hyperbolic matrix itself) and checked twice: the optimal totals agree to
# 1e-9 relative, and the assignment has as many pairs as scipy's.  Skipped
# when numpy or scipy is not installed for /usr/bin/python3.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $TOL = 1e-9;

my $python = hack_python();
plan skip_all => "python3-scipy is not installed for $python"
  if system($python, '-c', 'import numpy, scipy.optimize') != 0;

my $dir = hack_tempdir();
my ($gen_out, $gen_err) = ('', '');
my $gen_ok = run_log([ $python, hack_repo() . '/test/t/hungarian_scipy.py', $dir ],
	'>', \$gen_out, '2>', \$gen_err);
ok($gen_ok, 'hungarian_scipy.py writes the cases') or BAIL_OUT("generator: $gen_err");

my $node = hack_node('hungarian');
$node->sql(
	'CREATE EXTENSION hack;
	CREATE TABLE cost_case (c float8[]);
	CREATE TABLE points_case (p poincare_point[], t poincare_point[]);');

# the SQL total and pair count of each kind of case, on its loaded table
my %solve = (
	matrix => sub {
		my $maximize = shift;
		return ('cost_case',
			"SELECT sum(h.cost), count(*) FROM cost_case t, hungarian(t.c, $maximize) h");
	},
	points => sub {
		return ('points_case',
			'SELECT sum(a.distance), count(*) FROM points_case t, hack_assign(t.p, t.t) a');
	});

# check_case(LINE of cases.tsv): load, solve in SQL, compare with scipy
sub check_case
{
	my ($line) = @_;
	my ($id, $kind, $maximize, $want, $pairs, $name) = split /\t/, $line;
	my ($table, $query) = $solve{$kind}->($maximize);
	my ($rc, $out, $err) =
	  $node->try_sql("TRUNCATE $table;\n\\copy $table FROM '$dir/$id.copy'\n$query");
	my ($got, $count) = $rc == 0 ? split(/\|/, $out) : (9**9**9, 0);
	diag("$name: $err") if $rc != 0;
	ok(abs($got - $want) <= $TOL * (abs($want) > 1 ? abs($want) : 1),
		"$name: optimal total equals scipy's (sql $got, scipy $want)");
	is($count, $pairs, "$name: $pairs pairs");
	return;
}

my @cases = split /\n/, slurp_file("$dir/cases.tsv");
is(scalar @cases, 8, 'eight cases');
check_case($_) for @cases;

done_testing();
