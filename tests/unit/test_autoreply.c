/* Unit tests for lib/autoreply: the sender and header decisions, subject
 * cleaning and prefix handling, and composing a response, with hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "autoreply.h"
#include "enc.h"
#include "hdr.h"

/* ---- the envelope sender ------------------------------------------------------------ */

static int sender_verdict(const char *s, str *why)
{
    why->len = 0;
    return autoreply_check_sender(s, why);
}

static void test_sender(void **state)
{
    str why = STR_INIT;
    static const char *const bad[] = {
        "", "#@[]", "nodomain", "@example.org", "joe@", "MAILER-DAEMON@example.org",
        "mailer-daemonx@here", "postmaster@x.org", "Owner-list@x.org", "list-owner@x.org",
        "list-request@x.org", "LISTSERV@x.org", "majordomo@x.org", "list-bounces@x.org",
        "noreply@x.org", "no-reply@x.org", "do-not-reply@x.org", "a\nb@x.org", "a@x.org\r",
        NULL
    };
    static const char *const good[] = {
        "joe@example.org", "owner@example.org", "requester@x.org", "a/b@x.org", "\"s p\"@x.org", NULL
    };
    (void)state;
    for (size_t i = 0; bad[i]; ++i) {
        assert_int_equal(sender_verdict(bad[i], &why), 1);
        assert_true(why.len > 0);
        assert_null(memchr(why.s, '\n', why.len));
        assert_null(memchr(why.s, '\r', why.len));
    }
    for (size_t i = 0; good[i]; ++i) assert_int_equal(sender_verdict(good[i], &why), 0);

    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    big[500] = '@';
    assert_int_equal(sender_verdict(big, &why), 1);
    assert_true(why.len < 200); /* values in reasons are bounded */
    str_free(&why);
}

/* ---- the header ------------------------------------------------------------------------ */

static int header_verdict(const char *hdr, int check_to, str *why)
{
    autoreply_opts o;
    autoreply_orig g;
    const char *aliases[] = { "joe@alias.example", "jdoe" };
    int r;
    autoreply_opts_init(&o);
    o.sender = "a@b.example";
    o.recipient = "joe@example.org";
    o.dtline = "Delivered-To: joe@example.org\n";
    o.aliases = aliases;
    o.naliases = 2;
    o.check_to = check_to;
    memset(&g, 0, sizeof g);
    why->len = 0;
    r = autoreply_check_header(&o, hdr, strlen(hdr), &g, why);
    autoreply_orig_free(&g);
    return r;
}

static void test_header(void **state)
{
    str why = STR_INIT;
    (void)state;
    static const char *const declined[] = {
        "To: joe@example.org\nAuto-Submitted: auto-replied\n\n",
        "To: joe@example.org\nAuto-Submitted: auto-generated (x)\n\n",
        "To: joe@example.org\nAuto-Submitted:\n\n",
        "To: joe@example.org\nPrecedence: bulk\n\n",
        "To: joe@example.org\nprecedence:  JUNK\n\n",
        "To: joe@example.org\nPrecedence: list\n\n",
        "To: joe@example.org\nList-Id: <x.y>\n\n",
        "To: joe@example.org\nlist-unsubscribe: <mailto:x@y>\n\n",
        "To: joe@example.org\nMailing-List: contact x@y\n\n",
        "To: joe@example.org\nX-Mailing-List: x\n\n",
        "To: joe@example.org\nContent-Type: multipart/report; report-type=delivery-status\n\n",
        "To: joe@example.org\nX-Spam-Flag: YES\n\n",
        "To: joe@example.org\nX-Auto-Response-Suppress: DR, OOF\n\n",
        "To: joe@example.org\nDelivered-To: JOE@example.org\n\n",
        "To: someone@else.example\n\n",
        "Cc: other@x.example\n\n",
        "\n",
        "To: undisclosed-recipients:;\n\n",
        "To: <<<@@@>>>, \"joe@example.org\" <x@y>\n\n",
        NULL
    };
    static const char *const answered[] = {
        "To: joe@example.org\n\n",
        "To: Joe <JOE@EXAMPLE.ORG>\n\n",
        "To: a@x, b@y\nCc: c@z,\n joe@example.org\n\n",
        "Bcc: joe@alias.example\n\n",
        "To: jdoe@anywhere.example\n\n",
        "Resent-To: joe@example.org\n\n",
        "To: joe@example.org\nAuto-Submitted: no\nPrecedence: first-class\n\n",
        "To: joe@example.org\nDelivered-To: other@example.org\n\n",
        "To: friends: joe@example.org, x@y;\n\n",
        NULL
    };
    for (size_t i = 0; declined[i]; ++i) {
        assert_int_equal(header_verdict(declined[i], 1, &why), 1);
        assert_null(memchr(why.s, '\n', why.len));
    }
    for (size_t i = 0; answered[i]; ++i) assert_int_equal(header_verdict(answered[i], 1, &why), 0);
    assert_int_equal(header_verdict("To: someone@else.example\n\n", 0, &why), 0);
    str_free(&why);
}

static void test_orig(void **state)
{
    autoreply_opts o;
    autoreply_orig g;
    str why = STR_INIT;
    const char *h = "Subject: =?UTF-8?Q?line1=0D=0AX-Evil:_1?=\n"
                    "Message-ID: junk <id1@x.example> more\n"
                    "References: <a@x> <b@x> bad <c d@x> <e@x>\n\n";
    (void)state;
    autoreply_opts_init(&o);
    o.sender = "a@b.example";
    o.check_to = 0;
    memset(&g, 0, sizeof g);
    assert_int_equal(autoreply_check_header(&o, h, strlen(h), &g, &why), 0);
    assert_string_equal(g.subject.s, "line1 X-Evil: 1");
    assert_string_equal(g.msgid.s, "<id1@x.example>");
    assert_string_equal(g.refs.s, "<a@x> <b@x> <e@x>");
    autoreply_orig_free(&g);
    str_free(&why);
}

/* ---- subjects ------------------------------------------------------------------------ */

static void check_clean(const char *in, const char *want)
{
    str o = STR_INIT;
    assert_int_equal(autoreply_subject_clean(&o, in, strlen(in)), 0);
    assert_string_equal(o.s ? o.s : "", want);
    str_free(&o);
}

static void test_subject_clean(void **state)
{
    (void)state;
    check_clean("  hello  world ", "hello world");
    check_clean("a\n b\r\n\tc", "a b c");
    check_clean("a\rX-Injected: yes", "a X-Injected: yes");
    check_clean("=?utf-8?b?R3LDvMOfZQ==?=", "Grüße");
    check_clean("=?UTF-8?Q?a=0Ab?=", "a b");
    check_clean("=?UTF-8?Q?a=00b?=", "a b");
    check_clean("Latin \xe9t\xe9", "Latin ?t?");
    check_clean("", "");

    /* a 100 KB subject is cut at a character boundary */
    size_t n = 100000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i += 2) { big[i] = (char)0xc3; big[i + 1] = (char)0xa9; }
    big[n] = 0;
    str o = STR_INIT;
    assert_int_equal(autoreply_subject_clean(&o, big, n), 0);
    assert_true(o.len <= AUTOREPLY_SUBJECT_MAX + 3);
    assert_true(enc_utf8_valid(o.s, o.len));
    assert_memory_equal(o.s + o.len - 3, "...", 3);
    str_free(&o);
    free(big);
}

static void check_skip(const char *s, const char *prefix, const char *rest)
{
    size_t k = autoreply_subject_skip(s, strlen(s), prefix);
    assert_string_equal(s + k, rest);
}

static void test_subject_skip(void **state)
{
    (void)state;
    check_skip("hello", NULL, "hello");
    check_skip("Re: hello", NULL, "hello");
    check_skip("RE: Re:re:  hello", NULL, "hello");
    check_skip("Re[2]: AW: Sv: Antw: hello", NULL, "hello");
    check_skip("Re^3: hello", NULL, "hello");
    check_skip("Auto: Re: hello", NULL, "hello");
    check_skip("Reply: hello", NULL, "Reply: hello");
    check_skip("Re hello", NULL, "Re hello");
    check_skip("Re[x]: hello", NULL, "Re[x]: hello");
    check_skip("[away] [away] hi", "[away] ", "hi");
    check_skip("Re:", NULL, "");
}

/* ---- composing ----------------------------------------------------------------------- */

static char *compose(const char *tpl, const char *subject, const char *prefix, int subst)
{
    autoreply_opts o;
    autoreply_orig g;
    str out = STR_INIT;
    autoreply_opts_init(&o);
    o.sender = "a@b.example";
    o.recipient = "joe@example.org";
    o.from = "joe@example.org";
    o.msg = tpl;
    o.msglen = strlen(tpl);
    o.subject_prefix = prefix;
    o.subst = subst;
    o.now = 0;
    o.pid = 7;
    memset(&g, 0, sizeof g);
    if (subject) assert_int_equal(autoreply_subject_clean(&g.subject, subject, strlen(subject)), 0);
    str_copys(&g.msgid, "<m@x>");
    assert_int_equal(autoreply_compose(&out, &o, &g, "B"), 0);
    autoreply_orig_free(&g);
    return out.s;
}

static const char *field(const char *msg, const char *name, char *buf, size_t size)
{
    hdr_iter it;
    hdr_field f;
    hdr_iter_init(&it, msg, strlen(msg));
    if (!hdr_find(&it, name, &f)) return NULL;
    assert_true(f.raw_len < size);
    memcpy(buf, f.raw, f.raw_len);
    buf[f.raw_len] = 0;
    return buf;
}

static void test_compose(void **state)
{
    char b[4096];
    char *m;
    (void)state;

    m = compose("From: Joe <joe@example.org>\nSubject: Away: %S\nTo: x@y\nX-Note: 100%% %s %r %q\n\nAway (%S).\n",
                "Re: Re: hello", NULL, AUTOREPLY_SUBST_PERCENT);
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: Away: hello\n");
    assert_string_equal(field(m, "To", b, sizeof b), "To: a@b.example\n");
    assert_string_equal(field(m, "X-Note", b, sizeof b), "X-Note: 100% a@b.example joe@example.org %q\n");
    assert_string_equal(field(m, "Auto-Submitted", b, sizeof b), "Auto-Submitted: auto-replied\n");
    assert_string_equal(field(m, "In-Reply-To", b, sizeof b), "In-Reply-To: <m@x>\n");
    assert_string_equal(field(m, "References", b, sizeof b), "References: <m@x>\n");
    assert_string_equal(field(m, "Content-Type", b, sizeof b), "Content-Type: text/plain; charset=UTF-8\n");
    assert_null(field(m, "Content-Transfer-Encoding", b, sizeof b));
    assert_non_null(strstr(m, "\n\nAway (Re: Re: hello).\n"));
    free(m);

    /* -s prefix: no space added, prefixes do not grow */
    m = compose("From: joe@example.org\nSubject: ignored\n\nx\n", "Re:subject test", "Re:", AUTOREPLY_SUBST_PERCENT);
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: Re:subject test\n");
    free(m);

    /* no Subject in the template */
    m = compose("From: joe@example.org\n\nx\n", NULL, NULL, AUTOREPLY_SUBST_PERCENT);
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: Auto: Your mail\n");
    free(m);

    /* UTF-8: encoded subject, QP body */
    m = compose("From: Jörg <joe@example.org>\nSubject: Abwesend: $SUBJECT\n\nIch bin nicht da.  Grüße\n",
                "=?ISO-8859-1?Q?Gr=FC=DFe?=", NULL, AUTOREPLY_SUBST_DOLLAR);
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: =?UTF-8?Q?Abwesend=3A_Gr=C3=BC=C3=9Fe?=\n");
    assert_string_equal(field(m, "From", b, sizeof b), "From: =?UTF-8?Q?J=C3=B6rg?= <joe@example.org>\n");
    assert_string_equal(field(m, "Content-Transfer-Encoding", b, sizeof b),
                        "Content-Transfer-Encoding: quoted-printable\n");
    assert_non_null(strstr(m, "\n\nIch bin nicht da.  Gr=C3=BC=C3=9Fe\n"));
    for (char *p = m; *p; ++p) assert_true((unsigned char)*p < 128);
    free(m);

    /* injection through the subject is impossible */
    m = compose("Subject: %S\n\n%S\n", "=?UTF-8?Q?x=0D=0ABcc:_victim@x?=", NULL, AUTOREPLY_SUBST_PERCENT);
    assert_null(field(m, "Bcc", b, sizeof b));
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: x Bcc: victim@x\n");
    free(m);

    /* a template without an empty line: the body starts at its first non-field line */
    m = compose("Subject: away\nI am away until Monday.\n", NULL, NULL, AUTOREPLY_SUBST_PERCENT);
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: away\n");
    assert_non_null(strstr(m, "\n\nI am away until Monday.\n"));
    free(m);
    m = compose("I am away.", NULL, NULL, AUTOREPLY_SUBST_PERCENT);
    assert_non_null(strstr(m, "\n\nI am away.\n"));
    assert_string_equal(field(m, "Subject", b, sizeof b), "Subject: Auto: Your mail\n");
    free(m);

    /* a template that is not UTF-8 is labelled Latin-1 */
    m = compose("Subject: x\n\ncaf\xe9\n", NULL, NULL, AUTOREPLY_SUBST_PERCENT);
    assert_string_equal(field(m, "Content-Type", b, sizeof b), "Content-Type: text/plain; charset=ISO-8859-1\n");
    assert_non_null(strstr(m, "\n\ncaf=E9\n"));
    free(m);
}

/* ---- the programs' shared steps --------------------------------------------------- */

static void test_program_steps(void **state)
{
    autoreply_opts o;
    str l = STR_INIT, why = STR_INIT;
    const char *al1[] = { "joe", "joe@alias.example", "x@y.example" };
    const char *al2[] = { "joe" };
    (void)state;

    autoreply_opts_init(&o);
    o.recipient = "r@here.example";
    o.aliases = al1;
    o.naliases = 3;
    autoreply_opts_from(&o);
    assert_string_equal(o.from, "joe@alias.example");
    o.aliases = al2;
    o.naliases = 1;
    autoreply_opts_from(&o);
    assert_string_equal(o.from, "r@here.example");

    str_copys(&why, "a@b.example");
    assert_int_equal(autoreply_result_line(&l, "p", AUTOREPLY_SENT, &why, 42, 0), 0);
    assert_string_equal(l.s, "p: Sent response qp 42 to a@b.example\n");
    l.len = 0;
    assert_int_equal(autoreply_result_line(&l, "p", AUTOREPLY_SENT, &why, 42, 1), 0);
    assert_string_equal(l.s, "p: Sent response to a@b.example\n");
    l.len = 0;
    str_copys(&why, "bad\rline\nhere\x1b");
    assert_int_equal(autoreply_result_line(&l, "p", AUTOREPLY_IGNORED, &why, 0, 0), 0);
    assert_string_equal(l.s, "p: Ignoring message: bad_line_here_\n");
    l.len = 0;
    str_copys(&why, "no");
    assert_int_equal(autoreply_result_line(&l, "p", AUTOREPLY_REFUSED, &why, 0, 0), 0);
    assert_string_equal(l.s, "p: warning: the queue refused the response: no\n");
    l.len = 0;
    assert_int_equal(autoreply_result_line(&l, "p", AUTOREPLY_TEMP, &why, 0, 0), 0);
    assert_int_equal(l.len, 0);
    str_free(&l);
    str_free(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sender),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_orig),
        cmocka_unit_test(test_subject_clean),
        cmocka_unit_test(test_subject_skip),
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_program_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
