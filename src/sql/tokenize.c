/*
 * tokenize.c — the SQL tokenizer: turns statement text into tokens with
 * byte offsets and 1-based line/column positions, skipping white space and
 * comments. It does not allocate: tokens point into the caller's text and
 * the parser decodes their values (string unescaping, identifier folding).
 *
 * Token syntax
 *   identifier   [A-Za-z_][A-Za-z0-9_$]*   (bytes >= 0x80 are identifier bytes
 *                                          too, so UTF-8 names pass through)
 *   "quoted"     any bytes but NUL; "" stands for one "
 *   'string'     any bytes but NUL; '' stands for one '
 *   X'hex'       blob literal (even count of hex digits)
 *   numbers      123 | 1.5 | .5 | 1. | 1e10 | 1.5E-3   (no sign: that is an operator)
 *   parameters   ? | ?NNN | $NNN
 *   operators    || <> != <= >= == = < > + - * / % ( ) , ; . & | << >> ~ :: [ ]
 *   comments     -- to end of line, and C comments (not nested); a C
 *                comment opening with + is a Phoenix hint, reported in
 *                sql_lexer.hint for the token that follows it
 * A NUL byte anywhere is an error (statements are text).
 */
#include "sql/sql.h"
#include "sql/sql_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sql_lexer_init(sql_lexer *lx, const char *text, size_t len)
{
    lx->text = text;
    lx->len = len;
    lx->at = 0;
    lx->line = 1;
    lx->column = 1;
    lx->hint = NULL;
    lx->hint_len = 0;
}

static sql_pos lexer_pos(const sql_lexer *lx)
{
    sql_pos p = {(uint32_t)lx->at, lx->line, lx->column};
    return p;
}

/* Advance one byte, keeping line/column up to date. */
static void lexer_step(sql_lexer *lx)
{
    if (lx->text[lx->at] == '\n') {
        lx->line++;
        lx->column = 1;
    } else {
        lx->column++;
    }
    lx->at++;
}

static int lexer_peek(const sql_lexer *lx, size_t ahead)
{
    return lx->at + ahead < lx->len ? (unsigned char)lx->text[lx->at + ahead] : -1;
}

static bool is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

aphx_rc sql_fail_at(sql_error *err, aphx_rc code, const char *sqlstate, sql_pos pos,
                    const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->base.code = code;
        va_start(ap, fmt);
        vsnprintf(err->base.msg, sizeof err->base.msg, fmt, ap);
        va_end(ap);
        snprintf(err->sqlstate, sizeof err->sqlstate, "%s", sqlstate);
        err->pos = pos;
    }
    return code;
}

/* Skip white space and comments. Fails only on an unterminated C comment. */
static aphx_rc lexer_skip_space(sql_lexer *lx, sql_error *err)
{
    for (;;) {
        int c = lexer_peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            lexer_step(lx);
        } else if (c == '-' && lexer_peek(lx, 1) == '-') {
            while (lx->at < lx->len && lx->text[lx->at] != '\n') lexer_step(lx);
        } else if (c == '/' && lexer_peek(lx, 1) == '*') {
            sql_pos start = lexer_pos(lx);
            bool hint = lexer_peek(lx, 2) == '+';
            const char *hint_start = NULL;
            lexer_step(lx);
            lexer_step(lx);
            if (hint) {
                lexer_step(lx);
                hint_start = lx->text + lx->at;
            }
            for (;;) {
                if (lx->at >= lx->len)
                    return sql_fail_at(err, APHX_EOF, SQL_STATE_SYNTAX_ERROR, start,
                                       "unterminated /* comment");
                if (lx->text[lx->at] == '*' && lexer_peek(lx, 1) == '/') {
                    if (hint) {       /* published only once the comment is closed */
                        lx->hint = hint_start;
                        lx->hint_len = (uint32_t)(lx->text + lx->at - hint_start);
                    }
                    lexer_step(lx);
                    lexer_step(lx);
                    break;
                }
                lexer_step(lx);
            }
        } else {
            return APHX_OK;
        }
    }
}

/* Scan a quoted run starting at the opening quote `q`; doubled quotes stay
 * inside. On return lx->at is past the closing quote. */
static aphx_rc lexer_scan_quoted(sql_lexer *lx, char q, const char *what, sql_pos start,
                                 sql_error *err)
{
    lexer_step(lx);                                  /* opening quote */
    for (;;) {
        if (lx->at >= lx->len)
            return sql_fail_at(err, APHX_EOF, SQL_STATE_SYNTAX_ERROR, start,
                               "unterminated %s", what);
        char c = lx->text[lx->at];
        if (c == '\0')
            return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, lexer_pos(lx),
                               "NUL byte inside %s", what);
        if (c == q) {
            if (lexer_peek(lx, 1) == q) {
                lexer_step(lx);
                lexer_step(lx);
                continue;
            }
            lexer_step(lx);
            return APHX_OK;
        }
        lexer_step(lx);
    }
}

static aphx_rc lexer_scan_number(sql_lexer *lx, sql_token *tok, sql_error *err)
{
    tok->kind = SQL_TOK_INTEGER;
    while (is_digit(lexer_peek(lx, 0))) lexer_step(lx);
    if (lexer_peek(lx, 0) == '.') {
        tok->kind = SQL_TOK_DECIMAL;
        lexer_step(lx);
        while (is_digit(lexer_peek(lx, 0))) lexer_step(lx);
    }
    int c = lexer_peek(lx, 0);
    if (c == 'e' || c == 'E') {
        int c1 = lexer_peek(lx, 1);
        size_t digits_at = 1;
        if (c1 == '+' || c1 == '-') {
            c1 = lexer_peek(lx, 2);
            digits_at = 2;
        }
        if (!is_digit(c1))
            return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                               "malformed number: exponent without digits");
        tok->kind = SQL_TOK_FLOAT;
        for (size_t i = 0; i < digits_at; i++) lexer_step(lx);
        while (is_digit(lexer_peek(lx, 0))) lexer_step(lx);
    }
    if (is_ident_char(lexer_peek(lx, 0)) || lexer_peek(lx, 0) == '.')
        return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                           "malformed number: unexpected '%c' after digits",
                           lexer_peek(lx, 0) < 0x80 ? lexer_peek(lx, 0) : '?');
    return APHX_OK;
}

aphx_rc sql_lexer_next(sql_lexer *lx, sql_token *tok, sql_error *err)
{
    lx->hint = NULL;
    lx->hint_len = 0;
    aphx_rc rc = lexer_skip_space(lx, err);
    if (rc) return rc;
    tok->pos = lexer_pos(lx);
    tok->len = 0;
    if (lx->at >= lx->len) {
        tok->kind = SQL_TOK_EOF;
        return APHX_OK;
    }
    int c = lexer_peek(lx, 0), c1 = lexer_peek(lx, 1);
    if ((c == 'x' || c == 'X') && c1 == '\'') {
        lexer_step(lx);
        rc = lexer_scan_quoted(lx, '\'', "blob literal", tok->pos, err);
        if (rc) return rc;
        tok->kind = SQL_TOK_BLOB;
        size_t ndigits = lx->at - tok->pos.offset - 3;
        const char *d = lx->text + tok->pos.offset + 2;
        for (size_t i = 0; i < ndigits; i++)
            if (!is_hex((unsigned char)d[i]))
                return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                                   "blob literal holds a character that is not a hex digit");
        if (ndigits % 2)
            return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                               "blob literal has an odd number of hex digits");
    } else if (is_ident_start(c)) {
        tok->kind = SQL_TOK_IDENT;
        while (is_ident_char(lexer_peek(lx, 0))) lexer_step(lx);
    } else if (is_digit(c) || (c == '.' && is_digit(c1))) {
        rc = lexer_scan_number(lx, tok, err);
        if (rc) return rc;
    } else if (c == '\'') {
        rc = lexer_scan_quoted(lx, '\'', "string literal", tok->pos, err);
        if (rc) return rc;
        tok->kind = SQL_TOK_STRING;
    } else if (c == '"') {
        rc = lexer_scan_quoted(lx, '"', "quoted identifier", tok->pos, err);
        if (rc) return rc;
        tok->kind = SQL_TOK_QUOTED_IDENT;
    } else if (c == '?' || c == '$') {
        lexer_step(lx);
        if (c == '$' && !is_digit(lexer_peek(lx, 0)))
            return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                               "'$' must be followed by a parameter number");
        while (is_digit(lexer_peek(lx, 0))) lexer_step(lx);
        tok->kind = SQL_TOK_PARAM;
    } else {
        sql_token_kind k;
        int n = 1;
        switch (c) {
        case '(': k = SQL_TOK_LPAREN; break;
        case ')': k = SQL_TOK_RPAREN; break;
        case ',': k = SQL_TOK_COMMA; break;
        case ';': k = SQL_TOK_SEMI; break;
        case '[': k = SQL_TOK_LBRACKET; break;
        case ']': k = SQL_TOK_RBRACKET; break;
        case ':':
            if (c1 != ':')
                return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                                   "unexpected ':' (named parameters are not supported; use ? or $n)");
            k = SQL_TOK_DOUBLE_COLON; n = 2;
            break;
        case '.': k = SQL_TOK_DOT; break;
        case '*': k = SQL_TOK_STAR; break;
        case '+': k = SQL_TOK_PLUS; break;
        case '-': k = SQL_TOK_MINUS; break;
        case '/': k = SQL_TOK_SLASH; break;
        case '%': k = SQL_TOK_PERCENT; break;
        case '~': k = SQL_TOK_TILDE; break;
        case '&': k = SQL_TOK_BITAND; break;
        case '|':
            if (c1 == '|') { k = SQL_TOK_CONCAT; n = 2; }
            else k = SQL_TOK_BITOR;
            break;
        case '=':
            k = SQL_TOK_EQ;
            if (c1 == '=') n = 2;
            break;
        case '!':
            if (c1 != '=')
                return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                                   "unexpected '!' (did you mean '!=' ?)");
            k = SQL_TOK_NE; n = 2;
            break;
        case '<':
            if (c1 == '=') { k = SQL_TOK_LE; n = 2; }
            else if (c1 == '>') { k = SQL_TOK_NE; n = 2; }
            else if (c1 == '<') { k = SQL_TOK_LSHIFT; n = 2; }
            else k = SQL_TOK_LT;
            break;
        case '>':
            if (c1 == '=') { k = SQL_TOK_GE; n = 2; }
            else if (c1 == '>') { k = SQL_TOK_RSHIFT; n = 2; }
            else k = SQL_TOK_GT;
            break;
        default:
            if (c == 0)
                return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                                   "NUL byte in statement text");
            if (c < 0x20 || c == 0x7f)
                return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                                   "unexpected control character 0x%02x", c);
            return sql_fail_at(err, APHX_SYNTAX, SQL_STATE_SYNTAX_ERROR, tok->pos,
                               "unexpected character '%c'", c);
        }
        for (int i = 0; i < n; i++) lexer_step(lx);
        tok->kind = k;
    }
    tok->len = (uint32_t)(lx->at - tok->pos.offset);
    return APHX_OK;
}

const char *sql_token_kind_name(sql_token_kind kind)
{
    static const char *const names[SQL_TOK_COUNT_] = {
        [SQL_TOK_EOF] = "end of input", [SQL_TOK_IDENT] = "identifier",
        [SQL_TOK_QUOTED_IDENT] = "quoted identifier", [SQL_TOK_STRING] = "string literal",
        [SQL_TOK_BLOB] = "blob literal", [SQL_TOK_INTEGER] = "integer",
        [SQL_TOK_DECIMAL] = "decimal number", [SQL_TOK_FLOAT] = "floating-point number",
        [SQL_TOK_PARAM] = "parameter", [SQL_TOK_LPAREN] = "'('", [SQL_TOK_RPAREN] = "')'",
        [SQL_TOK_COMMA] = "','", [SQL_TOK_SEMI] = "';'", [SQL_TOK_DOT] = "'.'",
        [SQL_TOK_STAR] = "'*'", [SQL_TOK_PLUS] = "'+'", [SQL_TOK_MINUS] = "'-'",
        [SQL_TOK_SLASH] = "'/'", [SQL_TOK_PERCENT] = "'%'", [SQL_TOK_CONCAT] = "'||'",
        [SQL_TOK_EQ] = "'='", [SQL_TOK_NE] = "'<>'", [SQL_TOK_LT] = "'<'",
        [SQL_TOK_LE] = "'<='", [SQL_TOK_GT] = "'>'", [SQL_TOK_GE] = "'>='",
        [SQL_TOK_BITAND] = "'&'", [SQL_TOK_BITOR] = "'|'", [SQL_TOK_LSHIFT] = "'<<'",
        [SQL_TOK_RSHIFT] = "'>>'", [SQL_TOK_TILDE] = "'~'", [SQL_TOK_DOUBLE_COLON] = "'::'",
        [SQL_TOK_LBRACKET] = "'['", [SQL_TOK_RBRACKET] = "']'",
    };
    if ((unsigned)kind >= SQL_TOK_COUNT_ || !names[kind]) return "token";
    return names[kind];
}

/* Reserved words: they end an expression or a table reference, so they
 * cannot be bare aliases or column names; the printer quotes identifiers
 * spelled like them. Sorted for bsearch. */
static const char *const sql_reserved_words[] = {
    "ALL", "AND", "ANY", "ARRAY", "AS", "ASC", "BETWEEN", "BY", "CASE", "CAST", "CHECK",
    "COLLATE", "CONSTRAINT", "CREATE", "CROSS", "CURRENT_DATE", "CURRENT_TIME",
    "CURRENT_TIMESTAMP", "DEFAULT", "DELETE", "DESC",
    "DISTINCT", "DROP", "ELSE", "END", "ESCAPE", "EXCEPT", "EXISTS", "FALSE",
    "FETCH", "FOR", "FROM", "FULL", "GROUP", "HAVING", "ILIKE", "IN", "INNER", "INSERT",
    "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "LEFT", "LIKE", "LIMIT",
    "LOCALTIME", "LOCALTIMESTAMP", "NATURAL", "NOT", "NOTNULL", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER",
    "OVER", "PRIMARY", "RIGHT", "SELECT", "SET", "TABLE", "THEN", "TO", "TRUE",
    "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "WHEN", "WHERE", "WINDOW",
    "WITH",
};

static int reserved_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

bool sql_is_niladic_function(const char *word, size_t len)
{
    static const char *const names[] = {"CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
                                        "LOCALTIME", "LOCALTIMESTAMP"};
    for (size_t i = 0; i < APHX_ARRAY_LEN(names); i++)
        if (strlen(names[i]) == len && strncasecmp(word, names[i], len) == 0) return true;
    return false;
}

bool sql_is_keyword(const char *word, size_t len)
{
    char upper[24];
    if (len == 0 || len >= sizeof upper) return false;
    for (size_t i = 0; i < len; i++) {
        char c = word[i];
        upper[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    upper[len] = '\0';
    return bsearch(upper, sql_reserved_words, APHX_ARRAY_LEN(sql_reserved_words),
                   sizeof sql_reserved_words[0], reserved_cmp) != NULL;
}

bool sql_list_grow(aphx_arena *arena, void *items, size_t *cap, size_t count)
{
    void **old;
    memcpy(&old, items, sizeof old);
    if (count < *cap) return true;
    size_t ncap = *cap ? *cap * 2 : 4;
    void **fresh = aphx_arena_alloc(arena, ncap * sizeof *fresh);
    if (!fresh) return false;
    if (count) memcpy(fresh, old, count * sizeof *fresh);
    memcpy(items, &fresh, sizeof fresh);
    *cap = ncap;
    return true;
}

static bool token_is_word(const sql_lexer *lx, const sql_token *t, const char *word)
{
    return t->kind == SQL_TOK_IDENT && strlen(word) == t->len &&
           strncasecmp(lx->text + t->pos.offset, word, t->len) == 0;
}

aphx_rc sql_split_script(aphx_arena *arena, const char *text, size_t len, sql_span_list *out,
                         sql_error *err)
{
    sql_lexer lx;
    sql_token tok;
    memset(out, 0, sizeof *out);
    sql_lexer_init(&lx, text, len);
    sql_span *cur = NULL;
    int ntokens = 0;            /* tokens of the current statement */
    bool trigger = false;       /* current statement is CREATE [TEMP] TRIGGER */
    int body_depth = 0;         /* inside its BEGIN ... END */
    sql_token first = {0};
    for (;;) {
        aphx_rc rc = sql_lexer_next(&lx, &tok, err);
        if (rc) return rc;
        if (tok.kind == SQL_TOK_EOF) break;
        if (tok.kind == SQL_TOK_SEMI && body_depth == 0) {
            if (cur) cur->terminated = true;
            cur = NULL;
            ntokens = 0;
            trigger = false;
            continue;
        }
        if (!cur) {
            cur = aphx_arena_calloc(arena, sizeof *cur);
            if (!cur || !SQL_LIST_PUSH(arena, *out, cur))
                return sql_fail_at(err, APHX_NOMEM, SQL_STATE_OUT_OF_MEMORY, tok.pos,
                                   "out of memory while splitting the script");
            cur->pos = tok.pos;
            first = tok;
        }
        ntokens++;
        if (ntokens <= 3 && token_is_word(&lx, &tok, "TRIGGER") && token_is_word(&lx, &first, "CREATE"))
            trigger = true;
        /* BEGIN opens the body; CASE ... END inside it nests */
        if (trigger && (token_is_word(&lx, &tok, "BEGIN") ||
                        (body_depth > 0 && token_is_word(&lx, &tok, "CASE"))))
            body_depth++;
        if (trigger && body_depth > 0 && token_is_word(&lx, &tok, "END")) body_depth--;
        cur->length = tok.pos.offset + tok.len - cur->pos.offset;
    }
    return APHX_OK;
}
