# test/t/008_loader.pl: the hack-load client on small IDX and .npy fixtures
# (written by test/t/loader_fixtures.py): round trips (the stored bytes
# equal the file's), options (--truncate, --start-id, --limit, quoted
# table names, the summary line), and truncated, mismatched or foreign
# files rejected with a message, exit status 1 and nothing loaded (the
# --create is rolled back too); a usage error exits 2.
#
# hack-load is the installed client (the prove target puts the server's bin
# directory on PATH); it runs through IPC::Run with the cluster's PGHOST and
# PGPORT, and only needs a database (no extension).

use strict;
use warnings FATAL => 'all';

use HackTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = hack_tempdir();
command_ok([ hack_python(), hack_repo() . '/test/t/loader_fixtures.py', $dir ],
	'fixtures written');

my $node = hack_node('loader');
my @LOAD = ('hack-load', '-d', 'postgres');

sub q1 { return $node->sql($_[0]); }

# the rows of TABLE as the .expect files have them: "id label hex"
sub stored
{
	my ($table) = @_;
	return q1("SELECT id || ' ' || coalesce(label::text, '') || ' ' || encode(img, 'hex')
		FROM $table ORDER BY id");
}

# loads(NAME, ARGS): a quiet hack-load that must succeed
sub loads
{
	my ($name, @args) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	$node->command_ok([ @LOAD, '-q', @args ], "$name: hack-load succeeds");
	return;
}

# round_trip(NAME, TABLE, EXPECT-FILE, FILES): a load with --create whose
# stored rows equal the fixture's .expect file
sub round_trip
{
	my ($name, $table, $expect, @files) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	loads($name, '-t', $table, '--create', @files);
	(my $plain = $table) =~ s/^public\.//;
	is(stored($plain), slurp_file("$dir/$expect") =~ s/\n\z//r, "$name: stored bytes");
	return;
}

round_trip('IDX plain round trip', 'idx_plain', 'idx.expect', "$dir/idx-images",
	"$dir/idx-labels");
round_trip('IDX gzip round trip', 'public.idx_gz', 'idx.expect', "$dir/idx-images.gz",
	"$dir/idx-labels.gz");
round_trip('npy uint8 with npy labels', 'npy_u8', 'u8.expect', "$dir/u8.npy",
	"$dir/labels.npy");
round_trip('npy float32 HWC to CHW, no labels', 'npy_f32', 'f32.expect', "$dir/f32.npy.gz");

loads('truncate, start-id and limit', '-t', 'idx_gz', '--truncate', '--start-id', '100',
	'--limit', '5', "$dir/idx-images.gz");
is(q1("SELECT min(id) || '-' || max(id) || ':' || count(*) || ':' || count(label) FROM idx_gz"),
	'100-104:5:0', 'truncate, start-id and limit: ids 100-104, no labels');

loads('int32 edge labels', '-t', 'edge_labels', '--create', "$dir/idx-images",
	"$dir/labels-edge.npy");
is(q1("SELECT min(label) || ' ' || max(label) || ' ' || count(*) FROM edge_labels"),
	'-2147483648 2147483647 37', 'int32 edge labels, big-endian int64');

loads('start-id up to the bigint maximum', '-t', 'max_ids', '--create', '--start-id',
	'9223372036854775771', "$dir/idx-images");
is(q1("SELECT min(id) || ' ' || max(id) || ' ' || count(*) FROM max_ids"),
	'9223372036854775771 9223372036854775807 37', 'start-id up to the bigint maximum');

# without -q: a summary line (on either stream)
my $summary = '';
{
	local %ENV = (%ENV, PGHOST => $node->host, PGPORT => $node->port);
	ok(run_log([ @LOAD, '-t', 'Odd Name', '--create', "$dir/idx-images" ], '>&', \$summary),
		'quoted table name, not quiet: hack-load succeeds');
}
is(q1('SELECT count(*) FROM "Odd Name"'), '37', 'quoted table names and a summary line');
like($summary, qr/loaded 37 images/, 'summary names the count');

# fails(NAME, MESSAGE-PART, ARGS): a --create load into "bad" that exits 1
# with the message and leaves no table behind
sub fails
{
	my ($name, $want, @args) = @_;
	$node->command_checks_all([ @LOAD, '-q', '-t', 'bad', '--create', @args ],
		1, [], [qr/\Q$want\E/], $name);
	is(q1("SELECT to_regclass('bad') IS NOT NULL"), 'f', "$name: nothing loaded");
	return;
}

my @failures = (
	[ 'truncated IDX', 'is truncated', "$dir/idx-images-truncated", "$dir/idx-labels" ],
	[ 'IDX with trailing data', 'has data after its 37 items', "$dir/idx-images-long" ],
	[
		'fewer labels than images', 'has 36 labels but',
		"$dir/idx-images", "$dir/idx-labels-short"
	],
	[ 'not a dataset',  'neither an IDX nor a .npy file',  "$dir/garbage" ],
	[ 'float64 images', 'images must be uint8 or float32', "$dir/f64.npy" ],
	[ 'truncated npy',  'is truncated',                    "$dir/u8-truncated.npy" ],
	[ 'missing file',   'could not open',                  "$dir/nope" ],
	[
		'IDX of 4 dimensions',
		'idx-4d: IDX file has 4 dimensions (magic 0x00000804), only 1 to 3 are supported;'
		  . ' an images file must be 3-D',
		"$dir/idx-4d"
	],
	[
		'IDX of 15 dimensions', 'idx-15d: IDX file has 15 dimensions (magic 0x0000080f)',
		"$dir/idx-15d"
	],
	[ 'IDX of 0 dimensions', 'idx-0d: IDX file has 0 dimensions', "$dir/idx-0d" ],
	[
		'IDX of 15 dimensions as labels',
		'idx-15d: IDX file has 15 dimensions (magic 0x0000080f), only 1 to 3 are supported;'
		  . ' a labels file must be 1-D (N)',
		"$dir/idx-images", "$dir/idx-15d"
	],
	[
		'IDX labels as images',
		'idx-labels: IDX file has 1 dimension, but an images file must be 3-D (N x H x W)',
		"$dir/idx-labels"
	],
	[
		'IDX images as labels',
		'idx-images: IDX file has 3 dimensions, but a labels file must be 1-D (N)',
		"$dir/idx-images", "$dir/idx-images"
	],
	[
		'int64 label above int32',
		'labels-wide.npy: label at index 3 is 4294967297, outside the int32 range',
		"$dir/idx-images", "$dir/labels-wide.npy"
	],
	[
		'int64 label below int32',
		'labels-below.npy: label at index 3 is -2147483649, outside the int32 range',
		"$dir/idx-images", "$dir/labels-below.npy"
	],
	[
		'uint64 label above INT64_MAX',
		'labels-u8-big.npy: label at index 5 is 9223372036854775809, outside',
		"$dir/idx-images", "$dir/labels-u8-big.npy"
	],
	[
		'start-id overflowing bigint',
		'start-id 9223372036854775807 is too large for 2 images',
		'--start-id', '9223372036854775807', '--limit', '2', "$dir/idx-images"
	],
	[
		'start-id one too large',
		'start-id 9223372036854775772 is too large for 37 images',
		'--start-id', '9223372036854775772', "$dir/idx-images"
	],
	[
		'start-id above bigint',
		'start-id "9223372036854775808" is out of the bigint range',
		'--start-id', '9223372036854775808', "$dir/idx-images"
	],
	[
		'start-id below bigint',
		'start-id "-9223372036854775809" is out of the bigint range',
		'--start-id', '-9223372036854775809', "$dir/idx-images"
	],
	[ 'empty start-id', 'invalid --start-id', '--start-id=', "$dir/idx-images" ]);
fails(@$_) for @failures;

command_exit_is([ 'hack-load' ], 2, 'usage error exits 2');

done_testing();
