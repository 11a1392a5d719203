/* Unit tests for compat/oneshot-malloc.c, the allocator of the musl-built
 * programs.  Its functions are compiled here under other names (so this
 * glibc test program, and the sanitizers, keep their own malloc):
 * alignment, reuse of freed blocks, realloc keeping the contents, calloc
 * zeroing recycled memory and refusing overflows, blocks mapped alone
 * (large and over-aligned ones), and a random mix checked byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define malloc osm_malloc
#define free osm_free
#define calloc osm_calloc
#define realloc osm_realloc
#define aligned_alloc osm_aligned_alloc
#define posix_memalign osm_posix_memalign
#define memalign osm_memalign
#define malloc_usable_size osm_malloc_usable_size
#include "../../compat/oneshot-malloc.c"
#undef malloc
#undef free
#undef calloc
#undef realloc
#undef aligned_alloc
#undef posix_memalign
#undef memalign
#undef malloc_usable_size

static void test_sizes_and_alignment(void **state)
{
    (void)state;
    size_t sizes[] = { 0, 1, 15, 16, 17, 100, 4096, 65536, (1u << 20) - 16, (1u << 20) - 15, 3u << 20 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char *p = osm_malloc(sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_true(osm_malloc_usable_size(p) >= sizes[i]);
        memset(p, 0xab, sizes[i]);  /* the whole block is writable */
        osm_free(p);
    }
    osm_free(NULL);
    assert_int_equal(osm_malloc_usable_size(NULL), 0);
}

static void test_reuse(void **state)
{
    (void)state;
    void *a = osm_malloc(200);
    osm_free(a);
    void *b = osm_malloc(180);  /* the same size class: the same block */
    assert_ptr_equal(a, b);
    void *c = osm_malloc(180);
    assert_ptr_not_equal(b, c);
    osm_free(b);
    osm_free(c);
}

static void test_grow_shrink(void **state)
{
    (void)state;
    char *p = osm_realloc(NULL, 10);
    assert_non_null(p);
    memcpy(p, "0123456789", 10);
    for (size_t n = 20; n < (4u << 20); n *= 3) {
        p = osm_realloc(p, n);
        assert_non_null(p);
        assert_memory_equal(p, "0123456789", 10);
    }
    char *q = osm_realloc(p, 5);  /* shrinking keeps the block */
    assert_ptr_equal(p, q);
    osm_free(q);
}

static void test_zeroed(void **state)
{
    (void)state;
    char *p = osm_malloc(500);
    memset(p, 0x5a, 500);
    osm_free(p);
    char *z = osm_calloc(50, 10);   /* the recycled block, zeroed */
    assert_ptr_equal(p, z);
    for (int i = 0; i < 500; i++) assert_int_equal(z[i], 0);
    osm_free(z);
    errno = 0;
    assert_null(osm_calloc(SIZE_MAX / 2, 3));
    assert_int_equal(errno, ENOMEM);
    errno = 0;
    assert_null(osm_malloc(SIZE_MAX - 10));
    assert_int_equal(errno, ENOMEM);
}

static void test_aligned(void **state)
{
    (void)state;
    size_t aligns[] = { 8, 16, 32, 64, 4096, 65536 };
    for (size_t i = 0; i < sizeof aligns / sizeof *aligns; i++) {
        char *p = osm_aligned_alloc(aligns[i], 1000);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % aligns[i], 0);
        assert_true(osm_malloc_usable_size(p) >= 1000);
        memset(p, 1, 1000);
        osm_free(p);
    }
    void *r = NULL;
    assert_int_equal(osm_posix_memalign(&r, 256, 77), 0);
    assert_int_equal((uintptr_t)r % 256, 0);
    osm_free(r);
    assert_int_equal(osm_posix_memalign(&r, 24, 77), EINVAL);
    errno = 0;
    assert_null(osm_aligned_alloc(48, 10));
    assert_int_equal(errno, EINVAL);
}

/* Random allocations, frees and reallocs, each block filled with its own
 * byte and checked before it changes: no two live blocks overlap. */
static void test_random_mix(void **state)
{
    (void)state;
    enum { SLOTS = 512 };
    static char *blk[SLOTS];
    static size_t len[SLOTS];
    unsigned seed = 12345;
    for (int round = 0; round < 200000; round++) {
        seed = seed * 1103515245u + 12345u;
        unsigned i = (seed >> 8) % SLOTS;
        size_t n = (seed >> 4) % 3 == 0 ? (seed >> 12) % 300000 : (seed >> 12) % 2000;
        if (blk[i]) {
            for (size_t k = 0; k < len[i]; k += 97) assert_int_equal((unsigned char)blk[i][k], i & 0xff);
            if (len[i]) assert_int_equal((unsigned char)blk[i][len[i] - 1], i & 0xff);
        }
        if ((seed >> 20) % 3 == 0) {
            osm_free(blk[i]);
            blk[i] = NULL;
            len[i] = 0;
            continue;
        }
        char *p = osm_realloc(blk[i], n);
        assert_non_null(p);
        if (n > len[i]) memset(p + len[i], (int)(i & 0xff), n - len[i]);
        blk[i] = p;
        len[i] = n;
    }
    for (int i = 0; i < SLOTS; i++) osm_free(blk[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_alignment),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_grow_shrink),
        cmocka_unit_test(test_zeroed),
        cmocka_unit_test(test_aligned),
        cmocka_unit_test(test_random_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
