# test/t/020_loader_dir.pl: hack-load --dir on trees of tiny PNG and JPEG
# files written by test/t/loader_dir_fixtures.py (PIL).  The stored rows
# (id, label, label_code, file, md5 of img) must equal the fixture's
# .expect, whose order and codes come from torchvision ImageFolder's rule
# written out again in Python: that checks labels and codes, nested
# directories, links, hidden and other files, files directly under the
# root, non-ASCII and quoted names and the bytes, in a UTF8 database.
# Then: ids stable across loads, --limit and --start-id, every kind of bad
# file under --on-error=skip (warned, counted, ids left as gaps) and under
# the default stop (exit 1, nothing loaded, no table, an existing table
# untouched), --max-file-size, usage errors, and the progress bar on a
# terminal (IO::Pty) against the summary line alone otherwise.
#
# The tree's unreadable files are chmod 000: the test runs as the owner of
# its cluster, not root (initdb refuses root), so they cannot be opened.

use strict;
use warnings FATAL => 'all';

use HackTest;
use IPC::Run ();
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = hack_tempdir();
command_ok([ hack_python(), hack_repo() . '/test/t/loader_dir_fixtures.py', $dir ],
	'fixtures written');

my $node = hack_node('loader_dir');
$node->sql("CREATE DATABASE u8 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");

sub q1 { return $node->sql($_[0], db => 'u8'); }

# hl(ARGS): hack-load on database u8, stdin empty; (exit status, stdout, stderr)
sub hl
{
	my @args = @_;
	my ($out, $err) = ('', '');
	local %ENV = (%ENV, PGHOST => $node->host, PGPORT => $node->port);
	IPC::Run::run([ 'hack-load', '-d', 'u8', @args ], '<', \undef, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# the rows of TABLE as the .expect files have them
sub stored
{
	my ($table) = @_;
	return q1("SELECT id || E'\\t' || coalesce(label, '') || E'\\t' || coalesce(label_code::text, '')
		|| E'\\t' || file || E'\\t' || md5(img) FROM $table ORDER BY id");
}

sub expected { return slurp_file("$dir/$_[0]") =~ s/\n\z//r; }

sub no_table
{
	my ($table, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	is(q1("SELECT to_regclass('$table') IS NOT NULL"), 'f', "$name: no table left behind");
	return;
}

# ---- the good tree, whole, in ImageFolder's order
my ($rc, $out, $err) = hl('-t', 'good', '--create', '--dir', "$dir/good");
is($rc, 0, 'good tree: hack-load succeeds');
is(stored('good'), expected('good.expect'),
	'good tree: ids, labels, codes, files and md5 of the bytes equal the ImageFolder order');
my ($nclasses, $nother) = split ' ', slurp_file("$dir/good.counts");
like(
	$out,
	qr/^loaded 15 files \([0-9.]+ MB\) of $nclasses classes into good in [0-9.]+ s \([0-9.]+ MB\/s, [0-9]+ files\/s\); skipped 0 bad files, 0 bad directories and $nother files not named \.png, \.jpg or \.jpeg\n\z/,
	'good tree: the summary line counts files, classes and other files');
is($err, '', 'not a terminal: no progress bar on stderr');
is( q1("SELECT string_agg(DISTINCT label || '=' || label_code, ', ') FROM good"),
	"Zebra=0, a class=1, caf\x{c3}\x{a9}=2, it's \"quoted\"=4, nested=5",
	'good tree: codes index the sorted first-level directories, the empty one (3) included');
is( q1("SELECT count(*) FILTER (WHERE label IS NULL AND label_code IS NULL) || ' '
		|| min(id) FILTER (WHERE label IS NULL) || ' ' || max(id) FROM good"),
	'2 14 15', 'files directly under the root: NULL label and code, after every class');
is( q1("SELECT count(*) FROM good a JOIN good b ON a.file = 'Zebra/link.png' AND b.file = 'a class/x.png'
		AND a.img = b.img"),
	'1', 'a link to a file loads the bytes it points to');
is(q1("SELECT count(*) FROM good WHERE file LIKE '%.hidden%' OR file LIKE '.git%'"),
	'0', 'names beginning with a dot are not read');
is( q1("SELECT string_agg(format_type(atttypid, atttypmod) || ' ' || attname
		|| CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum)
		FROM pg_attribute WHERE attrelid = 'good'::regclass AND attnum > 0"),
	'bigint id not null, text label, integer label_code, text file not null, bytea img not null',
	'--create makes (id, label, label_code, file, img)');
is(q1("SELECT attstorage FROM pg_attribute WHERE attrelid = 'good'::regclass AND attname = 'img'"),
	'e', '--create stores img uncompressed (STORAGE EXTERNAL: PNG and JPEG are compressed already)');
q1('CREATE TABLE mine (id bigint PRIMARY KEY, label text, label_code int, file text, img bytea)');
($rc) = hl('-q', '-t', 'mine', '--create', '--dir', "$dir/good");
is( q1("SELECT count(*) || ' ' || (SELECT attstorage::text FROM pg_attribute
		WHERE attrelid = 'mine'::regclass AND attname = 'img') FROM mine"),
	'15 x', '--create on an existing table loads into it and leaves its storage alone');

# ---- ids stable across loads
($rc) = hl('-q', '-t', 'again', '--create', '--dir', "$dir/good");
is($rc, 0, 'second load into another table succeeds');
is( q1("SELECT count(*) FROM ((SELECT id, file, md5(img) FROM good EXCEPT SELECT id, file, md5(img) FROM again)
		UNION ALL (SELECT id, file, md5(img) FROM again EXCEPT SELECT id, file, md5(img) FROM good)) d"),
	'0', 'ids stable across two loads: the same (id, file, bytes)');
($rc) = hl('-q', '-t', 'good', '--truncate', '--dir', "$dir/good");
is($rc, 0, '--truncate reload succeeds');
is(stored('good'), expected('good.expect'), '--truncate reload: the same rows again');

# ---- --limit, --start-id and a quoted table name
($rc) = hl('-q', '-t', 'public.Dir "T"', '--create', '--start-id', '100', '--limit', '3',
	'--dir', "$dir/good");
is($rc, 0, '--limit, --start-id, quoted name: hack-load succeeds');
my @first = (split /\n/, expected('good.expect'))[ 0 .. 2 ];
s/^(\d+)/$1 + 99/e for @first;
is(stored('"Dir ""T"""'), join("\n", @first), '--limit 3 --start-id 100: the first 3 files, ids 100-102');

# ---- every kind of bad file: skipped with a warning each, counted, ids left as gaps
SKIP:
{
	skip 'running as root: a chmod 000 file is readable', 6 if -r "$dir/mixed/ok/d-locked.png";

	($rc, $out, $err) = hl('-t', 'mixed', '--create', '--on-error=skip', '--dir', "$dir/mixed");
	is($rc, 0, '--on-error=skip: hack-load succeeds');
	is(stored('mixed'), expected('mixed.expect'),
		'--on-error=skip: the good files, at the ids of their places');
	like($out, qr/loaded 3 files .* skipped 5 bad files, 1 bad directories and 0 files/,
		'--on-error=skip: the summary counts the bad files and the directory');
	my @why = (
		qr{mixed/zloop/back: a symbolic link loop: it is the directory given to --dir},
		qr{mixed/ok/b-empty\.png: empty file},
		qr{mixed/ok/c-fake\.jpg: not a PNG or JPEG file},
		qr{mixed/ok/d-locked\.png: could not open: Permission denied},
		qr{mixed/ok/e-dangling\.png: could not stat: No such file or directory},
		qr{mixed/ok/f-\x{ff}\.png: its name is not valid UTF-8});
	is(scalar(grep { my $re = $_; $err =~ /^hack-load: skipped .*$re/m } @why),
		6, '--on-error=skip: one warning per bad file or directory, with its reason');
	is(scalar(() = $err =~ /^hack-load: skipped /mg), 6, '--on-error=skip: no other warnings');

	($rc, $out, $err) = hl('-t', 'mixed_stop', '--create', '--dir', "$dir/mixed");
	ok($rc == 1 && $err =~ /zloop\/back: a symbolic link loop.*; nothing was loaded/,
		'default --on-error=stop: exit 1 at the first bad entry (the loop, met by the scan)');
}
no_table('mixed_stop', 'mixed tree under stop');

# ---- stop: each kind alone stops the load, exit 1, nothing loaded
my @kinds = (
	[ 'empty',    'c/z.png: empty file' ],
	[ 'fake',     'c/z.png: not a PNG or JPEG file (by its first bytes)' ],
	[ 'locked',   'c/z.png: could not open: Permission denied' ],
	[ 'dangling', 'c/z.png: could not stat: No such file or directory' ],
	[ 'loop',     'c/z: a symbolic link loop' ],
	[
		'big', 'c/z.png: 2008 bytes, above the size limit (--max-file-size) of 1024',
		'--max-file-size=1kB'
	]);
for my $k (@kinds)
{
	my ($kind, $want, @flags) = @$k;
	SKIP:
	{
		skip 'running as root: a chmod 000 file is readable', 4
		  if $kind eq 'locked' && -r "$dir/bad-locked/c/z.png";
		($rc, $out, $err) = hl('-t', "stop_$kind", '--create', @flags, '--dir', "$dir/bad-$kind");
		is($rc, 1, "$kind under stop: exit 1");
		like(
			$err,
			qr{\Qbad-$kind/$want\E.*\Q(--on-error=skip leaves such files out); nothing was loaded\E},
			"$kind under stop: the message names the file and the reason");
		no_table("stop_$kind", "$kind under stop");
		($rc, $out, $err) = hl('-t', "skip_$kind", '--create', '--on-error=skip', @flags,
			'--dir', "$dir/bad-$kind");
		ok( $rc == 0
			  && q1("SELECT string_agg(id || ' ' || file, ',') FROM skip_$kind") eq '1 c/a.png'
			  && $out =~ ($kind eq 'loop' ? qr/skipped 0 bad files, 1 bad directories/
				: qr/skipped 1 bad files, 0 bad directories/),
			"$kind under skip: the good file loaded, the bad one counted");
	}
}
($rc) = hl('-q', '-t', 'big_ok', '--create', '--dir', "$dir/bad-big");
is(q1("SELECT count(*) || ' ' || max(length(img)) FROM big_ok"),
	'2 2008', 'without --max-file-size the 2008-byte file (PNG by its first bytes) loads');

# ---- a failed load leaves an existing table as it was (--truncate rolled back)
($rc, $out, $err) = hl('-t', 'good', '--truncate', '--dir', "$dir/bad-fake");
ok($rc == 1 && q1('SELECT count(*) FROM good') eq '15',
	'a failed --truncate load leaves the table as it was');
q1('CREATE TABLE idx_layout (id bigint PRIMARY KEY, label int, img bytea NOT NULL)');
($rc, $out, $err) = hl('-t', 'idx_layout', '--dir', "$dir/good");
ok( $rc == 1
	  && $err =~ /column "label_code" of relation "idx_layout" does not exist/
	  && q1('SELECT count(*) FROM idx_layout') eq '0',
	'into a table of the IDX layout: the server\'s error, exit 1, nothing loaded');

# ---- usage and argument errors
my @usage = (
	[ 2, 'must be skip or stop', '-t', 'u', '--on-error=maybe', '--dir', "$dir/good" ],
	[ 2, 'go with --dir', '-t', 'u', '--on-error=skip', "$dir/good.expect" ],
	[ 2, '--dir takes no IMAGES', '-t', 'u', '--dir', "$dir/good", "$dir/good.expect" ],
	[ 1, 'is above the largest bytea, 1073741819 bytes', '-t', 'u', '--max-file-size=1GB',
		'--dir', "$dir/good" ],
	[ 1, 'the units are kB, MB and GB', '-t', 'u', '--max-file-size=1TB', '--dir', "$dir/good" ],
	[ 1, 'good.expect is not a directory', '-t', 'u', '--dir', "$dir/good.expect" ],
	[ 1, 'could not stat', '-t', 'u', '--dir', "$dir/nope" ]);
for my $u (@usage)
{
	my ($want_rc, $want, @args) = @$u;
	($rc, $out, $err) = hl(@args);
	ok($rc == $want_rc && $err =~ /\Q$want\E/, "usage: exit $want_rc, \"$want\"")
	  or diag("rc $rc: $err");
}
($rc) = hl('-q', '-t', 'max_ok', '--create', '--max-file-size=1073741819', '--dir', "$dir/good");
is($rc, 0, '--max-file-size of exactly the largest bytea is accepted');

# ---- the progress bar: on a terminal, and not with -q
SKIP:
{
	skip 'IO::Pty is not installed: the terminal check needs a pseudo-terminal', 3
	  unless eval { require IO::Pty; 1 };
	# stdout and stderr both on the terminal, as an interactive run has them
	my $tty = '';
	local %ENV = (%ENV, PGHOST => $node->host, PGPORT => $node->port);
	IPC::Run::run([ 'hack-load', '-d', 'u8', '-t', 'tty', '--create', '--dir', "$dir/good" ],
		'<', \undef, '>pty>', \$tty, '2>&1');
	like(
		$tty,
		qr/\r\[ *\] 1\/15 files +[0-9]+ files\/s +[0-9.]+ MB\/s +ETA [0-9]+ s/,
		'terminal: the bar starts with files done, files/s, MB/s and an ETA');
	like($tty, qr/\r\[#{30}\] 15\/15 files .* in [0-9.]+ s\r?\n/,
		'terminal: the bar ends full with the time taken');
	$tty = '';
	IPC::Run::run(
		[ 'hack-load', '-d', 'u8', '-q', '-t', 'tty', '--truncate', '--dir', "$dir/good" ],
		'<', \undef, '>pty>', \$tty, '2>&1');
	is($tty, '', 'terminal with -q: nothing at all');
}

done_testing();
