#!/usr/bin/perl
# Runs every test (cmocka unit binaries and TAP .t scripts) under one
# TAP::Harness and ends with the line "N passed, N failed", counting test
# cases (not files).  A file that dies or plans wrongly counts as one failure.
#
# The list tests (tests/list/*.t) run a second time on the MySQL subscriber
# store: with LIST_STORE=mysql and the MARIADB_* variables of one MariaDB
# server (tests/lib/mariadb-serve.sh) started for that run; their results
# count in the same closing line.  LIST_STORES=std skips that run; when no
# server can be had it is reported as skipped.
use strict;
use warnings;
use IPC::Open2;
use TAP::Harness;

my @files = @ARGV;
die "run.pl: no tests given\n" unless @files;
$ENV{CMOCKA_MESSAGE_OUTPUT} = 'TAP';

my %exec;
for my $f (@files) {
    # unit binaries are executed directly; .t scripts by their #! line
    $exec{$f} = ($f =~ /\.t$/) ? undef : [$f];
}
sub harness {
    return TAP::Harness->new({
        verbosity => $ENV{TEST_VERBOSE} ? 1 : 0,
        failures  => 1,
        exec      => sub { my ($h, $file) = @_; return $exec{$file} ? $exec{$file} : undef },
        timer     => 1,
    });
}

my ($passed, $failed) = (0, 0);
sub count {
    my ($agg) = @_;
    $passed += scalar $agg->passed;
    $failed += scalar $agg->failed;
    # a script that crashed, exited non-zero or ran fewer tests than planned
    for my $f ($agg->descriptions) {
        my ($p) = $agg->parsers($f);
        # counted once: a file whose own test cases failed is already counted
        $failed++ if !$p->failed && ($p->exit || $p->wait || $p->has_problems);
    }
}

count(harness()->runtests(@files));

# ---- the list tests again, on MariaDB -------------------------------------------
my @list = grep { m{(?:^|/)tests/list/[^/]+\.t$} } @files;
my $stores = $ENV{LIST_STORES} // 'std mysql';
if (@list && $stores =~ /\bmysql\b/) {
    my ($out, $in);
    my $pid = open2($out, $in, 'sh', "$ENV{SUITE_SRC}/tests/lib/mariadb-serve.sh");
    my ($state, %vars) = ('');
    while (my $l = <$out>) {
        chomp $l;
        if ($l =~ /^(MARIADB_[A-Z]+)=(.*)$/) { $vars{$1} = $2; next }
        $state = $l;
        last;
    }
    if ($state eq 'ready') {
        print "# the list tests again, on the MySQL store (MariaDB on port $vars{MARIADB_PORT})\n";
        $ENV{$_} = $vars{$_} for keys %vars;
        $ENV{LIST_STORE} = 'mysql';
        count(harness()->runtests(map { [$_, "$_ [mysql]"] } @list));
    } elsif ($state =~ /^skip (.*)/) {
        print "# the list tests on the MySQL store: skipped ($1)\n";
    } else {
        print "# the list tests on the MySQL store: no MariaDB server could be started\n";
        $failed++;
    }
    close $in;
    close $out;
    waitpid($pid, 0);
}

print "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
