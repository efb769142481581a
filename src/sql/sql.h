/*
 * sql.h — the public header of src/sql: ArrowPhoenix's SQL front end.
 *
 * What it offers today
 * --------------------
 *   tokenizer  sql_lexer_next(): one token at a time, with byte offset and
 *              1-based line/column (tokenize.c).
 *   parser     sql_parse_script(): a string of one or many statements
 *              (split on `;` outside strings, comments and trigger bodies)
 *              into a list of statement ASTs with their source spans
 *              (parse.c, hand-written recursive descent + Pratt expressions).
 *   AST        plain structs allocated from a caller-supplied aphx_arena;
 *              nothing is freed individually: reset or destroy the arena.
 *   errors     sql_error: SQLSTATE, message, 1-based line/column;
 *              sql_error_render() prints the line with a caret (error.c).
 *   printer    sql_print_statement(): canonical SQL text back out; parse →
 *              print → parse → print is a fixpoint (print.c).
 *   splitter   sql_split_script(): statement spans without parsing, for
 *              shells and wire front ends (tokenize.c).
 *   binder     sql_bind_statement(): name resolution against an abstract
 *              catalog (sql_catalog_vtable) that the ZooKeeper-backed
 *              catalog cache implements; annotates the AST (bind.c).
 *
 * The dialect is Apache Phoenix's (UPSERT, ON DUPLICATE KEY, CONSTRAINT pk
 * PRIMARY KEY (..), table options, sequences, INCLUDE indexes) plus the
 * standard SQL real clients send (INSERT, CTEs, window functions, set
 * operations) and the SQLite statements the sqllogictest corpus uses
 * (REPLACE INTO, CREATE TRIGGER, REINDEX). Identifiers: unquoted ones are
 * folded to upper case (as Phoenix does); "double quoted" ones are kept
 * exactly.
 *
 * Planning and execution are not here yet. src/sql/README.md explains the
 * design decisions (precedence, SQLite compatibility, limits).
 */
#ifndef APHX_SQL_H
#define APHX_SQL_H

#include "base/base.h"

/* ------------------------------------------------------------------ */
/* Positions and errors                                                */
/* ------------------------------------------------------------------ */
typedef struct sql_pos {
    uint32_t offset;   /* byte offset into the text handed to the parser */
    uint32_t line;     /* 1-based */
    uint32_t column;   /* 1-based, in bytes */
} sql_pos;

/* SQLSTATE codes the front end produces (PostgreSQL's names). */
#define SQL_STATE_SYNTAX_ERROR        "42601"
#define SQL_STATE_INVALID_NAME        "42602"
#define SQL_STATE_UNDEFINED_OBJECT    "42704"   /* unknown type or window name */
#define SQL_STATE_FEATURE_NOT_SUPPORTED "0A000"
#define SQL_STATE_TOO_COMPLEX         "54001"   /* nesting too deep */
#define SQL_STATE_OUT_OF_MEMORY       "53200"
#define SQL_STATE_INVALID_PARAMETER   "22023"

typedef struct sql_error {
    aphx_error base;       /* code (APHX_SYNTAX, APHX_NOMEM, ...) and message */
    char       sqlstate[6];
    sql_pos    pos;        /* where the problem is; line 0 = no position */
} sql_error;

void sql_error_clear(sql_error *err);
/* Render "ERROR 42601: message\nLINE 2: select * fro t\n        ^" for the
 * statement `text`. Appends to out; never fails (OOM is sticky in out). */
void sql_error_render(const sql_error *err, const char *text, size_t len, aphx_buf *out);

/* ------------------------------------------------------------------ */
/* Tokens                                                              */
/* ------------------------------------------------------------------ */
typedef enum sql_token_kind {
    SQL_TOK_EOF,
    SQL_TOK_IDENT,         /* unquoted identifier or keyword */
    SQL_TOK_QUOTED_IDENT,  /* "double quoted" */
    SQL_TOK_STRING,        /* 'single quoted' */
    SQL_TOK_BLOB,          /* X'0A1B' */
    SQL_TOK_INTEGER,       /* 123 */
    SQL_TOK_DECIMAL,       /* 1.5, .5, 1. */
    SQL_TOK_FLOAT,         /* 1e10, 1.5E-3 */
    SQL_TOK_PARAM,         /* ?, ?3, $1 */
    SQL_TOK_LPAREN, SQL_TOK_RPAREN, SQL_TOK_COMMA, SQL_TOK_SEMI, SQL_TOK_DOT,
    SQL_TOK_STAR, SQL_TOK_PLUS, SQL_TOK_MINUS, SQL_TOK_SLASH, SQL_TOK_PERCENT,
    SQL_TOK_CONCAT,        /* || */
    SQL_TOK_EQ,            /* = or == */
    SQL_TOK_NE,            /* <> or != */
    SQL_TOK_LT, SQL_TOK_LE, SQL_TOK_GT, SQL_TOK_GE,
    SQL_TOK_BITAND, SQL_TOK_BITOR, SQL_TOK_LSHIFT, SQL_TOK_RSHIFT, SQL_TOK_TILDE,
    SQL_TOK_DOUBLE_COLON,  /* :: (PostgreSQL cast) */
    SQL_TOK_LBRACKET, SQL_TOK_RBRACKET,   /* [ ] (Phoenix arrays) */
    SQL_TOK_COUNT_
} sql_token_kind;

typedef struct sql_token {
    sql_token_kind kind;
    sql_pos        pos;   /* first byte */
    uint32_t       len;   /* bytes of source text, quotes included */
} sql_token;

typedef struct sql_lexer {
    const char *text;
    size_t      len;
    size_t      at;       /* next byte to read */
    uint32_t    line;     /* line/column of `at` */
    uint32_t    column;
    /* A Phoenix hint comment (slash-star-plus INDEX(t i) star-slash) right
     * before the token just returned: its inner text (hint_len bytes) or NULL. */
    const char *hint;
    uint32_t    hint_len;
} sql_lexer;

void sql_lexer_init(sql_lexer *lx, const char *text, size_t len);
/* Read the next token, skipping white space and comments (-- and nested-free
 * C comments). Errors (SQLSTATE 42601, err->pos at the offending token):
 *   APHX_EOF     the text ends inside a string, quoted identifier or C
 *                comment (an interactive shell should read more input);
 *   APHX_SYNTAX  a malformed number or blob, a NUL byte, or a byte that
 *                starts no token.
 * At the end of input returns SQL_TOK_EOF forever. */
aphx_rc sql_lexer_next(sql_lexer *lx, sql_token *tok, sql_error *err);
/* Short name of a token kind for messages ("','", "identifier"). */
const char *sql_token_kind_name(sql_token_kind kind);

/* ------------------------------------------------------------------ */
/* Lists (arena-allocated arrays of node pointers)                     */
/* ------------------------------------------------------------------ */
#define SQL_LIST_OF(T) struct { T **items; size_t count; size_t cap; }

typedef struct sql_expr      sql_expr;
typedef struct sql_query     sql_query;
typedef struct sql_select    sql_select;
typedef struct sql_table_ref sql_table_ref;
typedef struct sql_stmt      sql_stmt;
typedef struct sql_source    sql_source;

typedef SQL_LIST_OF(sql_expr) sql_expr_list;
typedef SQL_LIST_OF(const char) sql_name_list;   /* identifiers */

/* A possibly schema-qualified object name. */
typedef struct sql_name {
    const char *schema;   /* NULL when unqualified */
    const char *name;
} sql_name;

/* ------------------------------------------------------------------ */
/* Types                                                               */
/* ------------------------------------------------------------------ */
#define SQL_TYPE_LIST(X)                                                   \
    X(INTEGER, "INTEGER") X(BIGINT, "BIGINT") X(TINYINT, "TINYINT")        \
    X(SMALLINT, "SMALLINT") X(FLOAT, "FLOAT") X(DOUBLE, "DOUBLE")          \
    X(DECIMAL, "DECIMAL") X(BOOLEAN, "BOOLEAN") X(VARCHAR, "VARCHAR")      \
    X(CHAR, "CHAR") X(VARBINARY, "VARBINARY") X(BINARY, "BINARY")          \
    X(DATE, "DATE") X(TIME, "TIME") X(TIMESTAMP, "TIMESTAMP")              \
    X(UNSIGNED_INT, "UNSIGNED_INT") X(UNSIGNED_LONG, "UNSIGNED_LONG")      \
    X(UNSIGNED_TINYINT, "UNSIGNED_TINYINT")                                \
    X(UNSIGNED_SMALLINT, "UNSIGNED_SMALLINT")                              \
    X(UNSIGNED_FLOAT, "UNSIGNED_FLOAT") X(UNSIGNED_DOUBLE, "UNSIGNED_DOUBLE") \
    X(UNSIGNED_DATE, "UNSIGNED_DATE") X(UNSIGNED_TIME, "UNSIGNED_TIME")    \
    X(UNSIGNED_TIMESTAMP, "UNSIGNED_TIMESTAMP")                            \
    X(REAL, "REAL") X(TEXT, "TEXT")

typedef enum sql_type_id {
#define SQL_X_ENUM(name, text) SQL_TYPE_##name,
    SQL_TYPE_LIST(SQL_X_ENUM)
#undef SQL_X_ENUM
    SQL_TYPE_COUNT_
} sql_type_id;

/* A declared type. Aliases map to one id at parse time: INT → INTEGER,
 * LONG → BIGINT, DOUBLE PRECISION → DOUBLE, NUMERIC/DEC → DECIMAL,
 * CHARACTER VARYING → VARCHAR, CHARACTER → CHAR, BOOL → BOOLEAN,
 * STRING → VARCHAR. REAL and TEXT keep their own ids (SQL's spelling). */
typedef struct sql_type {
    sql_type_id id;
    int32_t     length;      /* VARCHAR(n), CHAR(n), BINARY(n), DECIMAL(p,..); -1 if absent */
    int32_t     scale;       /* DECIMAL(p,s); -1 if absent */
    bool        is_array;    /* Phoenix `INTEGER ARRAY`, `INTEGER ARRAY[10]`, `INTEGER[]` */
    int32_t     array_length;/* INTEGER ARRAY[10] → 10; 0 if not given */
} sql_type;

const char *sql_type_name(sql_type_id id);

/* ------------------------------------------------------------------ */
/* Expressions                                                         */
/* ------------------------------------------------------------------ */
typedef enum sql_expr_kind {
    SQL_EXPR_NULL,         /* NULL */
    SQL_EXPR_BOOL,         /* TRUE / FALSE: u.boolean */
    SQL_EXPR_INTEGER,      /* u.number.text (digits); u.number.value if it fits */
    SQL_EXPR_DECIMAL,      /* u.number.text "1.50" */
    SQL_EXPR_FLOAT,        /* u.number.text "1e3" */
    SQL_EXPR_STRING,       /* u.string: decoded value (quotes undone) */
    SQL_EXPR_BLOB,         /* u.string: hex digits as written, upper-cased */
    SQL_EXPR_TYPED_STRING, /* DATE '2020-01-01', TIME '..', TIMESTAMP '..': u.typed */
    SQL_EXPR_PARAM,        /* ? or $n: u.param */
    SQL_EXPR_COLUMN,       /* [[schema.]table.]column: u.column */
    SQL_EXPR_STAR,         /* * or t.*: u.star (only in select lists / COUNT(*)) */
    SQL_EXPR_UNARY,        /* -x, +x, NOT x, ~x: u.unary */
    SQL_EXPR_BINARY,       /* a op b: u.binary */
    SQL_EXPR_FUNCTION,     /* f(args), COUNT(*), COUNT(DISTINCT x), f(..) OVER (..) */
    SQL_EXPR_CASE,         /* CASE [operand] WHEN .. THEN .. [ELSE ..] END */
    SQL_EXPR_CAST,         /* CAST(x AS type), x::type */
    SQL_EXPR_BETWEEN,      /* x [NOT] BETWEEN low AND high */
    SQL_EXPR_LIKE,         /* x [NOT] LIKE|ILIKE pattern [ESCAPE e] */
    SQL_EXPR_IN_LIST,      /* x [NOT] IN (a, b, ...); the list may be empty (SQLite) */
    SQL_EXPR_IN_QUERY,     /* x [NOT] IN (SELECT ...) */
    SQL_EXPR_IS_NULL,      /* x IS [NOT] NULL */
    SQL_EXPR_IS_DISTINCT,  /* x IS [NOT] DISTINCT FROM y (SQLite's `x IS y` too) */
    SQL_EXPR_EXISTS,       /* EXISTS (SELECT ...); NOT EXISTS is a NOT around it */
    SQL_EXPR_SUBQUERY,     /* (SELECT ...) as a scalar */
    SQL_EXPR_SEQUENCE,     /* NEXT VALUE FOR s / CURRENT VALUE FOR s */
    SQL_EXPR_QUANTIFIED,   /* x op ANY|SOME|ALL (SELECT ..) or (array expression): u.quantified */
    SQL_EXPR_ROW,          /* (a, b, ...): a row value constructor (Phoenix's key paging
                              (k1, k2) > ('a', 1), IN ((1, 2), (3, 4))): u.row */
    SQL_EXPR_ARRAY,        /* ARRAY[a, b, ...] (Phoenix): u.array */
    SQL_EXPR_SUBSCRIPT,    /* x[i], 1-based as in Phoenix: u.subscript */
    SQL_EXPR_DEFAULT,      /* DEFAULT as an INSERT ... VALUES item or UPDATE ... SET value */
    SQL_EXPR_COLLATE,      /* x COLLATE name: u.collate */
    SQL_EXPR_COUNT_
} sql_expr_kind;

typedef enum sql_unary_op { SQL_UNARY_MINUS, SQL_UNARY_PLUS, SQL_UNARY_NOT, SQL_UNARY_BITNOT } sql_unary_op;

#define SQL_BINARY_OP_LIST(X)                                             \
    X(OR, "OR") X(AND, "AND")                                             \
    X(EQ, "=") X(NE, "<>") X(LT, "<") X(LE, "<=") X(GT, ">") X(GE, ">=")  \
    X(BITAND, "&") X(BITOR, "|") X(LSHIFT, "<<") X(RSHIFT, ">>")          \
    X(ADD, "+") X(SUB, "-") X(MUL, "*") X(DIV, "/") X(MOD, "%")           \
    X(CONCAT, "||")

typedef enum sql_binary_op {
#define SQL_X_ENUM(name, text) SQL_OP_##name,
    SQL_BINARY_OP_LIST(SQL_X_ENUM)
#undef SQL_X_ENUM
    SQL_OP_COUNT_
} sql_binary_op;

const char *sql_binary_op_text(sql_binary_op op);

typedef enum sql_sort_dir { SQL_SORT_DEFAULT, SQL_SORT_ASC, SQL_SORT_DESC } sql_sort_dir;
typedef enum sql_nulls_order { SQL_NULLS_DEFAULT, SQL_NULLS_FIRST, SQL_NULLS_LAST } sql_nulls_order;

typedef struct sql_order_item {
    sql_expr       *expr;      /* an integer literal here is an ordinal */
    sql_sort_dir    dir;
    sql_nulls_order nulls;
} sql_order_item;
typedef SQL_LIST_OF(sql_order_item) sql_order_list;

typedef enum sql_frame_unit { SQL_FRAME_NONE, SQL_FRAME_ROWS, SQL_FRAME_RANGE, SQL_FRAME_GROUPS } sql_frame_unit;
typedef enum sql_bound_kind {
    SQL_BOUND_UNBOUNDED_PRECEDING, SQL_BOUND_PRECEDING, SQL_BOUND_CURRENT_ROW,
    SQL_BOUND_FOLLOWING, SQL_BOUND_UNBOUNDED_FOLLOWING
} sql_bound_kind;
typedef struct sql_frame_bound {
    sql_bound_kind kind;
    sql_expr      *offset;     /* for PRECEDING / FOLLOWING */
} sql_frame_bound;

typedef struct sql_window {
    const char     *name;      /* OVER w (a named window): the parser leaves the rest
                                  empty; the binder copies the definition in */
    sql_expr_list   partition_by;
    sql_order_list  order_by;
    sql_frame_unit  unit;      /* SQL_FRAME_NONE: no frame clause */
    sql_frame_bound start;
    sql_frame_bound end;
    bool            has_end;   /* BETWEEN start AND end */
} sql_window;

struct sql_expr {
    sql_expr_kind kind;
    sql_pos       pos;
    union {
        bool boolean;
        struct { const char *text; int64_t value; bool fits_int64; } number;
        const char *string;
        struct { sql_type_id type; const char *value; } typed;
        struct { uint32_t index; } param;        /* 1-based; each ? takes the next number
                                                    after the highest seen so far */
        struct {
            const char *schema, *table, *column;   /* as written (schema, table may be NULL) */
            /* Set by the binder (sql_bind_statement): either a column of a
             * FROM source `depth` queries out (0 = this query; more for a
             * correlated reference), or (source NULL) the select-list item
             * `output` that an ORDER BY / GROUP BY / HAVING name refers to. */
            const sql_source *source;
            uint32_t          index;                /* column index in source */
            uint32_t          depth;
            int32_t           output;               /* -1 unless an output reference */
        } column;
        struct { const char *table; } star;      /* NULL for a bare * */
        struct { sql_unary_op op; sql_expr *operand; } unary;
        struct { sql_binary_op op; sql_expr *left, *right; } binary;
        struct {
            const char   *name;                   /* upper-cased unless quoted */
            sql_expr_list args;
            bool          distinct;               /* f(DISTINCT x) */
            bool          star;                   /* COUNT(*) */
            sql_window   *over;                   /* NULL unless a window call */
        } func;
        struct {
            sql_expr     *operand;                /* NULL for the searched form */
            sql_expr_list whens, thens;           /* same count */
            sql_expr     *otherwise;              /* ELSE; may be NULL */
        } case_;
        struct { sql_expr *operand; sql_type type; } cast;
        struct { sql_expr *operand, *low, *high; bool negated; } between;
        struct { sql_expr *operand, *pattern, *escape; bool negated; bool ilike; } like; /* ilike: Phoenix ILIKE */
        struct { sql_expr *operand; sql_expr_list list; sql_query *query; bool negated; } in;
        struct { sql_expr *operand; bool negated; } is_null;
        struct { sql_expr *left, *right; bool negated; } is_distinct; /* negated: IS NOT DISTINCT */
        struct { sql_query *query; bool negated; } subquery;           /* EXISTS / scalar;
                                                                          negated: unused (false) */
        struct { sql_name name; bool next; } sequence;                 /* next: NEXT VALUE */
        struct {
            sql_binary_op op;                     /* a comparison */
            bool          all;                    /* ALL; else ANY / SOME */
            sql_expr     *left;
            sql_query    *query;                  /* (SELECT ...), or NULL and then */
            sql_expr     *array;                  /* = ANY($1): an array-valued expression */
        } quantified;
        struct { sql_expr_list items; } row;                          /* two or more */
        struct { sql_expr_list items; } array;                        /* may be empty */
        struct { sql_expr *operand, *index; } subscript;
        struct { sql_expr *operand; const char *collation; } collate;   /* name as written, folded */
    } u;
};

/* ------------------------------------------------------------------ */
/* Queries                                                             */
/* ------------------------------------------------------------------ */
typedef struct sql_select_item {
    sql_expr   *expr;          /* SQL_EXPR_STAR for * and t.* */
    const char *alias;         /* NULL if none */
} sql_select_item;
typedef SQL_LIST_OF(sql_select_item) sql_select_list;

typedef enum sql_join_type {
    SQL_JOIN_INNER, SQL_JOIN_LEFT, SQL_JOIN_RIGHT, SQL_JOIN_FULL, SQL_JOIN_CROSS
} sql_join_type;

typedef enum sql_table_ref_kind { SQL_REF_TABLE, SQL_REF_SUBQUERY, SQL_REF_JOIN } sql_table_ref_kind;

struct sql_table_ref {
    sql_table_ref_kind kind;
    sql_source        *source;         /* set by the binder for TABLE / SUBQUERY */
    sql_pos            pos;
    sql_name           table;          /* SQL_REF_TABLE */
    sql_query         *subquery;       /* SQL_REF_SUBQUERY */
    const char        *alias;          /* TABLE / SUBQUERY; NULL if none */
    sql_name_list      column_aliases; /* AS x (a, b) */
    struct {
        sql_join_type  type;
        bool           natural;
        sql_table_ref *left, *right;
        sql_expr      *on;             /* NULL unless ON */
        sql_name_list  using_cols;     /* empty unless USING */
    } join;                            /* SQL_REF_JOIN */
};
typedef SQL_LIST_OF(sql_table_ref) sql_from_list;

/* A FROM source as the binder sees it: a catalog table or view, a derived
 * table or a common table expression, with the names of its columns. */
typedef enum sql_source_kind { SQL_SOURCE_TABLE, SQL_SOURCE_VIEW, SQL_SOURCE_DERIVED, SQL_SOURCE_CTE } sql_source_kind;
typedef struct sql_catalog_table sql_catalog_table;
struct sql_source {
    sql_source_kind          kind;
    const char              *name;      /* exposed name: the alias, else the table/CTE name */
    const char              *schema;    /* the table's schema when exposed by its own name */
    const sql_catalog_table *table;     /* TABLE and VIEW */
    sql_query               *query;     /* VIEW (parsed and bound), DERIVED, CTE */
    sql_table_ref           *ref;       /* the FROM item; NULL for DML targets */
    sql_name_list            columns;   /* column names, in order */
};
typedef SQL_LIST_OF(sql_source) sql_source_list;

typedef struct sql_named_window {     /* WINDOW name AS (spec) */
    const char *name;
    sql_window *spec;
} sql_named_window;
typedef SQL_LIST_OF(sql_named_window) sql_named_window_list;

struct sql_select {
    sql_pos         pos;
    const char     *hint;              /* Phoenix hint comment after SELECT: its text, trimmed */
    bool            distinct;
    sql_select_list items;
    sql_from_list   from;              /* comma-separated; empty: no FROM */
    sql_expr       *where;
    sql_expr_list   group_by;
    sql_expr       *having;
    sql_named_window_list windows;     /* WINDOW w AS (...), ... */
    sql_source_list sources;           /* set by the binder: FROM sources in order */
};

typedef struct sql_cte {
    const char    *name;
    sql_name_list  columns;
    sql_query     *query;
} sql_cte;
typedef SQL_LIST_OF(sql_cte) sql_cte_list;

typedef SQL_LIST_OF(sql_expr_list) sql_values_rows;

typedef enum sql_query_kind {
    SQL_QUERY_SELECT, SQL_QUERY_VALUES, SQL_QUERY_SET_OP,
    SQL_QUERY_PAREN      /* (query) with an ORDER BY/LIMIT/WITH of its own, wrapped again */
} sql_query_kind;
typedef enum sql_set_op { SQL_SET_UNION, SQL_SET_INTERSECT, SQL_SET_EXCEPT } sql_set_op;

/* A query expression: a SELECT, a VALUES list or a set operation, with an
 * optional WITH, ORDER BY and LIMIT/OFFSET around it. A parenthesized query
 * keeps its own ORDER BY/LIMIT as one operand of a set operation. */
struct sql_query {
    sql_query_kind  kind;
    sql_pos         pos;
    bool            recursive;         /* WITH RECURSIVE */
    sql_cte_list    with;
    sql_select     *select;            /* SQL_QUERY_SELECT */
    sql_values_rows values;            /* SQL_QUERY_VALUES */
    struct { sql_set_op op; bool all; sql_query *left, *right; } set;   /* SQL_QUERY_SET_OP */
    sql_query      *inner;             /* SQL_QUERY_PAREN */
    sql_order_list  order_by;
    sql_expr       *limit;             /* LIMIT n or FETCH FIRST n ROWS ONLY */
    sql_expr       *offset;
    sql_name_list   output_names;      /* set by the binder: result column names */
};

/* ------------------------------------------------------------------ */
/* Statements                                                          */
/* ------------------------------------------------------------------ */
typedef struct sql_option {            /* KEY = value in CREATE TABLE/INDEX */
    const char *key;                   /* upper-cased unless quoted */
    sql_expr   *value;
} sql_option;
typedef SQL_LIST_OF(sql_option) sql_option_list;

typedef struct sql_column_def {
    sql_pos     pos;
    const char *family;                /* Phoenix column family ("F"."C"); NULL if none */
    const char *name;
    sql_type    type;
    bool        not_null;
    bool        explicit_null;         /* `NULL` written */
    bool        primary_key;
    sql_sort_dir pk_dir;               /* PRIMARY KEY ASC|DESC */
    bool        unique;
    sql_expr   *default_value;         /* NULL if none */
} sql_column_def;
typedef SQL_LIST_OF(sql_column_def) sql_column_def_list;

typedef struct sql_key_part {          /* a column of a key or an index */
    sql_expr    *expr;                 /* a column reference for keys */
    sql_sort_dir dir;
    bool         row_timestamp;        /* Phoenix: PRIMARY KEY (a, ts ROW_TIMESTAMP) */
} sql_key_part;
typedef SQL_LIST_OF(sql_key_part) sql_key_part_list;

typedef struct sql_assignment {
    const char *column;
    sql_expr   *value;
} sql_assignment;
typedef SQL_LIST_OF(sql_assignment) sql_assignment_list;

typedef enum sql_object_kind {
    SQL_OBJ_TABLE, SQL_OBJ_VIEW, SQL_OBJ_INDEX, SQL_OBJ_SCHEMA, SQL_OBJ_SEQUENCE,
    SQL_OBJ_USER, SQL_OBJ_TRIGGER
} sql_object_kind;

#define SQL_STMT_LIST(X)                                                    \
    X(SELECT, "SELECT")  X(CREATE_TABLE, "CREATE TABLE")                     \
    X(CREATE_VIEW, "CREATE VIEW") X(CREATE_INDEX, "CREATE INDEX")            \
    X(CREATE_SCHEMA, "CREATE SCHEMA") X(CREATE_SEQUENCE, "CREATE SEQUENCE")  \
    X(CREATE_TRIGGER, "CREATE TRIGGER") X(DROP, "DROP")                      \
    X(ALTER_TABLE, "ALTER TABLE") X(USE, "USE")                              \
    X(INSERT, "INSERT") X(UPDATE, "UPDATE") X(DELETE, "DELETE")              \
    X(EXPLAIN, "EXPLAIN") X(GRANT, "GRANT") X(REVOKE, "REVOKE")              \
    X(CREATE_USER, "CREATE USER") X(ALTER_USER, "ALTER USER")                \
    X(ALTER_SYSTEM, "ALTER SYSTEM") X(REINDEX, "REINDEX")                   \
    X(BEGIN, "BEGIN") X(COMMIT, "COMMIT") X(ROLLBACK, "ROLLBACK")            \
    X(SHOW, "SHOW") X(SET, "SET")

typedef enum sql_stmt_kind {
#define SQL_X_ENUM(name, text) SQL_STMT_##name,
    SQL_STMT_LIST(SQL_X_ENUM)
#undef SQL_X_ENUM
    SQL_STMT_COUNT_
} sql_stmt_kind;

const char *sql_stmt_kind_name(sql_stmt_kind kind);

typedef enum sql_insert_verb {
    SQL_INSERT_INSERT,         /* INSERT INTO: fails on a duplicate key */
    SQL_INSERT_UPSERT,         /* Phoenix UPSERT INTO */
    SQL_INSERT_REPLACE         /* SQLite REPLACE INTO / INSERT OR REPLACE */
} sql_insert_verb;

typedef enum sql_on_duplicate { SQL_ON_DUP_NONE, SQL_ON_DUP_IGNORE, SQL_ON_DUP_UPDATE } sql_on_duplicate;

typedef enum sql_trigger_time { SQL_TRIGGER_DEFAULT, SQL_TRIGGER_BEFORE, SQL_TRIGGER_AFTER, SQL_TRIGGER_INSTEAD_OF } sql_trigger_time;
typedef enum sql_trigger_event { SQL_TRIGGER_INSERT, SQL_TRIGGER_UPDATE, SQL_TRIGGER_DELETE } sql_trigger_event;

typedef SQL_LIST_OF(sql_stmt) sql_stmt_list;

struct sql_stmt {
    sql_stmt_kind kind;
    sql_pos       pos;           /* first token */
    uint32_t      end_offset;    /* one past the last byte of the statement (no `;`) */
    union {
        sql_query *select;
        struct {
            bool                if_not_exists;
            sql_name            name;
            sql_column_def_list columns;
            const char         *pk_name;      /* CONSTRAINT name PRIMARY KEY (...) */
            sql_key_part_list   pk;           /* empty when no table constraint */
            sql_option_list     options;      /* SALT_BUCKETS=4, TTL=..., ... */
            sql_query          *as_query;     /* CREATE TABLE t AS SELECT; NULL if none */
        } create_table;
        struct {
            bool                if_not_exists;
            bool                or_replace;
            sql_name            name;
            sql_name_list       column_names; /* CREATE VIEW v (a, b) AS ... */
            sql_column_def_list columns;      /* Phoenix: CREATE VIEW v (c INTEGER) AS ... */
            sql_query          *query;        /* NULL for Phoenix's column-only view */
        } create_view;
        struct {
            bool                if_not_exists;
            bool                unique;
            bool                local;        /* Phoenix LOCAL INDEX */
            const char         *name;
            sql_name            table;
            sql_key_part_list   columns;
            sql_name_list       include;
            sql_option_list     options;
        } create_index;
        struct { bool if_not_exists; const char *name; } create_schema;
        struct {
            bool      if_not_exists;
            sql_name  name;
            sql_expr *start, *increment, *cache, *minvalue, *maxvalue;  /* NULL if absent */
            bool      cycle;
        } create_sequence;
        struct {
            bool              if_not_exists;
            sql_name          name;
            sql_trigger_time  time;
            sql_trigger_event event;
            sql_name_list     update_of;
            sql_name          table;
            bool              for_each_row;
            sql_expr         *when;
            sql_stmt_list     body;
        } create_trigger;
        struct {
            sql_object_kind object;
            bool            if_exists;
            sql_name        name;
            sql_name        on_table;   /* DROP INDEX i ON t; name NULL if absent */
            bool            cascade;
        } drop;
        struct {
            sql_name            table;
            bool                add;          /* true: ADD, false: DROP COLUMN */
            bool                if_exists;    /* ADD IF NOT EXISTS / DROP COLUMN IF EXISTS */
            sql_column_def_list add_columns;
            sql_name_list       drop_columns;
            sql_option_list     options;      /* ALTER TABLE t SET k = v */
        } alter_table;
        struct { const char *schema; } use;   /* NULL: USE DEFAULT */
        struct {
            sql_insert_verb     verb;
            sql_name            table;
            const char         *alias;
            sql_name_list       columns;      /* empty: all columns */
            sql_query          *source;       /* VALUES or SELECT; NULL for DEFAULT VALUES */
            sql_on_duplicate    on_duplicate;
            sql_assignment_list on_dup_updates;
            sql_source         *target;       /* set by the binder */
        } insert;
        struct {
            sql_name            table;
            const char         *alias;
            sql_assignment_list set;
            sql_expr           *where;
            sql_source         *target;       /* set by the binder */
        } update;
        struct { sql_name table; const char *alias; sql_expr *where; sql_source *target; } delete_;
        struct { sql_stmt *stmt; } explain;
        struct {
            sql_name_list   privileges;   /* "SELECT", "INSERT", ..., "ALL" */
            sql_object_kind object;       /* TABLE or SCHEMA */
            sql_name        name;         /* NULL name: ON * (everything) */
            const char     *user;
        } grant;                          /* GRANT and REVOKE */
        struct {
            const char *user;
            const char *password;         /* NULL if absent */
            bool        if_not_exists;
        } user;                           /* CREATE / ALTER USER */
        struct { const char *key; sql_expr *value; } alter_system;
        struct { sql_name name; } reindex;
        struct {
            enum { SQL_SHOW_TABLES, SQL_SHOW_SCHEMAS, SQL_SHOW_SETTING } what;
            const char *schema;           /* SHOW TABLES IN s; NULL: current schema */
            const char *setting;          /* SHOW name */
        } show;
        struct {
            const char *key;              /* dotted names joined with '.' */
            sql_expr   *value;            /* NULL for DEFAULT */
            bool        local;            /* SET LOCAL (this transaction only) */
        } set;                            /* session settings: SET k = v */
    } u;
};

typedef struct sql_script {
    sql_stmt_list stmts;       /* in order; each with pos and end_offset */
} sql_script;

/* ------------------------------------------------------------------ */
/* Parser                                                              */
/* ------------------------------------------------------------------ */
/* Parse `text` (len bytes; need not be NUL-terminated) holding zero or more
 * statements separated by `;` into *out. Every node and string is
 * allocated from `arena`: on success and on failure the caller releases them
 * by resetting/destroying the arena; *out is valid until then.
 * Errors (also in *err with SQLSTATE and position, err may be NULL):
 *   APHX_SYNTAX      a syntax error (42601), unknown type (42704), ...
 *   APHX_EOF         the text ends inside a string or comment (42601)
 *   APHX_UNSUPPORTED a construct recognised but not supported (0A000)
 *   APHX_RANGE       a value out of its allowed range: DECIMAL(40),
 *                    SALT_BUCKETS=300, $0 (22023)
 *   APHX_NOMEM       the arena could not grow (53200)
 * Nesting deeper than SQL_MAX_DEPTH fails with 54001 rather than overflowing
 * the stack. */
#define SQL_MAX_DEPTH 200
aphx_rc sql_parse_script(aphx_arena *arena, const char *text, size_t len,
                         sql_script *out, sql_error *err);
/* Exactly one statement (a trailing `;` is allowed). */
aphx_rc sql_parse_statement(aphx_arena *arena, const char *text, size_t len,
                            sql_stmt **out, sql_error *err);
/* One expression (for tests and tools). */
aphx_rc sql_parse_expression(aphx_arena *arena, const char *text, size_t len,
                             sql_expr **out, sql_error *err);

/* Split a script into statements without parsing them (for shells and
 * wire front ends that send statements one at a time, and must not lose
 * the rest of a script to one bad statement). Splits on `;` outside
 * strings, quoted identifiers and comments, and outside the BEGIN ... END
 * body of CREATE TRIGGER. Each span runs from the statement's first token
 * to its last (comments around it excluded); empty statements are
 * skipped. `terminated` is false for a last statement with no `;` after
 * it (a shell keeps reading). Errors: APHX_EOF when the text ends inside a
 * string or comment, APHX_SYNTAX for bytes that start no token, APHX_NOMEM. */
typedef struct sql_span {
    sql_pos  pos;           /* first byte of the statement */
    uint32_t length;        /* bytes, up to the end of its last token */
    bool     terminated;    /* followed by ';' */
} sql_span;
typedef SQL_LIST_OF(sql_span) sql_span_list;
aphx_rc sql_split_script(aphx_arena *arena, const char *text, size_t len, sql_span_list *out,
                         sql_error *err);

/* ------------------------------------------------------------------ */
/* Printer                                                             */
/* ------------------------------------------------------------------ */
/* Canonical SQL text: keywords upper case, identifiers bare when they are
 * plain upper-case words and not keywords, otherwise "quoted"; only the
 * parentheses precedence needs. Appends to out (OOM sticky in out->oom).
 * One exception to the fixpoint: those parentheses cost nesting levels, so
 * a statement within a few levels of SQL_MAX_DEPTH can print deeper than
 * the limit and then fail to parse with 54001. */
void sql_print_statement(const sql_stmt *stmt, aphx_buf *out);
void sql_print_expr(const sql_expr *expr, aphx_buf *out);
void sql_print_query(const sql_query *query, aphx_buf *out);
void sql_print_identifier(const char *name, aphx_buf *out);

/* Is `word` (any case, `len` bytes) a keyword the printer must quote? */
bool sql_is_keyword(const char *word, size_t len);

/* ------------------------------------------------------------------ */
/* Catalog interface (implemented by the ZooKeeper-backed catalog      */
/* cache in coord, and by in-memory catalogs in tests)                 */
/* ------------------------------------------------------------------ */
typedef struct sql_catalog_column {
    const char *name;             /* stored form: upper case unless created quoted */
    sql_type    type;
    bool        not_null;
} sql_catalog_column;

struct sql_catalog_table {
    const char               *schema;     /* NULL or "" for the default schema */
    const char               *name;
    const sql_catalog_column *columns;
    size_t                    column_count;
    const char               *view_sql;   /* a view: its CREATE VIEW statement (or just
                                             its query) as text; else NULL */
    uint64_t                  version;    /* schema version (the znode version) */
};

typedef struct sql_catalog_vtable {
    /* Find a table or view. `schema` is NULL for an unqualified name (the
     * catalog applies its current schema). On success *out points at an
     * entry that stays valid and unchanged while the caller uses the bound
     * statement (catalog snapshots are immutable). Returns APHX_NOTFOUND
     * when there is no such table; any other code is a catalog failure
     * (message in err). */
    aphx_rc (*find_table)(void *ctx, const char *schema, const char *name,
                          const sql_catalog_table **out, aphx_error *err);
    /* Does a sequence exist? APHX_OK or APHX_NOTFOUND. May be NULL: then
     * statements using sequences fail with 0A000. */
    aphx_rc (*find_sequence)(void *ctx, const char *schema, const char *name, aphx_error *err);
} sql_catalog_vtable;

typedef struct sql_catalog {
    const sql_catalog_vtable *vtable;
    void                     *ctx;
} sql_catalog;

/* ------------------------------------------------------------------ */
/* Binder: name resolution                                             */
/* ------------------------------------------------------------------ */
/* SQLSTATEs the binder adds. */
#define SQL_STATE_UNDEFINED_TABLE     "42P01"
#define SQL_STATE_UNDEFINED_COLUMN    "42703"
#define SQL_STATE_AMBIGUOUS_COLUMN    "42702"
#define SQL_STATE_DUPLICATE_ALIAS     "42712"
#define SQL_STATE_DUPLICATE_COLUMN    "42701"
#define SQL_STATE_INVALID_COLUMN_REF  "42P10"
#define SQL_STATE_WRONG_OBJECT_TYPE   "42809"
#define SQL_STATE_INVALID_TABLE_DEF   "42P16"
#define SQL_STATE_CATALOG_FAILURE     "58000"

/* Resolve the names in `stmt` against `catalog`, annotating the AST in
 * place: every FROM item gets its sql_source (sql_select.sources lists
 * them), every column reference its source/index/depth (or its output
 * item for ORDER BY / GROUP BY / HAVING aliases), `*` and `t.*` are
 * expanded into column references, every query gets output_names, and DML
 * statements get their target. Views are parsed from their view_sql and
 * bound in turn. Also checks what name resolution can: INSERT arity,
 * UPDATE/INSERT column names, CREATE TABLE duplicate columns and key
 * columns, CREATE INDEX columns, ORDER BY ordinals.
 * Function names, types and aggregate placement are the planner's job.
 * All memory comes from `arena`. Errors carry SQLSTATE and position:
 *   APHX_NOTFOUND    42P01 table / 42703 column does not exist
 *   APHX_INVALID     42702 ambiguous, 42712 duplicate alias, 42701
 *                    duplicate column, 42P10 bad ordinal, 42601 arity,
 *                    42809 writing to a view, 42P16 two primary keys
 *   APHX_UNSUPPORTED 0A000
 *   APHX_NOMEM       53200
 *   other            the catalog's failure (58000) */
aphx_rc sql_bind_statement(aphx_arena *arena, const sql_catalog *catalog, sql_stmt *stmt,
                           sql_error *err);

#endif /* APHX_SQL_H */
