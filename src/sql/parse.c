/*
 * parse.c — the SQL parser: tokens (tokenize.c) in, arena-allocated AST
 * (sql.h) out.
 *
 * Why hand-written recursive descent and not lemon (or another generator):
 *   - error messages and positions: every failure knows exactly which token
 *     it stopped at and what it expected there ("expected ')' to close the
 *     '(' at line 1, column 8, found FROM"), which a table-driven LALR
 *     parser reports only as "near X";
 *   - expressions use Pratt-style precedence climbing (one loop with a
 *     binding-power table), which makes operator precedence one readable
 *     table instead of a cascade of grammar rules;
 *   - there is no generated code to review, vendor or keep in sync with a
 *     tool version, and the fuzzer exercises the code we wrote;
 *   - keywords are contextual: a word is a keyword only where the grammar
 *     expects it, so Phoenix's many option names (TTL, SALT_BUCKETS, KEY,
 *     VALUE...) stay usable as column names; only the short list in
 *     sql_is_keyword() is reserved.
 *
 * Error handling: the first error wins and is sticky (p->rc); after it the
 * current token reads as end of input, so every parse function unwinds
 * quickly. Functions return aphx_rc and build nodes in the arena; nothing is
 * freed on failure (the caller resets the arena).
 *
 * Operator precedence, lowest first (SQLite's order, which the
 * sqllogictest corpus assumes):
 *   OR < AND < NOT < (= <> IS IN LIKE BETWEEN ISNULL NOTNULL)
 *      < (< <= > >=) < (& | << >>) < (+ -) < (* / %) < || < unary - + ~
 * Set operations: INTERSECT binds tighter than UNION and EXCEPT (standard
 * SQL; SQLite evaluates all three left to right).
 */
#include "sql/sql.h"
#include "sql/sql_internal.h"

#include <string.h>
#include <strings.h>

enum {
    PREC_NONE = 0,
    PREC_OR = 1,
    PREC_AND = 2,
    PREC_NOT = 3,
    PREC_EQUALITY = 4,
    PREC_COMPARE = 5,
    PREC_BITWISE = 6,
    PREC_ADD = 7,
    PREC_MUL = 8,
    PREC_CONCAT = 9,
    PREC_UNARY = 10,
};

/* Longest run of left-associative operators in one expression (a + b + c
 * ...): bounds the height of the tree later passes walk recursively. */
#define SQL_MAX_CHAIN 10000

typedef struct sql_parser {
    aphx_arena *arena;
    sql_lexer   lx;
    sql_token   tok;          /* current token */
    uint32_t    prev_end;     /* offset one past the last consumed token */
    sql_error  *err;
    sql_error   local_err;    /* used when the caller passed NULL */
    aphx_rc     rc;           /* first error, sticky */
    int         depth;
    uint32_t    param_count;  /* ? parameters seen so far */
} sql_parser;

#define TRY(x)                         \
    do {                               \
        aphx_rc try_rc_ = (x);         \
        if (try_rc_) return try_rc_;   \
    } while (0)

static aphx_rc parse_expr(sql_parser *p, int min_prec, sql_expr **out);
static aphx_rc parse_query(sql_parser *p, sql_query **out);
static aphx_rc parse_statement(sql_parser *p, sql_stmt **out);
static aphx_rc parse_order_by(sql_parser *p, sql_order_list *out);

/* ------------------------------------------------------------------ */
/* Token plumbing                                                      */
/* ------------------------------------------------------------------ */
static aphx_rc parser_error(sql_parser *p, aphx_rc code, const char *state, sql_pos pos,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static aphx_rc parser_error(sql_parser *p, aphx_rc code, const char *state, sql_pos pos,
                            const char *fmt, ...)
{
    if (p->rc) return p->rc;             /* the first error wins */
    p->rc = code;
    p->err->base.code = code;
    snprintf(p->err->sqlstate, sizeof p->err->sqlstate, "%s", state);
    p->err->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->base.msg, sizeof p->err->base.msg, fmt, ap);
    va_end(ap);
    p->tok.kind = SQL_TOK_EOF;
    return code;
}

static aphx_rc parser_nomem(sql_parser *p)
{
    return parser_error(p, APHX_NOMEM, SQL_STATE_OUT_OF_MEMORY, p->tok.pos,
                        "out of memory while parsing");
}

static void advance(sql_parser *p)
{
    if (p->rc) return;
    p->prev_end = p->tok.pos.offset + p->tok.len;
    aphx_rc rc = sql_lexer_next(&p->lx, &p->tok, p->err);
    if (rc) {
        p->rc = rc;
        p->tok.kind = SQL_TOK_EOF;
    }
}

/* Kind of the token `n` places after the current one (n >= 1), and a copy
 * of it in *out if non-NULL; lexer errors read as end of input here and are
 * reported when the parser really gets there. */
static sql_token_kind peek(sql_parser *p, int n, sql_token *out)
{
    sql_lexer copy = p->lx;
    sql_token t = p->tok;
    for (int i = 0; i < n && t.kind != SQL_TOK_EOF; i++)
        if (sql_lexer_next(&copy, &t, NULL) != APHX_OK) t.kind = SQL_TOK_EOF;
    if (out) *out = t;
    return t.kind;
}

static const char *tok_text(const sql_parser *p, const sql_token *t)
{
    return p->lx.text + t->pos.offset;
}

static bool tok_is_kw(const sql_parser *p, const sql_token *t, const char *kw)
{
    return t->kind == SQL_TOK_IDENT && strlen(kw) == t->len &&
           strncasecmp(tok_text(p, t), kw, t->len) == 0;
}

static bool is_kw(const sql_parser *p, const char *kw) { return tok_is_kw(p, &p->tok, kw); }

static bool peek_is_kw(sql_parser *p, int n, const char *kw)
{
    sql_token t;
    peek(p, n, &t);
    return tok_is_kw(p, &t, kw);
}

static bool accept_kw(sql_parser *p, const char *kw)
{
    if (!is_kw(p, kw)) return false;
    advance(p);
    return true;
}

static bool accept(sql_parser *p, sql_token_kind kind)
{
    if (p->tok.kind != kind) return false;
    advance(p);
    return true;
}

/* "FROM", "'('", "end of input", "string literal 'abc'" for messages. */
static void describe_token(const sql_parser *p, char *buf, size_t size)
{
    const sql_token *t = &p->tok;
    if (t->kind == SQL_TOK_EOF) {
        snprintf(buf, size, "end of input");
        return;
    }
    int n = (int)APHX_MIN(t->len, 40u);
    snprintf(buf, size, "\"%.*s\"%s", n, tok_text(p, t), t->len > 40 ? "..." : "");
}

static aphx_rc syntax_error_expected(sql_parser *p, const char *what)
{
    char found[64];
    describe_token(p, found, sizeof found);
    return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, p->tok.pos,
                        "syntax error: expected %s, found %s", what, found);
}

static aphx_rc expect_kw(sql_parser *p, const char *kw)
{
    if (accept_kw(p, kw)) return APHX_OK;
    if (p->rc) return p->rc;
    return syntax_error_expected(p, kw);
}

static aphx_rc expect(sql_parser *p, sql_token_kind kind)
{
    if (accept(p, kind)) return APHX_OK;
    if (p->rc) return p->rc;
    return syntax_error_expected(p, sql_token_kind_name(kind));
}

/* Expect the ')' closing the '(' at `open`. */
static aphx_rc expect_close(sql_parser *p, sql_pos open)
{
    if (accept(p, SQL_TOK_RPAREN)) return APHX_OK;
    if (p->rc) return p->rc;
    char what[80];
    snprintf(what, sizeof what, "')' to close the '(' at line %u, column %u", open.line,
             open.column);
    return syntax_error_expected(p, what);
}

static void *node(sql_parser *p, size_t size)
{
    void *n = aphx_arena_calloc(p->arena, size);
    if (!n) parser_nomem(p);
    return n;
}

#define NEW(p, T) ((T *)node((p), sizeof(T)))
#define PUSH(p, list, item) (SQL_LIST_PUSH((p)->arena, (list), (item)) ? APHX_OK : parser_nomem(p))

static aphx_rc enter(sql_parser *p)
{
    if (++p->depth > SQL_MAX_DEPTH)
        return parser_error(p, APHX_SYNTAX, SQL_STATE_TOO_COMPLEX, p->tok.pos,
                            "statement too complex: nesting deeper than %d levels",
                            SQL_MAX_DEPTH);
    return APHX_OK;
}

/* ------------------------------------------------------------------ */
/* Identifiers and names                                               */
/* ------------------------------------------------------------------ */
static bool tok_is_name(const sql_parser *p, const sql_token *t)
{
    return t->kind == SQL_TOK_QUOTED_IDENT ||
           (t->kind == SQL_TOK_IDENT && !sql_is_keyword(tok_text(p, t), t->len));
}

static bool at_name(const sql_parser *p) { return tok_is_name(p, &p->tok); }

/* Decode the current identifier token: unquoted → upper case, "quoted" →
 * exact with "" undone. Does not advance. */
static aphx_rc decode_ident(sql_parser *p, const char **out)
{
    const sql_token *t = &p->tok;
    const char *s = tok_text(p, t);
    if (t->kind == SQL_TOK_IDENT) {
        char *d = aphx_arena_strndup(p->arena, s, t->len);
        if (!d) return parser_nomem(p);
        for (char *c = d; *c; c++)
            if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
        *out = d;
        return APHX_OK;
    }
    if (t->len <= 2)
        return parser_error(p, APHX_SYNTAX, SQL_STATE_INVALID_NAME, t->pos,
                            "zero-length quoted identifier");
    char *d = aphx_arena_alloc(p->arena, t->len);
    if (!d) return parser_nomem(p);
    size_t n = 0;
    for (uint32_t i = 1; i + 1 < t->len; i++) {
        d[n++] = s[i];
        if (s[i] == '"') i++;            /* "" → " */
    }
    d[n] = '\0';
    *out = d;
    return APHX_OK;
}

static aphx_rc parse_ident(sql_parser *p, const char *what, const char **out)
{
    if (!at_name(p)) {
        if (p->tok.kind == SQL_TOK_IDENT && !p->rc) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s (\"%.*s\" is a reserved word; quote it)", what,
                     (int)APHX_MIN(p->tok.len, 30u), tok_text(p, &p->tok));
            return syntax_error_expected(p, msg);
        }
        return syntax_error_expected(p, what);
    }
    TRY(decode_ident(p, out));
    advance(p);
    return p->rc;
}

/* name or schema.name */
static aphx_rc parse_name(sql_parser *p, const char *what, sql_name *out)
{
    out->schema = NULL;
    TRY(parse_ident(p, what, &out->name));
    if (p->tok.kind == SQL_TOK_DOT) {
        advance(p);
        out->schema = out->name;
        TRY(parse_ident(p, what, &out->name));
    }
    return APHX_OK;
}

/* (a, b, c) — the '(' is current. */
static aphx_rc parse_name_list_parens(sql_parser *p, const char *what, sql_name_list *out)
{
    sql_pos open = p->tok.pos;
    TRY(expect(p, SQL_TOK_LPAREN));
    do {
        const char *name;
        TRY(parse_ident(p, what, &name));
        TRY(PUSH(p, *out, name));
    } while (accept(p, SQL_TOK_COMMA));
    return expect_close(p, open);
}

/* IF NOT EXISTS (when the words are there). */
static bool accept_if_not_exists(sql_parser *p)
{
    if (is_kw(p, "IF") && peek_is_kw(p, 1, "NOT") && peek_is_kw(p, 2, "EXISTS")) {
        advance(p);
        advance(p);
        advance(p);
        return true;
    }
    return false;
}

static bool accept_if_exists(sql_parser *p)
{
    if (is_kw(p, "IF") && peek_is_kw(p, 1, "EXISTS")) {
        advance(p);
        advance(p);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Literals                                                            */
/* ------------------------------------------------------------------ */
static aphx_rc decode_string(sql_parser *p, const char **out)
{
    const sql_token *t = &p->tok;
    const char *s = tok_text(p, t);
    char *d = aphx_arena_alloc(p->arena, t->len);
    if (!d) return parser_nomem(p);
    size_t n = 0;
    for (uint32_t i = 1; i + 1 < t->len; i++) {
        d[n++] = s[i];
        if (s[i] == '\'') i++;           /* '' → ' */
    }
    d[n] = '\0';
    *out = d;
    return APHX_OK;
}

static aphx_rc parse_string(sql_parser *p, const char *what, const char **out)
{
    if (p->tok.kind != SQL_TOK_STRING) return syntax_error_expected(p, what);
    TRY(decode_string(p, out));
    advance(p);
    return p->rc;
}

static aphx_rc parse_number_literal(sql_parser *p, sql_expr **out)
{
    sql_expr *e = NEW(p, sql_expr);
    if (!e) return p->rc;
    e->pos = p->tok.pos;
    e->kind = p->tok.kind == SQL_TOK_INTEGER ? SQL_EXPR_INTEGER
            : p->tok.kind == SQL_TOK_DECIMAL ? SQL_EXPR_DECIMAL : SQL_EXPR_FLOAT;
    e->u.number.text = aphx_arena_strndup(p->arena, tok_text(p, &p->tok), p->tok.len);
    if (!e->u.number.text) return parser_nomem(p);
    if (e->kind == SQL_EXPR_INTEGER) {
        uint64_t v = 0;
        bool fits = true;
        for (const char *c = e->u.number.text; *c; c++) {
            unsigned d = (unsigned)(*c - '0');
            if (v > (uint64_t)(INT64_MAX - d) / 10) {
                fits = false;
                break;
            }
            v = v * 10 + d;
        }
        e->u.number.fits_int64 = fits;
        e->u.number.value = fits ? (int64_t)v : 0;
    }
    advance(p);
    *out = e;
    return p->rc;
}

/* A non-negative integer that must fit in int32 (type lengths). */
static aphx_rc parse_small_int(sql_parser *p, const char *what, int32_t min, int32_t max,
                               int32_t *out)
{
    if (p->tok.kind != SQL_TOK_INTEGER) return syntax_error_expected(p, what);
    sql_pos pos = p->tok.pos;
    int64_t v = 0;
    const char *s = tok_text(p, &p->tok);
    for (uint32_t i = 0; i < p->tok.len; i++) {
        v = v * 10 + (s[i] - '0');
        if (v > INT32_MAX) break;
    }
    if (v < min || v > max)
        return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, pos,
                            "%s must be between %d and %d, not %.*s", what, (int)min, (int)max,
                            (int)APHX_MIN(p->tok.len, 30u), s);
    *out = (int32_t)v;
    advance(p);
    return p->rc;
}

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */
typedef struct type_word {
    const char *word;
    sql_type_id id;
} type_word;

static const type_word type_words[] = {
    {"INTEGER", SQL_TYPE_INTEGER}, {"INT", SQL_TYPE_INTEGER}, {"BIGINT", SQL_TYPE_BIGINT},
    {"LONG", SQL_TYPE_BIGINT}, {"TINYINT", SQL_TYPE_TINYINT}, {"SMALLINT", SQL_TYPE_SMALLINT},
    {"FLOAT", SQL_TYPE_FLOAT}, {"DOUBLE", SQL_TYPE_DOUBLE}, {"DECIMAL", SQL_TYPE_DECIMAL},
    {"NUMERIC", SQL_TYPE_DECIMAL}, {"DEC", SQL_TYPE_DECIMAL}, {"BOOLEAN", SQL_TYPE_BOOLEAN},
    {"BOOL", SQL_TYPE_BOOLEAN}, {"VARCHAR", SQL_TYPE_VARCHAR}, {"STRING", SQL_TYPE_VARCHAR},
    {"CHAR", SQL_TYPE_CHAR}, {"CHARACTER", SQL_TYPE_CHAR}, {"VARBINARY", SQL_TYPE_VARBINARY},
    {"BINARY", SQL_TYPE_BINARY}, {"DATE", SQL_TYPE_DATE}, {"TIME", SQL_TYPE_TIME},
    {"TIMESTAMP", SQL_TYPE_TIMESTAMP}, {"UNSIGNED_INT", SQL_TYPE_UNSIGNED_INT},
    {"UNSIGNED_LONG", SQL_TYPE_UNSIGNED_LONG}, {"UNSIGNED_TINYINT", SQL_TYPE_UNSIGNED_TINYINT},
    {"UNSIGNED_SMALLINT", SQL_TYPE_UNSIGNED_SMALLINT},
    {"UNSIGNED_FLOAT", SQL_TYPE_UNSIGNED_FLOAT}, {"UNSIGNED_DOUBLE", SQL_TYPE_UNSIGNED_DOUBLE},
    {"UNSIGNED_DATE", SQL_TYPE_UNSIGNED_DATE}, {"UNSIGNED_TIME", SQL_TYPE_UNSIGNED_TIME},
    {"UNSIGNED_TIMESTAMP", SQL_TYPE_UNSIGNED_TIMESTAMP}, {"REAL", SQL_TYPE_REAL},
    {"TEXT", SQL_TYPE_TEXT},
};

const char *sql_type_name(sql_type_id id)
{
    static const char *const names[] = {
#define SQL_X_NAME(name, text) text,
        SQL_TYPE_LIST(SQL_X_NAME)
#undef SQL_X_NAME
    };
    if ((unsigned)id >= SQL_TYPE_COUNT_) return "?";
    return names[id];
}

static aphx_rc parse_type(sql_parser *p, sql_type *out)
{
    sql_pos pos = p->tok.pos;
    out->length = -1;
    out->scale = -1;
    out->is_array = false;
    out->array_length = 0;
    size_t i = 0;
    while (i < APHX_ARRAY_LEN(type_words) && !is_kw(p, type_words[i].word)) i++;
    if (i == APHX_ARRAY_LEN(type_words)) {
        if (p->tok.kind == SQL_TOK_IDENT && !p->rc) {
            char found[64];
            describe_token(p, found, sizeof found);
            return parser_error(p, APHX_SYNTAX, SQL_STATE_UNDEFINED_OBJECT, pos,
                                "type %s does not exist", found);
        }
        return syntax_error_expected(p, "a type name");
    }
    out->id = type_words[i].id;
    advance(p);
    if (out->id == SQL_TYPE_DOUBLE) accept_kw(p, "PRECISION");
    if (out->id == SQL_TYPE_CHAR && is_kw(p, "VARYING")) {
        advance(p);
        out->id = SQL_TYPE_VARCHAR;
    }
    if (p->tok.kind == SQL_TOK_LPAREN) {
        sql_pos open = p->tok.pos;
        bool takes_length = out->id == SQL_TYPE_VARCHAR || out->id == SQL_TYPE_CHAR ||
                            out->id == SQL_TYPE_BINARY || out->id == SQL_TYPE_VARBINARY ||
                            out->id == SQL_TYPE_DECIMAL;
        if (!takes_length)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, open,
                                "type %s takes no length or precision",
                                sql_type_name(out->id));
        advance(p);
        if (out->id == SQL_TYPE_DECIMAL) {
            TRY(parse_small_int(p, "DECIMAL precision", 1, 38, &out->length));
            if (accept(p, SQL_TOK_COMMA))
                TRY(parse_small_int(p, "DECIMAL scale", 0, out->length, &out->scale));
        } else {
            TRY(parse_small_int(p, "type length", 1, INT32_MAX, &out->length));
        }
        TRY(expect_close(p, open));
    }
    /* Phoenix arrays: INTEGER ARRAY, INTEGER ARRAY[10], INTEGER[], INTEGER[10] */
    bool keyword = accept_kw(p, "ARRAY");
    if (keyword || p->tok.kind == SQL_TOK_LBRACKET) {
        out->is_array = true;
        if (accept(p, SQL_TOK_LBRACKET)) {
            if (p->tok.kind != SQL_TOK_RBRACKET)
                TRY(parse_small_int(p, "array length", 1, INT32_MAX, &out->array_length));
            TRY(expect(p, SQL_TOK_RBRACKET));
        }
    }
    return p->rc;
}

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
static sql_expr *new_expr(sql_parser *p, sql_expr_kind kind, sql_pos pos)
{
    sql_expr *e = NEW(p, sql_expr);
    if (e) {
        e->kind = kind;
        e->pos = pos;
        if (kind == SQL_EXPR_COLUMN) e->u.column.output = -1;
    }
    return e;
}

static bool at_query_start(const sql_parser *p)
{
    return is_kw(p, "SELECT") || is_kw(p, "WITH") || is_kw(p, "VALUES");
}

/* Comma-separated expressions up to (not including) the closing token. */
static aphx_rc parse_expr_list(sql_parser *p, sql_expr_list *out)
{
    do {
        sql_expr *e;
        TRY(parse_expr(p, PREC_OR, &e));
        TRY(PUSH(p, *out, e));
    } while (accept(p, SQL_TOK_COMMA));
    return APHX_OK;
}

static aphx_rc parse_frame_bound(sql_parser *p, sql_frame_bound *b)
{
    if (accept_kw(p, "UNBOUNDED")) {
        if (accept_kw(p, "PRECEDING")) b->kind = SQL_BOUND_UNBOUNDED_PRECEDING;
        else if (accept_kw(p, "FOLLOWING")) b->kind = SQL_BOUND_UNBOUNDED_FOLLOWING;
        else return syntax_error_expected(p, "PRECEDING or FOLLOWING");
        return p->rc;
    }
    if (accept_kw(p, "CURRENT")) {
        b->kind = SQL_BOUND_CURRENT_ROW;
        return expect_kw(p, "ROW");
    }
    TRY(parse_expr(p, PREC_ADD, &b->offset));
    if (accept_kw(p, "PRECEDING")) b->kind = SQL_BOUND_PRECEDING;
    else if (accept_kw(p, "FOLLOWING")) b->kind = SQL_BOUND_FOLLOWING;
    else return syntax_error_expected(p, "PRECEDING or FOLLOWING");
    return p->rc;
}

/* OVER name | OVER ( [PARTITION BY ..] [ORDER BY ..] [frame] ) — after OVER. */
static aphx_rc parse_window_spec(sql_parser *p, sql_window *w);

static aphx_rc parse_window(sql_parser *p, sql_window **out)
{
    sql_window *w = NEW(p, sql_window);
    if (!w) return p->rc;
    *out = w;
    if (at_name(p)) return parse_ident(p, "a window name", &w->name);
    return parse_window_spec(p, w);
}

/* ( [PARTITION BY ..] [ORDER BY ..] [frame] ) — '(' current. */
static aphx_rc parse_window_spec(sql_parser *p, sql_window *w)
{
    sql_pos open = p->tok.pos;
    TRY(expect(p, SQL_TOK_LPAREN));
    if (at_name(p) && !is_kw(p, "PARTITION") && !is_kw(p, "ORDER") && !is_kw(p, "ROWS") &&
        !is_kw(p, "RANGE") && !is_kw(p, "GROUPS"))
        return parser_error(p, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, p->tok.pos,
                            "a window that refines a named one, OVER (w ...), is not supported yet");
    if (accept_kw(p, "PARTITION")) {
        TRY(expect_kw(p, "BY"));
        TRY(parse_expr_list(p, &w->partition_by));
    }
    if (is_kw(p, "ORDER")) TRY(parse_order_by(p, &w->order_by));
    if (accept_kw(p, "ROWS")) w->unit = SQL_FRAME_ROWS;
    else if (accept_kw(p, "RANGE")) w->unit = SQL_FRAME_RANGE;
    else if (accept_kw(p, "GROUPS")) w->unit = SQL_FRAME_GROUPS;
    if (w->unit != SQL_FRAME_NONE) {
        if (accept_kw(p, "BETWEEN")) {
            w->has_end = true;
            TRY(parse_frame_bound(p, &w->start));
            TRY(expect_kw(p, "AND"));
            TRY(parse_frame_bound(p, &w->end));
        } else {
            TRY(parse_frame_bound(p, &w->start));
        }
    }
    return expect_close(p, open);
}

static aphx_rc push_arg(sql_parser *p, sql_expr *call, sql_expr *arg)
{
    return PUSH(p, call->u.func.args, arg);
}

/* The standard's keyword-argument forms, rewritten to plain calls:
 *   EXTRACT(field FROM x)            → EXTRACT('FIELD', x)
 *   SUBSTRING(x FROM a [FOR n])      → SUBSTRING(x, a[, n])
 *   POSITION(a IN b)                 → POSITION(a, b)
 *   TRIM([BOTH|LEADING|TRAILING] [c] FROM x) → TRIM|LTRIM|RTRIM(x[, c])
 * Sets *done when one applied (then the ')' is still current). */
static aphx_rc parse_special_call(sql_parser *p, sql_expr *e, bool *done)
{
    const char *name = e->u.func.name;
    *done = false;
    if (strcmp(name, "EXTRACT") == 0 && p->tok.kind == SQL_TOK_IDENT && peek_is_kw(p, 1, "FROM")) {
        sql_expr *field = new_expr(p, SQL_EXPR_STRING, p->tok.pos);
        if (!field) return p->rc;
        TRY(decode_ident(p, &field->u.string));
        advance(p);
        advance(p);
        sql_expr *x;
        TRY(parse_expr(p, PREC_OR, &x));
        TRY(push_arg(p, e, field));
        *done = true;
        return push_arg(p, e, x);
    }
    if (strcmp(name, "TRIM") == 0) {
        const char *fn = "TRIM";
        bool side = true;
        if (accept_kw(p, "LEADING")) fn = "LTRIM";
        else if (accept_kw(p, "TRAILING")) fn = "RTRIM";
        else if (!accept_kw(p, "BOTH")) side = false;
        sql_expr *chars = NULL, *x;
        if (!accept_kw(p, "FROM")) {
            if (!side && (p->tok.kind == SQL_TOK_RPAREN)) return APHX_OK;
            TRY(parse_expr(p, PREC_OR, &chars));
            if (!accept_kw(p, "FROM")) {
                if (side) return syntax_error_expected(p, "FROM in TRIM(...)");
                *done = true;                      /* TRIM(x [, c]) as written */
                TRY(push_arg(p, e, chars));
                while (accept(p, SQL_TOK_COMMA)) {
                    TRY(parse_expr(p, PREC_OR, &x));
                    TRY(push_arg(p, e, x));
                }
                return APHX_OK;
            }
        }
        TRY(parse_expr(p, PREC_OR, &x));
        e->u.func.name = fn;
        TRY(push_arg(p, e, x));
        if (chars) TRY(push_arg(p, e, chars));
        *done = true;
        return APHX_OK;
    }
    bool substring = strcmp(name, "SUBSTRING") == 0, position = strcmp(name, "POSITION") == 0;
    if (!substring && !position) return APHX_OK;
    if (p->tok.kind == SQL_TOK_RPAREN) return APHX_OK;
    sql_expr *first, *x;
    TRY(parse_expr(p, position ? PREC_EQUALITY + 1 : PREC_OR, &first));
    TRY(push_arg(p, e, first));
    *done = true;
    if (position && accept_kw(p, "IN")) {
        TRY(parse_expr(p, PREC_OR, &x));
        return push_arg(p, e, x);
    }
    if (substring && (is_kw(p, "FROM") || is_kw(p, "FOR"))) {
        if (accept_kw(p, "FROM")) {
            TRY(parse_expr(p, PREC_OR, &x));
        } else if (!(x = new_expr(p, SQL_EXPR_INTEGER, p->tok.pos))) {
            return p->rc;
        } else {
            x->u.number.text = "1";
            x->u.number.value = 1;
            x->u.number.fits_int64 = true;
        }
        TRY(push_arg(p, e, x));
        if (accept_kw(p, "FOR")) {
            TRY(parse_expr(p, PREC_OR, &x));
            TRY(push_arg(p, e, x));
        }
        return APHX_OK;
    }
    while (accept(p, SQL_TOK_COMMA)) {
        TRY(parse_expr(p, PREC_OR, &x));
        TRY(push_arg(p, e, x));
    }
    return APHX_OK;
}

/* name ( ... ) [OVER ...] — name already decoded, '(' current. `plain`:
 * the name was not quoted, so the standard's special forms apply. */
static aphx_rc parse_function_call(sql_parser *p, const char *name, bool plain, sql_pos pos,
                                   sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_EXPR_FUNCTION, pos);
    if (!e) return p->rc;
    e->u.func.name = name;
    sql_pos open = p->tok.pos;
    advance(p);
    bool done = false;
    if (plain) TRY(parse_special_call(p, e, &done));
    if (done) {
    } else if (p->tok.kind == SQL_TOK_STAR) {
        advance(p);
        e->u.func.star = true;
    } else if (p->tok.kind != SQL_TOK_RPAREN) {
        if (accept_kw(p, "DISTINCT")) e->u.func.distinct = true;
        else accept_kw(p, "ALL");
        TRY(parse_expr_list(p, &e->u.func.args));
    }
    TRY(expect_close(p, open));
    if (accept_kw(p, "OVER")) TRY(parse_window(p, &e->u.func.over));
    *out = e;
    return p->rc;
}

static aphx_rc parse_case(sql_parser *p, sql_expr **out)
{
    sql_expr *e = new_expr(p, SQL_EXPR_CASE, p->tok.pos);
    if (!e) return p->rc;
    advance(p);                                    /* CASE */
    if (!is_kw(p, "WHEN")) TRY(parse_expr(p, PREC_OR, &e->u.case_.operand));
    if (!is_kw(p, "WHEN")) return syntax_error_expected(p, "WHEN");
    while (accept_kw(p, "WHEN")) {
        sql_expr *when, *then;
        TRY(parse_expr(p, PREC_OR, &when));
        TRY(expect_kw(p, "THEN"));
        TRY(parse_expr(p, PREC_OR, &then));
        TRY(PUSH(p, e->u.case_.whens, when));
        TRY(PUSH(p, e->u.case_.thens, then));
    }
    if (accept_kw(p, "ELSE")) TRY(parse_expr(p, PREC_OR, &e->u.case_.otherwise));
    TRY(expect_kw(p, "END"));
    *out = e;
    return APHX_OK;
}

/* (query) after '(' was seen at `open`, query start current. */
static aphx_rc parse_subquery_tail(sql_parser *p, sql_pos open, sql_query **out)
{
    TRY(parse_query(p, out));
    return expect_close(p, open);
}

/* Identifier-led expressions: columns, t.*, function calls, sequences,
 * typed literals. The identifier token is current. */
static aphx_rc parse_name_expr(sql_parser *p, sql_expr **out)
{
    sql_pos pos = p->tok.pos;
    if (p->tok.kind == SQL_TOK_IDENT) {
        if ((is_kw(p, "NEXT") || is_kw(p, "CURRENT")) && peek_is_kw(p, 1, "VALUE") &&
            peek_is_kw(p, 2, "FOR")) {
            sql_expr *e = new_expr(p, SQL_EXPR_SEQUENCE, pos);
            if (!e) return p->rc;
            e->u.sequence.next = is_kw(p, "NEXT");
            advance(p);
            advance(p);
            advance(p);
            TRY(parse_name(p, "a sequence name", &e->u.sequence.name));
            *out = e;
            return APHX_OK;
        }
        if ((is_kw(p, "DATE") || is_kw(p, "TIME") || is_kw(p, "TIMESTAMP")) &&
            peek(p, 1, NULL) == SQL_TOK_STRING) {
            sql_expr *e = new_expr(p, SQL_EXPR_TYPED_STRING, pos);
            if (!e) return p->rc;
            e->u.typed.type = is_kw(p, "DATE") ? SQL_TYPE_DATE
                            : is_kw(p, "TIME") ? SQL_TYPE_TIME : SQL_TYPE_TIMESTAMP;
            advance(p);
            TRY(parse_string(p, "a string", &e->u.typed.value));
            *out = e;
            return APHX_OK;
        }
    }
    const char *parts[3];
    int nparts = 0;
    bool plain = p->tok.kind == SQL_TOK_IDENT;
    TRY(parse_ident(p, "an expression", &parts[nparts++]));
    if (p->tok.kind == SQL_TOK_LPAREN) return parse_function_call(p, parts[0], plain, pos, out);
    while (p->tok.kind == SQL_TOK_DOT) {
        advance(p);
        if (p->tok.kind == SQL_TOK_STAR) {
            if (nparts != 1)
                return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, p->tok.pos,
                                    "syntax error: only table.* is allowed, not schema.table.*");
            advance(p);
            sql_expr *e = new_expr(p, SQL_EXPR_STAR, pos);
            if (!e) return p->rc;
            e->u.star.table = parts[0];
            *out = e;
            return APHX_OK;
        }
        if (nparts == 3)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, p->tok.pos,
                                "syntax error: a column name has at most three parts "
                                "(schema.table.column)");
        TRY(parse_ident(p, "a column name", &parts[nparts++]));
    }
    sql_expr *e = new_expr(p, SQL_EXPR_COLUMN, pos);
    if (!e) return p->rc;
    e->u.column.column = parts[nparts - 1];
    if (nparts >= 2) e->u.column.table = parts[nparts - 2];
    if (nparts == 3) e->u.column.schema = parts[0];
    *out = e;
    return APHX_OK;
}

static aphx_rc parse_prefix(sql_parser *p, sql_expr **out)
{
    sql_pos pos = p->tok.pos;
    sql_expr *e;
    switch (p->tok.kind) {
    case SQL_TOK_INTEGER:
    case SQL_TOK_DECIMAL:
    case SQL_TOK_FLOAT:
        return parse_number_literal(p, out);
    case SQL_TOK_STRING:
        if (!(e = new_expr(p, SQL_EXPR_STRING, pos))) return p->rc;
        TRY(parse_string(p, "a string", &e->u.string));
        *out = e;
        return APHX_OK;
    case SQL_TOK_BLOB: {
        if (!(e = new_expr(p, SQL_EXPR_BLOB, pos))) return p->rc;
        char *hex = aphx_arena_strndup(p->arena, tok_text(p, &p->tok) + 2, p->tok.len - 3);
        if (!hex) return parser_nomem(p);
        for (char *c = hex; *c; c++)
            if (*c >= 'a' && *c <= 'f') *c = (char)(*c - 32);
        e->u.string = hex;
        advance(p);
        *out = e;
        return p->rc;
    }
    case SQL_TOK_PARAM: {
        if (!(e = new_expr(p, SQL_EXPR_PARAM, pos))) return p->rc;
        const char *s = tok_text(p, &p->tok);
        if (p->tok.len == 1) {
            e->u.param.index = ++p->param_count;
        } else {
            uint32_t v = 0;
            for (uint32_t i = 1; i < p->tok.len; i++) {
                v = v * 10 + (uint32_t)(s[i] - '0');
                if (v > 65535) break;
            }
            if (v < 1 || v > 65535)
                return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, pos,
                                    "parameter number must be between 1 and 65535");
            e->u.param.index = v;
            if (v > p->param_count) p->param_count = v;
        }
        advance(p);
        *out = e;
        return p->rc;
    }
    case SQL_TOK_MINUS:
    case SQL_TOK_PLUS:
    case SQL_TOK_TILDE: {
        if (!(e = new_expr(p, SQL_EXPR_UNARY, pos))) return p->rc;
        e->u.unary.op = p->tok.kind == SQL_TOK_MINUS ? SQL_UNARY_MINUS
                      : p->tok.kind == SQL_TOK_PLUS ? SQL_UNARY_PLUS : SQL_UNARY_BITNOT;
        advance(p);
        TRY(parse_expr(p, PREC_UNARY, &e->u.unary.operand));
        *out = e;
        return APHX_OK;
    }
    case SQL_TOK_LPAREN: {
        advance(p);
        if (at_query_start(p)) {
            if (!(e = new_expr(p, SQL_EXPR_SUBQUERY, pos))) return p->rc;
            TRY(parse_subquery_tail(p, pos, &e->u.subquery.query));
            *out = e;
            return APHX_OK;
        }
        TRY(parse_expr(p, PREC_OR, out));
        if (p->tok.kind == SQL_TOK_COMMA) {
            if (!(e = new_expr(p, SQL_EXPR_ROW, pos))) return p->rc;
            TRY(PUSH(p, e->u.row.items, *out));
            while (accept(p, SQL_TOK_COMMA)) {
                sql_expr *item;
                TRY(parse_expr(p, PREC_OR, &item));
                TRY(PUSH(p, e->u.row.items, item));
            }
            *out = e;
        }
        return expect_close(p, pos);
    }
    case SQL_TOK_IDENT:
        if (is_kw(p, "NULL")) {
            advance(p);
            *out = new_expr(p, SQL_EXPR_NULL, pos);
            return p->rc;
        }
        if (is_kw(p, "TRUE") || is_kw(p, "FALSE")) {
            if (!(e = new_expr(p, SQL_EXPR_BOOL, pos))) return p->rc;
            e->u.boolean = is_kw(p, "TRUE");
            advance(p);
            *out = e;
            return p->rc;
        }
        if (is_kw(p, "NOT")) {
            if (!(e = new_expr(p, SQL_EXPR_UNARY, pos))) return p->rc;
            e->u.unary.op = SQL_UNARY_NOT;
            advance(p);
            TRY(parse_expr(p, PREC_NOT, &e->u.unary.operand));
            *out = e;
            return APHX_OK;
        }
        if (is_kw(p, "CASE")) return parse_case(p, out);
        if (is_kw(p, "DEFAULT")) {
            /* the binder accepts it only where a column default makes sense */
            advance(p);
            *out = new_expr(p, SQL_EXPR_DEFAULT, pos);
            return p->rc;
        }
        if (is_kw(p, "ARRAY") && peek(p, 1, NULL) == SQL_TOK_LBRACKET) {
            if (!(e = new_expr(p, SQL_EXPR_ARRAY, pos))) return p->rc;
            advance(p);
            advance(p);
            if (p->tok.kind != SQL_TOK_RBRACKET) TRY(parse_expr_list(p, &e->u.array.items));
            TRY(expect(p, SQL_TOK_RBRACKET));
            *out = e;
            return APHX_OK;
        }
        if (is_kw(p, "CAST")) {
            if (!(e = new_expr(p, SQL_EXPR_CAST, pos))) return p->rc;
            advance(p);
            sql_pos open = p->tok.pos;
            TRY(expect(p, SQL_TOK_LPAREN));
            TRY(parse_expr(p, PREC_OR, &e->u.cast.operand));
            TRY(expect_kw(p, "AS"));
            TRY(parse_type(p, &e->u.cast.type));
            TRY(expect_close(p, open));
            *out = e;
            return APHX_OK;
        }
        if (is_kw(p, "EXISTS")) {
            if (!(e = new_expr(p, SQL_EXPR_EXISTS, pos))) return p->rc;
            advance(p);
            sql_pos open = p->tok.pos;
            TRY(expect(p, SQL_TOK_LPAREN));
            if (!at_query_start(p)) return syntax_error_expected(p, "a query after EXISTS (");
            TRY(parse_subquery_tail(p, open, &e->u.subquery.query));
            *out = e;
            return APHX_OK;
        }
        if (!at_name(p)) {
            /* reserved words that are also functions: CURRENT_DATE (no
             * parentheses needed), LEFT(s, n), RIGHT(s, n) */
            bool niladic = sql_is_niladic_function(tok_text(p, &p->tok), p->tok.len);
            if (niladic || ((is_kw(p, "LEFT") || is_kw(p, "RIGHT")) && peek(p, 1, NULL) == SQL_TOK_LPAREN)) {
                const char *name;
                TRY(decode_ident(p, &name));
                advance(p);
                if (p->tok.kind == SQL_TOK_LPAREN) return parse_function_call(p, name, false, pos, out);
                if (!(e = new_expr(p, SQL_EXPR_FUNCTION, pos))) return p->rc;
                e->u.func.name = name;
                *out = e;
                return p->rc;
            }
            return syntax_error_expected(p, "an expression");
        }
        return parse_name_expr(p, out);
    case SQL_TOK_QUOTED_IDENT:
        return parse_name_expr(p, out);
    default:
        return syntax_error_expected(p, "an expression");
    }
}

static sql_expr *new_binary(sql_parser *p, sql_binary_op op, sql_expr *l, sql_expr *r, sql_pos pos)
{
    sql_expr *e = new_expr(p, SQL_EXPR_BINARY, pos);
    if (e) {
        e->u.binary.op = op;
        e->u.binary.left = l;
        e->u.binary.right = r;
    }
    return e;
}

/* The binary operator the current token spells, with its precedence; 0 if none. */
static int binary_op_of(const sql_parser *p, sql_binary_op *op)
{
    switch (p->tok.kind) {
    case SQL_TOK_EQ: *op = SQL_OP_EQ; return PREC_EQUALITY;
    case SQL_TOK_NE: *op = SQL_OP_NE; return PREC_EQUALITY;
    case SQL_TOK_LT: *op = SQL_OP_LT; return PREC_COMPARE;
    case SQL_TOK_LE: *op = SQL_OP_LE; return PREC_COMPARE;
    case SQL_TOK_GT: *op = SQL_OP_GT; return PREC_COMPARE;
    case SQL_TOK_GE: *op = SQL_OP_GE; return PREC_COMPARE;
    case SQL_TOK_BITAND: *op = SQL_OP_BITAND; return PREC_BITWISE;
    case SQL_TOK_BITOR: *op = SQL_OP_BITOR; return PREC_BITWISE;
    case SQL_TOK_LSHIFT: *op = SQL_OP_LSHIFT; return PREC_BITWISE;
    case SQL_TOK_RSHIFT: *op = SQL_OP_RSHIFT; return PREC_BITWISE;
    case SQL_TOK_PLUS: *op = SQL_OP_ADD; return PREC_ADD;
    case SQL_TOK_MINUS: *op = SQL_OP_SUB; return PREC_ADD;
    case SQL_TOK_STAR: *op = SQL_OP_MUL; return PREC_MUL;
    case SQL_TOK_SLASH: *op = SQL_OP_DIV; return PREC_MUL;
    case SQL_TOK_PERCENT: *op = SQL_OP_MOD; return PREC_MUL;
    case SQL_TOK_CONCAT: *op = SQL_OP_CONCAT; return PREC_CONCAT;
    case SQL_TOK_IDENT:
        if (is_kw(p, "OR")) { *op = SQL_OP_OR; return PREC_OR; }
        if (is_kw(p, "AND")) { *op = SQL_OP_AND; return PREC_AND; }
        return 0;
    default:
        return 0;
    }
}

/* Postfix forms at equality precedence: IS .., [NOT] IN/LIKE/BETWEEN,
 * ISNULL, NOTNULL. Returns true in *matched when one applied. */
static aphx_rc parse_postfix(sql_parser *p, sql_expr **left, bool *matched)
{
    sql_pos pos = p->tok.pos;
    sql_expr *e;
    *matched = true;
    bool not_null = is_kw(p, "NOT") && peek_is_kw(p, 1, "NULL");   /* SQLite: x NOT NULL */
    if (is_kw(p, "ISNULL") || is_kw(p, "NOTNULL") || not_null) {
        if (!(e = new_expr(p, SQL_EXPR_IS_NULL, pos))) return p->rc;
        e->u.is_null.operand = *left;
        e->u.is_null.negated = !is_kw(p, "ISNULL");
        if (not_null) advance(p);
        advance(p);
        *left = e;
        return p->rc;
    }
    if (is_kw(p, "IS")) {
        advance(p);
        bool negated = accept_kw(p, "NOT");
        if (accept_kw(p, "NULL") || accept_kw(p, "UNKNOWN")) {    /* IS UNKNOWN: a NULL boolean */
            if (!(e = new_expr(p, SQL_EXPR_IS_NULL, pos))) return p->rc;
            e->u.is_null.operand = *left;
            e->u.is_null.negated = negated;
            *left = e;
            return p->rc;
        }
        if (!(e = new_expr(p, SQL_EXPR_IS_DISTINCT, pos))) return p->rc;
        /* IS DISTINCT FROM x; IS NOT DISTINCT FROM x; SQLite's IS x / IS NOT x */
        if (accept_kw(p, "DISTINCT")) {
            TRY(expect_kw(p, "FROM"));
            e->u.is_distinct.negated = negated;
        } else {
            e->u.is_distinct.negated = !negated;
        }
        e->u.is_distinct.left = *left;
        TRY(parse_expr(p, PREC_EQUALITY + 1, &e->u.is_distinct.right));
        *left = e;
        return APHX_OK;
    }
    bool negated = false;
    if (is_kw(p, "NOT") &&
        (peek_is_kw(p, 1, "IN") || peek_is_kw(p, 1, "LIKE") || peek_is_kw(p, 1, "ILIKE") ||
         peek_is_kw(p, 1, "BETWEEN"))) {
        advance(p);
        negated = true;
    }
    if (accept_kw(p, "IN")) {
        sql_pos open = p->tok.pos;
        TRY(expect(p, SQL_TOK_LPAREN));
        if (at_query_start(p)) {
            if (!(e = new_expr(p, SQL_EXPR_IN_QUERY, pos))) return p->rc;
            TRY(parse_subquery_tail(p, open, &e->u.in.query));
        } else {
            if (!(e = new_expr(p, SQL_EXPR_IN_LIST, pos))) return p->rc;
            if (p->tok.kind != SQL_TOK_RPAREN) TRY(parse_expr_list(p, &e->u.in.list));
            TRY(expect_close(p, open));
        }
        e->u.in.operand = *left;
        e->u.in.negated = negated;
        *left = e;
        return APHX_OK;
    }
    if (is_kw(p, "LIKE") || is_kw(p, "ILIKE")) {
        if (!(e = new_expr(p, SQL_EXPR_LIKE, pos))) return p->rc;
        e->u.like.ilike = is_kw(p, "ILIKE");
        advance(p);
        e->u.like.operand = *left;
        e->u.like.negated = negated;
        TRY(parse_expr(p, PREC_EQUALITY + 1, &e->u.like.pattern));
        if (accept_kw(p, "ESCAPE")) TRY(parse_expr(p, PREC_EQUALITY + 1, &e->u.like.escape));
        *left = e;
        return APHX_OK;
    }
    if (accept_kw(p, "BETWEEN")) {
        if (!(e = new_expr(p, SQL_EXPR_BETWEEN, pos))) return p->rc;
        e->u.between.operand = *left;
        e->u.between.negated = negated;
        TRY(parse_expr(p, PREC_EQUALITY + 1, &e->u.between.low));
        TRY(expect_kw(p, "AND"));
        TRY(parse_expr(p, PREC_EQUALITY + 1, &e->u.between.high));
        *left = e;
        return APHX_OK;
    }
    *matched = false;
    return APHX_OK;
}

/* Pratt loop: a prefix expression, then operators binding at least
 * `min_prec` tightly. */
static aphx_rc parse_expr(sql_parser *p, int min_prec, sql_expr **out)
{
    TRY(enter(p));
    sql_expr *left = NULL;
    TRY(parse_prefix(p, &left));
    for (int chain = 0; !p->rc; chain++) {
        if (chain > SQL_MAX_CHAIN)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_TOO_COMPLEX, p->tok.pos,
                                "statement too complex: more than %d operators in a row",
                                SQL_MAX_CHAIN);
        sql_pos pos = p->tok.pos;
        sql_binary_op op;
        if (p->tok.kind == SQL_TOK_LBRACKET) {
            /* x[i]: an array element, binding as tightly as :: */
            advance(p);
            sql_expr *sub = new_expr(p, SQL_EXPR_SUBSCRIPT, pos);
            if (!sub) return p->rc;
            sub->u.subscript.operand = left;
            TRY(parse_expr(p, PREC_OR, &sub->u.subscript.index));
            TRY(expect(p, SQL_TOK_RBRACKET));
            left = sub;
            continue;
        }
        if (is_kw(p, "COLLATE")) {
            /* x COLLATE name binds as tightly as :: (SQLite, PostgreSQL) */
            advance(p);
            sql_expr *c = new_expr(p, SQL_EXPR_COLLATE, pos);
            if (!c) return p->rc;
            c->u.collate.operand = left;
            TRY(parse_ident(p, "a collation name", &c->u.collate.collation));
            left = c;
            continue;
        }
        if (p->tok.kind == SQL_TOK_DOUBLE_COLON) {
            /* PostgreSQL's x::type binds tighter than any operator */
            advance(p);
            sql_expr *cast = new_expr(p, SQL_EXPR_CAST, pos);
            if (!cast) return p->rc;
            cast->u.cast.operand = left;
            TRY(parse_type(p, &cast->u.cast.type));
            left = cast;
            continue;
        }
        int prec = binary_op_of(p, &op);
        if (prec) {
            if (prec < min_prec) break;
            advance(p);
            if ((prec == PREC_EQUALITY || prec == PREC_COMPARE) &&
                (is_kw(p, "ANY") || is_kw(p, "SOME") || is_kw(p, "ALL")) &&
                peek(p, 1, NULL) == SQL_TOK_LPAREN) {
                sql_expr *q = new_expr(p, SQL_EXPR_QUANTIFIED, pos);
                if (!q) return p->rc;
                q->u.quantified.op = op;
                q->u.quantified.all = is_kw(p, "ALL");
                q->u.quantified.left = left;
                advance(p);
                sql_pos open = p->tok.pos;
                advance(p);
                if (at_query_start(p)) {
                    TRY(parse_subquery_tail(p, open, &q->u.quantified.query));
                } else {
                    TRY(parse_expr(p, PREC_OR, &q->u.quantified.array));
                    TRY(expect_close(p, open));
                }
                left = q;
                continue;
            }
            sql_expr *right;
            TRY(parse_expr(p, prec + 1, &right));
            if (!(left = new_binary(p, op, left, right, pos))) return p->rc;
            continue;
        }
        if (min_prec > PREC_EQUALITY) break;
        bool matched;
        TRY(parse_postfix(p, &left, &matched));
        if (!matched) break;
    }
    p->depth--;
    *out = left;
    return p->rc;
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */
static aphx_rc parse_order_by(sql_parser *p, sql_order_list *out)
{
    TRY(expect_kw(p, "ORDER"));
    TRY(expect_kw(p, "BY"));
    do {
        sql_order_item *it = NEW(p, sql_order_item);
        if (!it) return p->rc;
        TRY(parse_expr(p, PREC_OR, &it->expr));
        if (accept_kw(p, "ASC")) it->dir = SQL_SORT_ASC;
        else if (accept_kw(p, "DESC")) it->dir = SQL_SORT_DESC;
        if (accept_kw(p, "NULLS")) {
            if (accept_kw(p, "FIRST")) it->nulls = SQL_NULLS_FIRST;
            else if (accept_kw(p, "LAST")) it->nulls = SQL_NULLS_LAST;
            else return syntax_error_expected(p, "FIRST or LAST after NULLS");
        }
        TRY(PUSH(p, *out, it));
    } while (accept(p, SQL_TOK_COMMA));
    return p->rc;
}

/* A name written as a 'string' (aliases, user names): never empty. */
static aphx_rc parse_string_name(sql_parser *p, const char *what, const char **out)
{
    sql_pos pos = p->tok.pos;
    TRY(parse_string(p, what, out));
    if (!**out)
        return parser_error(p, APHX_SYNTAX, SQL_STATE_INVALID_NAME, pos, "%s must not be empty", what);
    return APHX_OK;
}

/* An alias after AS (required name) or, without AS, a bare name. */
static aphx_rc parse_opt_alias(sql_parser *p, const char **alias)
{
    if (accept_kw(p, "AS")) {
        if (p->tok.kind == SQL_TOK_STRING) return parse_string_name(p, "an alias", alias);
        return parse_ident(p, "an alias after AS", alias);
    }
    /* not an alias: SQLite's `t INDEXED BY i` */
    if (at_name(p) && !(is_kw(p, "INDEXED") && peek_is_kw(p, 1, "BY")))
        return parse_ident(p, "an alias", alias);
    return APHX_OK;
}

static aphx_rc parse_select_item(sql_parser *p, sql_select_list *items)
{
    sql_select_item *it = NEW(p, sql_select_item);
    if (!it) return p->rc;
    if (p->tok.kind == SQL_TOK_STAR) {
        if (!(it->expr = new_expr(p, SQL_EXPR_STAR, p->tok.pos))) return p->rc;
        advance(p);
    } else {
        TRY(parse_expr(p, PREC_OR, &it->expr));
        if (it->expr->kind != SQL_EXPR_STAR) TRY(parse_opt_alias(p, &it->alias));
    }
    return PUSH(p, *items, it);
}

static aphx_rc parse_table_ref(sql_parser *p, sql_table_ref **out);

static aphx_rc parse_table_primary(sql_parser *p, sql_table_ref **out)
{
    TRY(enter(p));
    sql_table_ref *t = NEW(p, sql_table_ref);
    if (!t) return p->rc;
    t->pos = p->tok.pos;
    if (p->tok.kind == SQL_TOK_LPAREN) {
        sql_pos open = p->tok.pos;
        /* Past any further '(': a query start means a derived table
         * ((SELECT ..) UNION ..), anything else a parenthesized join
         * ((a JOIN b ON ..) JOIN c ON ..). */
        int ahead = 1;
        sql_token next;
        while (peek(p, ahead, &next) == SQL_TOK_LPAREN && ahead < 64) ahead++;
        bool derived = tok_is_kw(p, &next, "SELECT") || tok_is_kw(p, &next, "WITH") ||
                       tok_is_kw(p, &next, "VALUES");
        advance(p);
        if (derived) {
            /* (SELECT ..) or ((SELECT ..) UNION ..): a derived table */
            t->kind = SQL_REF_SUBQUERY;
            TRY(parse_subquery_tail(p, open, &t->subquery));
        } else {
            /* (a JOIN b ON ..): a parenthesized join */
            TRY(parse_table_ref(p, &t));
            TRY(expect_close(p, open));
            p->depth--;
            *out = t;
            return APHX_OK;
        }
    } else {
        t->kind = SQL_REF_TABLE;
        TRY(parse_name(p, "a table name", &t->table));
    }
    TRY(parse_opt_alias(p, &t->alias));
    /* SQLite's index hints (INDEXED BY i, NOT INDEXED) only steer its
     * planner; they do not change results, so they are accepted and dropped. */
    if (t->kind == SQL_REF_TABLE) {
        if (is_kw(p, "INDEXED") && peek_is_kw(p, 1, "BY")) {
            const char *ignored;
            advance(p);
            advance(p);
            TRY(parse_ident(p, "an index name", &ignored));
        } else if (is_kw(p, "NOT") && peek_is_kw(p, 1, "INDEXED")) {
            advance(p);
            advance(p);
        }
    }
    if (t->alias && p->tok.kind == SQL_TOK_LPAREN)
        TRY(parse_name_list_parens(p, "a column alias", &t->column_aliases));
    p->depth--;
    *out = t;
    return APHX_OK;
}

/* A primary followed by any number of JOINs (left-associative). */
static aphx_rc parse_table_ref(sql_parser *p, sql_table_ref **out)
{
    sql_table_ref *left = NULL;
    TRY(parse_table_primary(p, &left));
    for (;;) {
        sql_pos pos = p->tok.pos;
        bool natural = accept_kw(p, "NATURAL");
        sql_join_type type = SQL_JOIN_INNER;
        if (accept_kw(p, "INNER")) {
            type = SQL_JOIN_INNER;
        } else if (accept_kw(p, "LEFT")) {
            type = SQL_JOIN_LEFT;
            accept_kw(p, "OUTER");
        } else if (accept_kw(p, "RIGHT")) {
            type = SQL_JOIN_RIGHT;
            accept_kw(p, "OUTER");
        } else if (accept_kw(p, "FULL")) {
            type = SQL_JOIN_FULL;
            accept_kw(p, "OUTER");
        } else if (accept_kw(p, "CROSS")) {
            type = SQL_JOIN_CROSS;
        } else if (!is_kw(p, "JOIN")) {
            if (natural) return syntax_error_expected(p, "JOIN after NATURAL");
            break;
        }
        TRY(expect_kw(p, "JOIN"));
        sql_table_ref *j = NEW(p, sql_table_ref);
        if (!j) return p->rc;
        j->kind = SQL_REF_JOIN;
        j->pos = pos;
        j->join.type = type;
        j->join.natural = natural;
        j->join.left = left;
        TRY(parse_table_primary(p, &j->join.right));
        if (type != SQL_JOIN_CROSS && !natural) {
            if (accept_kw(p, "ON")) TRY(parse_expr(p, PREC_OR, &j->join.on));
            else if (accept_kw(p, "USING"))
                TRY(parse_name_list_parens(p, "a column name", &j->join.using_cols));
            else if (type != SQL_JOIN_INNER)
                return syntax_error_expected(p, "ON or USING after an outer join");
        }
        left = j;
    }
    *out = left;
    return p->rc;
}

static aphx_rc parse_select_core(sql_parser *p, sql_select **out)
{
    sql_select *s = NEW(p, sql_select);
    if (!s) return p->rc;
    s->pos = p->tok.pos;
    TRY(expect_kw(p, "SELECT"));
    if (p->rc) return p->rc;            /* the token after SELECT did not lex */
    if (p->lx.hint) {
        /* a Phoenix hint comment after SELECT: keep its text, trimmed */
        const char *h = p->lx.hint;
        uint32_t n = p->lx.hint_len;
        while (n && (*h == ' ' || *h == '\t' || *h == '\n' || *h == '\r')) h++, n--;
        n = (uint32_t)strnlen(h, n);              /* a NUL byte ends the text */
        while (n && (h[n - 1] == ' ' || h[n - 1] == '\t' || h[n - 1] == '\n' || h[n - 1] == '\r')) n--;
        if (n && !(s->hint = aphx_arena_strndup(p->arena, h, n))) return parser_nomem(p);
    }
    if (accept_kw(p, "DISTINCT")) s->distinct = true;
    else accept_kw(p, "ALL");
    do TRY(parse_select_item(p, &s->items));
    while (accept(p, SQL_TOK_COMMA));
    if (accept_kw(p, "FROM")) {
        do {
            sql_table_ref *t;
            TRY(parse_table_ref(p, &t));
            TRY(PUSH(p, s->from, t));
        } while (accept(p, SQL_TOK_COMMA));
    }
    if (accept_kw(p, "WHERE")) TRY(parse_expr(p, PREC_OR, &s->where));
    if (is_kw(p, "GROUP")) {
        advance(p);
        TRY(expect_kw(p, "BY"));
        TRY(parse_expr_list(p, &s->group_by));
    }
    if (accept_kw(p, "HAVING")) TRY(parse_expr(p, PREC_OR, &s->having));
    if (accept_kw(p, "WINDOW")) {
        do {
            sql_named_window *nw = NEW(p, sql_named_window);
            if (!nw || !(nw->spec = NEW(p, sql_window))) return p->rc;
            sql_pos pos = p->tok.pos;
            TRY(parse_ident(p, "a window name", &nw->name));
            for (size_t i = 0; i < s->windows.count; i++)
                if (strcmp(s->windows.items[i]->name, nw->name) == 0)
                    return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, pos,
                                        "window \"%s\" is already defined", nw->name);
            TRY(expect_kw(p, "AS"));
            TRY(parse_window_spec(p, nw->spec));
            TRY(PUSH(p, s->windows, nw));
        } while (accept(p, SQL_TOK_COMMA));
    }
    *out = s;
    return p->rc;
}

static aphx_rc parse_values(sql_parser *p, sql_query *q)
{
    TRY(expect_kw(p, "VALUES"));
    do {
        sql_expr_list *row = NEW(p, sql_expr_list);
        if (!row) return p->rc;
        sql_pos open = p->tok.pos;
        TRY(expect(p, SQL_TOK_LPAREN));
        TRY(parse_expr_list(p, row));
        TRY(expect_close(p, open));
        TRY(PUSH(p, q->values, row));
    } while (accept(p, SQL_TOK_COMMA));
    return p->rc;
}

static aphx_rc parse_query_primary(sql_parser *p, sql_query **out)
{
    sql_query *q;
    if (p->tok.kind == SQL_TOK_LPAREN) {
        sql_pos open = p->tok.pos;
        advance(p);
        TRY(parse_query(p, &q));
        TRY(expect_close(p, open));
        *out = q;
        return APHX_OK;
    }
    if (!(q = NEW(p, sql_query))) return p->rc;
    q->pos = p->tok.pos;
    if (is_kw(p, "VALUES")) {
        q->kind = SQL_QUERY_VALUES;
        TRY(parse_values(p, q));
    } else if (is_kw(p, "SELECT")) {
        q->kind = SQL_QUERY_SELECT;
        TRY(parse_select_core(p, &q->select));
    } else {
        return syntax_error_expected(p, "SELECT, VALUES or '('");
    }
    *out = q;
    return APHX_OK;
}

static int set_op_of(const sql_parser *p, sql_set_op *op)
{
    if (is_kw(p, "UNION")) { *op = SQL_SET_UNION; return 1; }
    if (is_kw(p, "EXCEPT")) { *op = SQL_SET_EXCEPT; return 1; }
    if (is_kw(p, "INTERSECT")) { *op = SQL_SET_INTERSECT; return 2; }
    return 0;
}

static aphx_rc parse_set_expr(sql_parser *p, int min_prec, sql_query **out)
{
    sql_query *left = NULL;
    TRY(parse_query_primary(p, &left));
    for (;;) {
        sql_set_op op;
        int prec = set_op_of(p, &op);
        if (!prec || prec < min_prec) break;
        sql_query *q = NEW(p, sql_query);
        if (!q) return p->rc;
        q->kind = SQL_QUERY_SET_OP;
        q->pos = p->tok.pos;
        advance(p);
        if (accept_kw(p, "ALL")) q->set.all = true;
        else accept_kw(p, "DISTINCT");
        q->set.op = op;
        q->set.left = left;
        TRY(parse_set_expr(p, prec + 1, &q->set.right));
        left = q;
    }
    *out = left;
    return p->rc;
}

static bool query_has_tail(const sql_query *q)
{
    return q->with.count || q->order_by.count || q->limit || q->offset;
}

/* Wrap q so a new WITH/ORDER BY/LIMIT does not overwrite its own. */
static sql_query *wrap_query(sql_parser *p, sql_query *q)
{
    sql_query *w = NEW(p, sql_query);
    if (w) {
        w->kind = SQL_QUERY_PAREN;
        w->pos = q->pos;
        w->inner = q;
    }
    return w;
}

static aphx_rc parse_cte(sql_parser *p, sql_cte_list *out)
{
    sql_cte *c = NEW(p, sql_cte);
    if (!c) return p->rc;
    TRY(parse_ident(p, "a common table expression name", &c->name));
    if (p->tok.kind == SQL_TOK_LPAREN) TRY(parse_name_list_parens(p, "a column name", &c->columns));
    TRY(expect_kw(p, "AS"));
    sql_pos open = p->tok.pos;
    TRY(expect(p, SQL_TOK_LPAREN));
    TRY(parse_subquery_tail(p, open, &c->query));
    return PUSH(p, *out, c);
}

static aphx_rc parse_query(sql_parser *p, sql_query **out)
{
    TRY(enter(p));
    sql_pos pos = p->tok.pos;
    sql_cte_list with = {0};
    bool recursive = false;
    if (accept_kw(p, "WITH")) {
        recursive = accept_kw(p, "RECURSIVE");
        do TRY(parse_cte(p, &with));
        while (accept(p, SQL_TOK_COMMA));
    }
    sql_query *q;
    TRY(parse_set_expr(p, 1, &q));
    if (with.count) {
        if (query_has_tail(q) && !(q = wrap_query(p, q))) return p->rc;
        q->with = with;
        q->recursive = recursive;
        q->pos = pos;
    }
    if (is_kw(p, "ORDER") || is_kw(p, "LIMIT") || is_kw(p, "OFFSET") || is_kw(p, "FETCH")) {
        if ((q->order_by.count || q->limit || q->offset) && !(q = wrap_query(p, q))) return p->rc;
        if (is_kw(p, "ORDER")) TRY(parse_order_by(p, &q->order_by));
        if (accept_kw(p, "LIMIT") && !accept_kw(p, "ALL")) {       /* LIMIT ALL: no limit */
            TRY(parse_expr(p, PREC_OR, &q->limit));
            if (accept(p, SQL_TOK_COMMA)) {          /* SQLite: LIMIT offset, count */
                q->offset = q->limit;
                TRY(parse_expr(p, PREC_OR, &q->limit));
            }
        }
        if (!q->offset && accept_kw(p, "OFFSET")) {
            TRY(parse_expr(p, PREC_OR, &q->offset));
            if (!accept_kw(p, "ROWS")) accept_kw(p, "ROW");
        }
        if (!q->limit && accept_kw(p, "FETCH")) {
            if (!accept_kw(p, "FIRST") && !accept_kw(p, "NEXT"))
                return syntax_error_expected(p, "FIRST or NEXT after FETCH");
            TRY(parse_expr(p, PREC_OR, &q->limit));
            if (!accept_kw(p, "ROWS") && !accept_kw(p, "ROW"))
                return syntax_error_expected(p, "ROWS");
            TRY(expect_kw(p, "ONLY"));
        }
    }
    p->depth--;
    *out = q;
    return p->rc;
}

/* ------------------------------------------------------------------ */
/* DDL                                                                 */
/* ------------------------------------------------------------------ */
static aphx_rc parse_column_def(sql_parser *p, sql_column_def **out)
{
    sql_column_def *c = NEW(p, sql_column_def);
    if (!c) return p->rc;
    c->pos = p->tok.pos;
    TRY(parse_ident(p, "a column name", &c->name));
    if (accept(p, SQL_TOK_DOT)) {                 /* Phoenix family.column */
        c->family = c->name;
        TRY(parse_ident(p, "a column name", &c->name));
    }
    TRY(parse_type(p, &c->type));
    for (;;) {
        if (is_kw(p, "CONSTRAINT")) {
            /* Phoenix writes the table's key right after the last column,
             * without a comma: CONSTRAINT pk PRIMARY KEY (a, b). Leave it
             * to parse_create_table. */
            if (peek_is_kw(p, 2, "PRIMARY") && peek(p, 4, NULL) == SQL_TOK_LPAREN) break;
            const char *ignored;
            advance(p);
            TRY(parse_ident(p, "a constraint name", &ignored));
        }
        if (is_kw(p, "NOT") && peek_is_kw(p, 1, "NULL")) {
            advance(p);
            advance(p);
            c->not_null = true;
        } else if (accept_kw(p, "NULL")) {
            c->explicit_null = true;
        } else if (accept_kw(p, "PRIMARY")) {
            TRY(expect_kw(p, "KEY"));
            c->primary_key = true;
            if (accept_kw(p, "ASC")) c->pk_dir = SQL_SORT_ASC;
            else if (accept_kw(p, "DESC")) c->pk_dir = SQL_SORT_DESC;
        } else if (accept_kw(p, "UNIQUE")) {
            c->unique = true;
        } else if (accept_kw(p, "DEFAULT")) {
            TRY(parse_expr(p, PREC_UNARY, &c->default_value));
        } else {
            break;
        }
    }
    *out = c;
    return p->rc;
}

/* (col [ASC|DESC], ...) for keys and indexes; index keys may be expressions. */
static aphx_rc parse_key_parts(sql_parser *p, bool expressions, sql_key_part_list *out)
{
    sql_pos open = p->tok.pos;
    TRY(expect(p, SQL_TOK_LPAREN));
    do {
        sql_key_part *k = NEW(p, sql_key_part);
        if (!k) return p->rc;
        if (expressions) {
            TRY(parse_expr(p, PREC_OR, &k->expr));
        } else {
            if (!(k->expr = new_expr(p, SQL_EXPR_COLUMN, p->tok.pos))) return p->rc;
            TRY(parse_ident(p, "a column name", &k->expr->u.column.column));
        }
        if (accept_kw(p, "ASC")) k->dir = SQL_SORT_ASC;
        else if (accept_kw(p, "DESC")) k->dir = SQL_SORT_DESC;
        if (!expressions && accept_kw(p, "ROW_TIMESTAMP")) k->row_timestamp = true;
        TRY(PUSH(p, *out, k));
    } while (accept(p, SQL_TOK_COMMA));
    return expect_close(p, open);
}

static aphx_rc check_option(sql_parser *p, const sql_option *o, sql_pos pos)
{
    if (strcmp(o->key, "SALT_BUCKETS") == 0) {
        const sql_expr *v = o->value;
        if (v->kind != SQL_EXPR_INTEGER || !v->u.number.fits_int64 || v->u.number.value > 256)
            return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, pos,
                                "SALT_BUCKETS must be an integer between 0 and 256");
    }
    if (strcmp(o->key, "COLUMN_ENCODED_BYTES") == 0) {
        const sql_expr *v = o->value;
        bool ok = (v->kind == SQL_EXPR_INTEGER && v->u.number.fits_int64 && v->u.number.value <= 4) ||
                  (v->kind == SQL_EXPR_COLUMN && !v->u.column.table &&
                   strcmp(v->u.column.column, "NONE") == 0);
        if (!ok)
            return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, pos,
                                "COLUMN_ENCODED_BYTES must be NONE or an integer between 0 and 4");
    }
    return APHX_OK;
}

/* KEY = value [, KEY = value ...] — Phoenix table and index options. The
 * key may carry a column family prefix (A.VERSIONS = 1). */
static aphx_rc parse_options(sql_parser *p, sql_option_list *out)
{
    if (!at_name(p)) return APHX_OK;
    do {
        sql_pos pos = p->tok.pos;
        sql_option *o = NEW(p, sql_option);
        if (!o) return p->rc;
        TRY(parse_ident(p, "an option name", &o->key));
        if (accept(p, SQL_TOK_DOT)) {
            const char *rest;
            TRY(parse_ident(p, "an option name", &rest));
            if (!(o->key = aphx_arena_printf(p->arena, "%s.%s", o->key, rest))) return parser_nomem(p);
        }
        TRY(expect(p, SQL_TOK_EQ));
        TRY(parse_expr(p, PREC_UNARY, &o->value));
        TRY(check_option(p, o, pos));
        TRY(PUSH(p, *out, o));
    } while (accept(p, SQL_TOK_COMMA));
    return p->rc;
}

static aphx_rc parse_create_table(sql_parser *p, sql_stmt *s)
{
    s->kind = SQL_STMT_CREATE_TABLE;
    s->u.create_table.if_not_exists = accept_if_not_exists(p);
    TRY(parse_name(p, "a table name", &s->u.create_table.name));
    if (accept_kw(p, "AS")) return parse_query(p, &s->u.create_table.as_query);
    sql_pos open = p->tok.pos;
    TRY(expect(p, SQL_TOK_LPAREN));
    do {
        sql_pos pos = p->tok.pos;
        const char *cname = NULL;
        if (accept_kw(p, "CONSTRAINT")) TRY(parse_ident(p, "a constraint name", &cname));
        if (is_kw(p, "PRIMARY")) {
            if (s->u.create_table.pk.count)
                return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, pos,
                                    "a table has only one PRIMARY KEY constraint");
            advance(p);
            TRY(expect_kw(p, "KEY"));
            s->u.create_table.pk_name = cname;
            TRY(parse_key_parts(p, false, &s->u.create_table.pk));
        } else if (is_kw(p, "UNIQUE") || is_kw(p, "CHECK") || is_kw(p, "FOREIGN")) {
            return parser_error(p, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, p->tok.pos,
                                "table constraint %.*s is not supported yet",
                                (int)p->tok.len, tok_text(p, &p->tok));
        } else {
            if (cname) return syntax_error_expected(p, "PRIMARY KEY after CONSTRAINT name");
            sql_column_def *c;
            TRY(parse_column_def(p, &c));
            TRY(PUSH(p, s->u.create_table.columns, c));
        }
    } while (accept(p, SQL_TOK_COMMA) || is_kw(p, "CONSTRAINT"));
    TRY(expect_close(p, open));
    if (!s->u.create_table.columns.count)
        return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, open,
                            "a table needs at least one column");
    if (is_kw(p, "SPLIT"))
        return parser_error(p, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, p->tok.pos,
                            "SPLIT ON is not supported yet");
    return parse_options(p, &s->u.create_table.options);
}

static aphx_rc parse_create_view(sql_parser *p, sql_stmt *s)
{
    s->kind = SQL_STMT_CREATE_VIEW;
    s->u.create_view.if_not_exists = accept_if_not_exists(p);
    TRY(parse_name(p, "a view name", &s->u.create_view.name));
    if (p->tok.kind == SQL_TOK_LPAREN) {
        /* (a, b) names the query's columns; (a INTEGER, ..) adds Phoenix columns */
        sql_token_kind after = peek(p, 2, NULL);
        if (after == SQL_TOK_COMMA || after == SQL_TOK_RPAREN) {
            TRY(parse_name_list_parens(p, "a column name", &s->u.create_view.column_names));
        } else {
            sql_pos open = p->tok.pos;
            advance(p);
            do {
                sql_column_def *c;
                TRY(parse_column_def(p, &c));
                TRY(PUSH(p, s->u.create_view.columns, c));
            } while (accept(p, SQL_TOK_COMMA));
            TRY(expect_close(p, open));
        }
    }
    if (s->u.create_view.columns.count && !is_kw(p, "AS")) return APHX_OK;
    TRY(expect_kw(p, "AS"));
    return parse_query(p, &s->u.create_view.query);
}

static aphx_rc parse_create_index(sql_parser *p, sql_stmt *s, bool unique, bool local)
{
    s->kind = SQL_STMT_CREATE_INDEX;
    s->u.create_index.unique = unique;
    s->u.create_index.local = local;
    s->u.create_index.if_not_exists = accept_if_not_exists(p);
    TRY(parse_ident(p, "an index name", &s->u.create_index.name));
    TRY(expect_kw(p, "ON"));
    TRY(parse_name(p, "a table name", &s->u.create_index.table));
    TRY(parse_key_parts(p, true, &s->u.create_index.columns));
    if (accept_kw(p, "INCLUDE"))
        TRY(parse_name_list_parens(p, "a column name", &s->u.create_index.include));
    if (is_kw(p, "WHERE"))
        return parser_error(p, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, p->tok.pos,
                            "partial indexes (CREATE INDEX .. WHERE) are not supported yet");
    return parse_options(p, &s->u.create_index.options);
}

/* A sequence parameter: [-]integer or a parameter. */
static aphx_rc parse_sequence_value(sql_parser *p, const char *what, sql_expr **out)
{
    sql_pos pos = p->tok.pos;
    TRY(parse_expr(p, PREC_UNARY, out));
    const sql_expr *e = *out;
    if (e->kind == SQL_EXPR_UNARY && (e->u.unary.op == SQL_UNARY_MINUS || e->u.unary.op == SQL_UNARY_PLUS))
        e = e->u.unary.operand;
    if (e->kind != SQL_EXPR_INTEGER && e->kind != SQL_EXPR_PARAM)
        return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, pos,
                            "%s must be an integer constant", what);
    return APHX_OK;
}

/* The value of a sequence parameter written as a constant ([-]digits). */
static bool sequence_constant(const sql_expr *e, int64_t *out)
{
    bool negative = false;
    if (e && e->kind == SQL_EXPR_UNARY && e->u.unary.op != SQL_UNARY_NOT) {
        negative = e->u.unary.op == SQL_UNARY_MINUS;
        e = e->u.unary.operand;
    }
    if (!e || e->kind != SQL_EXPR_INTEGER || !e->u.number.fits_int64) return false;
    *out = negative ? -e->u.number.value : e->u.number.value;
    return true;
}

/* What can be checked before execution: INCREMENT BY 0, MINVALUE above
 * MAXVALUE, START WITH outside them, CACHE below 1. */
static aphx_rc check_sequence(sql_parser *p, const sql_stmt *s)
{
    int64_t inc, lo, hi, start, cache;
    bool has_lo = sequence_constant(s->u.create_sequence.minvalue, &lo);
    bool has_hi = sequence_constant(s->u.create_sequence.maxvalue, &hi);
    if (sequence_constant(s->u.create_sequence.increment, &inc) && inc == 0)
        return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, s->u.create_sequence.increment->pos,
                            "INCREMENT BY must not be zero");
    if (has_lo && has_hi && lo > hi)
        return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, s->u.create_sequence.minvalue->pos,
                            "MINVALUE (%lld) must not be greater than MAXVALUE (%lld)", (long long)lo,
                            (long long)hi);
    if (sequence_constant(s->u.create_sequence.start, &start) &&
        ((has_lo && start < lo) || (has_hi && start > hi)))
        return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, s->u.create_sequence.start->pos,
                            "START WITH (%lld) must lie between MINVALUE and MAXVALUE", (long long)start);
    if (sequence_constant(s->u.create_sequence.cache, &cache) && cache < 1)
        return parser_error(p, APHX_RANGE, SQL_STATE_INVALID_PARAMETER, s->u.create_sequence.cache->pos,
                            "CACHE must be at least 1");
    return APHX_OK;
}

static aphx_rc parse_create_sequence(sql_parser *p, sql_stmt *s)
{
    s->kind = SQL_STMT_CREATE_SEQUENCE;
    s->u.create_sequence.if_not_exists = accept_if_not_exists(p);
    TRY(parse_name(p, "a sequence name", &s->u.create_sequence.name));
    for (;;) {
        sql_pos pos = p->tok.pos;
        sql_expr **slot;
        const char *what;
        if (accept_kw(p, "START")) {
            accept_kw(p, "WITH");
            slot = &s->u.create_sequence.start, what = "START WITH";
        } else if (accept_kw(p, "INCREMENT")) {
            accept_kw(p, "BY");
            slot = &s->u.create_sequence.increment, what = "INCREMENT BY";
        } else if (accept_kw(p, "CACHE")) {
            slot = &s->u.create_sequence.cache, what = "CACHE";
        } else if (accept_kw(p, "MINVALUE")) {
            slot = &s->u.create_sequence.minvalue, what = "MINVALUE";
        } else if (accept_kw(p, "MAXVALUE")) {
            slot = &s->u.create_sequence.maxvalue, what = "MAXVALUE";
        } else if (accept_kw(p, "CYCLE")) {
            s->u.create_sequence.cycle = true;
            continue;
        } else if (is_kw(p, "NO") && peek_is_kw(p, 1, "CYCLE")) {
            advance(p);
            advance(p);
            s->u.create_sequence.cycle = false;
            continue;
        } else {
            break;
        }
        if (*slot)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, pos,
                                "%s given twice", what);
        TRY(parse_sequence_value(p, what, slot));
    }
    if (p->rc) return p->rc;
    return check_sequence(p, s);
}

static aphx_rc parse_trigger_body(sql_parser *p, sql_stmt *s)
{
    TRY(expect_kw(p, "BEGIN"));
    do {
        sql_stmt *inner;
        if (is_kw(p, "END")) break;
        TRY(parse_statement(p, &inner));
        if (inner->kind != SQL_STMT_SELECT && inner->kind != SQL_STMT_INSERT &&
            inner->kind != SQL_STMT_UPDATE && inner->kind != SQL_STMT_DELETE)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, inner->pos,
                                "a trigger body holds only SELECT, INSERT, UPDATE and DELETE");
        TRY(PUSH(p, s->u.create_trigger.body, inner));
        TRY(expect(p, SQL_TOK_SEMI));
    } while (!is_kw(p, "END"));
    if (!s->u.create_trigger.body.count) return syntax_error_expected(p, "a statement in the trigger body");
    return expect_kw(p, "END");
}

static aphx_rc parse_create_trigger(sql_parser *p, sql_stmt *s)
{
    s->kind = SQL_STMT_CREATE_TRIGGER;
    s->u.create_trigger.if_not_exists = accept_if_not_exists(p);
    TRY(parse_name(p, "a trigger name", &s->u.create_trigger.name));
    if (accept_kw(p, "BEFORE")) s->u.create_trigger.time = SQL_TRIGGER_BEFORE;
    else if (accept_kw(p, "AFTER")) s->u.create_trigger.time = SQL_TRIGGER_AFTER;
    else if (accept_kw(p, "INSTEAD")) {
        TRY(expect_kw(p, "OF"));
        s->u.create_trigger.time = SQL_TRIGGER_INSTEAD_OF;
    }
    if (accept_kw(p, "INSERT")) s->u.create_trigger.event = SQL_TRIGGER_INSERT;
    else if (accept_kw(p, "DELETE")) s->u.create_trigger.event = SQL_TRIGGER_DELETE;
    else if (accept_kw(p, "UPDATE")) {
        s->u.create_trigger.event = SQL_TRIGGER_UPDATE;
        if (accept_kw(p, "OF")) {
            do {
                const char *col;
                TRY(parse_ident(p, "a column name", &col));
                TRY(PUSH(p, s->u.create_trigger.update_of, col));
            } while (accept(p, SQL_TOK_COMMA));
        }
    } else {
        return syntax_error_expected(p, "INSERT, UPDATE or DELETE");
    }
    TRY(expect_kw(p, "ON"));
    TRY(parse_name(p, "a table name", &s->u.create_trigger.table));
    if (accept_kw(p, "FOR")) {
        TRY(expect_kw(p, "EACH"));
        TRY(expect_kw(p, "ROW"));
        s->u.create_trigger.for_each_row = true;
    }
    if (accept_kw(p, "WHEN")) TRY(parse_expr(p, PREC_OR, &s->u.create_trigger.when));
    return parse_trigger_body(p, s);
}

static aphx_rc parse_password(sql_parser *p, sql_stmt *s)
{
    if (accept_kw(p, "WITH") || is_kw(p, "PASSWORD")) {
        TRY(expect_kw(p, "PASSWORD"));
        TRY(parse_string(p, "a password string", &s->u.user.password));
    }
    return p->rc;
}

/* A user name: identifier or 'string'. */
static aphx_rc parse_user_name(sql_parser *p, const char **out)
{
    if (p->tok.kind == SQL_TOK_STRING) return parse_string_name(p, "a user name", out);
    return parse_ident(p, "a user name", out);
}

static aphx_rc parse_create(sql_parser *p, sql_stmt *s)
{
    advance(p);                                    /* CREATE */
    if (accept_kw(p, "TABLE")) return parse_create_table(p, s);
    if (is_kw(p, "OR") && peek_is_kw(p, 1, "REPLACE")) {
        advance(p);
        advance(p);
        s->u.create_view.or_replace = true;
        TRY(expect_kw(p, "VIEW"));
        return parse_create_view(p, s);
    }
    if (is_kw(p, "TEMP") || is_kw(p, "TEMPORARY"))
        return parser_error(p, APHX_UNSUPPORTED, SQL_STATE_FEATURE_NOT_SUPPORTED, p->tok.pos,
                            "temporary tables and views are not supported yet");
    if (accept_kw(p, "VIEW")) return parse_create_view(p, s);
    bool unique = accept_kw(p, "UNIQUE");
    bool local = accept_kw(p, "LOCAL");
    if (accept_kw(p, "INDEX")) return parse_create_index(p, s, unique, local);
    if (unique || local) return syntax_error_expected(p, "INDEX");
    if (accept_kw(p, "SCHEMA")) {
        s->kind = SQL_STMT_CREATE_SCHEMA;
        s->u.create_schema.if_not_exists = accept_if_not_exists(p);
        return parse_ident(p, "a schema name", &s->u.create_schema.name);
    }
    if (accept_kw(p, "SEQUENCE")) return parse_create_sequence(p, s);
    if (accept_kw(p, "TRIGGER")) return parse_create_trigger(p, s);
    if (accept_kw(p, "USER")) {
        s->kind = SQL_STMT_CREATE_USER;
        s->u.user.if_not_exists = accept_if_not_exists(p);
        TRY(parse_user_name(p, &s->u.user.user));
        return parse_password(p, s);
    }
    return syntax_error_expected(p, "TABLE, VIEW, INDEX, SCHEMA, SEQUENCE, TRIGGER or USER after CREATE");
}

static aphx_rc parse_drop(sql_parser *p, sql_stmt *s)
{
    advance(p);                                    /* DROP */
    s->kind = SQL_STMT_DROP;
    sql_object_kind k;
    if (accept_kw(p, "TABLE")) k = SQL_OBJ_TABLE;
    else if (accept_kw(p, "VIEW")) k = SQL_OBJ_VIEW;
    else if (accept_kw(p, "INDEX")) k = SQL_OBJ_INDEX;
    else if (accept_kw(p, "SCHEMA")) k = SQL_OBJ_SCHEMA;
    else if (accept_kw(p, "SEQUENCE")) k = SQL_OBJ_SEQUENCE;
    else if (accept_kw(p, "USER")) k = SQL_OBJ_USER;
    else if (accept_kw(p, "TRIGGER")) k = SQL_OBJ_TRIGGER;
    else return syntax_error_expected(p, "TABLE, VIEW, INDEX, SCHEMA, SEQUENCE, TRIGGER or USER after DROP");
    s->u.drop.object = k;
    s->u.drop.if_exists = accept_if_exists(p);
    if (k == SQL_OBJ_USER) TRY(parse_user_name(p, &s->u.drop.name.name));
    else if (k == SQL_OBJ_SCHEMA) TRY(parse_ident(p, "a schema name", &s->u.drop.name.name));
    else TRY(parse_name(p, "a name", &s->u.drop.name));
    if (k == SQL_OBJ_INDEX && accept_kw(p, "ON")) TRY(parse_name(p, "a table name", &s->u.drop.on_table));
    if (accept_kw(p, "CASCADE")) s->u.drop.cascade = true;
    return p->rc;
}

/* A setting name: 'string' or dotted words (zookeeper.session.timeout). */
static aphx_rc parse_setting_name(sql_parser *p, const char **out)
{
    if (p->tok.kind == SQL_TOK_STRING) return parse_string(p, "a setting name", out);
    aphx_buf key;
    aphx_buf_init(&key);
    do {
        const char *part;
        aphx_rc rc = parse_ident(p, "a setting name", &part);
        if (rc) {
            aphx_buf_free(&key);
            return rc;
        }
        if (key.len) aphx_buf_putc(&key, '.');
        aphx_buf_puts(&key, part);
    } while (accept(p, SQL_TOK_DOT));
    *out = key.oom ? NULL : aphx_arena_strdup(p->arena, key.data);
    aphx_buf_free(&key);
    return *out ? APHX_OK : parser_nomem(p);
}

static aphx_rc parse_transaction_or_session(sql_parser *p, sql_stmt *s)
{
    if (accept_kw(p, "BEGIN") || accept_kw(p, "START")) {
        s->kind = SQL_STMT_BEGIN;
        if (!accept_kw(p, "TRANSACTION")) accept_kw(p, "WORK");
        return p->rc;
    }
    if (accept_kw(p, "COMMIT") || accept_kw(p, "END")) {
        s->kind = SQL_STMT_COMMIT;
        if (!accept_kw(p, "TRANSACTION")) accept_kw(p, "WORK");
        return p->rc;
    }
    if (accept_kw(p, "ROLLBACK")) {
        s->kind = SQL_STMT_ROLLBACK;
        if (!accept_kw(p, "TRANSACTION")) accept_kw(p, "WORK");
        return p->rc;
    }
    if (accept_kw(p, "SHOW")) {
        s->kind = SQL_STMT_SHOW;
        if (accept_kw(p, "TABLES")) {
            s->u.show.what = SQL_SHOW_TABLES;
            if (accept_kw(p, "IN") || accept_kw(p, "FROM"))
                return parse_ident(p, "a schema name", &s->u.show.schema);
            return p->rc;
        }
        if (accept_kw(p, "SCHEMAS")) {
            s->u.show.what = SQL_SHOW_SCHEMAS;
            return p->rc;
        }
        s->u.show.what = SQL_SHOW_SETTING;
        return parse_setting_name(p, &s->u.show.setting);
    }
    TRY(expect_kw(p, "SET"));
    s->kind = SQL_STMT_SET;
    if (accept_kw(p, "LOCAL")) s->u.set.local = true;
    else accept_kw(p, "SESSION");
    TRY(parse_setting_name(p, &s->u.set.key));
    if (!accept(p, SQL_TOK_EQ)) TRY(expect_kw(p, "TO"));
    if (accept_kw(p, "DEFAULT")) return p->rc;
    return parse_expr(p, PREC_UNARY, &s->u.set.value);
}

static aphx_rc parse_alter(sql_parser *p, sql_stmt *s)
{
    advance(p);                                    /* ALTER */
    if (accept_kw(p, "USER")) {
        s->kind = SQL_STMT_ALTER_USER;
        TRY(parse_user_name(p, &s->u.user.user));
        if (!is_kw(p, "WITH") && !is_kw(p, "PASSWORD")) return syntax_error_expected(p, "PASSWORD");
        return parse_password(p, s);
    }
    if (accept_kw(p, "SYSTEM")) {
        s->kind = SQL_STMT_ALTER_SYSTEM;
        TRY(expect_kw(p, "SET"));
        TRY(parse_setting_name(p, &s->u.alter_system.key));
        if (!accept(p, SQL_TOK_EQ)) TRY(expect_kw(p, "TO"));
        return parse_expr(p, PREC_UNARY, &s->u.alter_system.value);
    }
    TRY(expect_kw(p, "TABLE"));
    s->kind = SQL_STMT_ALTER_TABLE;
    TRY(parse_name(p, "a table name", &s->u.alter_table.table));
    if (accept_kw(p, "ADD")) {
        s->u.alter_table.add = true;
        accept_kw(p, "COLUMN");
        s->u.alter_table.if_exists = accept_if_not_exists(p);
        do {
            sql_column_def *c;
            TRY(parse_column_def(p, &c));
            TRY(PUSH(p, s->u.alter_table.add_columns, c));
        } while (accept(p, SQL_TOK_COMMA));
        return parse_options(p, &s->u.alter_table.options);
    }
    if (accept_kw(p, "DROP")) {
        accept_kw(p, "COLUMN");
        s->u.alter_table.if_exists = accept_if_exists(p);
        do {
            const char *col;
            TRY(parse_ident(p, "a column name", &col));
            TRY(PUSH(p, s->u.alter_table.drop_columns, col));
        } while (accept(p, SQL_TOK_COMMA));
        return p->rc;
    }
    if (accept_kw(p, "SET")) {
        if (!at_name(p)) return syntax_error_expected(p, "an option name after SET");
        return parse_options(p, &s->u.alter_table.options);
    }
    return syntax_error_expected(p, "ADD, DROP or SET after ALTER TABLE name");
}

static aphx_rc parse_assignments(sql_parser *p, sql_assignment_list *out)
{
    do {
        sql_assignment *a = NEW(p, sql_assignment);
        if (!a) return p->rc;
        TRY(parse_ident(p, "a column name", &a->column));
        TRY(expect(p, SQL_TOK_EQ));
        TRY(parse_expr(p, PREC_OR, &a->value));
        TRY(PUSH(p, *out, a));
    } while (accept(p, SQL_TOK_COMMA));
    return p->rc;
}

static aphx_rc parse_insert(sql_parser *p, sql_stmt *s)
{
    s->kind = SQL_STMT_INSERT;
    if (accept_kw(p, "UPSERT")) {
        s->u.insert.verb = SQL_INSERT_UPSERT;
    } else if (accept_kw(p, "REPLACE")) {
        s->u.insert.verb = SQL_INSERT_REPLACE;
    } else {
        TRY(expect_kw(p, "INSERT"));
        if (accept_kw(p, "OR")) {
            if (accept_kw(p, "REPLACE")) s->u.insert.verb = SQL_INSERT_REPLACE;
            else if (accept_kw(p, "IGNORE")) s->u.insert.on_duplicate = SQL_ON_DUP_IGNORE;
            else return syntax_error_expected(p, "REPLACE or IGNORE after INSERT OR");
        }
    }
    TRY(expect_kw(p, "INTO"));
    TRY(parse_name(p, "a table name", &s->u.insert.table));
    if (accept_kw(p, "AS")) TRY(parse_ident(p, "an alias", &s->u.insert.alias));
    if (p->tok.kind == SQL_TOK_LPAREN && !(peek(p, 1, NULL) == SQL_TOK_IDENT &&
                                          (peek_is_kw(p, 1, "SELECT") || peek_is_kw(p, 1, "WITH") ||
                                           peek_is_kw(p, 1, "VALUES"))))
        TRY(parse_name_list_parens(p, "a column name", &s->u.insert.columns));
    if (is_kw(p, "DEFAULT")) {
        advance(p);
        TRY(expect_kw(p, "VALUES"));
    } else {
        if (!at_query_start(p) && p->tok.kind != SQL_TOK_LPAREN)
            return syntax_error_expected(p, "VALUES or SELECT");
        TRY(parse_query(p, &s->u.insert.source));
    }
    if (is_kw(p, "ON") && peek_is_kw(p, 1, "DUPLICATE")) {
        advance(p);
        advance(p);
        TRY(expect_kw(p, "KEY"));
        if (s->u.insert.on_duplicate != SQL_ON_DUP_NONE)
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, p->tok.pos,
                                "INSERT OR IGNORE cannot also have ON DUPLICATE KEY");
        if (accept_kw(p, "IGNORE")) {
            s->u.insert.on_duplicate = SQL_ON_DUP_IGNORE;
        } else if (accept_kw(p, "UPDATE")) {
            s->u.insert.on_duplicate = SQL_ON_DUP_UPDATE;
            TRY(parse_assignments(p, &s->u.insert.on_dup_updates));
        } else {
            return syntax_error_expected(p, "IGNORE or UPDATE after ON DUPLICATE KEY");
        }
    }
    return p->rc;
}

/* GRANT privs ON [TABLE|SCHEMA] name TO user / REVOKE privs ON .. FROM user.
 * Privileges are keywords (SELECT, INSERT, ALL [PRIVILEGES]...) or Phoenix's
 * permission string ('RWX'). */
static aphx_rc parse_grant(sql_parser *p, sql_stmt *s, bool grant)
{
    s->kind = grant ? SQL_STMT_GRANT : SQL_STMT_REVOKE;
    advance(p);
    if (!is_kw(p, "ON")) {
        do {
            const char *priv;
            if (p->tok.kind == SQL_TOK_STRING) {
                TRY(parse_string(p, "a privilege", &priv));
            } else if (p->tok.kind == SQL_TOK_IDENT) {
                TRY(decode_ident(p, &priv));
                advance(p);
                if (strcmp(priv, "ALL") == 0) accept_kw(p, "PRIVILEGES");
            } else {
                return syntax_error_expected(p, "a privilege");
            }
            TRY(PUSH(p, s->u.grant.privileges, priv));
        } while (accept(p, SQL_TOK_COMMA));
    }
    TRY(expect_kw(p, "ON"));
    s->u.grant.object = SQL_OBJ_TABLE;
    if (accept_kw(p, "SCHEMA")) s->u.grant.object = SQL_OBJ_SCHEMA;
    else accept_kw(p, "TABLE");
    if (s->u.grant.object == SQL_OBJ_SCHEMA) TRY(parse_ident(p, "a schema name", &s->u.grant.name.name));
    else if (!accept(p, SQL_TOK_STAR)) TRY(parse_name(p, "a table name", &s->u.grant.name));
    TRY(expect_kw(p, grant ? "TO" : "FROM"));
    accept_kw(p, "USER");
    return parse_user_name(p, &s->u.grant.user);
}

static aphx_rc parse_statement(sql_parser *p, sql_stmt **out)
{
    TRY(enter(p));
    sql_stmt *s = NEW(p, sql_stmt);
    if (!s) return p->rc;
    s->pos = p->tok.pos;
    aphx_rc rc;
    if (at_query_start(p) || p->tok.kind == SQL_TOK_LPAREN) {
        s->kind = SQL_STMT_SELECT;
        rc = parse_query(p, &s->u.select);
    } else if (is_kw(p, "CREATE")) {
        rc = parse_create(p, s);
    } else if (is_kw(p, "DROP")) {
        rc = parse_drop(p, s);
    } else if (is_kw(p, "ALTER")) {
        rc = parse_alter(p, s);
    } else if (is_kw(p, "UPSERT") || is_kw(p, "INSERT") || is_kw(p, "REPLACE")) {
        rc = parse_insert(p, s);
    } else if (accept_kw(p, "UPDATE")) {
        s->kind = SQL_STMT_UPDATE;
        rc = parse_name(p, "a table name", &s->u.update.table);
        if (!rc) rc = parse_opt_alias(p, &s->u.update.alias);
        if (!rc) rc = expect_kw(p, "SET");
        if (!rc) rc = parse_assignments(p, &s->u.update.set);
        if (!rc && accept_kw(p, "WHERE")) rc = parse_expr(p, PREC_OR, &s->u.update.where);
    } else if (accept_kw(p, "DELETE")) {
        s->kind = SQL_STMT_DELETE;
        rc = expect_kw(p, "FROM");
        if (!rc) rc = parse_name(p, "a table name", &s->u.delete_.table);
        if (!rc) rc = parse_opt_alias(p, &s->u.delete_.alias);
        if (!rc && accept_kw(p, "WHERE")) rc = parse_expr(p, PREC_OR, &s->u.delete_.where);
    } else if (accept_kw(p, "EXPLAIN")) {
        s->kind = SQL_STMT_EXPLAIN;
        if (is_kw(p, "EXPLAIN"))
            return parser_error(p, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, p->tok.pos,
                                "EXPLAIN EXPLAIN is not allowed");
        rc = parse_statement(p, &s->u.explain.stmt);
    } else if (accept_kw(p, "USE")) {
        s->kind = SQL_STMT_USE;
        rc = accept_kw(p, "DEFAULT") ? p->rc : parse_ident(p, "a schema name", &s->u.use.schema);
    } else if (is_kw(p, "GRANT") || is_kw(p, "REVOKE")) {
        rc = parse_grant(p, s, is_kw(p, "GRANT"));
    } else if (is_kw(p, "BEGIN") || is_kw(p, "COMMIT") || is_kw(p, "ROLLBACK") ||
               is_kw(p, "SHOW") || is_kw(p, "SET") ||
               (is_kw(p, "START") && peek_is_kw(p, 1, "TRANSACTION")) ||
               (is_kw(p, "END") && (peek(p, 1, NULL) == SQL_TOK_EOF || peek(p, 1, NULL) == SQL_TOK_SEMI ||
                                    peek_is_kw(p, 1, "TRANSACTION") || peek_is_kw(p, 1, "WORK")))) {
        rc = parse_transaction_or_session(p, s);
    } else if (accept_kw(p, "REINDEX")) {
        s->kind = SQL_STMT_REINDEX;
        rc = parse_name(p, "an index or table name", &s->u.reindex.name);
    } else {
        rc = syntax_error_expected(p, "a statement (SELECT, UPSERT, CREATE, ...)");
    }
    if (rc) return rc;
    s->end_offset = p->prev_end;
    p->depth--;
    *out = s;
    return p->rc;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */
/* ------------------------------------------------------------------ */
static aphx_rc parser_start(sql_parser *p, aphx_arena *arena, const char *text, size_t len,
                            sql_error *err)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->err = err ? err : &p->local_err;
    sql_error_clear(p->err);
    if (len > UINT32_MAX - 1) {
        sql_pos none = {0, 0, 0};
        return parser_error(p, APHX_RANGE, SQL_STATE_TOO_COMPLEX, none,
                            "statement text longer than 4 GiB");
    }
    sql_lexer_init(&p->lx, text, len);
    aphx_rc rc = sql_lexer_next(&p->lx, &p->tok, p->err);
    if (rc) p->rc = rc;
    return rc;
}

aphx_rc sql_parse_script(aphx_arena *arena, const char *text, size_t len,
                         sql_script *out, sql_error *err)
{
    sql_parser p;
    memset(out, 0, sizeof *out);
    TRY(parser_start(&p, arena, text, len, err));
    for (;;) {
        while (accept(&p, SQL_TOK_SEMI)) {}
        if (p.rc) return p.rc;
        if (p.tok.kind == SQL_TOK_EOF) break;
        sql_stmt *s;
        TRY(parse_statement(&p, &s));
        TRY(PUSH(&p, out->stmts, s));
        if (p.tok.kind != SQL_TOK_SEMI && p.tok.kind != SQL_TOK_EOF)
            return syntax_error_expected(&p, "';' or end of input after the statement");
    }
    return APHX_OK;
}

aphx_rc sql_parse_statement(aphx_arena *arena, const char *text, size_t len,
                            sql_stmt **out, sql_error *err)
{
    sql_script script;
    TRY(sql_parse_script(arena, text, len, &script, err));
    if (script.stmts.count != 1) {
        sql_pos pos = {0, 1, 1};
        if (script.stmts.count > 1) pos = script.stmts.items[1]->pos;
        return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, pos,
                           script.stmts.count ? "expected one statement, found %zu"
                                              : "expected one statement, found %zu (empty text)",
                           script.stmts.count);
    }
    *out = script.stmts.items[0];
    return APHX_OK;
}

aphx_rc sql_parse_expression(aphx_arena *arena, const char *text, size_t len,
                             sql_expr **out, sql_error *err)
{
    sql_parser p;
    TRY(parser_start(&p, arena, text, len, err));
    TRY(parse_expr(&p, PREC_OR, out));
    if (p.tok.kind != SQL_TOK_EOF) return syntax_error_expected(&p, "end of the expression");
    return APHX_OK;
}
