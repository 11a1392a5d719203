#!/usr/bin/perl
# fakedns.pl -- a tiny authoritative DNS server for qmail-remote's tests,
# run inside a private network namespace (so port 53 is free).
#
#   fakedns.pl ADDR PORT ZONEFILE READYFILE
#
# Answers UDP queries from ZONEFILE, one record per line:
#   name A 1.2.3.4
#   name MX pref exchange        (exchange "." is a null MX)
#   name CNAME target
#   name NXDOMAIN                (the name does not exist)
#   name SERVFAIL                (the server fails for this name)
# A known name without records of the asked type gets an empty answer; an
# unknown name NXDOMAIN.  A CNAME is followed (once) for other types.
# Writes READYFILE once it listens; runs until killed (at most 600 s).
use strict;
use warnings;
use Socket;

my ($addr, $port, $zonefile, $ready) = @ARGV;
my %rr;       # lc name -> [ [type, data...], ... ]
open(my $z, '<', $zonefile) or die "$zonefile: $!";
while (<$z>) {
    chomp;
    next if /^\s*(#|$)/;
    my ($name, $type, @data) = split;
    push @{ $rr{ lc $name } }, [ uc $type, @data ];
}
close $z;

socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
bind($s, pack_sockaddr_in($port, inet_aton($addr))) or die "bind: $!";
open(my $r, '>', $ready) or die;
print $r "ok\n";
close $r;
alarm 600;

sub encname {
    my ($n) = @_;
    return "\0" if $n eq '.' || $n eq '';
    $n =~ s/\.$//;
    return join('', map { chr(length $_) . $_ } split(/\./, $n)) . "\0";
}

sub rrbytes {
    my ($name, $rec) = @_;
    my ($type, @d) = @$rec;
    my ($t, $rdata);
    if ($type eq 'A') { $t = 1; $rdata = inet_aton($d[0]); }
    elsif ($type eq 'MX') { $t = 15; $rdata = pack('n', $d[0]) . encname($d[1]); }
    elsif ($type eq 'CNAME') { $t = 5; $rdata = encname($d[0]); }
    else { return ''; }
    return encname($name) . pack('nnNn', $t, 1, 60, length $rdata) . $rdata;
}

my %tnum = (1 => 'A', 15 => 'MX', 5 => 'CNAME');
for (;;) {
    my $from = recv($s, my $q, 4096, 0);
    next unless defined $from && length($q) >= 12;
    my ($id, $flags, $qd) = unpack('nnn', $q);
    # the question: labels, type, class
    my $p = 12;
    my @labels;
    while ($p < length $q) {
        my $l = ord(substr($q, $p, 1));
        $p++;
        last if $l == 0;
        push @labels, substr($q, $p, $l);
        $p += $l;
    }
    my ($qtype, $qclass) = unpack('nn', substr($q, $p, 4));
    my $question = substr($q, 12, $p + 4 - 12);
    my $name = lc join('.', @labels);
    my $type = $tnum{$qtype} || '';
    my $rcode = 0;
    my @ans;
    my $recs = $rr{$name};
    if (!$recs || grep { $_->[0] eq 'NXDOMAIN' } @$recs) {
        $rcode = 3;
    } elsif (grep { $_->[0] eq 'SERVFAIL' } @$recs) {
        $rcode = 2;
    } else {
        my @cn = grep { $_->[0] eq 'CNAME' } @$recs;
        if (@cn && $type ne 'CNAME') {
            push @ans, rrbytes($name, $cn[0]);
            my $target = lc $cn[0][1];
            push @ans, rrbytes($target, $_) for grep { $_->[0] eq $type } @{ $rr{$target} || [] };
        } else {
            push @ans, rrbytes($name, $_) for grep { $_->[0] eq $type } @$recs;
        }
    }
    # QR, AA, RD copied, RA; the rcode
    my $rflags = 0x8000 | 0x0400 | ($flags & 0x0100) | 0x0080 | $rcode;
    my $reply = pack('nnnnnn', $id, $rflags, 1, scalar @ans, 0, 0) . $question . join('', @ans);
    send($s, $reply, 0, $from);
}
