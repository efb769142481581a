/*
 * test_basic.c — Arrow core unit tests for types, fields, schemas, buffers,
 * array lifetime, slicing, null counting and record batches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "arrow/arrow.h"

static void test_field_copy_equal_format(void **state)
{
    (void)state;
    arrow_field f;
    assert_int_equal(arrow_field_init(&f, "s", ARROW_STRUCT, true), 0);
    assert_int_equal(arrow_field_set_children(&f, 2), 0);
    assert_int_equal(arrow_field_init(&f.children[0], "ts", ARROW_TIMESTAMP, false), 0);
    assert_int_equal(arrow_field_set_timezone(&f.children[0], "UTC"), 0);
    assert_int_equal(arrow_field_init(&f.children[1], "l", ARROW_LIST, true), 0);
    assert_int_equal(arrow_field_set_children(&f.children[1], 1), 0);
    assert_int_equal(arrow_field_init(&f.children[1].children[0], "item", ARROW_UTF8, true), 0);
    f.children[1].children[0].dict = aphx_calloc(1, sizeof(arrow_dict_encoding));
    f.children[1].children[0].dict->index_type = ARROW_INT16;
    assert_int_equal(arrow_field_add_metadata(&f, "k", "v"), 0);

    arrow_field g;
    assert_int_equal(arrow_field_copy(&g, &f), 0);
    assert_true(arrow_field_equal(&f, &g, true));
    aphx_buf b;
    aphx_buf_init(&b);
    arrow_field_format_type(&g, &b);
    assert_string_equal(b.data, "struct<ts: timestamp[us, tz=UTC] not null, "
                                "l: list<item: dictionary<values=utf8, indices=int16>>>");
    aphx_buf_free(&b);
    g.children[0].type.unit = ARROW_NANO;
    assert_false(arrow_field_equal(&f, &g, true));
    arrow_field_free(&g);

    arrow_schema s, s2;
    assert_int_equal(arrow_schema_init(&s, 1), 0);
    assert_int_equal(arrow_field_copy(&s.fields[0], &f), 0);
    assert_int_equal(arrow_schema_copy(&s2, &s), 0);
    assert_true(arrow_schema_equal(&s, &s2, true));
    arrow_schema_free(&s);
    arrow_schema_free(&s2);
    arrow_field_free(&f);
}

static void test_field_copy_nomem(void **state)
{
    (void)state;
    arrow_field f;
    assert_int_equal(arrow_field_init(&f, "u", ARROW_DENSE_UNION, true), 0);
    assert_int_equal(arrow_field_set_children(&f, 2), 0);
    assert_int_equal(arrow_field_init(&f.children[0], "a", ARROW_INT32, true), 0);
    assert_int_equal(arrow_field_init(&f.children[1], "b", ARROW_UTF8, true), 0);
    assert_int_equal(arrow_field_add_metadata(&f.children[1], "x", "y"), 0);
    for (int n = 1;; n++) {
        arrow_field g;
        aphx_alloc_fail_countdown = n;
        aphx_rc rc = arrow_field_copy(&g, &f);
        aphx_alloc_fail_countdown = 0;
        if (rc == APHX_OK) {
            assert_true(arrow_field_equal(&f, &g, true));
            arrow_field_free(&g);
            break;
        }
        assert_int_equal(rc, APHX_NOMEM);
    }
    arrow_field_free(&f);
}

static void test_bit_widths(void **state)
{
    (void)state;
    arrow_type t = {0};
    t.id = ARROW_BOOL; assert_int_equal(arrow_type_bit_width(&t), 1);
    t.id = ARROW_INTERVAL_MONTH_DAY_NANO; assert_int_equal(arrow_type_bit_width(&t), 128);
    t.id = ARROW_FIXED_SIZE_BINARY; t.byte_width = 5; assert_int_equal(arrow_type_bit_width(&t), 40);
    t.id = ARROW_UTF8; assert_int_equal(arrow_type_bit_width(&t), 0);
    arrow_field f = {0};
    f.type.id = ARROW_NA; assert_int_equal(arrow_field_n_buffers(&f), 0);
    f.type.id = ARROW_LARGE_UTF8; assert_int_equal(arrow_field_n_buffers(&f), 3);
    f.type.id = ARROW_SPARSE_UNION; assert_int_equal(arrow_field_n_buffers(&f), 1);
    f.type.id = ARROW_DENSE_UNION; assert_int_equal(arrow_field_n_buffers(&f), 2);
}

static void test_buffers(void **state)
{
    (void)state;
    arrow_buffer *b = arrow_buffer_alloc(10);
    assert_non_null(b);
    assert_int_equal(((uintptr_t)b->data) % 64, 0);
    assert_int_equal(arrow_buffer_resize(b, 1000), 0);
    assert_int_equal(b->data[999], 0);
    arrow_buffer *v = arrow_buffer_view(b, 10, 20);
    assert_non_null(v);
    arrow_buffer_unref(b);  /* view keeps parent alive */
    v->data[0] = 1;
    arrow_buffer_unref(v);
    assert_null(arrow_buffer_view(NULL, 0, 0));

    uint8_t bits[20];
    memset(bits, 0xff, sizeof bits);
    arrow_bit_set(bits, 3, false);
    arrow_bit_set(bits, 100, false);
    assert_int_equal(arrow_bitmap_count_set(bits, 0, 160), 158);
    assert_int_equal(arrow_bitmap_count_set(bits, 4, 96), 96);
    assert_int_equal(arrow_bitmap_count_set(bits, 3, 98), 96);
}

static void test_array_slice_nulls(void **state)
{
    (void)state;
    arrow_field f;
    assert_int_equal(arrow_field_init(&f, "x", ARROW_INT32, true), 0);
    arrow_array *a = arrow_array_new(&f);
    assert_non_null(a);
    assert_int_equal(a->n_buffers, 2);
    a->length = 10;
    a->null_count = -1;
    a->buffers[0] = arrow_buffer_alloc(2);
    a->buffers[1] = arrow_buffer_alloc(40);
    for (int i = 0; i < 10; i++) arrow_bit_set(a->buffers[0]->data, i, i % 3 != 0);
    assert_int_equal(arrow_array_null_count(a), 4);
    arrow_array *s = arrow_array_slice(a, 1, 5);
    assert_non_null(s);
    arrow_array_unref(a);
    assert_int_equal(arrow_array_null_count(s), 1);
    assert_true(arrow_array_is_null(&f, s, 2));
    assert_false(arrow_array_is_null(&f, s, 0));
    assert_null(arrow_array_slice(s, 3, 3));
    arrow_array_unref(s);
    arrow_field_free(&f);
}

static void test_schema_format(void **state)
{
    (void)state;
    arrow_schema s;
    assert_int_equal(arrow_schema_init(&s, 3), 0);
    assert_int_equal(arrow_field_init(&s.fields[0], "id", ARROW_INT64, false), 0);
    assert_int_equal(arrow_field_init(&s.fields[1], "price", ARROW_DECIMAL128, true), 0);
    s.fields[1].type.precision = 12;
    s.fields[1].type.scale = 2;
    assert_int_equal(arrow_field_init(&s.fields[2], "u", ARROW_SPARSE_UNION, true), 0);
    assert_int_equal(arrow_field_set_children(&s.fields[2], 2), 0);
    assert_int_equal(arrow_field_init(&s.fields[2].children[0], "a", ARROW_TIME32, true), 0);
    assert_int_equal(arrow_field_init(&s.fields[2].children[1], "b", ARROW_FIXED_SIZE_BINARY, true), 0);
    s.fields[2].children[1].type.byte_width = 16;
    s.fields[2].type.type_codes[1] = 9;
    /* setting the children again keeps the codes */
    aphx_buf b;
    aphx_buf_init(&b);
    arrow_schema_format(&s, &b);
    assert_string_equal(b.data, "id: int64 not null\n"
                                "price: decimal128(12, 2)\n"
                                "u: sparse_union<a: time32[ms]=0, b: fixed_size_binary[16]=9>\n");
    aphx_buf_free(&b);
    arrow_schema_free(&s);
}

/* Every half-precision bit pattern survives half -> double -> half. */
double arrow_core_half_to_double(uint16_t h);
uint16_t arrow_core_double_to_half(double d);

static void test_float16_conversion(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        double d = arrow_core_half_to_double((uint16_t)h);
        if (d != d) continue;   /* NaN payloads collapse to one NaN */
        assert_int_equal(arrow_core_double_to_half(d), h);
    }
    assert_int_equal(arrow_core_double_to_half(1.0), 0x3c00);
    assert_int_equal(arrow_core_double_to_half(65504.0), 0x7bff);
    assert_int_equal(arrow_core_double_to_half(1e6), 0x7c00);
    assert_int_equal(arrow_core_double_to_half(-0.0), 0x8000);
    assert_int_equal(arrow_core_double_to_half(5.960464477539063e-08), 0x0001);
    /* round to nearest even: 1 + 2^-11 lies halfway between 1 and 1 + 2^-10 */
    assert_int_equal(arrow_core_double_to_half(1.0 + 1.0 / 2048), 0x3c00);
    assert_int_equal(arrow_core_double_to_half(1.0 + 3.0 / 2048), 0x3c02);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_copy_equal_format),
        cmocka_unit_test(test_field_copy_nomem),
        cmocka_unit_test(test_bit_widths),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_array_slice_nulls),
        cmocka_unit_test(test_schema_format),
        cmocka_unit_test(test_float16_conversion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
