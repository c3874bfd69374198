# test/t/013_unit_valgrind.pl: the C unit tests under valgrind's memcheck
# (the command of `make unitcheck-valgrind`, small sizes): any invalid
# access, use of uninitialised memory or definite leak fails.
#
# The binary test/unit/run_unit is built beforehand (as root, `make
# test/unit/run_unit`): the test builds nothing, and a missing binary is a
# failure that says so.  No cluster is needed.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $unit = hack_repo() . '/test/unit/run_unit';

ok(-x $unit, 'test/unit/run_unit is built')
  or diag("$unit is missing: build it first with `make test/unit/run_unit`");

SKIP:
{
	skip 'no test/unit/run_unit', 2 unless -x $unit;

	# the unit tests may write scratch files in the working directory
	chdir hack_tempdir() or die "chdir: $!";
	local $ENV{HACK_UNIT_SMALL}      = 1;
	local $ENV{OPENBLAS_NUM_THREADS} = 1;
	my ($out, $err) = ('', '');
	my $ok = run_log(
		[
			'valgrind', '-q', '--error-exitcode=1', '--leak-check=full',
			'--errors-for-leak-kinds=definite', $unit
		],
		'>', \$out, '2>', \$err);
	ok($ok, 'the unit tests pass under valgrind with no memory error')
	  or diag("exit status $?\n" . join("\n", grep { !/^ok / } split /\n/, "$out$err"));
	like($out, qr/^unit: [0-9]+ passed, 0 failed$/m, 'the unit tests report no failure');
}

done_testing();
