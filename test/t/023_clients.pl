# test/t/023_clients.pl: the client guide (doc/clients.md) as it is
# written.  Every snippet of doc/clients/ runs against a cluster and its
# output is checked: psycopg 3 (adapters to numpy in text and binary, COPY of
# images, live progress through add_notice_handler), psycopg2 (adapters, and
# its notices: the last 50, handed over when CALL returns), SQLAlchemy 1.4's
# column type, node-postgres (parameters, KNN; `npm ci` of the pinned
# package-lock.json, which needs the npm registry) and the export and import
# of every model around a DROP EXTENSION.  doc/clients.md must quote each
# file verbatim.  Then the README's hack-load command runs as written with
# only pg_config on PATH, as on Debian, where the server's bin directory is
# not.  Needs the Debian packages python3-psycopg, python3-psycopg2,
# python3-sqlalchemy, python3-numpy, nodejs, npm and dataset-fashion-mnist
# (HACK_PACKAGES).

use strict;
use warnings FATAL => 'all';

use File::Copy ();
use HackTest;
use IPC::Run ();
use PostgreSQL::Test::Utils;
use Test::More;

my $repo   = hack_repo();
my $snip   = "$repo/doc/clients";
my $dir    = hack_tempdir();
my $python = hack_python();

my $node = hack_node('clients');
$node->sql('CREATE DATABASE clients');
$node->sql('CREATE EXTENSION hack', db => 'clients');
my %db = (db => 'clients');

# the snippets find the cluster through libpq's variables, as the guide says
local $ENV{PGHOST}     = $node->host;
local $ENV{PGPORT}     = $node->port;
local $ENV{PGDATABASE} = 'clients';
local $ENV{PYTHONDONTWRITEBYTECODE} = 1;    # the source tree is read-only here
delete local $ENV{PGOPTIONS};

# run(CMD, CWD): (exit status, stdout, stderr) of CMD run in CWD
sub run
{
	my ($cmd, $cwd) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run($cmd, '<', \'', '>', \$out, '2>', \$err, init => sub { chdir($cwd // $dir) or die $!; });
	return ($? >> 8, $out, $err);
}

# snippet(NAME, CMD, EXPECTED-LINES): run it and compare its output
sub snippet
{
	my ($name, $cmd, $want) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($rc, $out, $err) = run($cmd);
	is($rc, 0, "$name exits 0") or diag($err);
	is($out, $want, "$name prints what doc/clients.md says") if defined $want;
	return $out;
}

# ---- doc/clients.md quotes every snippet as it is ----
my $guide = slurp_file("$repo/doc/clients.md");
opendir my $dh, $snip or die "$snip: $!";
my @files = sort grep { /\.(py|js|json|sql)$/ && $_ ne 'package-lock.json' } readdir $dh;
closedir $dh;
for my $f (@files)
{
	my $text = slurp_file("$snip/$f");
	my ($quoted) = $guide =~ /<!-- doc\/clients\/\Q$f\E -->\n```[a-z]*\n(.*?)```\n/s;
	is($quoted // "(no block marked <!-- doc/clients/$f -->)", $text, "doc/clients.md quotes doc/clients/$f verbatim");
}

# ---- psycopg 3, psycopg2, SQLAlchemy ----
my ($rc, $versions) = run([ $python, '-c',
	'import numpy, psycopg, psycopg2, sqlalchemy; print(psycopg.__version__, psycopg2.__version__.split()[0], sqlalchemy.__version__, numpy.__version__)' ]);
is($rc, 0, 'psycopg, psycopg2, SQLAlchemy and numpy import (Debian python3-psycopg, -psycopg2, -sqlalchemy, -numpy)');
note("psycopg, psycopg2, SQLAlchemy, numpy: $versions");

my $out = snippet('psycopg3_adapters.py', [ $python, "$snip/psycopg3_adapters.py" ]);
like($out, qr/^text result: ndarray float64 \(2,\) exact: True$/m, 'psycopg 3: text results load as exact float64 arrays');
like($out, qr/^binary result: ndarray float64 \(2,\) exact: True$/m, 'psycopg 3: binary results load as exact float64 arrays');
like($out, qr/^nearest ids: \[\d+(?:, \d+){4}\] numpy agrees: True$/m, 'psycopg 3: the KNN query with a binary parameter');
like($out, qr/^index scan: True$/m, 'psycopg 3: ... answered by the GiST index');
like($out, qr/^str\(list\) literal: \(0\.25,-0\.5\)$/m, "psycopg 3: Python's str(list) is a literal");

snippet('psycopg3_copy.py', [ $python, "$snip/psycopg3_copy.py" ],
	"images copied in: 64\nembeddings copied out: (64, 2) float64\nnorm = 2 artanh |x|: True\n");

# live progress: the handler runs while the CALL does (another session sees
# the job), and before the CALL returns
$out = snippet('psycopg3_progress.py', [ $python, "$snip/psycopg3_progress.py" ]);
my @epochs = $out =~ /^ *([0-9.]+) s  view: (.*?) +hack_train progress_demo group \d: epoch \d\/8,/mg;
my ($returned) = $out =~ /^ *([0-9.]+) s  CALL returned$/m;
is(scalar(@epochs) / 2, 16, 'psycopg 3: a notice per epoch of each group reaches the handler');
like($epochs[1] // 'none', qr/^group 0 epoch \d$/,
	'psycopg 3: the first progress notice arrives while the training runs (hack.training_progress shows it)');
ok(defined $returned && @epochs && $epochs[0] < $returned,
	'psycopg 3: ... and before the CALL returns') or diag($out);

snippet('psycopg2_example.py', [ $python, "$snip/psycopg2_example.py" ],
	"nearest: 2 ndarray [-0.5, 0.25]\n"
	  . "notices kept: 50 first kept: NOTICE:  notice 11\n"
	  . "epoch notices: 16 delivered while the CALL ran: 0\n");

snippet('sqlalchemy_example.py', [ $python, "$snip/sqlalchemy_example.py" ],
	"nearest: [(2, [-0.5, 0.25]), (1, [0.1, 0.2])]\n"
	  . "norms: [(1, 0.454899), (2, 1.262804), (3, 1.734601)]\n");

# ---- node-postgres, from the lock file ----
my $nd = "$dir/node";
mkdir $nd or die "$nd: $!";
File::Copy::copy("$snip/$_", "$nd/$_") or die "$_: $!" for qw(package.json package-lock.json node_example.js);
{
	local $ENV{npm_config_cache} = "$dir/npm-cache";
	local $ENV{npm_config_update_notifier} = 'false';
	my ($nrc, $nout, $nerr) = run([ 'npm', 'ci', '--no-audit', '--no-fund', '--loglevel=error' ], $nd);
	is($nrc, 0, 'npm ci installs the pinned pg') or diag($nerr);
}
my ($prc, $pver) = run([ 'node', '-p', 'require("pg/package.json").version + " on node " + process.versions.node' ], $nd);
note("node-postgres $pver");
snippet('node_example.js', [ 'node', "$nd/node_example.js" ],
	"id 5 p [-0.45,0.1] distance 0.280795\n"
	  . "id 2 p [-0.5,0.25] distance 0.300381\n"
	  . "id 1 p [0.1,0.2] distance 1.092006\n");

# ---- every model saved, DROP EXTENSION, and back ----
$node->sql("CREATE TABLE ximgs (id bigint PRIMARY KEY, label int, img bytea);
INSERT INTO ximgs SELECT i, i % 2, (SELECT decode(string_agg(lpad(to_hex(hashint4(p + 1000 * i) & 255), 2, '0'), ''), 'hex')
	FROM generate_series(0, 783) p) FROM generate_series(1, 40) i;
CALL hack_train(model => 'x m''1', source => 'ximgs', group_column => 'label', format => 'u8', epochs => 1, pack_epochs => 20);
CALL hack_train(model => 'whole', source => 'ximgs', format => 'u8', epochs => 1, pack_epochs => 20)", %db);
my $digest = "SELECT count(DISTINCT model) || ' ' || md5(string_agg(model || id || ':' || embedding::text, ',' ORDER BY model, id)) FROM hack.embeddings";
my $before = $node->sql($digest, %db);
my $psql = $node->installed_command('psql');
snippet('export_models.sql', [ $psql, '-X', '-q', '-f', "$snip/export_models.sql" ]);
$node->sql('DROP EXTENSION hack', %db);
$node->sql('CREATE EXTENSION hack', %db);
is($node->sql('SELECT count(*) FROM hack.models', %db), '0', 'a plain DROP EXTENSION hack deleted every model (as the docs warn)');
snippet('import_models.sql', [ $psql, '-X', '-q', '-f', "$snip/import_models.sql" ]);
is($node->sql($digest, %db), $before, 'the imported and refreshed models give the embeddings they had');

# ---- the README's hack-load command, with pg_config alone on PATH ----
my ($cmd) = slurp_file("$repo/README.md") =~ /^("\$\(pg_config --bindir\)\/hack-load"(?:[^\n]*\\\n)*[^\n]*)$/m;
ok(defined $cmd, 'the README calls hack-load as "$(pg_config --bindir)/hack-load"');
mkdir "$dir/bin" or die $!;
symlink($node->config_data('--bindir') . '/pg_config', "$dir/bin/pg_config") or die $!;
{
	local $ENV{PATH} = "$dir/bin:/usr/bin:/bin";
	my ($lrc, $lout, $lerr) = run([ 'bash', '-c', "command -v hack-load && exit 3; $cmd" ]);
	is($lrc, 0, "the README's hack-load command runs with the server's bin directory off PATH") or diag("$lout$lerr");
}
is($node->sql('SELECT count(*), count(DISTINCT label) FROM images', %db), '60000|10',
	"the README's command loads Fashion-MNIST");

$node->stop;
done_testing();
