/* Class/id word groups of plain-ASCII class strings: what transforms/extract_blocks.py's _word_bits finds
 * with its regular expression, matched here as the literals that expression expands to (extract_native.py
 * expands it), tried where the expression would try them: at each position the groups and their
 * alternatives in order, the first that matches taken and the search going on after it. */
#include "common.h"

#include <string.h>

typedef struct {
    char *text;
    size_t len;
    uint32_t bit;
    int not_after_letter, not_before_letter;  /* (?<![a-z]) and (?![a-z]) */
} Literal;

static Literal *literals;
static Py_ssize_t n_literals;
static Py_ssize_t *by_first[256];  /* the literals' indices by their first character, in order */
static Py_ssize_t n_by_first[256];

/* a cache of whole class strings: a site repeats its few hundred */
#define CACHE_SIZE 65536
typedef struct {
    uint64_t hash;
    char *key;
    size_t len;
    uint32_t bits;
} Entry;
static Entry cache[CACHE_SIZE];

/* word lists of extract_vocab: HIDDEN_CLASSES, META_PROPS, BODY_PROPS and SECTION_WORDS (one word or two) */
typedef struct {
    char **items;
    size_t *lens;
    uint32_t *bits;
    Py_ssize_t n;
} Words;
static Words hidden_classes, meta_props, body_props, section_words;

static int words_list(PyObject *list, Words *out) {
    Py_ssize_t n = PyList_Size(list);
    if (n < 0) return -1;
    out->items = PyMem_Calloc(n ? n : 1, sizeof(char *));
    out->bits = PyMem_Calloc(n ? n : 1, sizeof(uint32_t));
    out->lens = PyMem_Calloc(n ? n : 1, sizeof(size_t));
    if (!out->items || !out->bits || !out->lens) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *text;
        Py_ssize_t len;
        unsigned long bit;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "s#k", &text, &len, &bit)) return -1;
        out->items[i] = PyMem_Malloc(len + 1);
        if (!out->items[i]) { PyErr_NoMemory(); return -1; }
        memcpy(out->items[i], text, len + 1);
        out->lens[i] = (size_t)len;
        out->bits[i] = (uint32_t)bit;
        out->n = i + 1;
    }
    return 0;
}

/* the bits of the list's entries equal to s[0:n] (0: none) */
static uint32_t words_find(const Words *w, const unsigned char *s, size_t n) {
    uint32_t bits = 0;
    for (Py_ssize_t i = 0; i < w->n; i++)
        if (w->lens[i] == n && !memcmp(w->items[i], s, n)) bits |= w->bits[i] ? w->bits[i] : 1;
    return bits;
}

static int words_literals(PyObject *list) {
    Py_ssize_t n = PyList_Size(list);
    if (n < 0) return -1;
    literals = PyMem_Calloc(n ? n : 1, sizeof(Literal));
    if (!literals) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *text;
        Py_ssize_t len;
        unsigned long bit;
        int before, after;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(list, i), "s#kpp", &text, &len, &bit, &before, &after)) return -1;
        if (!len) return PyErr_Format(PyExc_ValueError, "words: an empty literal"), -1;
        literals[i].text = PyMem_Malloc(len);
        if (!literals[i].text) { PyErr_NoMemory(); return -1; }
        memcpy(literals[i].text, text, len);
        literals[i].len = (size_t)len;
        literals[i].bit = (uint32_t)bit;
        literals[i].not_after_letter = before;
        literals[i].not_before_letter = after;
    }
    n_literals = n;
    for (int c = 0; c < 256; c++) {
        n_by_first[c] = 0;
        by_first[c] = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
        if (!by_first[c]) { PyErr_NoMemory(); return -1; }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)literals[i].text[0];
        by_first[c][n_by_first[c]++] = i;
    }
    return 0;
}

int words_configure(PyObject *literals_list, PyObject *lists) {
    PyObject *hidden, *meta, *body, *sections;
    if (words_literals(literals_list) < 0) return -1;
    if (!PyArg_ParseTuple(lists, "O!O!O!O!n", &PyList_Type, &hidden, &PyList_Type, &meta, &PyList_Type, &body,
                          &PyList_Type, &sections, &config.meta_chars))
        return -1;
    return words_list(hidden, &hidden_classes) < 0 || words_list(meta, &meta_props) < 0 ||
           words_list(body, &body_props) < 0 || words_list(sections, &section_words) < 0 ? -1 : 0;
}

static int letter(unsigned char c) { return c >= 'a' && c <= 'z'; }

static uint32_t token_bits(const unsigned char *t, size_t n) {
    uint32_t bits = 0;
    size_t i = 0;
    while (i < n) {
        size_t step = 1;
        unsigned char c = t[i];
        for (Py_ssize_t k = 0; k < n_by_first[c]; k++) {
            const Literal *l = &literals[by_first[c][k]];
            if (l->len > n - i || memcmp(t + i, l->text, l->len)) continue;
            if (l->not_after_letter && i > 0 && letter(t[i - 1])) continue;
            if (l->not_before_letter && i + l->len < n && letter(t[i + l->len])) continue;
            bits |= l->bit;
            step = l->len;
            break;
        }
        i += step;
    }
    return bits;
}

/* Python's str.split() separators among ASCII characters */
static int space(unsigned char c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }

uint32_t ascii_word_bits(const unsigned char *s, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ULL;
    Entry *e = &cache[h & (CACHE_SIZE - 1)];
    if (e->key && e->hash == h && e->len == n && !memcmp(e->key, s, n)) return e->bits;
    unsigned char lower[256];
    uint32_t bits = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && space(s[i])) i++;
        size_t start = i;
        while (i < n && !space(s[i])) i++;
        if (i == start) break;
        size_t len = i - start;
        unsigned char *t = len <= sizeof lower ? lower : PyMem_Malloc(len);
        if (!t) continue;  /* no memory for one huge token: its words are not read */
        for (size_t k = 0; k < len; k++) {
            unsigned char c = s[start + k];
            t[k] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
        }
        bits |= token_bits(t, len);
        if (t != lower) PyMem_Free(t);
    }
    char *key = PyMem_Malloc(n ? n : 1);
    if (key) {
        memcpy(key, s, n);
        if (e->key) PyMem_Free(e->key);
        e->hash = h;
        e->key = key;
        e->len = n;
        e->bits = bits;
    }
    return bits;
}

static unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* extract_vocab.hidden_class of an ASCII class attribute */
int ascii_hidden_class(const unsigned char *s, size_t n) {
    unsigned char t[64];
    size_t i = 0;
    while (i < n) {
        while (i < n && space(s[i])) i++;
        size_t start = i;
        while (i < n && !space(s[i])) i++;
        size_t len = i - start;
        if (!len || len > sizeof t) continue;  /* no hidden class is that long */
        for (size_t k = 0; k < len; k++) t[k] = lower(s[start + k]);
        if (words_find(&hidden_classes, t, len)) return 1;
    }
    return 0;
}

/* extract_vocab.prop_facts of an ASCII itemprop: whether all its properties are metadata; bits: its
 * section bits (S_COMMENT, S_BODY) */
int ascii_prop_facts(const unsigned char *s, size_t n, uint32_t *bits) {
    unsigned char t[64];
    int any = 0, all_meta = 1;
    *bits = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && space(s[i])) i++;
        size_t start = i;
        while (i < n && !space(s[i])) i++;
        size_t len = i - start;
        if (!len) continue;
        any = 1;
        if (len > sizeof t) { all_meta = 0; continue; }
        for (size_t k = 0; k < len; k++) t[k] = lower(s[start + k]);
        if (!words_find(&meta_props, t, len)) all_meta = 0;
        if (len == 7 && !memcmp(t, "comment", 7)) *bits |= S_COMMENT;
        if (words_find(&body_props, t, len)) *bits |= S_BODY;
    }
    return any && all_meta;
}

/* extract_vocab.hidden_style of an ASCII style attribute: the value lower-cased without whitespace */
int ascii_hidden_style(const unsigned char *s, size_t n) {
    static const char *hides[2] = {"display:none", "visibility:hidden"};
    for (int h = 0; h < 2; h++) {
        size_t m = strlen(hides[h]);
        for (size_t i = 0; i < n; i++) {
            size_t j = i, k = 0;
            while (j < n && k < m) {
                if (space(s[j])) { j++; continue; }
                if (lower(s[j]) != (unsigned char)hides[h][k]) break;
                j++;
                k++;
            }
            if (k == m) return 1;
        }
    }
    return 0;
}


/* extract_vocab.section_bits of an ASCII "class id" string */
uint32_t ascii_section_bits(const unsigned char *s, size_t n) {
    unsigned char buf[512];
    unsigned char *t = n <= sizeof buf ? buf : PyMem_Malloc(n);
    if (!t) return 0;
    for (size_t i = 0; i < n; i++) t[i] = lower(s[i]);
    uint32_t bits = 0;
    int post = 0;  /* POST_CONTAINER: hentry, type-post, post-<digit> not after a letter */
    for (size_t i = 0; i < n && !post; i++) {
        if (i + 6 <= n && !memcmp(t + i, "hentry", 6)) post = 1;
        else if (i + 9 <= n && !memcmp(t + i, "type-post", 9)) post = 1;
        else if (i + 6 <= n && !memcmp(t + i, "post-", 5) && t[i + 5] >= '0' && t[i + 5] <= '9' &&
                 (i == 0 || !letter(t[i - 1]))) post = 1;
    }
    if (!post) {
        size_t prev_start = 0, prev_len = 0, i = 0;
        unsigned char pair[128];
        while (i < n) {
            while (i < n && !letter(t[i])) i++;
            size_t start = i;
            while (i < n && letter(t[i])) i++;
            size_t len = i - start;
            if (!len) break;
            bits |= words_find(&section_words, t + start, len);
            if (prev_len && prev_len + 1 + len <= sizeof pair) {
                memcpy(pair, t + prev_start, prev_len);
                pair[prev_len] = ' ';
                memcpy(pair + prev_len + 1, t + start, len);
                bits |= words_find(&section_words, pair, prev_len + 1 + len);
            }
            prev_start = start;
            prev_len = len;
        }
    }
    if (t != buf) PyMem_Free(t);
    return bits;
}

/* the facts of an element's ASCII class and id, cached by both (a page repeats its few hundred class
 * strings): its word group bits, its section bits, and whether its class hides it (the return value) */
typedef struct {
    uint64_t hash;
    unsigned char *key;
    size_t n_class, n_id;
    uint32_t bits, sbits;
    int hidden;
} ClassEntry;
static ClassEntry class_cache[CACHE_SIZE];

int ascii_class_facts(const unsigned char *cls, size_t nc, const unsigned char *id, size_t ni, uint32_t *bits,
                      uint32_t *sbits) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < nc; i++) h = (h ^ cls[i]) * 1099511628211ULL;
    h = (h ^ 0x100) * 1099511628211ULL;
    for (size_t i = 0; i < ni; i++) h = (h ^ id[i]) * 1099511628211ULL;
    ClassEntry *e = &class_cache[h & (CACHE_SIZE - 1)];
    if (e->key && e->hash == h && e->n_class == nc && e->n_id == ni && !memcmp(e->key, cls, nc) &&
        !memcmp(e->key + nc, id, ni)) {
        *bits = e->bits;
        *sbits = e->sbits;
        return e->hidden;
    }
    int hidden = nc ? ascii_hidden_class(cls, nc) : 0;
    *bits = (nc ? ascii_word_bits(cls, nc) : 0) | (ni ? ascii_word_bits(id, ni) : 0);
    /* section words read "class id" as one string */
    size_t n = nc + (ni ? 1 + ni : 0);
    unsigned char *key = PyMem_Malloc(n ? n : 1);
    if (!key) { *sbits = 0; return hidden; }
    if (nc) memcpy(key, cls, nc);
    if (ni) { key[nc] = ' '; memcpy(key + nc + 1, id, ni); }
    *sbits = n ? ascii_section_bits(key, n) : 0;
    if (ni) memmove(key + nc, key + nc + 1, ni);  /* the key: class then id */
    if (e->key) PyMem_Free(e->key);
    e->hash = h;
    e->key = key;
    e->n_class = nc;
    e->n_id = ni;
    e->bits = *bits;
    e->sbits = *sbits;
    e->hidden = hidden;
    return hidden;
}
