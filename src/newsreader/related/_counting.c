/* The related index's hot steps, compiled; newsreader.related.terms is their reference.
 *
 * count_packed: what terms.count_terms(...).packed().to_bytes() returns, byte for byte.
 *   Tokens are found, counted and hashed over the lowered string's own code points; a word
 *   becomes a Python string only when it has letters outside ASCII (for the stop-word set and
 *   its UTF-8 bytes).
 * index_rows: what terms.reference_index_rows returns, the same rows: each article's
 *   strongest words weighed into postings, its headline's words added, its fingerprint (the
 *   postings as the bytes of their flat int64 array).
 *
 * A test checks both against the reference on generated text and on the corpora. Each step
 * names the Python it stands for.
 */
#define PY_SSIZE_T_CLEAN
#define COUNTING_API 4 /* terms.COUNTING_API: raised with every change to what is exported */
#include <Python.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

/* ---- term_key: ((crc32 << 31) ^ adler32) & (2**63 - 1) of the UTF-8 bytes ---- */

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

typedef struct {
    uint32_t crc, a, b;
} KeyState;

static void key_start(KeyState *s) {
    s->crc = 0xFFFFFFFFu;
    s->a = 1;
    s->b = 0;
}

static void key_feed(KeyState *s, const unsigned char *data, Py_ssize_t size) {
    for (Py_ssize_t i = 0; i < size; i++) {
        s->crc = crc_table[(s->crc ^ data[i]) & 0xFF] ^ (s->crc >> 8);
        s->a = (s->a + data[i]) % 65521u;
        s->b = (s->b + s->a) % 65521u;
    }
}

static int64_t key_end(const KeyState *s) {
    uint64_t crc = s->crc ^ 0xFFFFFFFFu;
    uint64_t adler = ((uint64_t)s->b << 16) | s->a;
    return (int64_t)(((crc << 31) ^ adler) & 0x7FFFFFFFFFFFFFFFull);
}

/* ---- _WORD = r"[^\W\d_][\w'’-]*|\d[\d,.]*\d|\d" as the re module reads it for a str ---- */

static unsigned char ascii_class[128]; /* 1: a word character, 2: and a decimal digit */

static void ascii_init(void) {
    for (int c = 0; c < 128; c++) {
        int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_';
        ascii_class[c] = (unsigned char)(word | ((c >= '0' && c <= '9') << 1));
    }
}

/* The Unicode tables are looked up by function calls: most text is ASCII. */
static inline int is_word(Py_UCS4 c) {
    return c < 128 ? ascii_class[c] & 1 : Py_UNICODE_ISALNUM(c);
}
static inline int is_digit(Py_UCS4 c) {
    return c < 128 ? ascii_class[c] >> 1 : Py_UNICODE_ISDECIMAL(c);
}
static inline int is_joiner(Py_UCS4 c) { return c == '\'' || c == 0x2019 || c == '-'; }

/* The next token at or after *pos: its start and end (0 when there is none). */
static int next_token(int kind, const void *data, Py_ssize_t n, Py_ssize_t *pos,
                      Py_ssize_t *start, Py_ssize_t *end) {
    Py_ssize_t i = *pos;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 128 && (!ascii_class[c] || c == '_')) {
            i++; /* ASCII punctuation, space or '_': no token starts there */
            continue;
        }
        if (is_digit(c)) {
            Py_ssize_t j = i + 1, last = -1;
            for (; j < n; j++) {
                Py_UCS4 d = PyUnicode_READ(kind, data, j);
                if (is_digit(d)) last = j;
                else if (d != ',' && d != '.') break;
            }
            *start = i;
            *end = last >= 0 ? last + 1 : i + 1;
            *pos = *end;
            return 1;
        }
        if (is_word(c)) { /* a word character that is neither a digit nor '_' */
            Py_ssize_t j = i + 1;
            for (; j < n; j++) {
                Py_UCS4 d = PyUnicode_READ(kind, data, j);
                if (!is_word(d) && !is_joiner(d)) break;
            }
            *start = i;
            *end = j;
            *pos = j;
            return 1;
        }
        i++;
    }
    *pos = n;
    return 0;
}

/* ---- an open-addressing table: token (a span of the lowered text) -> count ---- */

typedef struct {
    Py_ssize_t start, length;
    uint64_t hash;
    Py_ssize_t count;
} Token;

typedef struct {
    Token *tokens; /* in first-seen order, as Counter keeps them */
    Py_ssize_t used, room;
    Py_ssize_t *slots; /* index + 1 into tokens, 0: empty */
    Py_ssize_t mask;
} TokenTable;

static uint64_t span_hash(int kind, const char *bytes, Py_ssize_t size) {
    uint64_t h = 1469598103934665603ull ^ (uint64_t)kind;
    for (Py_ssize_t i = 0; i < size; i++) h = (h ^ (unsigned char)bytes[i]) * 1099511628211ull;
    return h;
}

static int tokens_grow(TokenTable *t) {
    Py_ssize_t size = t->mask ? (t->mask + 1) * 2 : 256;
    Py_ssize_t *slots = PyMem_Calloc((size_t)size, sizeof(Py_ssize_t));
    Token *tokens = PyMem_Realloc(t->tokens, (size_t)(size / 2) * sizeof(Token));
    if (!slots || !tokens) {
        PyMem_Free(slots);
        if (tokens) t->tokens = tokens;
        PyErr_NoMemory();
        return -1;
    }
    t->tokens = tokens;
    t->room = size / 2;
    PyMem_Free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    for (Py_ssize_t k = 0; k < t->used; k++) {
        Py_ssize_t s = (Py_ssize_t)(t->tokens[k].hash & (uint64_t)t->mask);
        while (t->slots[s]) s = (s + 1) & t->mask;
        t->slots[s] = k + 1;
    }
    return 0;
}

static int tokens_count(TokenTable *t, int kind, const char *base, Py_ssize_t start,
                        Py_ssize_t length) {
    if (t->used >= t->room && tokens_grow(t) < 0) return -1;
    const char *bytes = base + start * kind;
    uint64_t h = span_hash(kind, bytes, length * kind);
    Py_ssize_t s = (Py_ssize_t)(h & (uint64_t)t->mask);
    while (t->slots[s]) {
        Token *known = &t->tokens[t->slots[s] - 1];
        if (known->hash == h && known->length == length &&
            memcmp(base + known->start * kind, bytes, (size_t)(length * kind)) == 0) {
            known->count++;
            return 0;
        }
        s = (s + 1) & t->mask;
    }
    Token *token = &t->tokens[t->used++];
    token->start = start;
    token->length = length;
    token->hash = h;
    token->count = 1;
    t->slots[s] = t->used;
    return 0;
}

static void tokens_clear(TokenTable *t) {
    t->used = 0;
    if (t->slots) memset(t->slots, 0, (size_t)(t->mask + 1) * sizeof(Py_ssize_t));
}

static void tokens_free(TokenTable *t) {
    PyMem_Free(t->tokens);
    PyMem_Free(t->slots);
}

/* ---- an open-addressing table: term key -> entry, in first-seen order (a dict's) ---- */

typedef struct {
    int64_t key;
    int64_t title_key; /* title_key(term), for the headline's table */
    double count;      /* the weighted count */
    double own;        /* the count before the slug's words (-1: the word is the slug's alone) */
} Entry;

typedef struct {
    Entry *entries;
    Py_ssize_t used, room;
    Py_ssize_t *slots;
    Py_ssize_t mask;
} EntryTable;

static int entries_grow(EntryTable *t) {
    Py_ssize_t size = t->mask ? (t->mask + 1) * 2 : 256;
    Py_ssize_t *slots = PyMem_Calloc((size_t)size, sizeof(Py_ssize_t));
    Entry *entries = PyMem_Realloc(t->entries, (size_t)(size / 2) * sizeof(Entry));
    if (!slots || !entries) {
        PyMem_Free(slots);
        if (entries) t->entries = entries;
        PyErr_NoMemory();
        return -1;
    }
    t->entries = entries;
    t->room = size / 2;
    PyMem_Free(t->slots);
    t->slots = slots;
    t->mask = size - 1;
    for (Py_ssize_t k = 0; k < t->used; k++) {
        Py_ssize_t s = (Py_ssize_t)((uint64_t)t->entries[k].key & (uint64_t)t->mask);
        while (t->slots[s]) s = (s + 1) & t->mask;
        t->slots[s] = k + 1;
    }
    return 0;
}

/* The entry of key, made (count 0) when new; NULL on a memory error. */
static Entry *entries_get(EntryTable *t, int64_t key) {
    if (t->used >= t->room && entries_grow(t) < 0) return NULL;
    Py_ssize_t s = (Py_ssize_t)((uint64_t)key & (uint64_t)t->mask);
    while (t->slots[s]) {
        Entry *known = &t->entries[t->slots[s] - 1];
        if (known->key == key) return known;
        s = (s + 1) & t->mask;
    }
    Entry *entry = &t->entries[t->used++];
    entry->key = key;
    entry->title_key = 0;
    entry->count = 0.0;
    entry->own = -1.0;
    t->slots[s] = t->used;
    return entry;
}

static void entries_free(EntryTable *t) {
    PyMem_Free(t->entries);
    PyMem_Free(t->slots);
}

/* ---- the stop words, as a C set of their bytes (all of them are ASCII) ---- */

#define STOP_ROOM 1024 /* slots: a power of two, over twice the stop words */
#define STOP_LONGEST 31

static PyObject *stop_source; /* the set the table was made from (a strong reference) */
static char stop_table[STOP_ROOM][STOP_LONGEST + 1];
static int stop_all_ascii;

static uint64_t bytes_hash(const char *bytes, Py_ssize_t size) {
    uint64_t h = 1469598103934665603ull;
    for (Py_ssize_t i = 0; i < size; i++) h = (h ^ (unsigned char)bytes[i]) * 1099511628211ull;
    return h;
}

/* Made once per set: a set of other words (or words that are not short ASCII) is asked of
 * Python for every word. */
static int stop_load(PyObject *stop_words) {
    if (stop_words == stop_source) return 0;
    memset(stop_table, 0, sizeof stop_table);
    stop_all_ascii = PySet_GET_SIZE(stop_words) * 2 < STOP_ROOM;
    PyObject *words = PyObject_GetIter(stop_words), *word;
    if (!words) return -1;
    while (stop_all_ascii && (word = PyIter_Next(words))) {
        Py_ssize_t size;
        if (!PyUnicode_Check(word) || !PyUnicode_IS_ASCII(word) ||
            (size = PyUnicode_GET_LENGTH(word)) > STOP_LONGEST || size == 0) {
            stop_all_ascii = 0;
        } else {
            const char *bytes = (const char *)PyUnicode_DATA(word);
            Py_ssize_t s = (Py_ssize_t)(bytes_hash(bytes, size) & (STOP_ROOM - 1));
            while (stop_table[s][0]) s = (s + 1) & (STOP_ROOM - 1);
            memcpy(stop_table[s], bytes, (size_t)size);
        }
        Py_DECREF(word);
    }
    Py_DECREF(words);
    if (PyErr_Occurred()) return -1;
    Py_XDECREF(stop_source);
    Py_INCREF(stop_words);
    stop_source = stop_words;
    return 0;
}

static int stop_has(const char *bytes, Py_ssize_t size) {
    if (size > STOP_LONGEST) return 0;
    Py_ssize_t s = (Py_ssize_t)(bytes_hash(bytes, size) & (STOP_ROOM - 1));
    while (stop_table[s][0]) {
        if (memcmp(stop_table[s], bytes, (size_t)size) == 0 && stop_table[s][size] == 0) return 1;
        s = (s + 1) & (STOP_ROOM - 1);
    }
    return 0;
}

/* ---- _clean(token) and term_key(term): the key of the term a token stands for ---- */

typedef struct {
    char ascii[256];        /* the term's bytes when it is short ASCII */
    PyObject *holder;       /* else what holds them (a str or its UTF-8 bytes) */
    const char *bytes;
    Py_ssize_t size;
} TermBytes;

/* qsort, which must not be given a null array even to sort nothing (an empty batch's) */
static void sort_items(void *items, Py_ssize_t count, size_t size,
                       int (*order)(const void *, const void *)) {
    if (count > 1) qsort(items, (size_t)count, size, order);
}

/* terms._singular(lowered[start:end]): how many characters it takes from the word's end (0:
 * none), and whether a 'y' takes their place ("ies" -> "y"). */
static Py_ssize_t singular_cut(int kind, const void *data, Py_ssize_t start, Py_ssize_t end,
                               int *add_y) {
#define BACK(n) PyUnicode_READ(kind, data, end - (n))
    *add_y = 0;
    if (end - start < 4 || BACK(1) != 's') return 0;
    if (end - start > 4 && BACK(3) == 'i' && BACK(2) == 'e' && BACK(4) != 'e' && BACK(4) != 'a') {
        *add_y = 1;
        return 3;
    }
    if (BACK(2) == 'e' && BACK(3) != 'a' && BACK(3) != 'e' && BACK(3) != 'o') return 1;
    return BACK(2) != 'u' && BACK(2) != 's' && BACK(2) != 'i';
#undef BACK
}

/* 1: a term, its UTF-8 bytes in *out (release with term_release); 0: none; -1: an error. */
static int term_of(PyObject *lowered, int kind, const void *data, const Token *token,
                   PyObject *stop_words, TermBytes *out) {
    Py_ssize_t start = token->start, end = token->start + token->length;
    while (end > start && is_joiner(PyUnicode_READ(kind, data, end - 1))) end--; /* strip */
    if (end - start >= 2 && PyUnicode_READ(kind, data, end - 1) == 's') {
        Py_UCS4 before = PyUnicode_READ(kind, data, end - 2);
        if (before == '\'' || before == 0x2019) end -= 2; /* "'s", "’s" */
    }
    Py_ssize_t length = end - start;
    if (length < 2) return 0;
    out->holder = NULL;
    int ascii = length <= (Py_ssize_t)sizeof out->ascii;
    for (Py_ssize_t i = 0; ascii && i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, start + i);
        if (c >= 128) ascii = 0;
        else out->ascii[i] = (char)c;
    }
    int add_y;
    if (ascii && stop_all_ascii) {
        if (stop_has(out->ascii, length)) return 0;
        length -= singular_cut(kind, data, start, end, &add_y);
        if (add_y) out->ascii[length++] = 'y';
        out->bytes = out->ascii;
        out->size = length;
        return 1;
    }
    PyObject *term = PyUnicode_Substring(lowered, start, end);
    if (!term) return -1;
    int stop = PySet_Contains(stop_words, term);
    if (stop != 0) {
        Py_DECREF(term);
        return stop < 0 ? -1 : 0;
    }
    Py_ssize_t cut = singular_cut(kind, data, start, end, &add_y);
    if (cut) {
        Py_DECREF(term);
        term = PyUnicode_Substring(lowered, start, end - cut);
        if (term && add_y) {
            PyObject *y = PyUnicode_FromOrdinal('y');
            PyObject *joined = y ? PyUnicode_Concat(term, y) : NULL;
            Py_XDECREF(y);
            Py_DECREF(term);
            term = joined;
        }
        if (!term) return -1;
    }
    const char *fast = PyUnicode_AsUTF8AndSize(term, &out->size);
    if (fast) {
        out->holder = term;
        out->bytes = fast;
        return 1;
    }
    PyErr_Clear(); /* a lone surrogate: term.encode("utf-8", "surrogatepass") */
    PyObject *encoded = PyUnicode_AsEncodedString(term, "utf-8", "surrogatepass");
    Py_DECREF(term);
    if (!encoded) return -1;
    out->holder = encoded;
    out->bytes = PyBytes_AS_STRING(encoded);
    out->size = PyBytes_GET_SIZE(encoded);
    return 1;
}

static void term_release(TermBytes *term) { Py_CLEAR(term->holder); }

static int64_t key_of(const TermBytes *term, const char *prefix) {
    KeyState state;
    key_start(&state);
    if (prefix) key_feed(&state, (const unsigned char *)prefix, (Py_ssize_t)strlen(prefix));
    key_feed(&state, (const unsigned char *)term->bytes, term->size);
    return key_end(&state);
}

/* count_packed(parts, title_weight, body_weight, singletons_below, own_before, stop_words,
 * title_prefix) -> bytes. parts: a sequence of (text, weight); own_before: the index of the
 * part whose words are the link's slug (-1: none). */
static PyObject *count_packed(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *parts, *stop_words;
    double title_weight, body_weight;
    Py_ssize_t singletons_below, own_before;
    const char *title_prefix;
    if (!PyArg_ParseTuple(args, "OddnnO!s", &parts, &title_weight, &body_weight,
                          &singletons_below, &own_before, &PyFrozenSet_Type, &stop_words,
                          &title_prefix))
        return NULL;
    if (stop_load(stop_words) < 0) return NULL;
    PyObject *seq = PySequence_Fast(parts, "parts must be a sequence");
    if (!seq) return NULL;

    TokenTable tokens = {0};
    EntryTable words = {0}, title = {0};
    PyObject *result = NULL;
    int has_own = 0;
    Py_ssize_t n_parts = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t p = 0; p < n_parts; p++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, p);
        PyObject *text;
        double weight;
        if (!PyArg_ParseTuple(item, "Ud", &text, &weight)) goto done;
        if (p == own_before) { /* own_counts = {key: count, ...} before the slug's words */
            has_own = 1;
            for (Py_ssize_t k = 0; k < words.used; k++) words.entries[k].own = words.entries[k].count;
        }
        PyObject *lowered = PyObject_CallMethod(text, "lower", NULL);
        if (!lowered) goto done;
        int kind = PyUnicode_KIND(lowered);
        const void *data = PyUnicode_DATA(lowered);
        Py_ssize_t n = PyUnicode_GET_LENGTH(lowered), pos = 0, start, end;
        tokens_clear(&tokens);
        while (next_token(kind, data, n, &pos, &start, &end)) {
            if (tokens_count(&tokens, kind, (const char *)data, start, end - start) < 0) {
                Py_DECREF(lowered);
                goto done;
            }
        }
        int is_title = weight == title_weight;
        int drop_singletons = weight == body_weight && tokens.used > singletons_below;
        for (Py_ssize_t k = 0; k < tokens.used; k++) {
            const Token *token = &tokens.tokens[k];
            if (drop_singletons && token->count <= 1) continue;
            TermBytes term;
            int found = term_of(lowered, kind, data, token, stop_words, &term);
            if (found < 0) {
                Py_DECREF(lowered);
                goto done;
            }
            if (!found) continue;
            int64_t key = key_of(&term, NULL);
            Entry *entry = entries_get(&words, key);
            Entry *headline = entry && is_title ? entries_get(&title, key) : NULL;
            if (headline && headline->title_key == 0) headline->title_key = key_of(&term, title_prefix);
            term_release(&term);
            if (!entry || (is_title && !headline)) {
                Py_DECREF(lowered);
                goto done;
            }
            entry->count += (double)token->count * weight;
            if (headline) headline->count = (double)token->count; /* the last token's, as in a dict */
        }
        Py_DECREF(lowered);
    }

    /* the blob PackedTerms.to_bytes() writes: six lengths, then the six arrays */
    Py_ssize_t nw = words.used, nt = title.used, no = has_own ? nw : 0;
    int64_t lengths[6] = {nw, nw, nt, nt, nt, no};
    Py_ssize_t size = 48 + 8 * (2 * nw + 3 * nt + no);
    result = PyBytes_FromStringAndSize(NULL, size);
    if (!result) goto done;
    char *out = PyBytes_AS_STRING(result);
    memcpy(out, lengths, 48);
    int64_t *keys = (int64_t *)(out + 48);
    double *tfs = (double *)(keys + nw);
    int64_t *title_words = (int64_t *)(tfs + nw);
    int64_t *title_keys = title_words + nt;
    double *title_tfs = (double *)(title_keys + nt);
    double *own = title_tfs + nt;
    for (Py_ssize_t k = 0; k < nw; k++) {
        const Entry *e = &words.entries[k];
        keys[k] = e->key;
        tfs[k] = 1.0 + log(e->count);
        if (has_own) own[k] = e->own > 0 ? 1.0 + log(e->own) : 0.0;
    }
    for (Py_ssize_t k = 0; k < nt; k++) {
        const Entry *e = &title.entries[k];
        title_words[k] = e->key;
        title_keys[k] = e->title_key;
        title_tfs[k] = 1.0 + log(e->count);
    }

done:
    tokens_free(&tokens);
    entries_free(&words);
    entries_free(&title);
    Py_DECREF(seq);
    return result;
}

/* ---- index_rows: what terms.reference_index_rows returns, the same rows ---- */

typedef struct {
    const void *data;
    Py_ssize_t length;
    Py_buffer view;
    int held;
} Column;

static const char *COLUMN_NAMES[6] = {"word_keys", "word_tfs", "title_word_keys",
                                      "title_keys", "title_tfs", "own_tfs"};

/* The six arrays of a PackedTerms, read in place (release with columns_release). */
static int columns_read(PyObject *terms, Column columns[6]) {
    for (int c = 0; c < 6; c++) columns[c].held = 0;
    for (int c = 0; c < 6; c++) {
        PyObject *array = PyObject_GetAttrString(terms, COLUMN_NAMES[c]);
        if (!array) return -1;
        int failed = PyObject_GetBuffer(array, &columns[c].view, PyBUF_FORMAT);
        Py_DECREF(array);
        if (failed) return -1;
        columns[c].held = 1;
        if (columns[c].view.itemsize != 8) {
            PyErr_Format(PyExc_TypeError, "%s: 8-byte items expected", COLUMN_NAMES[c]);
            return -1;
        }
        columns[c].data = columns[c].view.buf;
        columns[c].length = columns[c].view.len / 8;
    }
    return 0;
}

static void columns_release(Column columns[6]) {
    for (int c = 0; c < 6; c++)
        if (columns[c].held) PyBuffer_Release(&columns[c].view);
}

typedef struct {
    double weight;
    int64_t key;
} Weighted;

/* sorted(..., reverse=True) of (weight, key) pairs: heaviest first, then the larger key */
static int weighted_descending(const void *a, const void *b) {
    const Weighted *x = a, *y = b;
    if (x->weight != y->weight) return x->weight < y->weight ? 1 : -1;
    return x->key < y->key ? 1 : (x->key > y->key ? -1 : 0);
}

/* math.hypot(*weights) or 1.0, by Python's own function (the norm must be its bits) */
static int norm_of(PyObject *hypot, const Weighted *weighted, Py_ssize_t n, double *norm) {
    PyObject *args = PyTuple_New(n);
    if (!args) return -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyFloat_FromDouble(weighted[i].weight);
        if (!value) {
            Py_DECREF(args);
            return -1;
        }
        PyTuple_SET_ITEM(args, i, value);
    }
    PyObject *result = PyObject_Call(hypot, args, NULL);
    Py_DECREF(args);
    if (!result) return -1;
    *norm = PyFloat_AsDouble(result);
    Py_DECREF(result);
    if (*norm == -1.0 && PyErr_Occurred()) return -1;
    if (*norm == 0.0) *norm = 1.0;
    return 0;
}

static int idf_of(PyObject *idf, int64_t key, double *out) {
    PyObject *number = PyLong_FromLongLong(key);
    if (!number) return -1;
    PyObject *value = PyDict_GetItemWithError(idf, number);
    if (!value) {
        if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, number);
        Py_DECREF(number);
        return -1;
    }
    Py_DECREF(number);
    *out = PyFloat_AsDouble(value);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* terms.fingerprint: term_key of the decimal keys, sorted, joined by spaces */
static int key_ascending(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : (x > y);
}

static int64_t fingerprint_of(int64_t *keys, Py_ssize_t n) {
    sort_items(keys, n, sizeof *keys, key_ascending);
    KeyState state;
    key_start(&state);
    char digits[24];
    for (Py_ssize_t i = 0; i < n; i++) {
        int size = snprintf(digits, sizeof digits, i ? " %lld" : "%lld", (long long)keys[i]);
        key_feed(&state, (const unsigned char *)digits, size);
    }
    return key_end(&state);
}

typedef struct {
    int64_t generation, key, article, weight;
    Py_ssize_t order; /* appended: the article's place in id order, then its merged order */
} Posting;

static int posting_order(const void *a, const void *b) {
    const Posting *x = a, *y = b;
    if (x->generation != y->generation) return x->generation < y->generation ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->article != y->article) return x->article < y->article ? -1 : 1;
    return x->order < y->order ? -1 : (x->order > y->order);
}

typedef struct {
    int64_t article;
    Py_ssize_t place;
} Item;

static int item_order(const void *a, const void *b) {
    const Item *x = a, *y = b;
    if (x->article != y->article) return x->article < y->article ? -1 : 1;
    return x->place < y->place ? -1 : (x->place > y->place);
}

/* One article: its merged keys and weights (a dict's order) and the keys of its fingerprint. */
typedef struct {
    int64_t *keys;
    int64_t *weights;
    Py_ssize_t merged;
    int64_t fingerprint;
} Weighed;

static int weigh_one(Column *columns, PyObject *idf, PyObject *hypot, Py_ssize_t doc_terms,
                     Py_ssize_t title_terms, double weight_scale, double title_scale,
                     Py_ssize_t fingerprint_terms, Weighted *scratch, double *idfs, Weighed *out) {
    const int64_t *keys = columns[0].data;
    const double *tfs = columns[1].data;
    const int64_t *title_words = columns[2].data;
    const int64_t *title_keys = columns[3].data;
    const double *title_tfs = columns[4].data;
    const double *own_tfs = columns[5].data;
    Py_ssize_t n = columns[0].length, nt = columns[3].length;
    if (columns[1].length != n || columns[2].length != nt || columns[4].length != nt ||
        (columns[5].length && columns[5].length != n)) {
        PyErr_SetString(PyExc_ValueError, "packed terms of different lengths");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (idf_of(idf, keys[i], &idfs[i]) < 0) return -1;
        scratch[i].weight = tfs[i] * idfs[i];
        scratch[i].key = keys[i];
    }
    double norm;
    if (norm_of(hypot, scratch, n, &norm) < 0) return -1;
    sort_items(scratch, n, sizeof *scratch, weighted_descending);
    out->merged = 0;
    for (Py_ssize_t i = 0; i < n && i < doc_terms; i++) {
        if (!(scratch[i].weight > 0)) continue;
        out->keys[out->merged] = scratch[i].key;
        out->weights[out->merged++] = (int64_t)nearbyint(scratch[i].weight / norm * weight_scale);
    }
    /* the fingerprint's ranking: the weights above, or those of the text without its slug */
    int64_t strongest[64];
    Py_ssize_t found = 0, limit = fingerprint_terms < 64 ? fingerprint_terms : 64;
    if (columns[5].length) {
        for (Py_ssize_t i = 0; i < n; i++) {
            scratch[i].weight = own_tfs[i] * idfs[i];
            scratch[i].key = keys[i];
        }
        sort_items(scratch, n, sizeof *scratch, weighted_descending);
    }
    for (Py_ssize_t i = 0; i < n && i < limit; i++)
        if (scratch[i].weight > 0) strongest[found++] = scratch[i].key;
    out->fingerprint = fingerprint_of(strongest, found);
    /* the headline's terms, normalised over all of them, added to the same keys */
    for (Py_ssize_t j = 0; j < nt; j++) {
        double word_idf;
        if (idf_of(idf, title_words[j], &word_idf) < 0) return -1;
        scratch[j].weight = title_tfs[j] * word_idf;
        scratch[j].key = title_keys[j];
    }
    if (norm_of(hypot, scratch, nt, &norm) < 0) return -1;
    sort_items(scratch, nt, sizeof *scratch, weighted_descending);
    for (Py_ssize_t j = 0; j < nt && j < title_terms; j++) {
        if (!(scratch[j].weight > 0)) continue;
        int64_t add = (int64_t)nearbyint(scratch[j].weight / norm * title_scale);
        Py_ssize_t at = 0;
        while (at < out->merged && out->keys[at] != scratch[j].key) at++;
        if (at == out->merged) {
            out->keys[at] = scratch[j].key;
            out->weights[at] = 0;
            out->merged++;
        }
        out->weights[at] += add;
    }
    return 0;
}

static PyObject *index_rows(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *items, *idf, *hypot;
    Py_ssize_t doc_terms, title_terms, fingerprint_terms, generation_bits;
    double weight_scale, title_scale;
    if (!PyArg_ParseTuple(args, "OO!nnddnnO", &items, &PyDict_Type, &idf, &doc_terms,
                          &title_terms, &weight_scale, &title_scale, &fingerprint_terms,
                          &generation_bits, &hypot))
        return NULL;
    if (doc_terms < 0 || title_terms < 0 || generation_bits < 0 || generation_bits > 62) {
        PyErr_SetString(PyExc_ValueError, "limits out of range");
        return NULL;
    }
    PyObject *seq = PySequence_Fast(items, "items must be a sequence");
    if (!seq) return NULL;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(seq);
    PyObject *postings_list = NULL, *documents = NULL, *result = NULL;
    Item *order = PyMem_Calloc((size_t)count + 1, sizeof(Item));
    Posting *postings = NULL;
    Py_ssize_t posting_count = 0, posting_room = 0;
    Weighted *scratch = NULL;
    double *idfs = NULL;
    Py_ssize_t scratch_room = 0;
    Weighed one = {0};
    documents = PyList_New(0);
    if (!order || !documents) goto fail;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "items are (article id, terms) pairs");
            goto fail;
        }
        order[i].article = PyLong_AsLongLong(PyTuple_GET_ITEM(item, 0));
        if (order[i].article == -1 && PyErr_Occurred()) goto fail;
        order[i].place = i;
    }
    sort_items(order, count, sizeof *order, item_order);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, order[i].place);
        Column columns[6];
        if (columns_read(PyTuple_GET_ITEM(item, 1), columns) < 0) {
            columns_release(columns);
            goto fail;
        }
        Py_ssize_t need = columns[0].length > columns[3].length ? columns[0].length
                                                                : columns[3].length;
        if (need + 1 > scratch_room) {
            scratch_room = (need + 1) * 2;
            PyMem_Free(scratch);
            PyMem_Free(idfs);
            PyMem_Free(one.keys);
            PyMem_Free(one.weights);
            scratch = PyMem_Malloc((size_t)scratch_room * sizeof *scratch);
            idfs = PyMem_Malloc((size_t)scratch_room * sizeof *idfs);
            one.keys = PyMem_Malloc((size_t)scratch_room * 2 * sizeof *one.keys);
            one.weights = PyMem_Malloc((size_t)scratch_room * 2 * sizeof *one.weights);
            if (!scratch || !idfs || !one.keys || !one.weights) {
                columns_release(columns);
                PyErr_NoMemory();
                goto fail;
            }
        }
        int failed = weigh_one(columns, idf, hypot, doc_terms, title_terms, weight_scale,
                               title_scale, fingerprint_terms, scratch, idfs, &one);
        columns_release(columns);
        if (failed) goto fail;
        int64_t article = order[i].article, generation = article >> generation_bits;
        if (posting_count + one.merged > posting_room) {
            posting_room = (posting_count + one.merged) * 2 + 1024;
            Posting *grown = PyMem_Realloc(postings, (size_t)posting_room * sizeof *postings);
            if (!grown) {
                PyErr_NoMemory();
                goto fail;
            }
            postings = grown;
        }
        for (Py_ssize_t k = 0; k < one.merged; k++) {
            if (!one.weights[k]) continue;
            Posting *p = &postings[posting_count];
            p->generation = generation;
            p->key = one.keys[k];
            p->article = article;
            p->weight = one.weights[k];
            p->order = posting_count++;
        }
        PyObject *keys = PyBytes_FromStringAndSize((const char *)one.keys,
                                                   one.merged * (Py_ssize_t)sizeof(int64_t));
        PyObject *document = keys ? Py_BuildValue("(LLN)", (long long)article,
                                                  (long long)one.fingerprint, keys)
                                  : NULL;
        if (!document || PyList_Append(documents, document) < 0) {
            Py_XDECREF(document);
            goto fail;
        }
        Py_DECREF(document);
    }
    sort_items(postings, posting_count, sizeof *postings, posting_order);
    /* flat (generation, key, article, weight) int64s: no Python object per posting */
    postings_list = PyBytes_FromStringAndSize(NULL, posting_count * 4 * (Py_ssize_t)sizeof(int64_t));
    if (!postings_list) goto fail;
    int64_t *flat = (int64_t *)PyBytes_AS_STRING(postings_list);
    for (Py_ssize_t k = 0; k < posting_count; k++) {
        const Posting *p = &postings[k];
        flat[4 * k] = p->generation;
        flat[4 * k + 1] = p->key;
        flat[4 * k + 2] = p->article;
        flat[4 * k + 3] = p->weight;
    }
    result = PyTuple_Pack(2, postings_list, documents);
fail:
    Py_XDECREF(postings_list);
    Py_XDECREF(documents);
    PyMem_Free(order);
    PyMem_Free(postings);
    PyMem_Free(scratch);
    PyMem_Free(idfs);
    PyMem_Free(one.keys);
    PyMem_Free(one.weights);
    Py_DECREF(seq);
    return result;
}

static PyMethodDef methods[] = {
    {"count_packed", count_packed, METH_VARARGS,
     "count_packed(parts, title_weight, body_weight, singletons_below, own_before, stop_words,"
     " title_prefix) -> bytes: PackedTerms.to_bytes() of count_terms over parts."},
    {"index_rows", index_rows, METH_VARARGS,
     "index_rows(items, idf, doc_terms, title_terms, weight_scale, title_scale,"
     " fingerprint_terms, generation_bits, hypot) -> (postings as flat int64 bytes, documents):"
     " terms.reference_index_rows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_counting",
    "The related index's word counting, compiled (terms.py is the reference).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__counting(void) {
    crc_init();
    ascii_init();
    PyObject *made = PyModule_Create(&module);
    /* what terms.py checks: a module built from an older source is not used */
    if (made && PyModule_AddIntConstant(made, "API", COUNTING_API) < 0) Py_CLEAR(made);
    return made;
}
