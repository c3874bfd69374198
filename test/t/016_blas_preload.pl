# test/t/016_blas_preload.pl: the encoder's OpenBLAS use works both when
# hack is loaded per backend and through shared_preload_libraries (the same
# cluster restarted with it), with 1, 2 and 4 threads, in fresh backends
# forked after the preload and in parallel workers: the encoder self-test
# (hack_nn_selftest) gives the same loss everywhere.  Every call runs under
# a timeout so a hang fails; the postmaster must not keep any OpenBLAS
# thread.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = hack_node('blas_preload');

# the self-test loss with THREADS threads (and force_parallel_mode
# PARALLEL), in a new backend; a hang or an error is the error text
sub selftest
{
	my ($threads, $parallel) = @_;
	my $v = eval {
		$node->sql(
			"SET hack.blas_threads = $threads;\n"
			  . 'SET force_parallel_mode = ' . ($parallel // 'off') . ";\n"
			  . 'SELECT round(hack_nn_selftest()::numeric, 6)',
			timeout => 60);
	};
	return $v // "error: $@";
}

# a check: the self-test of THREADS (PARALLEL) gives the loss BASE
sub selftest_is
{
	my ($base, $threads, $parallel, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	return is(selftest($threads, $parallel), $base, $name);
}

$node->sql('CREATE EXTENSION hack');
my $base = selftest(1);
like($base, qr/^[0-9]+\.[0-9]+$/, "per-backend, 1 thread ($base)");
selftest_is($base, $_, 'off', "per-backend, $_ threads") for 2, 4;
selftest_is($base, 2, 'on', 'per-backend, parallel worker');

# the same cluster with hack preloaded into the postmaster
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'hack'");
$node->restart;
is($node->sql('SHOW shared_preload_libraries'), 'hack', 'preload: hack is preloaded');
# the GUC exists before any backend loaded the library itself
is($node->sql('SHOW hack.blas_threads'), '1', 'preload: the GUC is defined at preload');
for my $i (1 .. 3)
{
	selftest_is($base, $_, 'off', "preload, backend $i, $_ threads") for 1, 2;
}
selftest_is($base, 2, 'on', 'preload, parallel worker');

# the postmaster must not have kept any OpenBLAS thread
my ($pm) = split /\n/, slurp_file($node->data_dir . '/postmaster.pid');
my @tasks = glob("/proc/$pm/task/*");
is(scalar @tasks, 1, 'preload: the postmaster has one thread');

done_testing();
