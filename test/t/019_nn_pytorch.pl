# test/t/019_nn_pytorch.pl: the encoder engine against PyTorch on fixed
# weights.  test/t/nn_pytorch.py builds the reference's resnet20 (3 x 32 x 32,
# option-A shortcuts, BatchNorm with random gamma, beta and running
# statistics) and lenet (1 x 28 x 28) in PyTorch, in float64, with seeded
# weights, images and targets, and writes them in the engine's layout;
# test/t/nn_pytorch_driver.c, built here from src/core, runs one
# training-mode forward and backward pass and one inference pass on
# 2 threads; the embeddings (training and inference mode), the loss, every
# parameter's gradient and the updated running statistics must agree within
# 1e-4 of the largest magnitude of each tensor.  The batches are small
# (8 images; lenet also 40, two parts) because with float32 activations a
# pre-ReLU value within rounding of 0 may land on either side of the kink:
# at 16 to 40 images that moves some resnet20 gradient by 0.3-1.4%, for
# PyTorch's own float32 as for ours, against float64.  Skipped when torch or
# a C compiler is missing; no cluster is needed.

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = hack_python();
plan skip_all => "python3-torch is not installed for $python"
  if system($python, '-c', 'import torch, numpy') != 0;
my $cc = $ENV{CC} // 'cc';
plan skip_all => "no C compiler ($cc)" if system("$cc --version >/dev/null 2>&1") != 0;

my $repo = hack_repo();
my $dir = hack_tempdir();
my $driver = "$dir/nn_pytorch_driver";
# the libraries of src/core, as the Makefile's CORE_LIBS lists them
my ($core_libs) = slurp_file("$repo/Makefile") =~ /^CORE_LIBS = (.*)$/m;
my @core_libs = split ' ', $core_libs;
my ($out, $err) = ('', '');
ok( run_log(
		[
			$cc, '-O2', '-std=c11', '-D_POSIX_C_SOURCE=200809L',
			"-I$repo/src/core", '-o', $driver,
			"$repo/test/t/nn_pytorch_driver.c", glob("$repo/src/core/*.c"),
			@core_libs
		],
		'>', \$out, '2>', \$err),
	'the driver builds') or BAIL_OUT("cc: $err");

for my $case ([ 'resnet20', 8, 3 ], [ 'lenet', 8, 2 ], [ 'lenet', 40, 3 ])
{
	my ($arch, $n, $dim) = @$case;
	my $d = "$dir/$arch-$n";
	mkdir $d or die "mkdir $d: $!";
	($out, $err) = ('', '');
	ok(run_log([ $python, "$repo/test/t/nn_pytorch.py", 'gen', $d, $arch, $n, $dim ],
			'>', \$out, '2>', \$err),
		"$arch, $n images: PyTorch writes weights and results") or diag($err);
	($out, $err) = ('', '');
	ok(run_log([ $driver, $d, $arch, $n, $dim, 2 ], '>', \$out, '2>', \$err),
		"$arch, $n images: the engine runs them") or diag($err);
	($out, $err) = ('', '');
	my $agree = run_log([ $python, "$repo/test/t/nn_pytorch.py", 'check', $d ],
		'>', \$out, '2>', \$err);
	note("$arch, $n images, max relative differences:\n$out");
	ok($agree, "$arch, $n images: embeddings, loss, gradients and statistics within 1e-4")
	  or diag("$out$err");
	like($out, qr/^grads [0-9.e+-]+ \(\d+ tensors\)$/m, "$arch, $n images: gradients compared");
}

done_testing();
