/* Shared by the parts of transforms._extract_c: the walk (walk.c), the class/id words (words.c), the
 * feature rows (features.c) and the trees (trees.c). Each mirrors a Python function of transforms/
 * extract_*.py, which stays the reference: tests/test_extract_learned.py compares the two. */
#ifndef EXTRACT_COMMON_H
#define EXTRACT_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "lexbor.h"

/* tag flags (extract_blocks.py: SKIP, BLOCK, CELL and the tags the walk names) */
enum {
    T_SKIP = 1 << 0, T_BLOCK = 1 << 1, T_CELL = 1 << 2, T_BR = 1 << 3, T_A = 1 << 4, T_PRE = 1 << 5,
    T_SCRIPT = 1 << 6, T_NOSCRIPT = 1 << 7, T_TEMPLATE = 1 << 8, T_NOSECTION = 1 << 9,
};

/* section bits (extract_vocab.SECTIONS) */
enum { S_COMMENT = 1, S_RELATED = 2, S_ARCHIVE = 4, S_META = 8, S_DISPLAY_NONE = 16, S_BODY = 32 };

typedef struct {
    uint32_t flags;
    int32_t kind;      /* block kind (KINDS index), 11 when the tag has none */
    uint32_t tag_bit;  /* ANCESTOR_TAGS bit, 0 when none */
} TagInfo;

/* the columns of a block's facts, as the walk returns them (one int64 each) */
enum { I_KIND, I_LINKS, I_DEPTH, I_TBITS, I_WBITS, I_NBITS, I_CHAIN, I_SBITS = I_CHAIN + 4, I_COLUMNS };
/* where a block sits, as features() returns it: 4 container ids and a structural group (extract_vocab) */
#define CHAIN_COLUMNS 5

/* configuration set once by transforms/extract_native.py */
typedef struct {
    TagInfo *static_tags;  /* by lexbor tag id, for ids below N_STATIC */
    Py_ssize_t n_named;    /* tags lexbor has no static id for: looked up by name */
    char **named;
    TagInfo *named_info;
    attr_name_fn attr_name;
    element_name_fn element_name;
    /* extract_vocab's Python functions, for attribute values that are not plain ASCII (and itemtype) */
    PyObject *class_bits, *hidden_class, *hidden_style, *prop_facts, *itemtype_facts;
    Py_ssize_t meta_chars;  /* extract_vocab.META_CHARS */
} Config;

#define N_STATIC 4096
extern Config config;

/* words.c */
int words_configure(PyObject *literals, PyObject *lists);
uint32_t ascii_word_bits(const unsigned char *s, size_t n);
uint32_t ascii_section_bits(const unsigned char *s, size_t n);
int ascii_class_facts(const unsigned char *cls, size_t nc, const unsigned char *id, size_t ni, uint32_t *bits,
                      uint32_t *sbits);
int ascii_hidden_class(const unsigned char *s, size_t n);
int ascii_prop_facts(const unsigned char *s, size_t n, uint32_t *bits);
int ascii_hidden_style(const unsigned char *s, size_t n);

/* a growable buffer of code points */
typedef struct {
    Py_UCS4 *data;
    Py_ssize_t len, cap;
} Ucs4;

int ucs4_reserve(Ucs4 *b, Py_ssize_t extra);

/* attrs.c: what a walk learns from attributes besides its blocks */
typedef struct {
    int article;   /* in: the page is an article (inline display: none and metadata itemprops are skipped) */
    int hideable;  /* out: such an element was seen */
    long declared; /* out: microdata itemtypes, extract_vocab.declared bits */
} Seen;

int attributes(lxb_dom_node_t *node, uint32_t flags, Seen *seen, uint32_t *bits, uint32_t *sbits);
const lexbor_str_t *attribute(lxb_dom_node_t *node, const char *want, int *found);
int value_is(const lexbor_str_t *v, const char *want);
PyObject *deep_text(lxb_dom_node_t *root);  /* selectolax's node.text(): its descendants' text */

PyObject *walk(PyObject *self, PyObject *args);
PyObject *features(PyObject *self, PyObject *args);
PyObject *model_new(PyObject *self, PyObject *args);
PyObject *score(PyObject *self, PyObject *args);
PyObject *scan_count(PyObject *self, PyObject *args);
PyObject *scan_contains(PyObject *self, PyObject *args);

/* numpy's float64 sum (pairwise, as np.add.reduce over a contiguous array) */
double pairwise_sum(const double *a, Py_ssize_t n, Py_ssize_t stride);

#endif
