#!/usr/bin/perl
# Runs every test (cmocka unit binaries and TAP .t scripts) under one
# TAP::Harness and ends with the line "N passed, N failed", counting test
# cases (not files).  A file that dies or plans wrongly counts as one failure.
use strict;
use warnings;
use TAP::Harness;

my @files = @ARGV;
die "run.pl: no tests given\n" unless @files;
$ENV{CMOCKA_MESSAGE_OUTPUT} = 'TAP';

my %exec;
for my $f (@files) {
    # unit binaries are executed directly; .t scripts by their #! line
    $exec{$f} = ($f =~ /\.t$/) ? undef : [$f];
}
my $harness = TAP::Harness->new({
    verbosity => $ENV{TEST_VERBOSE} ? 1 : 0,
    failures  => 1,
    exec      => sub { my ($h, $file) = @_; return $exec{$file} ? $exec{$file} : undef },
    timer     => 1,
});
my $agg = $harness->runtests(@files);
my $passed = scalar $agg->passed;
my $failed = scalar $agg->failed;
# a script that crashed, exited non-zero or ran fewer tests than planned
for my $f ($agg->descriptions) {
    my ($p) = $agg->parsers($f);
    # counted once: a file whose own test cases failed is already counted
    $failed++ if !$p->failed && ($p->exit || $p->wait || $p->has_problems);
}
print "$passed passed, $failed failed\n";
exit($failed ? 1 : 0);
