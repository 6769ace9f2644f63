/* An element's attributes as the walk reads them (transforms/extract_walk.py, the part after "attrs ="):
 * hidden or not, its class/id word groups and section bits, what its itemprop, style and itemtype say.
 * Plain ASCII values are read here; any other goes through extract_vocab's Python function. */
#include "common.h"

#include <string.h>

static int name_is(const lxb_char_t *name, size_t len, const char *want) {
    return strlen(want) == len && !memcmp(name, want, len);
}

/* the value of the attribute named `want` (the last one, as a dict keeps it); *found: whether it exists */
const lexbor_str_t *attribute(lxb_dom_node_t *node, const char *want, int *found) {
    const lexbor_str_t *value = NULL;
    *found = 0;
    for (lxb_dom_attr_t *a = ((lxb_dom_element_t *)node)->first_attr; a; a = a->next) {
        size_t len = 0;
        const lxb_char_t *name = config.attr_name(a, &len);
        if (name && name_is(name, len, want)) { value = a->value; *found = 1; }
    }
    return value;
}

int value_is(const lexbor_str_t *v, const char *want) {
    return v && v->data && name_is(v->data, v->length, want);
}

static int ascii(const lexbor_str_t *v) {
    for (size_t i = 0; i < v->length; i++)
        if (v->data[i] >= 0x80) return 0;
    return 1;
}

static PyObject *decoded(const lexbor_str_t *v) {
    return PyUnicode_DecodeUTF8(v && v->data ? (const char *)v->data : "", v && v->data ? (Py_ssize_t)v->length : 0,
                                "replace");
}

/* a Python function of extract_vocab on an attribute value: its result, or NULL on error */
static PyObject *call(PyObject *fn, const lexbor_str_t *v) {
    PyObject *arg = decoded(v);
    if (!arg) return NULL;
    PyObject *r = PyObject_CallOneArg(fn, arg);
    Py_DECREF(arg);
    return r;
}

static int has_text(const lexbor_str_t *v) { return v && v->data && v->length; }

/* extract_vocab.class_bits of f"{class} {id}" (class: attrs.get("class") or "", " id" when id is not
 * empty): word group and section bits; 1 when the class hides the element (hidden_class), -1 on error */
static int class_facts(const lexbor_str_t *cls, const lexbor_str_t *ident, uint32_t *bits, uint32_t *sbits) {
    size_t nc = has_text(cls) ? cls->length : 0, ni = has_text(ident) ? ident->length : 0;
    *bits = *sbits = 0;
    if (!nc && !ni) return 0;
    if ((!nc || ascii(cls)) && (!ni || ascii(ident)))
        return ascii_class_facts(nc ? cls->data : NULL, nc, ni ? ident->data : NULL, ni, bits, sbits);
    if (nc) {  /* anything else goes through Python's lower() and split(), as the reference does */
        PyObject *r = call(config.hidden_class, cls);
        int hidden = r ? PyObject_IsTrue(r) : -1;
        Py_XDECREF(r);
        if (hidden) return hidden;
    }
    PyObject *c = decoded(nc ? cls : NULL), *i = c ? decoded(ni ? ident : NULL) : NULL;
    PyObject *words = i ? (PyUnicode_GET_LENGTH(i) ? PyUnicode_FromFormat("%U %U", c, i) : Py_NewRef(c)) : NULL;
    Py_XDECREF(c);
    Py_XDECREF(i);
    if (!words) return -1;
    if (!PyUnicode_GET_LENGTH(words)) { Py_DECREF(words); return 0; }
    PyObject *r = PyObject_CallOneArg(config.class_bits, words);
    Py_DECREF(words);
    unsigned long b, s;
    int ok = r && PyArg_ParseTuple(r, "kk", &b, &s);
    Py_XDECREF(r);
    if (!ok) return -1;
    *bits = (uint32_t)b;
    *sbits = (uint32_t)s;
    return 0;
}

/* a yes/no of extract_vocab on a value: in C for ASCII, else by its Python function; -1 on error */
static int test(int (*in_c)(const unsigned char *, size_t), PyObject *fn, const lexbor_str_t *v) {
    if (ascii(v)) return in_c(v->data, v->length);
    PyObject *r = call(fn, v);
    if (!r) return -1;
    int yes = PyObject_IsTrue(r);
    Py_DECREF(r);
    return yes;
}

static int prop_facts(const lexbor_str_t *v, uint32_t *bits) {
    if (ascii(v)) return ascii_prop_facts(v->data, v->length, bits);
    PyObject *r = call(config.prop_facts, v);
    int meta;
    unsigned long b;
    int ok = r && PyArg_ParseTuple(r, "pk", &meta, &b);
    Py_XDECREF(r);
    if (!ok) return -1;
    *bits = (uint32_t)b;
    return meta;
}

/* extract_vocab.short of an element's text: fewer than META_CHARS characters besides whitespace */
static int short_text(lxb_dom_node_t *node) {
    PyObject *t = deep_text(node);
    if (!t) return -1;
    Py_ssize_t n = PyUnicode_GET_LENGTH(t), chars = 0;
    int kind = PyUnicode_KIND(t);
    const void *data = PyUnicode_DATA(t);
    for (Py_ssize_t i = 0; i < n && chars < config.meta_chars; i++)
        chars += !Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i));
    Py_DECREF(t);
    return chars < config.meta_chars;
}

/* Attributes of an element: 1 when it is not read (hidden, or skipped on an article page), 0 when it is,
 * with its word group and section bits; -1 on error */
int attributes(lxb_dom_node_t *node, uint32_t flags, Seen *seen, uint32_t *bits, uint32_t *sbits) {
    const lexbor_str_t *cls = NULL, *ident = NULL, *prop = NULL, *style = NULL, *itemtype = NULL;
    int hidden = 0;
    for (lxb_dom_attr_t *a = ((lxb_dom_element_t *)node)->first_attr; a; a = a->next) {
        size_t len = 0;
        const lxb_char_t *name = config.attr_name(a, &len);
        if (!name) continue;
        switch (len) {  /* the names the walk reads, by length first: most attributes are none of them */
        case 2: if (!memcmp(name, "id", 2)) ident = a->value; break;
        case 5:
            if (!memcmp(name, "class", 5)) cls = a->value;
            else if (!memcmp(name, "style", 5)) style = a->value;
            break;
        case 6: if (!memcmp(name, "hidden", 6)) hidden = 1; break;
        case 8:
            if (!memcmp(name, "itemprop", 8)) prop = a->value;
            else if (!memcmp(name, "itemtype", 8)) itemtype = a->value;
            break;
        case 11: if (!memcmp(name, "aria-hidden", 11)) hidden |= value_is(a->value, "true"); break;
        }
    }
    if (hidden) return 1;
    int r = class_facts(cls, ident, bits, sbits);
    if (r) return r;  /* hidden by its class (1), or an error (-1) */
    if (flags & T_NOSECTION) *sbits = 0;
    if (has_text(prop)) {
        uint32_t pbits = 0;
        if ((r = prop_facts(prop, &pbits)) < 0) return -1;
        if (r && (r = short_text(node)) < 0) return -1;
        if (r) {
            seen->hideable = 1;
            if (seen->article) return 1;
            pbits |= S_META;
        }
        *sbits |= pbits;
    }
    if (has_text(style)) {
        if ((r = test(ascii_hidden_style, config.hidden_style, style)) < 0) return -1;
        if (r) {
            seen->hideable = 1;
            if (seen->article) return 1;
            *sbits |= S_DISPLAY_NONE;
        }
    }
    if (has_text(itemtype)) {  /* rare: in Python */
        PyObject *t = call(config.itemtype_facts, itemtype);
        long declared;
        int comment;
        int ok = t && PyArg_ParseTuple(t, "lp", &declared, &comment);
        Py_XDECREF(t);
        if (!ok) return -1;
        seen->declared |= declared;
        if (comment) *sbits |= S_COMMENT;
    }
    return 0;
}

