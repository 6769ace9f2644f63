/* Whole-page scans before the parse (transforms/extract.py: unclosed_containers, extract_blocks: _segments):
 * str.count and `in` over a page of several hundred kilobytes cost as much as a third of lexbor's parse;
 * these loops test 64 characters at a time without a branch, which the compiler turns into vector code. */
#include "common.h"

#pragma GCC optimize("O3")  /* vectorise the loops of this file (-O2 leaves reductions scalar) */

#define SCAN_BLOCK 64

#define COUNT(T)                                                        \
    static Py_ssize_t count_##T(const T *s, Py_ssize_t n, T c) {        \
        Py_ssize_t total = 0;                                           \
        for (Py_ssize_t i = 0; i < n; i++) total += s[i] == c;          \
        return total;                                                   \
    }

/* candidates where the needle's first and last characters sit, 64 at a time; each checked in full */
#define CONTAINS(T)                                                                                    \
    static int contains_##T(const T *s, Py_ssize_t n, const unsigned char *needle, Py_ssize_t m) {    \
        if (m == 0) return 1;                                                                          \
        T first = needle[0], last = needle[m - 1];                                                     \
        Py_ssize_t end = n - m + 1;                                                                    \
        for (Py_ssize_t b = 0; b < end; b += SCAN_BLOCK) {                                             \
            Py_ssize_t stop = b + SCAN_BLOCK < end ? b + SCAN_BLOCK : end;                             \
            int any = 0;                                                                               \
            for (Py_ssize_t i = b; i < stop; i++) any |= (s[i] == first) & (s[i + m - 1] == last);     \
            if (!any) continue;                                                                        \
            for (Py_ssize_t i = b; i < stop; i++) {                                                    \
                Py_ssize_t k = 0;                                                                      \
                while (k < m && s[i + k] == needle[k]) k++;                                            \
                if (k == m) return 1;                                                                  \
            }                                                                                          \
        }                                                                                              \
        return 0;                                                                                      \
    }

COUNT(Py_UCS1)
COUNT(Py_UCS2)
COUNT(Py_UCS4)
CONTAINS(Py_UCS1)
CONTAINS(Py_UCS2)
CONTAINS(Py_UCS4)

/* count(text, ascii char) -> text.count(char) */
PyObject *scan_count(PyObject *self, PyObject *args) {
    PyObject *text;
    unsigned char c;
    if (!PyArg_ParseTuple(args, "Ub", &text, &c)) return NULL;
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), total;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: total = count_Py_UCS1(data, n, c); break;
    case PyUnicode_2BYTE_KIND: total = count_Py_UCS2(data, n, c); break;
    default: total = count_Py_UCS4(data, n, c); break;
    }
    return PyLong_FromSsize_t(total);
}

/* contains(text, ascii needle) -> needle in text */
PyObject *scan_contains(PyObject *self, PyObject *args) {
    PyObject *text;
    const char *needle;
    Py_ssize_t m;
    if (!PyArg_ParseTuple(args, "Uy#", &text, &needle, &m)) return NULL;
    for (Py_ssize_t k = 0; k < m; k++)
        if ((unsigned char)needle[k] > 127) return PyErr_Format(PyExc_ValueError, "contains: an ASCII needle");
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const unsigned char *u = (const unsigned char *)needle;
    int found;
    if (n < m) found = 0;
    else switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: found = contains_Py_UCS1(data, n, u, m); break;
    case PyUnicode_2BYTE_KIND: found = contains_Py_UCS2(data, n, u, m); break;
    default: found = contains_Py_UCS4(data, n, u, m); break;
    }
    return PyBool_FromLong(found);
}
