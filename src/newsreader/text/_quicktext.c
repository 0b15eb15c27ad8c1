/* The two hot steps of newsreader.text.htmldoc.quick_text, compiled: htmldoc's Python is the
 * reference (reference_quick_text) and a test checks that both give the same text.
 *
 * strip_tags(text): _BREAK.sub("\0", text), then _TAG.sub("", ...) of that: the block tags
 *   become a paragraph mark, every other tag goes.
 * fold_blocks(text): "\n\n".join(p for p in map(str.strip,
 *   " ".join(text.split()).split("\0")) if p): whitespace folded, paragraphs at the marks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define QUICKTEXT_API 1 /* htmldoc.QUICKTEXT_API: raised with every change to what is exported */

/* ---- the names of _BREAK, as the re module matches them with IGNORECASE ---- */

/* What a code point is for a tag name: its lowercase ASCII letter or digit, else 0. Under
 * re.IGNORECASE, four letters outside ASCII match ASCII ones (simple case folding). */
static char name_char(Py_UCS4 c) {
    if (c >= 'a' && c <= 'z') return (char)c;
    if (c >= 'A' && c <= 'Z') return (char)(c - 'A' + 'a');
    if (c >= '0' && c <= '9') return (char)c;
    if (c == 0x130 || c == 0x131) return 'i';
    if (c == 0x17F) return 's';
    if (c == 0x212A) return 'k';
    return 0;
}

static const char *BLOCK_NAMES[] = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                                    "blockquote", "pre", "tr", "figure", "figcaption", "section",
                                    "article", "table", "ul", "ol", "dd", "dt", "header",
                                    "footer", NULL};
static const char *BARE_NAMES[] = {"br", "hr", NULL}; /* never with a '/' */

static inline int is_word(Py_UCS4 c) {
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    return Py_UNICODE_ISALNUM(c);
}

/* The text is read and written in its own kind (1, 2 or 4 bytes a character): every character
 * written is one read, or ASCII. Each function below is inlined once per kind, so that
 * PyUnicode_READ and PyUnicode_WRITE become plain loads and stores. */
#define INLINE static inline __attribute__((always_inline))

/* Whether one of names is at text[at:], followed by a word boundary. */
INLINE int name_at(int kind, const void *text, Py_ssize_t n, Py_ssize_t at, const char **names) {
    for (int k = 0; names[k]; k++) {
        const char *name = names[k];
        Py_ssize_t i = 0;
        while (name[i] && at + i < n && name_char(PyUnicode_READ(kind, text, at + i)) == name[i])
            i++;
        if (name[i]) continue;
        /* \b: the name's last character is a word character, so the next must not be */
        if (at + i == n || !is_word(PyUnicode_READ(kind, text, at + i))) return 1;
    }
    return 0;
}

INLINE int is_break(int kind, const void *text, Py_ssize_t n, Py_ssize_t at) {
    Py_ssize_t name = at + 1;
    return name_at(kind, text, n, name, BARE_NAMES) || name_at(kind, text, n, name, BLOCK_NAMES) ||
           (name < n && PyUnicode_READ(kind, text, name) == '/' &&
            name_at(kind, text, n, name + 1, BLOCK_NAMES));
}

/* The first '>' at or after from, or -1. */
INLINE Py_ssize_t find_close(int kind, const void *text, Py_ssize_t n, Py_ssize_t from) {
    if (kind == PyUnicode_1BYTE_KIND) {
        const char *found = from < n ? memchr((const char *)text + from, '>', (size_t)(n - from)) : NULL;
        return found ? found - (const char *)text : -1;
    }
    for (Py_ssize_t i = from; i < n; i++)
        if (PyUnicode_READ(kind, text, i) == '>') return i;
    return -1;
}

INLINE Py_ssize_t strip_tags_kind(int kind, const void *text, Py_ssize_t n, void *marked,
                                  void *out) {
    /* _BREAK.sub("\0"): a match runs from its '<' to the first '>' after it */
    Py_ssize_t m = 0, close = -1;
    int closed = 1; /* a '>' may follow (else no match is possible any more) */
    for (Py_ssize_t i = 0; i < n;) {
        Py_UCS4 c = PyUnicode_READ(kind, text, i);
        if (c == '<' && closed) {
            if (close < i) {
                close = find_close(kind, text, n, i);
                if (close < 0) closed = 0;
            }
            if (closed && is_break(kind, text, n, i)) {
                PyUnicode_WRITE(kind, marked, m++, 0);
                i = close + 1;
                continue;
            }
        }
        PyUnicode_WRITE(kind, marked, m++, c);
        i++;
    }
    /* _TAG.sub(""): from each '<' to the first '>' after it, if there is one */
    Py_ssize_t kept = 0;
    close = -1;
    closed = 1;
    for (Py_ssize_t i = 0; i < m;) {
        Py_UCS4 c = PyUnicode_READ(kind, marked, i);
        if (c == '<' && closed) {
            if (close < i) {
                close = find_close(kind, marked, m, i);
                if (close < 0) closed = 0;
            }
            if (closed) {
                i = close + 1;
                continue;
            }
        }
        PyUnicode_WRITE(kind, out, kept++, c);
        i++;
    }
    return kept;
}

INLINE Py_ssize_t fold_blocks_kind(int kind, const void *text, Py_ssize_t n, void *out) {
    Py_ssize_t size = 0;
    int in_paragraph = 0; /* the current paragraph has text */
    int space = 0;        /* whitespace seen since its last word */
    int paragraphs = 0;   /* paragraphs with text written */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, text, i);
        if (c == 0) { /* a paragraph ends; its trailing space is stripped */
            in_paragraph = 0;
            space = 0;
        } else if (Py_UNICODE_ISSPACE(c)) {
            space = 1;
        } else {
            if (!in_paragraph) {
                if (paragraphs++) {
                    PyUnicode_WRITE(kind, out, size++, '\n');
                    PyUnicode_WRITE(kind, out, size++, '\n');
                }
                in_paragraph = 1;
            } else if (space) {
                PyUnicode_WRITE(kind, out, size++, ' ');
            }
            space = 0;
            PyUnicode_WRITE(kind, out, size++, c);
        }
    }
    return size;
}

static PyObject *strip_tags(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "strip_tags takes a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *text = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg), kept = 0;
    char *buffers = PyMem_Malloc(((size_t)n + 1) * (size_t)kind * 2);
    if (!buffers) return PyErr_NoMemory();
    void *marked = buffers, *out = buffers + ((size_t)n + 1) * (size_t)kind;
    switch (kind) {
    case PyUnicode_1BYTE_KIND: kept = strip_tags_kind(PyUnicode_1BYTE_KIND, text, n, marked, out); break;
    case PyUnicode_2BYTE_KIND: kept = strip_tags_kind(PyUnicode_2BYTE_KIND, text, n, marked, out); break;
    default: kept = strip_tags_kind(PyUnicode_4BYTE_KIND, text, n, marked, out); break;
    }
    PyObject *result = PyUnicode_FromKindAndData(kind, out, kept);
    PyMem_Free(buffers);
    return result;
}

static PyObject *fold_blocks(PyObject *Py_UNUSED(module), PyObject *arg) {
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "fold_blocks takes a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *text = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg), size = 0;
    /* at most twice as long: a mark between two letters becomes two newlines */
    void *out = PyMem_Malloc(((size_t)n * 2 + 1) * (size_t)kind);
    if (!out) return PyErr_NoMemory();
    switch (kind) {
    case PyUnicode_1BYTE_KIND: size = fold_blocks_kind(PyUnicode_1BYTE_KIND, text, n, out); break;
    case PyUnicode_2BYTE_KIND: size = fold_blocks_kind(PyUnicode_2BYTE_KIND, text, n, out); break;
    default: size = fold_blocks_kind(PyUnicode_4BYTE_KIND, text, n, out); break;
    }
    PyObject *result = PyUnicode_FromKindAndData(kind, out, size);
    PyMem_Free(out);
    return result;
}

static PyMethodDef methods[] = {
    {"strip_tags", strip_tags, METH_O,
     "strip_tags(text) -> str: the block tags as NUL marks, every other tag removed."},
    {"fold_blocks", fold_blocks, METH_O,
     "fold_blocks(text) -> str: whitespace folded, paragraphs at the NUL marks."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_quicktext",
    "quick_text's hot steps, compiled (htmldoc.reference_quick_text is the reference).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__quicktext(void) {
    PyObject *made = PyModule_Create(&module);
    if (made && PyModule_AddIntConstant(made, "API", QUICKTEXT_API) < 0) Py_CLEAR(made);
    return made;
}
