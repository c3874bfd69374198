# test/t/003_bad_input.pl: hundreds of malformed inputs through SQL.
#
# bad_input_cases.py (seeded: HACK_BAD_INPUT_SEED, default 20261123) writes
# the corpus: malformed poincare_point and hball literals, crafted binary
# input, bad arrays, tensors and NPY headers for hack_embed, corrupted model
# blobs, bad parameters of every function and procedure, each with the
# SQLSTATE it must raise.  A plpgsql harness runs every case in its own
# subtransaction (always rolled back) and records the SQLSTATE, in batches
# of one session each (a batch whose session dies is rerun one case per
# session to name the culprit); a sample of cases (every 25th) also runs
# one psql session per case.  Passing means: every case raised its SQLSTATE
# (one assertion per case), the sample sees the same SQLSTATE in its own
# sessions, no backend died (the postmaster start time is unchanged, no
# crash report in the server log).  test/sanitize.sh also runs this file
# on the ASan/UBSan build (HACK_SERVER_ENV, HACK_SERVER_CONF).

use strict;
use warnings FATAL => 'all';

use HackTest;
use IPC::Run ();
use PostgreSQL::Test::Utils;
use Test::More;

my $db    = 'hack_bad_input';
my $seed  = $ENV{HACK_BAD_INPUT_SEED} // 20261123;
my $batch = 150;

my $node = hack_node('bad_input');
my $scratch = hack_tempdir();    # the server's scratch files (@FILE@)

sub dsql { return $node->sql($_[0], db => $db, @_[ 1 .. $#_ ]); }

# the result of a case as its SQLSTATE pattern: the expected code when the
# state matches it (a case may give a whole class as 'NN%'), else the state
sub verdict
{
	my ($state, $expected) = @_;
	return $expected if $state eq $expected;
	return $expected
	  if $expected =~ /^(.*)%$/ && substr($state, 0, length $1) eq $1;
	return $state;
}

$node->sql("CREATE DATABASE $db");
my $started = $node->sql('SELECT pg_postmaster_start_time()');
my $log_at = $node->log_offset;

# a small model to feed: 20 images of 8 x 8 bytes, an mlp with one hidden layer
dsql(<<'SQL');
CREATE EXTENSION hack;
CREATE TABLE bi_imgs (id bigint, img bytea, label_text text);
INSERT INTO bi_imgs SELECT i, (SELECT decode(string_agg(lpad(to_hex((hashint4(p + 100 * i) & 255)), 2, '0'), ''), 'hex')
	FROM generate_series(0, 63) p), 'x' FROM generate_series(1, 20) i;
CALL hack_train(model => 'bi', source => 'bi_imgs', height => 8, width => 8, architecture => 'mlp',
	hidden => '{4}', epochs => 2, pack_epochs => 20, seed => 1);
CREATE TABLE bad_cases (id int PRIMARY KEY, category text, expected text, sql text);
CREATE TABLE bad_results (id int PRIMARY KEY, state text);
SQL

# the corpus, from the weights of the model
my $blob = "$scratch/blob.hex";
append_to_file($blob, dsql("SELECT weights FROM hack.model_groups WHERE model = 'bi'"));
my ($cases, $gen_err) = ('', '');
IPC::Run::run([ hack_python(), hack_repo() . '/test/t/bad_input_cases.py', $seed, $blob ],
	'>', \$cases, '2>', \$gen_err)
  or BAIL_OUT("bad_input_cases.py failed: $gen_err");
dsql($cases);
my $total = dsql('SELECT count(*) FROM bad_cases');
note("$total cases, seed $seed");

# run every case in a subtransaction that is always rolled back; returns its
# SQLSTATE ('ok' when it raised nothing)
dsql(<<"SQL");
CREATE FUNCTION run_case(id int, q text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
	part text;
	st text;
BEGIN
	q := replace(q, '\@FILE\@', '$scratch/case_' || pg_backend_pid() || '.bin');
	q := replace(q, '\@IMG\@', '(SELECT img FROM bi_imgs WHERE id = 1)');
	BEGIN
		FOREACH part IN ARRAY string_to_array(q, E'\\n--next\\n') LOOP
			EXECUTE part;
		END LOOP;
		RAISE EXCEPTION 'no error' USING ERRCODE = 'HK000';
	EXCEPTION WHEN OTHERS THEN
		st := SQLSTATE;
	END;
	RETURN CASE st WHEN 'HK000' THEN 'ok' ELSE st END;
END \$\$;
SQL

# cases lo..hi in one session; whether the session lived
sub run_cases
{
	my ($lo, $hi) = @_;
	my ($rc, $out, $err) = $node->try_sql(
		"INSERT INTO bad_results SELECT id, run_case(id, sql) FROM bad_cases "
		  . "WHERE id BETWEEN $lo AND $hi ORDER BY id",
		db      => $db,
		options => '-c client_min_messages=error');
	diag("cases $lo..$hi failed: " . substr($err, 0, 300)) if $rc != 0;
	return $rc == 0;
}

# batches of cases, one session each; a batch whose session dies is rerun
# one case per session to name the culprit
for (my $lo = 1; $lo <= $total; $lo += $batch)
{
	my $hi = $lo + $batch - 1;
	next if run_cases($lo, $hi);
	for my $i ($lo .. ($hi < $total ? $hi : $total))
	{
		$node->try_sql("INSERT INTO bad_results VALUES ($i, 'session died')",
			db => $db)
		  unless run_cases($i, $i);
	}
}

# the verdict per case, one assertion each
my $rows = dsql(
	"SELECT c.id, c.category, c.expected, coalesce(r.state, 'not run'),
		replace(left(c.sql, 300), E'\\n', ' ')
	FROM bad_cases c LEFT JOIN bad_results r USING (id) ORDER BY c.id",
	extra => [ '-F', "\t" ]);
my (%good, %all);
for my $line (split /\n/, $rows)
{
	my ($id, $category, $expected, $state, $sql) = split /\t/, $line, 5;
	my $got = verdict($state, $expected);
	$all{$category}++;
	$good{$category}++ if $got eq $expected;
	is($got, $expected, "case $id ($category)") or diag("sql: $sql");
}
note(sprintf("%-20s %d/%d", $_, $good{$_} // 0, $all{$_}))
  for sort keys %all;

# a sample (every 25th case) again, one psql session per case: the error
# the client sees carries the same SQLSTATE
my $sample = dsql(
	"SELECT id, expected, replace(replace(replace(sql, '\@FILE\@', '$scratch/sample.bin'),
		'\@IMG\@', '(SELECT img FROM bi_imgs WHERE id = 1)'), E'\\n--next\\n', E';\\n')
	FROM bad_cases WHERE id % 25 = 0 ORDER BY id",
	extra => [ '-F', "\t", '-R', "\x01" ]);
for my $row (split /\x01/, $sample)
{
	my ($id, $expected, $sql) = split /\t/, $row, 3;
	my $state = $node->sqlstate("BEGIN;\n$sql;\nROLLBACK;\n",
		db      => $db,
		options => '-c client_min_messages=error');
	is(verdict($state, $expected), $expected,
		"sample case $id in its own session");
}

# nothing crashed: same postmaster, no backend terminated by a signal
is($node->sql('SELECT pg_postmaster_start_time()'),
	$started, 'the postmaster did not restart');
$node->no_crash($log_at, 'every case');

done_testing();
