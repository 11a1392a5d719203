/*
 * mdagen: test messages for the MDA benchmark (tests/bench/mda.sh).
 *
 *   mdagen DIR N        writes N varied messages DIR/m00000 ... : mailing
 *                       lists, notifications, spam, bounces, newsletters,
 *                       personal mail; Received chains, folded and RFC 2047
 *                       encoded fields, DKIM signatures; one in ten carries
 *                       a base64 attachment of about 100 KB.  The same N
 *                       always gives the same bytes (fixed random seed).
 *   mdagen -big FILE MB writes one message with a MB-megabyte base64
 *                       attachment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rs = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)((rs >> 11) % n);
}

#define PICK(a) (a[rnd(sizeof a / sizeof a[0])])

static const char *words[] = {
    "the", "patch", "kernel", "build", "release", "review", "meeting", "report", "server",
    "queue", "delivery", "message", "update", "please", "thanks", "regards", "issue", "fixed",
    "tomorrow", "budget", "project", "status", "network", "config", "test", "failure",
    "question", "answer", "list", "version", "support", "team", "draft", "schedule", "and",
    "for", "with", "this", "that", "from", "about", "will", "would", "could", "should",
};
static const char *names[] = { "Alice Martin", "Bob Stone", "Carol Ng", "Dave Kowalski",
                               "Eve Laurent", "Frank Ruiz", "Grace Ho", "Heidi Berg" };
static const char *domains[] = { "example.com", "example.org", "mail.example.net",
                                 "corp.example.com", "university.example.edu" };
static const char *mailers[] = { "Mutt/2.2.9", "Microsoft Outlook 16.0", "Thunderbird 115.4",
                                 "Apple Mail (2.3731)", "Roundcube Webmail/1.6" };

static void sentence(FILE *f, int words_n)
{
    for (int i = 0; i < words_n; i++) fprintf(f, "%s%s", i ? " " : "", PICK(words));
}

static void b64(FILE *f, unsigned long long bytes)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char line[78];
    unsigned long long out = 0, total = (bytes + 2) / 3 * 4;
    while (out < total) {
        int k = 0;
        while (k < 76 && out < total) {
            line[k++] = al[rnd(64)];
            out++;
        }
        line[k++] = '\n';
        fwrite(line, 1, (size_t)k, f);
    }
}

static void received(FILE *f, int i, int hops)
{
    for (int h = 0; h < hops; h++)
        fprintf(f,
                "Received: from mx%d.%s (mx%d.%s [192.0.2.%d])\n\tby mail.example.net "
                "(Postfix) with ESMTPS id 4X%05dQ%d\n\tfor <user@example.net>; Mon, 6 Nov "
                "2023 10:%02d:%02d +0100\n",
                h, PICK(domains), h, PICK(domains), rnd(250) + 1, i, h, rnd(60), rnd(60));
}

static void dkim(FILE *f)
{
    fprintf(f, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=sel1;\n"
               "\th=from:to:subject:date:message-id; bh=",
            PICK(domains));
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int k = 0; k < 43; k++) fputc(al[rnd(64)], f);
    fputs("=;\n\tb=", f);
    for (int l = 0; l < 5; l++) {
        for (int k = 0; k < 70; k++) fputc(al[rnd(64)], f);
        fputs(l < 4 ? "\n\t " : "\n", f);
    }
}

static void message(FILE *f, int i)
{
    int kind = (int)rnd(16);
    const char *name = PICK(names), *dom = PICK(domains);
    char subj[256];
    int attach = rnd(10) == 0;
    const char *list = NULL, *from_addr = NULL, *extra = "";

    fprintf(f, "Return-Path: <bounce-%d@%s>\nDelivered-To: user@example.net\n", i, dom);
    received(f, i, 2 + (int)rnd(5));
    if (rnd(2)) dkim(f);
    snprintf(subj, sizeof subj, "%s %s %s", PICK(words), PICK(words), PICK(words));
    switch (kind) {
    case 0: list = "debian-devel.lists.debian.org"; break;
    case 1: list = "linux-kernel.vger.kernel.org"; snprintf(subj, sizeof subj, "[PATCH v%d %d/%d] mm: %s %s", rnd(4) + 1, rnd(9) + 1, 9, PICK(words), PICK(words)); break;
    case 2: list = "postfix-users.postfix.org"; break;
    case 3: from_addr = "notifications@github.com"; snprintf(subj, sizeof subj, "Re: [org/repo] %s %s (#%d)", PICK(words), PICK(words), rnd(9000)); break;
    case 4: extra = "X-Spam-Flag: YES\nX-Spam-Level: ******\n"; snprintf(subj, sizeof subj, "You are a WINNER of the lottery %d", rnd(999)); break;
    case 5: snprintf(subj, sizeof subj, "=?UTF-8?B?Q2FzaW5vIGJvbnVz?= %d", rnd(999)); extra = "X-Spam-Level: *****\n"; break;
    case 6: from_addr = "MAILER-DAEMON@mail.example.net"; snprintf(subj, sizeof subj, "Undelivered Mail Returned to Sender"); break;
    case 7: from_addr = "jira@issues.example.com"; snprintf(subj, sizeof subj, "[JIRA] (PROJ-%d) %s %s", rnd(5000), PICK(words), PICK(words)); break;
    case 8: from_addr = "accounts@billing.example.com"; snprintf(subj, sizeof subj, "Your invoice %d is ready", rnd(99999)); break;
    case 9: extra = "Precedence: bulk\n"; snprintf(subj, sizeof subj, "Weekly news: %s %s", PICK(words), PICK(words)); break;
    case 10: from_addr = "shop@store.example.com"; snprintf(subj, sizeof subj, "Order confirmation #%d", rnd(99999)); break;
    case 11: from_addr = "boss@example.com"; snprintf(subj, sizeof subj, "urgent: %s %s", PICK(words), PICK(words)); break;
    case 12: extra = "Auto-Submitted: auto-replied\n"; snprintf(subj, sizeof subj, "Out of office: %s", PICK(words)); break;
    default: break; /* personal mail */
    }
    if (from_addr) fprintf(f, "From: %s <%s>\n", name, from_addr);
    else if (rnd(4) == 0) fprintf(f, "From: =?ISO-8859-1?Q?Andr=E9_%s?= <andre%d@%s>\n", PICK(words), rnd(100), dom);
    else fprintf(f, "From: \"%s\" <%c%d@%s>\n", name, name[0] | 32, rnd(1000), dom);
    fprintf(f, "To: %s <user@example.net>%s\n", rnd(8) == 0 ? "family" : "User",
            rnd(3) == 0 ? ",\n    \"Team\" <team@example.net>, ops@example.net" : "");
    if (rnd(3) == 0) fprintf(f, "Cc: %s <cc%d@%s>, other@%s\n", PICK(names), rnd(50), dom, PICK(domains));
    fprintf(f, "Subject: %s\nDate: Mon, 6 Nov 2023 10:%02d:%02d +0100\n", subj, rnd(60), rnd(60));
    fprintf(f, "Message-ID: <%d.%u.%u@%s>\n", i, rnd(1000000), rnd(1000000), dom);
    if (rnd(2)) fprintf(f, "X-Mailer: %s\n", PICK(mailers));
    if (list)
        fprintf(f, "List-Id: <%s>\nList-Unsubscribe: <mailto:%s-request@%s?subject=unsubscribe>\n"
                   "Precedence: list\n", list, list, list);
    fputs(extra, f);
    fputs("MIME-Version: 1.0\n", f);
    if (kind == 6) {
        fputs("Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"rep\"\n\n"
              "--rep\nContent-Type: text/plain\n\nThis is the mail system.\n--rep\n"
              "Content-Type: message/delivery-status\n\nAction: failed\nStatus: 5.1.1\n--rep--\n", f);
        return;
    }
    if (attach) fputs("Content-Type: multipart/mixed; boundary=\"=-b\"\n\n--=-b\n", f);
    if (rnd(3) == 0) fputs("Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n", f);
    else fputs("Content-Type: text/plain; charset=utf-8\n\n", f);
    int lines = 3 + (int)rnd(40);
    for (int l = 0; l < lines; l++) {
        if (rnd(9) == 0) fputs("> ", f);
        sentence(f, 4 + (int)rnd(10));
        fputc('\n', f);
    }
    if (kind == 9 || rnd(12) == 0) fputs("\nTo unsubscribe from this list, visit the page below.\n", f);
    if (attach) {
        fprintf(f, "\n--=-b\nContent-Type: application/pdf; name=\"doc%d.pdf\"\n"
                   "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; "
                   "filename=\"doc%d.pdf\"\n\n", i, i);
        b64(f, 70000 + rnd(10000));
        fputs("--=-b--\n", f);
    }
}

int main(int argc, char **argv)
{
    char path[4096];
    if (argc == 4 && strcmp(argv[1], "-big") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (!f) return perror(argv[2]), 111;
        fputs("From: Big Sender <big@example.com>\nTo: user@example.net\nSubject: a big "
              "attachment\nMessage-ID: <big@example.com>\nMIME-Version: 1.0\n"
              "Content-Type: multipart/mixed; boundary=\"=-b\"\n\n--=-b\n"
              "Content-Type: text/plain\n\nThe file is attached.\n\n--=-b\n"
              "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n", f);
        b64(f, (unsigned long long)atol(argv[3]) * 1024 * 1024 * 3 / 4);
        fputs("--=-b--\n", f);
        return fclose(f) ? 111 : 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: mdagen DIR N | mdagen -big FILE MB\n");
        return 100;
    }
    int n = atoi(argv[2]);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/m%05d", argv[1], i);
        FILE *f = fopen(path, "w");
        if (!f) return perror(path), 111;
        message(f, i);
        if (fclose(f)) return perror(path), 111;
    }
    return 0;
}
