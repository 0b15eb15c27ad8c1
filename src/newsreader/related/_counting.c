/* The related index's word counting, compiled: what newsreader.related.terms.count_terms(...)
 * .packed().to_bytes() returns, byte for byte, without a Python object per word.
 *
 * terms.py is the reference; this is the same algorithm written for speed, and a test checks
 * that both give the same bytes on every article of the corpora. Each step names the Python it
 * stands for. Only the text of distinct words becomes Python strings (for the stop-word set);
 * tokens are found, counted and hashed over the string's own code points.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
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
    if (ascii && stop_all_ascii) {
        if (stop_has(out->ascii, length)) return 0;
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

static PyMethodDef methods[] = {
    {"count_packed", count_packed, METH_VARARGS,
     "count_packed(parts, title_weight, body_weight, singletons_below, own_before, stop_words,"
     " title_prefix) -> bytes: PackedTerms.to_bytes() of count_terms over parts."},
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
    return PyModule_Create(&module);
}
