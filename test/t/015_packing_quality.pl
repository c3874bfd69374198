# test/t/015_packing_quality.pl: the quality bar of hack_pack() at sizes too
# slow for pg_regress (issue 5): n = 20,000 with the default parameters,
# n = 2,000 for several seeds, a 3-D packing and one of radius 0.9 with
# k = 3.
#
# Each case packs in SQL and reads hack_packing_stats() of the result, then
# asserts, one check each, that the 10 shells of equal hyperbolic volume
# hold n/10 +- 10%, that no particle is outside the radius, that
# nearest-neighbour distances have CV < 0.15 and a minimum of at least half
# their mean, that every particle lies strictly inside the radius and that
# none coincide.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = hack_node('packing');
$node->sql('CREATE EXTENSION hack');

# check(LABEL, HACK_PACK_ARGS, RADIUS): the six properties of one packing
sub check
{
	my ($label, $args, $radius) = @_;
	my $row = $node->sql(
		"SELECT annulus_max_deviation <= 0.1, outside = 0, nn_cv < 0.15,
			nn_min >= 0.5 * nn_mean, max_norm < $radius, coincident_pairs = 0,
			format('shells %s dev %s nn_cv %s nn_min/mean %s max_norm %s',
				annulus_counts, round(annulus_max_deviation::numeric, 3),
				round(nn_cv::numeric, 4), round((nn_min / nn_mean)::numeric, 3),
				round(max_norm::numeric, 6))
		FROM hack_packing_stats(ARRAY(SELECT point FROM hack_pack($args)), $radius)");
	my @got = split /\|/, $row;
	my $stats = pop @got;
	note("$label: $stats");
	my @what = (
		'shells within 10% of n/10', 'none outside the radius',
		'nearest-neighbour CV < 0.15', 'nearest-neighbour min >= half the mean',
		"max norm < $radius", 'no coincident pairs');
	is($got[$_], 't', "$label: $what[$_]") or diag($stats) for 0 .. $#what;
	return;
}

check('n=20000 defaults', '20000', 0.76);
check("n=2000 seed $_", "2000, seed => $_", 0.76) for 1 .. 3;
check('n=5000 dim 3', '5000, dim => 3, epochs => 300', 0.76);
check('n=3000 radius 0.9 k 3', '3000, radius => 0.9, k => 3, epochs => 500', 0.9);

done_testing();
