/*
 * test_base.c — unit tests for src/base: error codes, arenas, buffers and
 * the Java-properties reader (zoo.cfg syntax).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "base/base.h"

static void test_error_codes(void **state)
{
    (void)state;
    assert_int_equal(APHX_OK, 0);
    assert_string_equal(aphx_rc_name(APHX_CORRUPT), "CORRUPT");
    assert_string_equal(aphx_rc_text(APHX_NOTFOUND), "not found");
    assert_string_equal(aphx_rc_name((aphx_rc)9999), "UNKNOWN");
    aphx_error err;
    assert_int_equal(aphx_fail(&err, APHX_IO, "x=%d", 42), APHX_IO);
    assert_int_equal(err.code, APHX_IO);
    assert_string_equal(err.msg, "x=42");
    aphx_error_prefix(&err, "file %s", "a.arrow");
    assert_string_equal(err.msg, "file a.arrow: x=42");
    assert_int_equal(aphx_fail(NULL, APHX_NOMEM, "ignored"), APHX_NOMEM);
}

static void test_arena(void **state)
{
    (void)state;
    aphx_arena a;
    aphx_arena_init(&a, 128);
    char *s = aphx_arena_strdup(&a, "hello");
    assert_string_equal(s, "hello");
    for (int i = 0; i < 1000; i++) {
        int *p = aphx_arena_alloc(&a, sizeof(int) * (size_t)(i % 50 + 1));
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % 16, 0);
        p[0] = i;
    }
    char *big = aphx_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_string_equal(aphx_arena_printf(&a, "%d-%s", 7, "x"), "7-x");
    aphx_arena_reset(&a);
    assert_int_equal(a.total, 0);
    assert_non_null(aphx_arena_alloc(&a, 10));
    aphx_arena_destroy(&a);
}

static void test_buf_and_oom(void **state)
{
    (void)state;
    aphx_buf b;
    aphx_buf_init(&b);
    for (int i = 0; i < 100; i++) aphx_buf_printf(&b, "%d,", i);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    assert_false(b.oom);
    aphx_buf_free(&b);

    /* Fault injection: the first allocation fails, the flag is sticky. */
    aphx_buf_init(&b);
    aphx_alloc_fail_countdown = 1;
    aphx_buf_puts(&b, "abc");
    assert_true(b.oom);
    aphx_buf_puts(&b, "def");
    assert_true(b.oom);
    aphx_buf_free(&b);
    assert_null((aphx_alloc_fail_countdown = 1, aphx_malloc(10)));
    void *p = aphx_malloc(10);
    assert_non_null(p);
    aphx_free(p);
}

static void test_props(void **state)
{
    (void)state;
    const char *text =
        "# zoo.cfg\r\n"
        "tickTime=2000\r\n"
        "  dataDir = /var/lib/zk  \n"
        "! another comment\n"
        "clientPort:2181\n"
        "server.1=127.0.0.1:2888:3888\n"
        "long.value=a,\\\n"
        "    b,\\\n"
        "    c\n"
        "esc=tab\\there\\u0041\n"
        "empty=\n"
        "spaced key\n"
        "tickTime=3000\n";
    aphx_props p;
    aphx_error err;
    assert_int_equal(aphx_props_parse(&p, "zoo.cfg", text, strlen(text), &err), APHX_OK);
    assert_string_equal(aphx_props_get(&p, "dataDir", NULL), "/var/lib/zk");
    assert_string_equal(aphx_props_get(&p, "clientPort", NULL), "2181");
    assert_string_equal(aphx_props_get(&p, "server.1", NULL), "127.0.0.1:2888:3888");
    assert_string_equal(aphx_props_get(&p, "long.value", NULL), "a,b,c");
    assert_string_equal(aphx_props_get(&p, "esc", NULL), "tab\thereA");
    assert_string_equal(aphx_props_get(&p, "empty", NULL), "");
    assert_string_equal(aphx_props_get(&p, "spaced", NULL), "key");
    assert_null(aphx_props_get(&p, "missing", NULL));

    int64_t tick = 0;
    assert_int_equal(aphx_props_get_int(&p, "tickTime", 1, 100000, &tick, &err), APHX_OK);
    assert_int_equal(tick, 3000);   /* later duplicate wins */
    assert_int_equal(aphx_props_find(&p, "tickTime")->line, 13);

    /* A bad value names the file, the line and the key. */
    aphx_props_set(&p, "x", "y");
    assert_int_equal(aphx_props_get_int(&p, "dataDir", 0, 10, &tick, &err), APHX_CONFIG);
    assert_non_null(strstr(err.msg, "zoo.cfg:3"));
    assert_non_null(strstr(err.msg, "dataDir"));
    assert_int_equal(tick, 3000);
    assert_int_equal(aphx_props_get_int(&p, "clientPort", 0, 1000, &tick, &err), APHX_CONFIG);
    assert_non_null(strstr(err.msg, "between 0 and 1000"));
    bool flag = false;
    assert_int_equal(aphx_props_get_bool(&p, "esc", &flag, &err), APHX_CONFIG);
    aphx_props_free(&p);

    const char *bad = "ok=1\n\\u12G4=3\n";
    assert_int_equal(aphx_props_parse(&p, "bad.cfg", bad, strlen(bad), &err), APHX_CONFIG);
    assert_non_null(strstr(err.msg, "bad.cfg:2"));

    assert_int_equal(aphx_props_load(&p, "/nonexistent/zoo.cfg", &err), APHX_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/zoo.cfg"));
}

static void test_parse_i64(void **state)
{
    (void)state;
    int64_t v;
    assert_true(aphx_parse_i64("-42", &v));
    assert_int_equal(v, -42);
    assert_false(aphx_parse_i64("42x", &v));
    assert_false(aphx_parse_i64("", &v));
    assert_false(aphx_parse_i64("99999999999999999999", &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_codes), cmocka_unit_test(test_arena),
        cmocka_unit_test(test_buf_and_oom), cmocka_unit_test(test_props),
        cmocka_unit_test(test_parse_i64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
