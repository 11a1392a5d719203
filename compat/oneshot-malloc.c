/*
 * oneshot-malloc: the memory allocator of the programs that run once per
 * message (MUSL_PROGS in the Makefile), replacing musl's.
 *
 * Why: musl's allocator gives every group of mid-sized blocks its own
 * mapping and unmaps it as soon as the group is empty, so a program that
 * compiles twenty regular expressions and reads one message maps and
 * unmaps memory dozens of times; on the reference VM those calls, the
 * page faults on the fresh mappings and the TLB flushes they cause were a
 * third of maildrop's CPU time per message.  These programs live for
 * milliseconds and allocate little, so a simple allocator that keeps what
 * it got from the kernel serves them better.
 *
 * How: blocks of 2^k bytes (k = 5 .. 20, a 16-byte header included) are
 * carved from 1 MiB arenas and kept on one free list per size when freed;
 * larger requests get a mapping of their own, unmapped by free.  Memory
 * of freed small blocks is reused for the same size only, which bounds
 * the waste of a program whose buffers grow (a streaming copy holds a few
 * buffers, never the message).  One lock makes it thread-safe.
 *
 * musl lets a statically linked program replace malloc: when the program
 * defines all of these functions, libc's allocator is not linked in.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t m, size_t n);
void *realloc(void *p, size_t n);
void *aligned_alloc(size_t align, size_t n);
int posix_memalign(void **res, size_t align, size_t n);
void *memalign(size_t align, size_t n);
size_t malloc_usable_size(void *p);

#define HDR 16u                 /* header size, and the alignment of every block */
#define MIN_SHIFT 5             /* 32-byte blocks: 16 usable */
#define MAX_SHIFT 20            /* 1 MiB blocks; larger ones are mapped alone */
#define ARENA ((size_t)1 << 20)
#define BIG_MARK 0xffu          /* header class of a block mapped alone */

struct hdr {
    size_t cls;   /* size shift of a small block, or BIG_MARK */
    size_t len;   /* small: usable bytes; big: bytes mapped, from map start */
};
/* a big block's mapping may start before its header (aligned requests):
 * the offset of the header from the mapping start is kept just before it */

static void *free_list[MAX_SHIFT + 1];
static char *arena_next, *arena_end;
static volatile int lock_word;

static void lock(void)
{
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED)) { }
}

static void unlock(void) { __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE); }

static void *map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { errno = ENOMEM; return NULL; }
    return p;
}

/* A mapping of its own for n usable bytes whose address is a multiple of
 * align (a power of two, at least HDR). */
static void *big_alloc(size_t n, size_t align)
{
    size_t page = 4096, extra = align > HDR ? align : 0, len;
    if (n > SIZE_MAX - 2 * HDR - extra - page) { errno = ENOMEM; return NULL; }
    len = (n + 2 * HDR + extra + page - 1) & ~(page - 1);
    char *base = map(len);
    if (!base) return NULL;
    uintptr_t user = ((uintptr_t)base + 2 * HDR + align - 1) & ~(uintptr_t)(align - 1);
    struct hdr *h = (struct hdr *)(user - HDR);
    size_t *offset = (size_t *)((char *)h - sizeof(size_t));
    *offset = (size_t)((char *)h - base);
    h->cls = BIG_MARK;
    h->len = len;
    return (void *)user;
}

static void big_free(struct hdr *h)
{
    size_t offset = *(size_t *)((char *)h - sizeof(size_t));
    munmap((char *)h - offset, h->len);
}

static size_t usable(const struct hdr *h)
{
    if (h->cls != BIG_MARK) return h->len;
    size_t offset = *(const size_t *)((const char *)h - sizeof(size_t));
    return h->len - offset - HDR;
}

static unsigned shift_for(size_t n)
{
    unsigned k = MIN_SHIFT;
    while (((size_t)1 << k) - HDR < n) k++;
    return k;
}

static void *small_alloc(unsigned k)
{
    size_t size = (size_t)1 << k;
    struct hdr *h;
    lock();
    if (free_list[k]) {
        h = free_list[k];
        free_list[k] = *(void **)(h + 1);
    } else {
        if ((size_t)(arena_end - arena_next) < size) {
            /* the rest of the old arena is left unused: at most one block
             * of each size, and these programs are short-lived */
            char *a = map(ARENA);
            if (!a) { unlock(); return NULL; }
            arena_next = a;
            arena_end = a + ARENA;
        }
        h = (struct hdr *)arena_next;
        arena_next += size;
    }
    unlock();
    h->cls = k;
    h->len = size - HDR;
    return h + 1;
}

/* malloc under another name: the compiler knows what malloc does and
 * would turn calloc's malloc and memset into a call to calloc */
static void *alloc_bytes(size_t n)
{
    if (n > ((size_t)1 << MAX_SHIFT) - HDR) return big_alloc(n, HDR);
    return small_alloc(shift_for(n));
}

void *malloc(size_t n) { return alloc_bytes(n); }

void free(void *p)
{
    if (!p) return;
    struct hdr *h = (struct hdr *)p - 1;
    if (h->cls == BIG_MARK) { big_free(h); return; }
    lock();
    *(void **)p = free_list[h->cls];
    free_list[h->cls] = h;
    unlock();
}

void *calloc(size_t m, size_t n)
{
    if (n && m > SIZE_MAX / n) { errno = ENOMEM; return NULL; }
    void *p = alloc_bytes(m * n);
    /* recycled blocks hold old data; fresh mappings are zero already, but
     * telling them apart is not worth it for these sizes */
    if (p) memset(p, 0, m * n);
    return p;
}

void *realloc(void *p, size_t n)
{
    if (!p) return malloc(n);
    size_t have = usable((struct hdr *)p - 1);
    if (n <= have) return p;
    void *q = alloc_bytes(n);
    if (!q) return NULL;
    memcpy(q, p, have);
    free(p);
    return q;
}

void *aligned_alloc(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) { errno = EINVAL; return NULL; }
    if (align <= HDR) return alloc_bytes(n);
    return big_alloc(n, align);
}

int posix_memalign(void **res, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    void *p = aligned_alloc(align, n);
    if (!p) return ENOMEM;
    *res = p;
    return 0;
}

void *memalign(size_t align, size_t n) { return aligned_alloc(align, n); }

size_t malloc_usable_size(void *p) { return p ? usable((struct hdr *)p - 1) : 0; }
