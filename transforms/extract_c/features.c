/* The feature rows of transforms/extract_features.py (`rows`) in C, column for column, with numpy's
 * arithmetic: float64 throughout, sums in numpy's order (pairwise for np.sum, in order for np.bincount
 * and np.cumsum), one cast to float32 at the end. */
#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double pairwise_sum(const double *a, Py_ssize_t n, Py_ssize_t stride) {
    if (n < 8) {
        double r = 0.;
        for (Py_ssize_t i = 0; i < n; i++) r += a[i * stride];
        return r;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j * stride];
        Py_ssize_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[(i + j) * stride];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i * stride];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return pairwise_sum(a, n2, stride) + pairwise_sum(a + n2 * stride, n - n2, stride);
}

static int sentence_end(Py_UCS4 c) {
    switch (c) {
    case '.': case '!': case '?': case 0x3002: case 0xFF01: case 0xFF1F: case 0x2026: case '"': case 0x201D:
    case 0xBB: case ')':
        return 1;
    }
    return 0;
}

static int ascii_space(Py_UCS4 c) { return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31); }

/* len(title_words & set(text.lower().split())) for an ASCII text: its distinct lower-cased words found
 * among the title's ASCII words (a word with other characters is never equal to an ASCII one) */
static Py_ssize_t title_common(PyObject *text, PyObject *title_ascii) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), n_title = PyList_GET_SIZE(title_ascii), common = 0;
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    char seen[64] = {0};  /* the title's words already counted (a title of more words: counted by Python) */
    Py_ssize_t i = 0;
    while (i < n) {
        while (i < n && ascii_space(s[i])) i++;
        Py_ssize_t start = i;
        while (i < n && !ascii_space(s[i])) i++;
        Py_ssize_t len = i - start;
        if (!len) break;
        for (Py_ssize_t k = 0; k < n_title; k++) {
            PyObject *w = PyList_GET_ITEM(title_ascii, k);
            if (seen[k] || PyBytes_GET_SIZE(w) != len) continue;
            const char *t = PyBytes_AS_STRING(w);
            Py_ssize_t j = 0;
            for (; j < len; j++) {
                Py_UCS1 c = s[start + j];
                if (((c >= 'A' && c <= 'Z') ? c + 32 : c) != (Py_UCS1)t[j]) break;
            }
            if (j == len) { seen[k] = 1; common++; break; }
        }
    }
    return common;
}

/* Each block's structural group (extract_features: blocks of one kind, depth, ancestor tags and class words),
 * numbered in order of first block, into chains' last column */
static int groups(const int64_t *info, Py_ssize_t n, int64_t *chains) {
    Py_ssize_t size = 16;
    while (size < 2 * n) size *= 2;
    Py_ssize_t *slot = PyMem_Malloc(size * sizeof(Py_ssize_t));  /* a block of the group, -1: empty */
    if (!slot) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t s = 0; s < size; s++) slot[s] = -1;
    int64_t next = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const int64_t *a = info + i * I_COLUMNS;
        uint64_t h = 1469598103934665603ULL;
        int64_t key[4] = {a[I_KIND], a[I_DEPTH], a[I_TBITS], a[I_WBITS]};
        for (int k = 0; k < 4; k++) h = (h ^ (uint64_t)key[k]) * 1099511628211ULL;
        Py_ssize_t s = (Py_ssize_t)(h & (uint64_t)(size - 1));
        while (slot[s] >= 0) {
            const int64_t *b = info + slot[s] * I_COLUMNS;
            if (b[I_KIND] == key[0] && b[I_DEPTH] == key[1] && b[I_TBITS] == key[2] && b[I_WBITS] == key[3]) break;
            s = (s + 1) & (size - 1);
        }
        if (slot[s] < 0) {
            slot[s] = i;
            chains[i * CHAIN_COLUMNS + 4] = next++;
        } else {
            chains[i * CHAIN_COLUMNS + 4] = chains[slot[s] * CHAIN_COLUMNS + 4];
        }
    }
    PyMem_Free(slot);
    return 0;
}

/* features(texts, info, jsonld_bits, page_bits, widths, title_words, title_ascii) -> (rows, chains): float32
 * rows (names in extract_vocab.FEATURES) and the blocks' container ids numbered 0..m-1 (-1: none), as bytes.
 * widths: (kinds, ancestor tags, word groups, JSON-LD types, sections, page facts); title_words: the title's lower-
 * cased words, title_ascii: those of them that are ASCII, as bytes (at most 64; else None). */
PyObject *features(PyObject *self, PyObject *args) {
    PyObject *texts, *info_obj, *title_words, *title_ascii;
    unsigned long long jsonld_bits, page_bits;
    int n_kinds, n_tags, n_groups, n_jsonld, n_sections, n_page;
    if (!PyArg_ParseTuple(args, "O!SKK(iiiiii)O!O", &PyList_Type, &texts, &info_obj, &jsonld_bits, &page_bits,
                          &n_kinds, &n_tags, &n_groups, &n_jsonld, &n_sections, &n_page, &PySet_Type, &title_words,
                          &title_ascii))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(texts);
    if (PyBytes_GET_SIZE(info_obj) != n * I_COLUMNS * (Py_ssize_t)sizeof(int64_t))
        return PyErr_Format(PyExc_ValueError, "features: %zd texts but not as many rows of facts", n);
    const int64_t *info = (const int64_t *)PyBytes_AS_STRING(info_obj);
    const Py_ssize_t F = n_kinds + 8 + 14 + 3 + n_tags + 2 * n_groups + 16 + 5 + n_jsonld + 2 + n_sections + n_page;
    PyObject *rows_obj = PyBytes_FromStringAndSize(NULL, n * F * (Py_ssize_t)sizeof(float));
    PyObject *chains_obj = PyBytes_FromStringAndSize(NULL, n * CHAIN_COLUMNS * (Py_ssize_t)sizeof(int64_t));
    double *basic = PyMem_Calloc(n ? n * 8 : 1, sizeof(double));
    double *size = PyMem_Calloc(n ? n : 1, sizeof(double)), *links = PyMem_Calloc(n ? n : 1, sizeof(double));
    double *repeats = PyMem_Calloc(n ? n : 1, sizeof(double)), *in_title = PyMem_Calloc(n ? n : 1, sizeof(double));
    int64_t *rank = NULL;
    double *c_chars = NULL, *c_links = NULL, *c_count = NULL;
    PyObject *times = PyDict_New(), *result = NULL;
    if (!rows_obj || !chains_obj || !basic || !size || !links || !repeats || !in_title || !times) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    float *rows = (float *)PyBytes_AS_STRING(rows_obj);
    int64_t *chains = (int64_t *)PyBytes_AS_STRING(chains_obj);
    int use_title = PySet_GET_SIZE(title_words) > 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(texts, i);
        if (!PyUnicode_Check(t) || !PyUnicode_GET_LENGTH(t)) {
            PyErr_SetString(PyExc_ValueError, "features: a block's text is not a non-empty str");
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        int kind = PyUnicode_KIND(t);
        const void *data = PyUnicode_DATA(t);
        Py_ssize_t spaces = 0, punct = 0, digits = 0;
        int cells = 0;
        for (Py_ssize_t k = 0; k < len; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            spaces += c == ' ';
            punct += c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
            cells |= c == '|';
            if (k < 200) digits += Py_UNICODE_ISDECIMAL(c) != 0;
        }
        double sz = (double)len, words = (double)(spaces + 1);
        double *b = basic + i * 8;
        b[0] = sz;
        b[1] = (double)info[i * I_COLUMNS + I_LINKS] / sz;
        b[2] = words;
        b[3] = (double)punct / words;
        b[4] = sentence_end(PyUnicode_READ(kind, data, len - 1));
        b[5] = (double)digits / (sz < 200 ? sz : 200);
        b[6] = Py_UNICODE_ISUPPER(PyUnicode_READ(kind, data, 0)) != 0;
        b[7] = cells;
        size[i] = sz;
        links[i] = b[1] * sz;
        b[0] = log1p(sz);
        b[2] = log1p(words);
        /* repeated texts: counted over the page below */
        PyObject *count = PyDict_GetItemWithError(times, t);
        if (!count && PyErr_Occurred()) goto done;
        PyObject *next = PyLong_FromSsize_t(count ? PyLong_AsSsize_t(count) + 1 : 1);
        if (!next || PyDict_SetItem(times, t, next) < 0) { Py_XDECREF(next); goto done; }
        Py_DECREF(next);
        if (use_title && len < 300) {
            Py_ssize_t common;
            if (kind == PyUnicode_1BYTE_KIND && PyUnicode_IS_ASCII(t) && title_ascii != Py_None) {
                common = title_common(t, title_ascii);
            } else {  /* as the reference does it: str.lower() and str.split() */
                PyObject *lower = PyObject_CallMethod(t, "lower", NULL);
                PyObject *split = lower ? PyObject_CallMethod(lower, "split", NULL) : NULL;
                PyObject *both = split ? PyObject_CallMethod(title_words, "intersection", "O", split) : NULL;
                Py_XDECREF(lower);
                Py_XDECREF(split);
                if (!both) goto done;
                common = PySet_GET_SIZE(both);
                Py_DECREF(both);
            }
            in_title[i] = (double)common / words;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *count = PyDict_GetItem(times, PyList_GET_ITEM(texts, i));
        repeats[i] = log((double)PyLong_AsSsize_t(count));
    }
    double total = pairwise_sum(size, n, 1), links_sum = pairwise_sum(links, n, 1);
    double page_links = links_sum / total, n_log = log1p((double)n), total_log = log1p(total);
    /* containers: their ids in order of first element count, as np.unique numbers them */
    int64_t max_id = -1;
    for (Py_ssize_t i = 0; i < n * 4; i++) {
        int64_t c = info[(i / 4) * I_COLUMNS + I_CHAIN + i % 4];
        if (c > max_id) max_id = c;
    }
    rank = PyMem_Calloc(max_id + 2, sizeof(int64_t));
    if (!rank) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < n * 4; i++) {
        int64_t c = info[(i / 4) * I_COLUMNS + I_CHAIN + i % 4];
        if (c >= 0) rank[c] = 1;
    }
    int64_t m = 0;
    for (int64_t c = 0; c <= max_id; c++) rank[c] = rank[c] ? m++ : -1;
    c_chars = PyMem_Calloc(m ? m : 1, sizeof(double));
    c_links = PyMem_Calloc(m ? m : 1, sizeof(double));
    c_count = PyMem_Calloc(m ? m : 1, sizeof(double));
    if (!c_chars || !c_links || !c_count) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t i = 0; i < n; i++)
        for (int k = 0; k < 4; k++) {
            int64_t c = info[i * I_COLUMNS + I_CHAIN + k];
            c = c >= 0 ? rank[c] : -1;
            chains[i * CHAIN_COLUMNS + k] = c;
            if (c >= 0) {
                c_chars[c] += size[i];
                c_links[c] += links[i];
                c_count[c] += 1;
            }
        }
    double before = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        float *r = rows + i * F;
        const int64_t *in = info + i * I_COLUMNS;
        const double *b = basic + i * 8;
        Py_ssize_t at = 0;
        for (int k = 0; k < n_kinds; k++) r[at++] = (float)(in[I_KIND] == k);
        for (int k = 0; k < 8; k++) r[at++] = (float)b[k];
        static const int by[4] = {1, -1, 2, -2}, width[4] = {5, 5, 2, 2};
        for (int s = 0; s < 4; s++) {
            Py_ssize_t j = i - by[s];
            for (int k = 0; k < width[s]; k++)
                r[at++] = (float)(j >= 0 && j < n ? basic[j * 8 + k] : (k == 1 ? 1.0 : 0.0));
        }
        r[at++] = (float)(i >= 1 ? (double)info[(i - 1) * I_COLUMNS + I_KIND] : -1.0);
        r[at++] = (float)(i + 1 < n ? (double)info[(i + 1) * I_COLUMNS + I_KIND] : -1.0);
        r[at++] = (float)in[I_DEPTH];
        for (int k = 0; k < n_tags; k++) r[at++] = (float)((in[I_TBITS] >> k) & 1);
        for (int k = 0; k < n_groups; k++) r[at++] = (float)((in[I_WBITS] >> k) & 1);
        for (int k = 0; k < n_groups; k++) r[at++] = (float)((in[I_NBITS] >> k) & 1);
        for (int level = 0; level < 4; level++) {
            int64_t c = chains[i * CHAIN_COLUMNS + level];
            double cc = c >= 0 ? c_chars[c] : total;
            r[at++] = (float)log1p(cc);
            r[at++] = (float)((c >= 0 ? c_links[c] : links_sum) / (cc > 1 ? cc : 1));
            r[at++] = (float)log1p(c >= 0 ? c_count[c] : (double)n);
            r[at++] = (float)(cc / total);
        }
        r[at++] = (float)((double)i / (double)n);
        r[at++] = (float)(before / total);
        before += size[i];
        r[at++] = (float)total_log;
        r[at++] = (float)page_links;
        r[at++] = (float)n_log;
        for (int k = 0; k < n_jsonld; k++) r[at++] = (float)((jsonld_bits >> k) & 1);
        r[at++] = (float)repeats[i];
        r[at++] = (float)in_title[i];
        for (int k = 0; k < n_sections; k++) r[at++] = (float)((in[I_SBITS] >> k) & 1);
        for (int k = 0; k < n_page; k++) r[at++] = (float)((page_bits >> k) & 1);
    }
    if (groups(info, n, chains) < 0) goto done;
    result = Py_BuildValue("(OO)", rows_obj, chains_obj);
done:
    Py_XDECREF(rows_obj);
    Py_XDECREF(chains_obj);
    Py_XDECREF(times);
    PyMem_Free(basic);
    PyMem_Free(size);
    PyMem_Free(links);
    PyMem_Free(repeats);
    PyMem_Free(in_title);
    PyMem_Free(rank);
    PyMem_Free(c_chars);
    PyMem_Free(c_links);
    PyMem_Free(c_count);
    return result;
}
