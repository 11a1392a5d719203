#!/usr/bin/perl
# smtpfake.pl -- scripted SMTP peers for qmail-remote's tests (loopback only).
#
#   smtpfake.pl serve PORTFILE LOGFILE STEP...
#       Listens on 127.0.0.1, an ephemeral port (written to PORTFILE once it
#       listens), serves ONE connection by the steps, appends every byte
#       the client sends to LOGFILE, and exits.  Steps:
#         say:TEXT     sends TEXT and CRLF ("\n" in TEXT: a CRLF too)
#         raw:TEXT     sends TEXT as is (perl escapes \r \n \0 decoded)
#         big:N:TEXT   sends TEXT, N bytes "x", CRLF (a huge reply line)
#         read         reads one line (up to LF) from the client
#         data         reads until a line ".\r\n"
#         idle:N       waits until the client closes, at most N seconds
#         close        closes the connection at once
#       After the last step it reads until the client closes (at most 30 s).
#   smtpfake.pl blackhole PORTFILE
#       Listens with a full accept queue, so that connections to the port
#       time out instead of being accepted or refused; runs until killed
#       (at most 300 s).
use strict;
use warnings;
use Socket;
use Fcntl;

$SIG{PIPE} = 'IGNORE';
my $mode = shift @ARGV or die "usage: smtpfake.pl serve|blackhole ...\n";

sub listener {
    my ($backlog) = @_;
    socket(my $l, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    setsockopt($l, SOL_SOCKET, SO_REUSEADDR, 1);
    bind($l, pack_sockaddr_in(0, inet_aton('127.0.0.1'))) or die "bind: $!";
    listen($l, $backlog) or die "listen: $!";
    my ($port) = unpack_sockaddr_in(getsockname($l));
    return ($l, $port);
}

sub writeport {
    my ($file, $port) = @_;
    open(my $f, '>', "$file.tmp") or die "$file: $!";
    print $f "$port\n";
    close $f;
    rename("$file.tmp", $file) or die "rename: $!";
}

if ($mode eq 'blackhole') {
    my $portfile = shift @ARGV;
    my ($l, $port) = listener(0);
    my @fill;
    for (1 .. 4) {
        socket(my $s, PF_INET, SOCK_STREAM, 0) or die;
        fcntl($s, F_SETFL, O_NONBLOCK);
        connect($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')));
        push @fill, $s;
    }
    writeport($portfile, $port);
    sleep 300;
    exit 0;
}

die "unknown mode $mode\n" unless $mode eq 'serve';
my $portfile = shift @ARGV;
my $logfile = shift @ARGV;
my ($l, $port) = listener(5);
writeport($portfile, $port);
accept(my $c, $l) or die "accept: $!";
close $l;
open(my $log, '>>', $logfile) or die "$logfile: $!";
binmode $log;
$log->autoflush(1);
my $buf = '';
my $eof = 0;

# reads more from the client into $buf; 0 at end of file or after $secs
sub more {
    my ($secs) = @_;
    return 0 if $eof;
    my $rin = '';
    vec($rin, fileno($c), 1) = 1;
    my $n = select(my $rout = $rin, undef, undef, $secs);
    return 0 if $n <= 0;
    my $r = sysread($c, my $chunk, 65536);
    if (!$r) { $eof = 1; return 0; }
    print $log $chunk;
    $buf .= $chunk;
    return 1;
}

sub readline_ {
    while (index($buf, "\n") < 0) { more(60) or return; }
    $buf = substr($buf, index($buf, "\n") + 1);
}

sub readdata {
    # the data starts at the beginning of a line and ends with CRLF.CRLF
    my $tail = "\r\n";
    for (;;) {
        my $s = $tail . $buf;
        my $i = index($s, "\r\n.\r\n");
        if ($i >= 0) { $buf = substr($s, $i + 5); return; }
        $tail = length($s) >= 4 ? substr($s, -4) : $s;
        $buf = '';
        more(60) or return;
    }
}

sub send_ {
    my ($t) = @_;
    syswrite($c, $t);
}

for my $step (@ARGV) {
    my ($op, $arg) = split(/:/, $step, 2);
    $arg = '' unless defined $arg;
    if ($op eq 'say') {
        $arg =~ s/\\n/\r\n/g;
        send_("$arg\r\n");
    } elsif ($op eq 'raw') {
        $arg =~ s/\\r/\r/g;
        $arg =~ s/\\n/\n/g;
        $arg =~ s/\\0/\0/g;
        send_($arg);
    } elsif ($op eq 'big') {
        my ($n, $t) = split(/:/, $arg, 2);
        send_($t . ('x' x $n) . "\r\n");
    } elsif ($op eq 'read') {
        readline_();
    } elsif ($op eq 'data') {
        readdata();
    } elsif ($op eq 'idle') {
        my $end = time + $arg;
        while (time < $end) { more($end - time) or last; }
        if (!$eof) { close $c; exit 0; }
    } elsif ($op eq 'close') {
        close $c;
        exit 0;
    } else {
        die "unknown step $step\n";
    }
}
my $end = time + 30;
while (time < $end) { more($end - time) or last; }
close $c;
exit 0;
