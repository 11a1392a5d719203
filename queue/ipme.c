/* ipme: this host's own IPv4 addresses.  See ipme.h. */
#include "ipme.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int add(ipme *m, size_t *cap, struct in_addr a)
{
    if (ipme_is(m, a)) return 0;
    if (m->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        struct in_addr *x = realloc(m->a, nc * sizeof *x);
        if (!x) return -1;
        m->a = x;
        *cap = nc;
    }
    m->a[m->n++] = a;
    return 0;
}

int ipme_init(ipme *m)
{
    struct ifaddrs *ifa, *p;
    struct in_addr any;
    size_t cap = 0;

    ipme_free(m);
    if (getifaddrs(&ifa) < 0) return -1;
    any.s_addr = htonl(INADDR_ANY);
    if (add(m, &cap, any) < 0) goto nomem;
    for (p = ifa; p; p = p->ifa_next) {
        if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET) continue;
        if (add(m, &cap, ((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr) < 0) goto nomem;
    }
    freeifaddrs(ifa);
    return 0;
nomem:
    freeifaddrs(ifa);
    ipme_free(m);
    errno = ENOMEM;
    return -1;
}

int ipme_is(const ipme *m, struct in_addr a)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->a[i].s_addr == a.s_addr) return 1;
    return 0;
}

void ipme_free(ipme *m)
{
    free(m->a);
    m->a = NULL;
    m->n = 0;
}

int ipme_scan(const char *s, size_t len, int bracket, struct in_addr *a)
{
    unsigned long part[4];
    size_t i = 0;
    int k;

    if (bracket) {
        if (len < 2 || s[0] != '[' || s[len - 1] != ']') return 0;
        s++;
        len -= 2;
    }
    for (k = 0; k < 4; k++) {
        size_t d = 0;
        part[k] = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && d < 4) {
            part[k] = part[k] * 10 + (unsigned long)(s[i] - '0');
            i++;
            d++;
        }
        if (!d || d > 3 || part[k] > 255) return 0;
        if (k < 3) {
            if (i >= len || s[i] != '.') return 0;
            i++;
        }
    }
    if (i != len) return 0;
    a->s_addr = htonl((uint32_t)(part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3]));
    return 1;
}
