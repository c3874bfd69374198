# test/t/012_fuzz.pl: a short run of every libFuzzer target of test/fuzz,
# starting from its committed seed corpus.
#
# The targets are every test/fuzz/fuzz_NAME.c; their binaries
# test/fuzz/bin/fuzz_NAME are built beforehand (as root, `make fuzz`): the
# test builds nothing, and a missing binary is a failure that says how to
# build it.  Each target runs FUZZ_SECONDS (default 10) with a fixed seed
# (-seed=1), so a run tries the same inputs in the same order every time
# and only the length of the prefix depends on the machine's speed.  A
# crash, sanitizer report, leak, timeout or failed property makes libFuzzer
# exit non-zero, which fails the target; the offending input is printed in
# hex.  The seeds (test/fuzz/corpus/NAME) are copied to a scratch directory
# first, and new corpus entries go there: the tree is never written.  Per
# target: the binary exists, the run exits 0, it executed inputs, and it
# left no crash artifact.  No cluster is needed.  The 10-minute runs are in
# doc/reliability.md.

use strict;
use warnings FATAL => 'all';

use File::Basename qw(basename);
use File::Copy qw(copy);
use File::Path qw(rmtree);
use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $seconds = $ENV{FUZZ_SECONDS} // 10;
my $fuzz    = hack_repo() . '/test/fuzz';
my $tmp     = hack_tempdir();

local $ENV{OPENBLAS_NUM_THREADS} = 1;
local $ENV{UBSAN_OPTIONS}        = 'print_stacktrace=1:halt_on_error=1';

# copy_seeds(NAME, DIR): the committed seeds of NAME into DIR (none is a note)
sub copy_seeds
{
	my ($name, $dir) = @_;
	my $seeds = "$fuzz/corpus/$name";
	mkdir $dir or die "mkdir $dir: $!";
	if (!-d $seeds)
	{
		note("$name: no seed corpus in test/fuzz/corpus/$name (make fuzz-seeds); fuzzing from none");
		return;
	}
	for my $f (glob "$seeds/*")
	{
		copy($f, "$dir/" . basename($f)) or die "copy $f: $!";
	}
	return;
}

# run_target(NAME, EXTRA-FLAGS): one short run from a fresh copy of the
# seeds; returns (success, log, artifacts directory)
sub run_target
{
	my ($name, @extra) = @_;
	my $work = "$tmp/$name";
	rmtree($work) if -d $work;
	mkdir $work or die "mkdir $work: $!";
	mkdir "$work/artifacts" or die "mkdir: $!";
	copy_seeds($name, "$work/corpus");
	my $log = '';
	my $ok = run_log(
		[
			"$fuzz/bin/fuzz_$name",     '-seed=1',
			"-max_total_time=$seconds", '-timeout=10',
			'-rss_limit_mb=2048',       '-print_final_stats=1',
			"-artifact_prefix=$work/artifacts/", @extra,
			"$work/corpus"
		],
		'>&', \$log);
	return ($ok, $log, "$work/artifacts");
}

# the saved inputs of a failed run, in hex
sub show_artifacts
{
	my ($name, $dir) = @_;
	for my $a (glob "$dir/*")
	{
		my $bytes = substr(slurp_file($a), 0, 320);
		diag("---- " . basename($a) . " (reproduce: test/fuzz/bin/fuzz_$name FILE)\n"
			  . join("\n", map { unpack('H*', $_) =~ s/(..)(?!$)/$1 /gr } unpack('(a16)*', $bytes)));
	}
	return;
}

sub check_target
{
	my ($name) = @_;
	my $bin = "$fuzz/bin/fuzz_$name";
	if (!ok(-x $bin, "$name: test/fuzz/bin/fuzz_$name is built"))
	{
		diag("$bin is missing: build the fuzzers first with `make fuzz` (as root)");
		return;
	}
	my ($ok, $log, $artifacts) = run_target($name);
	# LeakSanitizer needs ptrace; where a container forbids it, run without
	if (!$ok && $log =~ /LeakSanitizer has encountered a fatal error/)
	{
		note("$name: LeakSanitizer cannot run here (no ptrace); leak checks off");
		($ok, $log, $artifacts) = run_target($name, '-detect_leaks=0');
	}
	my ($runs) = $log =~ /^stat::number_of_executed_units:\s*(\d+)/m;
	my @lines = grep { !/^#\d+/ } split /\n/, $log;
	ok($ok, "$name: no crash, report, leak, timeout or failed property in $seconds s")
	  or diag(join("\n", @lines[ ($#lines > 39 ? $#lines - 39 : 0) .. $#lines ]));
	ok(($runs // 0) > 0, "$name: inputs executed (" . ($runs // 'none') . ')');
	my @saved = glob "$artifacts/*";
	is(scalar @saved, 0, "$name: no crash input saved") or show_artifacts($name, $artifacts);
	return;
}

my @targets = map { m{/fuzz_(\w+)\.c$} ? $1 : () } sort glob "$fuzz/fuzz_*.c";
ok(@targets > 0, 'test/fuzz has fuzz targets: ' . join(' ', @targets));
check_target($_) for @targets;

done_testing();
