# test/perl/HackTest.pm: what every TAP test of hack (test/t/*.pl) shares.
#
# The tests run on PostgreSQL's own framework (PostgreSQL::Test::Cluster,
# Test::More), as contrib's and pgvector's do, against the installed
# extension: `make prove_installcheck` or test/run.sh.  This module adds
# only what hack's tests repeat:
#
#   hack_node(NAME, conf => TEXT)   a started cluster with fsync off and any
#                                   extra postgresql.conf lines; its server
#                                   gets HACK_SERVER_ENV (test/sanitize.sh
#                                   passes the ASan runtime that way) and
#                                   the lines of HACK_SERVER_CONF, then
#                                   those of last_conf => TEXT or CODE (a
#                                   function of the node, called before it
#                                   starts)
#   hack_citus_cluster(NAME, workers => N, conf => TEXT)   a Citus cluster
#                                   of hack_nodes (NAME_coord, NAME_w1 ..
#                                   NAME_wN, default N 2): Citus preloaded
#                                   with max_prepared_transactions = 20,
#                                   citus.local_hostname = the socket
#                                   directory and no usage statistics sent,
#                                   then TEXT (both after HACK_SERVER_CONF;
#                                   TEXT may change them); CREATE EXTENSION
#                                   citus in database postgres of each; the
#                                   coordinator registered and the workers
#                                   added by ->hostport.  Returns
#                                   (coordinator, workers...).  Citus must
#                                   be installed (test/run.sh builds it:
#                                   hack_build_citus of test/lib/common.sh)
#   $node->hostport                 "HOST:PORT", the node as Citus names it
#                                   (pg_dist_node's nodename:nodeport; HOST
#                                   is the socket directory)
#   $coord->citus_node_of(TABLE, VALUE)   ->hostport of the worker holding
#                                   the shard of distribution value VALUE
#   $coord->citus_move(TABLE, VALUE, NODE)   moves that shard (and the
#                                   shards colocated with it) to worker NODE
#                                   (shard_transfer_mode block_writes);
#                                   nothing when it is there already
#   $node->sql(SQL, %o)             psql, stops on the first error and dies
#                                   with it; returns the unaligned output
#   $node->try_sql(SQL, %o)         the same without dying: (rc, out, err)
#   $node->sqlstate(SQL, %o)        the SQLSTATE of the first ERROR, or 'ok'
#   $node->state_is(SQL, CODE, NAME, %o)   a Test::More check of sqlstate
#   $node->log_offset               where the server log ends now
#   $node->crash_lines(OFFSET)      crash reports in the log since OFFSET
#   $node->no_crash(OFFSET, NAME)   a check: none, and the server answers
#   $node->session(NAME, %o)        a psql that stays connected (HackTest::
#                                   Session: application_name NAME,
#                                   VERBOSITY verbose, no ON_ERROR_STOP):
#                                   ->send(SQL) without waiting (it may
#                                   block on a lock), ->query(SQL) waits and
#                                   returns its output, ->output all of it so
#                                   far (stdout and stderr in order), ->codes
#                                   its SQLSTATEs, ->sqlstate the first or
#                                   'ok', ->close ends it (options: db, user,
#                                   options, timeout)
#   $node->kill9_all                kill -9 the postmaster and each of its
#                                   children (a power cut), wait until all
#                                   are gone; returns (number of children,
#                                   pids still there); then $node->start
#   $node->kill9_restart            kill9_all, then start (crash recovery
#                                   done when it returns): the same list
#   $node->bg_sql(SQL, %o)          psql in the background (also appname =>
#                                   application_name, dir => where its files
#                                   go); ->out is its output so far, ->wait
#                                   waits for it: (rc, out, err)
#   $node->consistency_setup(DB)    rnd_point(dim) (four in five uniform in
#                                   hyperbolic radius up to 3, one in five
#                                   at a norm in 1 - 1e-2 .. 1 - 1e-6) and
#                                   run_probe(query, table, index) in DB
#   $node->consistency_probe(db =>, table =>, col =>, id =>, index =>,
#       dim =>, probes =>, seed =>, label =>, filter =>)   8 checks: KNN
#                                   top-10, ball (<@ hball) and whole-table
#                                   probes give the same rows through the
#                                   index as through a seq scan (plans
#                                   checked), every row is in the index and
#                                   found through it at its own point
#   $node->command_ok, ... (all of PostgreSQL::Test::Cluster's methods)
#                                   run with the node's PGHOST/PGPORT:
#                                   HackTest::Node imports nothing from
#                                   PostgreSQL::Test::Utils, whose functions
#                                   of the same names would hide them
#
# Options %o: db (default postgres), user (connect as that role), options
# (PGOPTIONS, default "-c client_min_messages=warning"), on_error_stop
# (default 1), timeout (seconds), extra (more psql arguments).
#
# Every test runs as the OS user that owns its clusters (initdb refuses
# root: test/run.sh runs prove as postgres).

package HackTest;

use strict;
use warnings FATAL => 'all';

use Cwd ();
use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(hack_node hack_citus_cluster hack_repo hack_tempdir hack_python);

# crash reports a server log must not hold: a backend killed by a signal, a
# sanitizer report, a PANIC
our $CRASH_RE =
  qr/terminated by signal|server process \(PID|AddressSanitizer|runtime error:|PANIC:/;

# the root of the source tree (test/perl/..)
sub hack_repo
{
	my $dir = Cwd::abs_path(__FILE__);
	$dir =~ s{/test/perl/HackTest\.pm$}{};
	return $dir;
}

# a scratch directory removed at the end of the test
sub hack_tempdir { return PostgreSQL::Test::Utils::tempdir(@_); }

# Debian's Python, which has the packages the tests compare against
sub hack_python { return -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3'; }

sub hack_node
{
	my ($name, %opt) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);

	bless $node, 'HackTest::Node';
	$node->init(%{ $opt{init} // {} });
	my $last = $opt{last_conf} // '';
	$node->append_conf('postgresql.conf',
		"fsync = off\nlc_messages = 'C'\n"
		  . ($opt{conf} // '') . "\n"
		  . ($ENV{HACK_SERVER_CONF} // '') . "\n"
		  . (ref $last eq 'CODE' ? $last->($node) : $last) . "\n");
	$node->start;
	return $node;
}

# The settings every node of a Citus cluster needs: max_prepared_transactions
# for Citus's two-phase commit, its own name for the connections Citus opens
# to itself (shard moves; the default "localhost" is TCP, which the test
# clusters do not listen on), and no phoning home from a test
sub _citus_conf
{
	my $node = shift;
	return "shared_preload_libraries = 'citus'\nmax_prepared_transactions = 20\n"
	  . "citus.enable_statistics_collection = off\n"
	  . "citus.local_hostname = '" . $node->host . "'\n";
}

sub hack_citus_cluster
{
	my ($name, %opt) = @_;
	my $workers = $opt{workers} // 2;
	my @nodes;
	# a server that cannot preload citus.so would BAIL_OUT the whole prove
	# run in ->start: fail this file alone, saying why
	my ($lib, $share) = map { my $d = `pg_config --$_`; chomp $d; $d } qw(pkglibdir sharedir);
	unless (-f "$lib/citus.so" && -f "$share/extension/citus.control")
	{
		my $why = "Citus is not installed in $lib (test/run.sh builds it: hack_build_citus in test/lib/common.sh)";
		diag $why;    # shown by prove, where die's message goes to the log only
		die "$why\n";
	}
	for my $i (0 .. $workers)
	{
		# after HACK_SERVER_CONF (Citus must be the first preloaded
		# library), and TEXT after them, to change them
		my $node = hack_node($i == 0 ? "${name}_coord" : "${name}_w$i",
			last_conf => sub { return _citus_conf(shift) . ($opt{conf} // ''); });
		$node->sql('CREATE EXTENSION citus');
		push @nodes, $node;
	}
	my $coord = $nodes[0];
	my $node_sql = sub {
		my ($fn, $n) = @_;
		return "SELECT $fn('" . $n->host . "', " . $n->port . ')';
	};
	$coord->sql(join ";\n", $node_sql->('citus_set_coordinator_host', $coord),
		map { $node_sql->('citus_add_node', $_) } @nodes[ 1 .. $#nodes ]);
	return @nodes;
}

package HackTest::Node;

use strict;
use warnings FATAL => 'all';

use parent -norequire, 'PostgreSQL::Test::Cluster';
use PostgreSQL::Test::Utils ();
use Test::More;

# the words KEY=VALUE of HACK_SERVER_ENV, for the server's environment
sub _server_env
{
	my %env;
	for my $w (split ' ', $ENV{HACK_SERVER_ENV} // '')
	{
		my ($k, $v) = split /=/, $w, 2;
		$env{$k} = $v;
	}
	return %env;
}

sub start
{
	my $self = shift;
	local %ENV = (%ENV, _server_env());
	return $self->SUPER::start(@_);
}

sub restart
{
	my $self = shift;
	local %ENV = (%ENV, _server_env());
	return $self->SUPER::restart(@_);
}

# psql's arguments and environment for the options of the module header
sub _psql_params
{
	my ($self, %o) = @_;
	my $db = $o{db} // 'postgres';
	my $connstr = $self->connstr($db);
	my @extra = @{ $o{extra} // [] };

	$connstr .= " user=$o{user}" if defined $o{user};
	my %p = (
		connstr       => $connstr,
		on_error_stop => $o{on_error_stop} // 1,
		extra_params  => \@extra);
	$p{timeout} = $o{timeout} if defined $o{timeout};
	return %p;
}

sub try_sql
{
	my ($self, $sql, %o) = @_;
	my ($out, $err) = ('', '');
	local $ENV{PGOPTIONS} = $o{options} // '-c client_min_messages=warning';
	my $rc = $self->psql(
		$o{db} // 'postgres', $sql,
		stdout => \$out,
		stderr => \$err,
		$self->_psql_params(%o));
	return ($rc, $out, $err);
}

sub sql
{
	my ($self, $sql, %o) = @_;
	my ($rc, $out, $err) = $self->try_sql($sql, %o);
	die "psql failed ($rc): $err\nwhile running: $sql\n" if $rc != 0;
	return $out;
}

sub sqlstate
{
	my ($self, $sql, %o) = @_;
	my @extra = (@{ $o{extra} // [] }, '-v', 'VERBOSITY=verbose');
	my ($rc, $out, $err) = $self->try_sql($sql, %o, extra => \@extra);
	return $1 if $err =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return $rc == 0 ? 'ok' : "no SQLSTATE (rc $rc): $err";
}

sub state_is
{
	my ($self, $sql, $code, $name, %o) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	return is($self->sqlstate($sql, %o), $code, $name);
}

sub log_offset { my $self = shift; return -s $self->logfile // 0; }

sub crash_lines
{
	my ($self, $offset) = @_;
	my $log = PostgreSQL::Test::Utils::slurp_file($self->logfile, $offset // 0);
	my @lines = grep { /$HackTest::CRASH_RE/ } split /\n/, $log;
	return scalar @lines;
}

sub no_crash
{
	my ($self, $offset, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $crashes = $self->crash_lines($offset);
	my ($rc, $out) = $self->try_sql('SELECT 1');
	return ok($crashes == 0 && $rc == 0 && $out eq '1',
		"$name: no crash in the server log, the server answers");
}

# ---- kill9_all, bg_sql, consistency_setup, consistency_probe

use Time::HiRes ();

# the state and parent pid in /proc/PID/stat, or () once the pid is gone
sub _proc_stat
{
	my $pid = shift;
	open my $fh, '<', "/proc/$pid/stat" or return ();
	my $stat = <$fh> // '';
	close $fh;
	return $stat =~ /\)\s+(\S)\s+(\d+)/ ? ($1, $2) : ();
}

sub _alive
{
	my ($state) = _proc_stat(shift);
	return defined $state && $state ne 'Z';
}

sub kill9_all
{
	my $self = shift;
	my $pm = $self->{_pid};
	my @kids;
	opendir my $dh, '/proc' or die "opendir /proc: $!";
	for my $pid (grep { /^\d+$/ } readdir $dh)
	{
		my (undef, $ppid) = _proc_stat($pid);
		push @kids, $pid if defined $ppid && $ppid == $pm;
	}
	closedir $dh;
	$self->kill9;
	kill 'KILL', @kids;
	my @left;
	for (1 .. 100)
	{
		@left = grep { _alive($_) } $pm, @kids;
		last unless @left;
		Time::HiRes::usleep(100_000);
	}
	# a killed postmaster stays a zombie until its parent (init) reaps it,
	# and a zombie's pid in postmaster.pid makes the next postmaster think
	# it still runs: wait for the reaping, else drop the stale lock file
	# (the process is dead and holds no shared memory)
	for (1 .. 50)
	{
		last unless -e "/proc/$pm";
		Time::HiRes::usleep(100_000);
	}
	unlink $self->data_dir . '/postmaster.pid' if -e "/proc/$pm";
	return (scalar @kids, @left);
}

sub kill9_restart
{
	my $self = shift;
	my @r = $self->kill9_all;
	$self->start;
	return @r;
}

sub hostport { my $self = shift; return $self->host . ':' . $self->port; }

# the shard of VALUE in distributed table TABLE, as SQL
sub _citus_shard_sql
{
	my ($table, $value) = @_;
	return "get_shard_id_for_distribution_column('$table', '$value')";
}

sub citus_node_of
{
	my ($self, $table, $value) = @_;
	return $self->sql("SELECT nodename || ':' || nodeport FROM citus_shards WHERE shardid = "
		  . _citus_shard_sql($table, $value));
}

sub citus_move
{
	my ($self, $table, $value, $to) = @_;
	my $from = $self->citus_node_of($table, $value);
	return if $from eq $to->hostport;
	my ($host, $port) = $from =~ /^(.*):(\d+)$/ or die "no shard of $table for $value: '$from'";
	$self->sql("SELECT citus_move_shard_placement(" . _citus_shard_sql($table, $value)
		  . ", '$host', $port, '" . $to->host . "', " . $to->port
		  . ", shard_transfer_mode => 'block_writes')");
	return;
}

sub bg_sql
{
	my ($self, $sql, %o) = @_;
	return HackTest::Bg->new($self, $sql, %o);
}

# rnd_point(dim) and run_probe(query, table, index), for consistency_probe
$HackTest::CONSISTENCY_SQL = <<'SQL';
CREATE OR REPLACE FUNCTION rnd_point(d int) RETURNS poincare_point
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	a	float8[];
	n	float8 := 0;
	r	float8;
BEGIN
	FOR i IN 1..d LOOP
		a[i] := random() - 0.5;
		n := n + a[i] * a[i];
	END LOOP;
	n := greatest(sqrt(n), 1e-12);
	IF random() < 0.2 THEN
		r := 1 - 10 ^ (-2 - 4 * random());
	ELSE
		r := tanh(1.5 * random());	-- tanh(hyperbolic radius / 2), radius up to 3
	END IF;
	FOR i IN 1..d LOOP
		a[i] := a[i] / n * r;
	END LOOP;
	RETURN a::poincare_point;
END
$$;
-- "index", "seq", "both" or "neither" (which scans of tab the plan of q uses), then q's result
CREATE OR REPLACE FUNCTION run_probe(q text, tab text, idx text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	plan	text := '';
	line	text;
	res		text;
	uses_index boolean;
	uses_seq boolean;
BEGIN
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
		plan := plan || line || E'\n';
	END LOOP;
	uses_index := plan ~ ('(using|on) ' || idx || '\M');
	uses_seq := plan ~ ('Seq Scan on ' || tab || '\M');
	EXECUTE q INTO res;
	RETURN CASE WHEN uses_index AND NOT uses_seq THEN 'index'
				WHEN uses_seq AND NOT uses_index THEN 'seq'
				WHEN uses_index THEN 'both'
				ELSE 'neither' END || ' ' || coalesce(res, 'NULL');
END
$$;
SQL

sub consistency_setup
{
	my ($self, $db) = @_;
	$self->sql($HackTest::CONSISTENCY_SQL, db => $db);
	return;
}

# the probe queries of consistency_probe on TABLE (COLUMN, ID_COLUMN, rows
# passing FILTER)
sub _probe_queries
{
	my ($tab, $col, $id, $dim, $filt) = @_;
	return (
		knn => "SELECT count(*) || ' ' || md5(string_agg(r, ';' ORDER BY qid)) FROM (SELECT qid,
			(SELECT string_agg(d::text, ',' ORDER BY d) || '|' || string_agg(i::text, ',' ORDER BY i)
			 FROM (SELECT $id AS i, $col <-> q AS d FROM $tab WHERE $filt ORDER BY $col <-> q LIMIT 10) k) AS r
			FROM probes) s",
		ball => "SELECT sum(split_part(r, ':', 1)::int) || ' ' || md5(string_agg(r, ';' ORDER BY qid)) FROM (SELECT qid,
			(SELECT count(*) || ':' || coalesce(string_agg(${id}::text, ',' ORDER BY $id), '')
			 FROM $tab WHERE $col <@ hball(q, rad) AND $filt) AS r
			FROM probes) s",
		all => "SELECT count(*) || ' ' || md5(string_agg(${id}::text, ',' ORDER BY $id))
			FROM $tab WHERE $col <@ hball(array_fill(0::float8, ARRAY[$dim])::poincare_point, 40) AND $filt",
		# every row found through the index by a search at its own point: a
		# GiST check that amcheck lacks (each entry is reachable, so every
		# box above it holds it and the distance bound does not prune it)
		reach => "SELECT count(*) || ' ' || count(*) FILTER (WHERE NOT t.$id = ANY (ARRAY(
			SELECT u.$id FROM $tab u WHERE u.$col <@ hball(t.$col, 1e-9) AND $filt))) FROM $tab t WHERE $filt");
}

sub consistency_probe
{
	my ($self, %a) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my ($tab, $label, $dim) = @a{qw(table label dim)};
	my $filt = $a{filter} // 'true';
	my $short = $tab =~ s/^.*\.//r;
	my %q = _probe_queries($tab, $a{col}, $a{id}, $dim, $filt);
	my $probe = sub {
		my ($name, $mode) = @_;
		return "SELECT '$name $mode ' || run_probe(\$q\$$q{$name}\$q\$, '$short', '$a{index}');\n";
	};
	my $sql = "SELECT setseed($a{seed});
CREATE TEMP TABLE probes AS
	SELECT g AS qid, rnd_point($dim) AS q, 0.3 + 1.2 * random() AS rad FROM generate_series(1, $a{probes}) g;
ANALYZE probes;
SET enable_seqscan = off; SET enable_indexscan = on; SET enable_bitmapscan = on;\n"
	  . join('', map { $probe->($_, 'idx') } qw(knn ball all reach))
	  . "SET enable_seqscan = on; SET enable_indexscan = off; SET enable_bitmapscan = off;\n"
	  . join('', map { $probe->($_, 'seq') } qw(knn ball all))
	  . "SELECT 'rows ' || count(*) FROM $tab WHERE $filt;\n";
	my ($rc, $out, $err) = $self->try_sql($sql, db => $a{db});
	# "NAME MODE PLAN RESULT..." lines: plan and result by "NAME MODE"
	my (%plan, %res);
	for (split /\n/, $out)
	{
		my ($name, $mode, $plan, $res) = split / /, $_, 4;
		next unless defined $plan;
		($plan{"$name $mode"}, $res{"$name $mode"}) = ($plan, $res // '');
	}
	my ($rows) = $out =~ /^rows (\d+)$/m;
	for my $name (qw(knn ball all))
	{
		is(join(' ', map { $plan{"$name $_"} // 'none' } qw(idx seq)),
			'index seq', "$label: $name plans use the index, then a seq scan");
		my $seq = $res{"$name seq"};
		if (defined $seq && $seq ne '')
		{
			is($res{"$name idx"}, $seq, "$label: $name index scan = seq scan ($seq)");
		}
		else
		{
			is("$out$err", '', "$label: $name probes ran");
		}
	}
	is((split / /, $res{'all idx'} // '')[0], $rows, "$label: every row of $tab is in its index");
	my $reach_plan = ($plan{'reach idx'} // 'none') =~ s/^both$/index/r;
	is("$reach_plan " . ($res{'reach idx'} // ''),
		'index ' . ($rows // '?') . ' 0',
		"$label: every row of $tab is found through the index at its own point");
	return;
}

package HackTest::Bg;

use strict;
use warnings FATAL => 'all';

use IPC::Run ();
use PostgreSQL::Test::Utils ();

my $bg_count = 0;

sub new
{
	my ($class, $node, $sql, %o) = @_;
	my $dir = $o{dir} // PostgreSQL::Test::Utils::tempdir();
	my $base = "$dir/bg" . ++$bg_count;
	my $connstr = $node->connstr($o{db} // 'postgres');
	$connstr .= " user=$o{user}" if defined $o{user};
	$connstr .= " application_name=$o{appname}" if defined $o{appname};
	PostgreSQL::Test::Utils::append_to_file("$base.sql", $sql);
	my @cmd = (
		$node->installed_command('psql'), '-XAtq', '-d', $connstr, '-f', "$base.sql",
		(($o{on_error_stop} // 1) ? ('-v', 'ON_ERROR_STOP=1') : ()),
		@{ $o{extra} // [] });
	local %ENV = $node->_get_env(
		PGOPTIONS => $o{options} // '-c client_min_messages=warning');
	my $h = IPC::Run::start(\@cmd, '<', \'', '>', "$base.out", '2>', "$base.err");
	return bless { h => $h, base => $base }, $class;
}

sub out { my $self = shift; return PostgreSQL::Test::Utils::slurp_file("$self->{base}.out"); }

sub wait
{
	my $self = shift;
	$self->{h}->finish;
	my $rc = $self->{h}->result(0);
	my ($out, $err) = map { PostgreSQL::Test::Utils::slurp_file("$self->{base}.$_") } qw(out err);
	chomp($out, $err);
	return ($rc, $out, $err);
}

# (a method of HackTest::Node: the packages above end here)
sub HackTest::Node::session
{
	my ($self, $name, %o) = @_;
	return HackTest::Session->new($self, $name, %o);
}

package HackTest::Session;

use strict;
use warnings FATAL => 'all';

use IPC::Run;
use PostgreSQL::Test::Utils;

# the line each query() ends with, removed from the output
my $MARK_RE = qr/^hack-session-mark \S+ \d+\n/m;

sub new
{
	my ($class, $node, $name, %o) = @_;
	my $connstr =
	  $node->connstr($o{db} // 'postgres') . " application_name=$name";
	$connstr .= " user=$o{user}" if defined $o{user};
	my $self = bless {
		name  => $name,
		in    => '',
		out   => '',
		n     => 0,
		timer => IPC::Run::timeout(
			$o{timeout} // $PostgreSQL::Test::Utils::timeout_default)
	}, $class;

	local $ENV{PGOPTIONS} = $o{options} // '-c client_min_messages=warning';
	$self->{run} = IPC::Run::start(
		[ $node->installed_command('psql'), '-XAtq', '-d', $connstr, '-f', '-' ],
		'<', \$self->{in}, '>', \$self->{out}, '2>&1', $self->{timer});
	$self->query('\\set VERBOSITY verbose');
	return $self;
}

# a statement ends with ; or \g (else psql would run a backslash command
# sent after it first); a backslash command alone is left as it is
sub _terminated
{
	my $sql = shift;
	return $sql =~ /(;|\\g)\s*\z/ || $sql =~ /\A\s*\\/ ? $sql : "$sql;";
}

sub send
{
	my ($self, $sql) = @_;
	$self->{in} .= _terminated($sql) . "\n";
	$self->{timer}->start;
	$self->{run}->pump_nb while length $self->{in};
	return;
}

sub query
{
	my ($self, $sql) = @_;
	my $mark = "hack-session-mark $self->{name} " . ++$self->{n};
	my $from = length $self->{out};
	$self->{in} .= _terminated($sql) . "\n\\echo '$mark'\n";
	$self->{timer}->start;
	$self->{run}->pump until $self->{out} =~ /^\Q$mark\E\n/m;
	my $got = substr($self->{out}, $from);
	$got =~ s/$MARK_RE//g;
	return $got;
}

sub output
{
	my $self = shift;
	$self->{run}->pump_nb if $self->{run}->pumpable;
	(my $out = $self->{out}) =~ s/$MARK_RE//g;
	return $out;
}

sub codes
{
	my $self = shift;
	my %codes = map { $_ => 1 } $self->output =~ /ERROR:  ([0-9A-Z]{5}):/g;
	return join ',', sort keys %codes;
}

sub sqlstate
{
	my $self = shift;
	return $self->output =~ /ERROR:  ([0-9A-Z]{5}):/ ? $1 : 'ok';
}

sub close
{
	my $self = shift;
	return $self->output unless $self->{run}->pumpable;
	$self->{in} .= "\\q\n";
	$self->{timer}->start;
	$self->{run}->finish;
	return $self->output;
}

1;
