# test/t/011_demo.pl: a CI-sized run of the main job (demo/run.sh): 300
# Fashion-MNIST images, 2 epochs, in a cluster of its own (the one
# demo/run.sh starts, on a free port, in a scratch directory); then a
# re-run, which must skip loading and training.  Its output goes to a pipe,
# not a terminal: progress lines must still arrive as training goes.
#
# The tests run as the cluster owner, who may not write the source tree nor
# the install directory, and the extension they test is the installed one:
# demo/run.sh runs in place with HACK_DEMO_INSTALLED=1 (no build) and its
# pictures go to a scratch directory (HACK_DEMO_OUT).  Needs the Debian
# package dataset-fashion-mnist and hack-load installed (make install).

use strict;
use warnings FATAL => 'all';

use HackTest;
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir  = hack_tempdir();
my $data = "$dir/cluster/data";

local $ENV{HACK_DEMO_INSTALLED} = 1;
local $ENV{HACK_DEMO_OUT}       = "$dir/out";
local $ENV{HACK_CLUSTER_DIR}    = "$dir/cluster";
local $ENV{HACK_PORT}           = PostgreSQL::Test::Cluster::get_free_port();
local $ENV{HACK_DEMO_IMAGES}    = 300;
local $ENV{HACK_DEMO_EPOCHS}    = 2;
delete local $ENV{HACK_CLUSTER_TEMP};

# the demo's cluster keeps running after it: stop it however the test ends
END
{
	system('/usr/lib/postgresql/15/bin/pg_ctl', '-D', $data, '-m', 'fast', '-w', 'stop')
	  if defined $data && -f "$data/postmaster.pid";
}

# Is a training still running in the demo's cluster?  Its backend's query
# text is the progress line while the CALL runs (doc/training.md).
sub training_running
{
	my $n = '';
	IPC::Run::run(
		[
			'psql', '-X', '-At', '-h', "$dir/cluster", '-p', $ENV{HACK_PORT}, '-U', 'postgres',
			'-d', 'postgres', '-c',
			"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'hack_train progress:%'"
		],
		'<', \'', '>', \$n, '2>', \my $err);
	chomp $n;
	return $n eq '' ? "psql failed: $err" : $n;
}

# run demo/run.sh: (exit status, output and errors, and how many trainings
# were running when the first progress line reached us: 1 when lines pass
# as they come, 0 when they wait in a pipe's buffer until the CALL ends)
sub demo
{
	my ($out, $live) = ('', undef);
	my $h = IPC::Run::start(
		[ 'bash', hack_repo() . '/demo/run.sh' ],
		'<', \'',
		'>&', sub {
			$out .= $_[0];
			$live = training_running() if !defined $live && $out =~ m{epoch \d+/\d+};
		});
	$h->finish;
	return ($h->result(0), $out, $live);
}

my ($rc, $out, $live) = demo();
is($rc, 0, 'demo exits 0') or diag(join "\n", (split /\n/, $out)[-20 .. -1]);
is($live // 'no progress line', 1,
	'the first progress line arrives while the training runs (not held in a pipe until it ends)');
is(scalar(() = $out =~ /^== class /mg), 10, 'demo prints 10 classes');
is(scalar(() = $out =~ /^(?:typical|atypical) +ids: [0-9]+(?: [0-9]+){9}$/mg),
	20, 'demo prints typical and atypical ids');
for my $c (0 .. 9)
{
	my $png = "$dir/out/disc_class_$c.png";
	my $magic = -f $png ? substr(slurp_file($png), 0, 8) : '';
	is(unpack('H*', $magic), '89504e470d0a1a0a', "demo writes a PNG for class $c");
	$png = "$dir/out/gallery_class_$c.png";
	$magic = -f $png ? substr(slurp_file($png), 0, 24) : '';
	# the gallery of 2 x 8 images in 8 columns of 96-pixel cells: 844 x 306 pixels
	is(unpack('H*', $magic), '89504e470d0a1a0a0000000d49484452' . unpack('H*', pack('NN', 844, 306)),
		"demo writes a gallery of 844 x 306 pixels for class $c");
}
like($out, qr/\Qhack_select('fashion_demo', 0.10, 'atypical')\E/,
	'demo prints the selection SQL');

my $start = time;
my ($rc2, $out2) = demo();
my $took = time - $start;
is($rc2, 0, 're-run exits 0');
like($out2, qr/already holds 300 images/, 're-run skips loading');
like($out2, qr/is up to date/, 're-run skips training');
ok($took < 60, 're-run is fast') or diag("$took s");

done_testing();
