# test/t/007_concurrency.pl: pgbench, 8 clients for 60 s
# (HACK_CONCURRENCY_SECONDS), on a GiST-indexed poincare_point(2) table:
# inserts, KNN queries (ORDER BY p <-> q LIMIT 10), ball searches
# (<@ hball) and deletes, with VACUUM every 5 s beside them.  No
# transaction may fail and no client abort; afterwards the table holds
# exactly what our own bookkeeping says (from pgbench's per-transaction
# log: each client deletes the initial rows of its own slice in id order,
# each insert adds one row), the index gives the same answers as a
# sequential scan, and amcheck finds the heap and the btree sound
# (PostgreSQL 15's amcheck has no GiST check: the index is checked by
# comparing it with the heap instead).  Notes the TPS and latency of each
# statement type.
use strict;
use warnings FATAL => 'all';

use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use HackTest;

my $SECONDS_RUN = $ENV{HACK_CONCURRENCY_SECONDS} // 60;
my $CLIENTS = 8;
my $SLICE = 10000;    # initial rows of each client's slice, ids c * 1000000 + 1..SLICE
my $DB = 'hack_concurrency';
my $work = hack_tempdir();

my $node = hack_node('concurrency');
sub qdb { return $node->sql($_[0], db => $DB); }

$node->sql("CREATE DATABASE $DB");
qdb('CREATE EXTENSION hack; CREATE EXTENSION amcheck');
$node->consistency_setup($DB);
qdb("SELECT setseed(0.5);
CREATE TABLE pts (id bigint PRIMARY KEY, p poincare_point(2) NOT NULL);
CREATE SEQUENCE pts_new_id START 100000000;
INSERT INTO pts SELECT c * 1000000 + k, rnd_point(2)
	FROM generate_series(0, $CLIENTS - 1) c, generate_series(1, $SLICE) k;
CREATE INDEX pts_p_idx ON pts USING gist (p);
ANALYZE pts;");

# a query point: coordinates in (-0.67, 0.67), so inside the ball
my $point = '\set x (random(0, 2000000) - 1000000) / 1500000.0
\set y (random(0, 2000000) - 1000000) / 1500000.0
';
# the scripts in the order of their numbers in pgbench's log (0 insert,
# 3 delete), with their weights
my @scripts = (
	[ insert => 40, "INSERT INTO pts VALUES (nextval('pts_new_id'), rnd_point(2));\n" ],
	[ knn => 30, "${point}SELECT id FROM pts ORDER BY p <-> ARRAY[:x, :y]::poincare_point LIMIT 10;\n" ],
	[ ball => 15, "${point}SELECT count(*) FROM pts WHERE p <@ hball(ARRAY[:x, :y]::poincare_point, 0.3);\n" ],
	# :k persists between a client's transactions: each delete takes the
	# next initial row of the client's own slice, so it deletes exactly one
	# row (none once the slice is used up, on a machine fast enough for that)
	[ delete => 15, "\\set k :k + 1\n\\if :k <= $SLICE\nDELETE FROM pts WHERE id = :client_id * 1000000 + :k;\n\\endif\n" ]);
my @file_opts;
for my $s (@scripts)
{
	my ($name, $weight, $sql) = @$s;
	append_to_file("$work/$name.sql", $sql);
	push @file_opts, '-f', "$work/$name.sql\@$weight";
}

# VACUUM every 5 s beside the clients (GiST vacuum against concurrent scans
# and inserts); it prints nothing unless a VACUUM fails
my $vacuum = $node->bg_sql(
	"DO \$\$BEGIN PERFORM pg_sleep(5); END\$\$;\nVACUUM pts;\n" x int(($SECONDS_RUN + 4) / 5),
	db => $DB, on_error_stop => 0, dir => $work);

my $log_start = $node->log_offset;
my ($out, $err) = ('', '');
IPC::Run::run(
	[ 'pgbench', '-h', $node->host, '-p', $node->port, '-n', '-c', $CLIENTS, '-j', 2,
	  '-T', $SECONDS_RUN, '-r', '-D', 'k=0', '-l', "--log-prefix=$work/pgbench_log",
	  '--failures-detailed', @file_opts, $DB ],
	'>', \$out, '2>', \$err);
my $rc = $? >> 8;
my (undef, $vac_out, $vac_err) = $vacuum->wait;
note("pgbench: $_") for grep { !/\\set|serialization|deadlock/ } split /\n/, $out =~ s/\A.*?(?=^transaction type)//msr;

is($rc, 0, 'pgbench exits with 0');
is(($out =~ /^number of failed transactions: (\d+)/m)[0], 0, 'no failed transactions');
is(scalar(() = "$out\n$err" =~ /^.*(?:aborted|error).*$/mig), 0, 'no client aborted, no error');
is("$vac_out$vac_err", '', 'the concurrent VACUUMs ran without error');
unlike(slurp_file($node->logfile, $log_start), qr/PANIC|TRAP|terminated by signal|was terminated/,
	'the server log has no crash, PANIC or assertion');
$node->no_crash($log_start, 'after pgbench');

# bookkeeping from the per-transaction logs: "client tx time script ..."
# (time "failed" or "skipped" when not done)
my @done;    # [client, script] of each transaction done
for my $f (glob "$work/pgbench_log.*")
{
	push @done, map { [ (split ' ')[ 0, 3 ] ] } grep { (split ' ')[2] =~ /^\d+$/ } split /\n/, slurp_file($f);
}
my $ins = grep { $_->[1] == 0 } @done;
my %deletes;
$deletes{ $_->[0] }++ for grep { $_->[1] == 3 } @done;
# rows deleted: a client's deletes beyond its slice delete nothing
$deletes{$_} = ($deletes{$_} // 0) > $SLICE ? $SLICE : ($deletes{$_} // 0) for 0 .. $CLIENTS - 1;
my $del = 0;
$del += $_ for values %deletes;
is(scalar @done, ($out =~ /^number of transactions actually processed: (\d+)/m)[0],
	"every transaction is in pgbench's log");
note("bookkeeping: $ins inserts, $del deletes");
is(qdb('SELECT count(*) FROM pts'), $CLIENTS * $SLICE + $ins - $del, 'rows = initial + inserts - deletes');
is(qdb('SELECT count(*) FROM pts WHERE id >= 100000000'), $ins, 'every insert added its row');
# client c deleted ids c * 1000000 + 1 .. + d and no other of its slice
my @wrong;
for my $c (0 .. $CLIENTS - 1)
{
	my $d = $deletes{$c};
	my $got = qdb("SELECT count(*) FILTER (WHERE id <= $c * 1000000 + $d) || ' ' || count(*)
		FROM pts WHERE id BETWEEN $c * 1000000 + 1 AND $c * 1000000 + $SLICE");
	push @wrong, "client $c: $d deletes, got $got" if $got ne '0 ' . ($SLICE - $d);
}
is(join('; ', @wrong), '', "each client's deletes removed exactly its first rows");

$node->consistency_probe(
	db => $DB, table => 'pts', col => 'p', id => 'id', index => 'pts_p_idx',
	dim => 2, probes => 100, seed => '0.25', label => 'after pgbench');
is(qdb("SELECT (SELECT count(*) FROM verify_heapam('pts')) + (SELECT count(*) FROM (SELECT bt_index_parent_check('pts_pkey', true)) s) - 1"),
	0, 'amcheck: heap and primary key btree of pts');

done_testing();
