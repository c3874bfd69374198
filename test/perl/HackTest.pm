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
#                                   passes the ASan runtime that way)
#   $node->sql(SQL, %o)             psql, stops on the first error and dies
#                                   with it; returns the unaligned output
#   $node->try_sql(SQL, %o)         the same without dying: (rc, out, err)
#   $node->sqlstate(SQL, %o)        the SQLSTATE of the first ERROR, or 'ok'
#   $node->state_is(SQL, CODE, NAME, %o)   a Test::More check of sqlstate
#   $node->log_offset               where the server log ends now
#   $node->crash_lines(OFFSET)      crash reports in the log since OFFSET
#   $node->no_crash(OFFSET, NAME)   a check: none, and the server answers
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

our @EXPORT = qw(hack_node hack_repo hack_tempdir hack_python);

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
	$node->append_conf('postgresql.conf',
		"fsync = off\nlc_messages = 'C'\n" . ($opt{conf} // '') . "\n");
	$node->start;
	return $node;
}

package HackTest::Node;

use strict;
use warnings FATAL => 'all';

use parent -norequire, 'PostgreSQL::Test::Cluster';
use PostgreSQL::Test::Utils;
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

1;
