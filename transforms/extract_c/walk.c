/* The walk of transforms/extract_walk.py (`blocks`) over lexbor's nodes in C: the same blocks, texts and
 * facts, without a Python object per node. Text is gathered as code points so that whitespace, strip and
 * split follow Python's str methods exactly (Py_UNICODE_ISSPACE). */
#include "common.h"

#include <string.h>

typedef struct {
    int32_t depth, kind;
    uint32_t tbits, wbits, nbits, sbits;
    uint8_t in_link, pre;
    int64_t chain[4];
} Ctx;

typedef struct {
    lxb_dom_node_t *node;  /* NULL: the end of a block element */
    Py_ssize_t ctx;
} Frame;

typedef struct {
    Ctx *ctx;
    Py_ssize_t n_ctx, cap_ctx;
    Frame *stack;
    Py_ssize_t sp, cap_stack;
    Ucs4 parts, text;
    int64_t links;
    PyObject *texts, *jsonld, *segments;
    int64_t *info;
    Py_ssize_t n_blocks, cap_blocks;
    int noscript;
    Seen seen;
} Walk;

int ucs4_reserve(Ucs4 *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) cap *= 2;
    Py_UCS4 *data = PyMem_Realloc(b->data, cap * sizeof(Py_UCS4));
    if (!data) { PyErr_NoMemory(); return -1; }
    b->data = data;
    b->cap = cap;
    return 0;
}

static int push(Walk *w, lxb_dom_node_t *node, Py_ssize_t ctx) {
    if (w->sp == w->cap_stack) {
        Py_ssize_t cap = w->cap_stack ? 2 * w->cap_stack : 1024;
        Frame *s = PyMem_Realloc(w->stack, cap * sizeof(Frame));
        if (!s) { PyErr_NoMemory(); return -1; }
        w->stack = s;
        w->cap_stack = cap;
    }
    w->stack[w->sp].node = node;
    w->stack[w->sp++].ctx = ctx;
    return 0;
}

static Py_ssize_t new_ctx(Walk *w, const Ctx *value) {
    if (w->n_ctx == w->cap_ctx) {
        Py_ssize_t cap = w->cap_ctx ? 2 * w->cap_ctx : 1024;
        Ctx *c = PyMem_Realloc(w->ctx, cap * sizeof(Ctx));
        if (!c) { PyErr_NoMemory(); return -1; }
        w->ctx = c;
        w->cap_ctx = cap;
    }
    w->ctx[w->n_ctx] = *value;
    return w->n_ctx++;
}

/* Append UTF-8 bytes as code points (Python's "replace" decoding where they are not valid UTF-8);
 * newline_to_space: a newline outside <pre> is a space. Returns the count of code points appended, or
 * -1 on error; *stripped gets len(value.strip()). */
static Py_ssize_t append_utf8(Ucs4 *b, const unsigned char *s, size_t n, int newline_to_space,
                              Py_ssize_t *stripped) {
    if (ucs4_reserve(b, (Py_ssize_t)n) < 0) return -1;
    Py_ssize_t start = b->len, at = b->len;
    size_t i = 0;
    int fallback = 0;
    while (i < n) {
        unsigned char c = s[i];
        Py_UCS4 cp;
        if (c < 0x80) { cp = c; i++; }
        else if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            cp = ((Py_UCS4)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
                   (s[i + 2] & 0xC0) == 0x80) {
            cp = ((Py_UCS4)(c & 0x0F) << 12) | ((Py_UCS4)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) { fallback = 1; break; }
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4 && i + 3 < n && (s[i + 1] & 0xC0) == 0x80 &&
                   (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
            cp = ((Py_UCS4)(c & 0x07) << 18) | ((Py_UCS4)(s[i + 1] & 0x3F) << 12) |
                 ((Py_UCS4)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            if (cp < 0x10000 || cp > 0x10FFFF) { fallback = 1; break; }
            i += 4;
        } else { fallback = 1; break; }
        b->data[at++] = (newline_to_space && cp == '\n') ? ' ' : cp;
    }
    if (fallback) {  /* not valid UTF-8: exactly what selectolax's decoding gives */
        PyObject *u = PyUnicode_DecodeUTF8((const char *)s, (Py_ssize_t)n, "replace");
        if (!u) return -1;
        Py_ssize_t m = PyUnicode_GET_LENGTH(u);
        if (ucs4_reserve(b, m) < 0) { Py_DECREF(u); return -1; }
        int kind = PyUnicode_KIND(u);
        const void *data = PyUnicode_DATA(u);
        at = start;
        for (Py_ssize_t k = 0; k < m; k++) {
            Py_UCS4 cp = PyUnicode_READ(kind, data, k);
            b->data[at++] = (newline_to_space && cp == '\n') ? ' ' : cp;
        }
        Py_DECREF(u);
    }
    b->len = at;
    if (stripped) {
        Py_ssize_t lo = start, hi = at;
        while (lo < hi && Py_UNICODE_ISSPACE(b->data[lo])) lo++;
        while (hi > lo && Py_UNICODE_ISSPACE(b->data[hi - 1])) hi--;
        *stripped = hi - lo;
    }
    return at - start;
}

/* " ".join(src.split()) of src[lo:hi], appended to out */
static void join_split(Ucs4 *out, const Py_UCS4 *src, Py_ssize_t lo, Py_ssize_t hi) {
    int word = 0, any = 0;
    for (Py_ssize_t i = lo; i < hi; i++) {
        Py_UCS4 c = src[i];
        if (Py_UNICODE_ISSPACE(c)) { word = 0; continue; }
        if (!word && any) out->data[out->len++] = ' ';
        out->data[out->len++] = c;
        word = any = 1;
    }
}

static int flush(Walk *w, const Ctx *c) {
    if (!w->parts.len) return 0;
    Ucs4 *raw = &w->parts, *text = &w->text;
    int64_t link_chars = w->links;
    w->links = 0;
    text->len = 0;
    if (ucs4_reserve(text, raw->len) < 0) return -1;
    if (c->pre) {  /* raw.strip("\n"), kept when it holds more than whitespace */
        Py_ssize_t lo = 0, hi = raw->len;
        while (lo < hi && raw->data[lo] == '\n') lo++;
        while (hi > lo && raw->data[hi - 1] == '\n') hi--;
        int blank = 1;
        for (Py_ssize_t i = lo; i < hi && blank; i++) blank = Py_UNICODE_ISSPACE(raw->data[i]);
        raw->len = 0;
        if (blank) return 0;
        memcpy(text->data, raw->data + lo, (hi - lo) * sizeof(Py_UCS4));
        text->len = hi - lo;
    } else {
        int newline = 0;
        for (Py_ssize_t i = 0; i < raw->len && !newline; i++) newline = raw->data[i] == '\n';
        if (newline) {  /* a <br>: each line's words, the non-empty lines joined by newlines */
            Py_ssize_t lo = 0;
            for (Py_ssize_t i = 0; i <= raw->len; i++) {
                if (i < raw->len && raw->data[i] != '\n') continue;
                Py_ssize_t before = text->len;
                if (before) text->data[text->len++] = '\n';
                Py_ssize_t mark = text->len;
                join_split(text, raw->data, lo, i);
                if (text->len == mark) text->len = before;  /* an empty line is left out */
                lo = i + 1;
            }
        } else {
            join_split(text, raw->data, 0, raw->len);
        }
        raw->len = 0;
        if (!text->len) return 0;
    }
    PyObject *u = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, text->data, text->len);
    if (!u) return -1;
    int rc = PyList_Append(w->texts, u);
    Py_DECREF(u);
    if (rc < 0) return -1;
    if (w->n_blocks == w->cap_blocks) {
        Py_ssize_t cap = w->cap_blocks ? 2 * w->cap_blocks : 256;
        int64_t *info = PyMem_Realloc(w->info, cap * I_COLUMNS * sizeof(int64_t));
        if (!info) { PyErr_NoMemory(); return -1; }
        w->info = info;
        w->cap_blocks = cap;
    }
    int64_t *row = w->info + w->n_blocks++ * I_COLUMNS;
    row[I_KIND] = c->kind;
    row[I_LINKS] = link_chars < text->len ? link_chars : text->len;
    row[I_DEPTH] = c->depth;
    row[I_TBITS] = c->tbits;
    row[I_WBITS] = c->wbits;
    row[I_NBITS] = c->nbits;
    for (int k = 0; k < 4; k++) row[I_CHAIN + k] = c->chain[k];
    row[I_SBITS] = c->sbits;
    return 0;
}

static const TagInfo NO_TAG = {0, 11, 0};

static const TagInfo *tag_info(lxb_dom_node_t *node) {
    uintptr_t id = node->local_name;
    if (id < N_STATIC) return &config.static_tags[id];
    size_t len = 0;
    const lxb_char_t *name = config.element_name((lxb_dom_element_t *)node, &len);
    for (Py_ssize_t i = 0; name && i < config.n_named; i++)
        if (strlen(config.named[i]) == len && !memcmp(config.named[i], name, len)) return &config.named_info[i];
    return &NO_TAG;
}

/* node.text() of selectolax: its descendants' text, decoded once */
PyObject *deep_text(lxb_dom_node_t *root) {
    PyObject *buf = PyByteArray_FromStringAndSize(NULL, 0);
    if (!buf) return NULL;
    lxb_dom_node_t *node = root->first_child;
    while (node) {
        if (node->type == LXB_TEXT) {
            lexbor_str_t *d = &((lxb_dom_character_data_t *)node)->data;
            if (d->data) {
                Py_ssize_t at = PyByteArray_GET_SIZE(buf);
                if (PyByteArray_Resize(buf, at + (Py_ssize_t)d->length) < 0) { Py_DECREF(buf); return NULL; }
                memcpy(PyByteArray_AS_STRING(buf) + at, d->data, d->length);
            }
        }
        if (node->first_child) { node = node->first_child; continue; }
        while (node != root && !node->next) node = node->parent;
        if (node == root) break;
        node = node->next;
    }
    Py_ssize_t n = PyByteArray_GET_SIZE(buf);
    PyObject *u = n ? PyUnicode_DecodeUTF8(PyByteArray_AS_STRING(buf), n, "replace") : PyUnicode_FromString("");
    Py_DECREF(buf);
    return u;
}

/* a React streamed segment for a <template id="B:n"> or "P:n", taken from w->segments (each read once) */
static lxb_dom_node_t *segment(Walk *w, lxb_dom_node_t *node) {
    int found;
    const lexbor_str_t *id = attribute(node, "id", &found);
    if (!id || !id->data || id->length < 2) return NULL;
    if (!(id->data[0] == 'B' || id->data[0] == 'P') || id->data[1] != ':') return NULL;
    PyObject *key = PyUnicode_DecodeUTF8((const char *)id->data + 2, (Py_ssize_t)id->length - 2, "replace");
    if (!key) { PyErr_Clear(); return NULL; }
    PyObject *value = PyDict_GetItemWithError(w->segments, key);
    lxb_dom_node_t *seg = NULL;
    if (value) {
        seg = (lxb_dom_node_t *)PyLong_AsVoidPtr(value);
        PyDict_DelItem(w->segments, key);
    }
    PyErr_Clear();
    Py_DECREF(key);
    return seg;
}

static int run(Walk *w, lxb_dom_node_t *root, Py_ssize_t max_nodes, int read_noscript) {
    Ctx first = {0, 11, 0, 0, 0, 0, 0, 0, {-1, -1, -1, -1}};
    Py_ssize_t at = new_ctx(w, &first);
    if (at < 0 || push(w, root, at) < 0) return -1;
    Py_ssize_t seen = 0;
    uint32_t skip = T_SKIP;
    while (w->sp) {
        Frame f = w->stack[--w->sp];
        if (!f.node) {  /* the end of a block element: its text so far is a block */
            if (w->parts.len && flush(w, &w->ctx[f.ctx]) < 0) return -1;
            continue;
        }
        lxb_dom_node_t *node = f.node;
        if (node->type == LXB_TEXT) {
            lexbor_str_t *d = &((lxb_dom_character_data_t *)node)->data;
            if (d->data && d->length) {
                const Ctx *c = &w->ctx[f.ctx];
                Py_ssize_t stripped = 0;
                if (append_utf8(&w->parts, d->data, d->length, !c->pre, c->in_link ? &stripped : NULL) < 0)
                    return -1;
                w->links += stripped;
            }
            continue;
        }
        if (node->type != LXB_ELEMENT) continue;  /* comments, doctype */
        const TagInfo *tag = tag_info(node);
        uint32_t flags = tag->flags;
        if ((flags & skip) && !(read_noscript && (flags & T_NOSCRIPT))) {
            int found;
            if (flags & T_SCRIPT) {
                if (value_is(attribute(node, "type", &found), "application/ld+json")) {
                    PyObject *t = deep_text(node);
                    if (!t || PyList_Append(w->jsonld, t) < 0) { Py_XDECREF(t); return -1; }
                    Py_DECREF(t);
                }
            } else if (flags & T_NOSCRIPT) {
                w->noscript = 1;
            } else if ((flags & T_TEMPLATE) && w->segments && PyDict_GET_SIZE(w->segments)) {
                lxb_dom_node_t *seg = segment(w, node);
                for (lxb_dom_node_t *child = seg ? seg->last_child : NULL; child; child = child->prev)
                    if (push(w, child, f.ctx) < 0) return -1;
            }
            continue;
        }
        if (++seen > max_nodes) break;  /* a pathological page: what was read so far stands for it */
        if (flags & T_BR) {
            if (ucs4_reserve(&w->parts, 1) < 0) return -1;
            w->parts.data[w->parts.len++] = '\n';
            continue;
        }
        uint32_t bits = 0, sbits = 0;
        if (((lxb_dom_element_t *)node)->first_attr) {
            int skip_it = attributes(node, flags, &w->seen, &bits, &sbits);
            if (skip_it < 0) return -1;
            if (skip_it) continue;
        }
        Ctx c = w->ctx[f.ctx];
        lxb_dom_node_t *child = node->last_child;
        if (flags & T_BLOCK) {
            if (w->parts.len && flush(w, &c) < 0) return -1;  /* the text before it is its parent's */
            c.sbits |= sbits;
            c.chain[3] = c.chain[2];
            c.chain[2] = c.chain[1];
            c.chain[1] = c.chain[0];
            c.chain[0] = seen;  /* seen counts elements: an id unique within the page */
            c.kind = tag->kind;
            c.pre = c.pre || (flags & T_PRE);
            c.tbits |= tag->tag_bit;
            c.wbits |= bits;
            uint32_t own = bits, outer = c.nbits;
            c.nbits = own | outer;  /* the end: its own class words and those of the block it sits in */
            Py_ssize_t end = new_ctx(w, &c);
            if (end < 0 || push(w, NULL, end) < 0) return -1;
            if (!child) continue;
            c.depth += 1;
            c.nbits = own;
        } else {
            if (w->parts.len && (flags & T_CELL)) {  /* cells do not break their row */
                if (ucs4_reserve(&w->parts, 3) < 0) return -1;
                w->parts.data[w->parts.len++] = ' ';
                w->parts.data[w->parts.len++] = '|';
                w->parts.data[w->parts.len++] = ' ';
            }
            if (!child) continue;
            c.depth += 1;
            c.sbits |= sbits;
            c.in_link = c.in_link || (flags & T_A);
            c.tbits |= tag->tag_bit;
            c.wbits |= bits;
        }
        Py_ssize_t inner = new_ctx(w, &c);
        if (inner < 0) return -1;
        for (; child; child = child->prev)
            if (push(w, child, inner) < 0) return -1;
    }
    return 0;
}

/* walk(root_mem_id, max_nodes, read_noscript, segments, article) -> (texts, info bytes, jsonld texts,
 * noscript seen, declared itemtype bits, hideable seen) */
PyObject *walk(PyObject *self, PyObject *args) {
    PyObject *root_id, *segments;
    Py_ssize_t max_nodes;
    int read_noscript, article;
    if (!PyArg_ParseTuple(args, "OnpO!p", &root_id, &max_nodes, &read_noscript, &PyDict_Type, &segments, &article))
        return NULL;
    lxb_dom_node_t *root = (lxb_dom_node_t *)PyLong_AsVoidPtr(root_id);
    if (!root) return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "walk: no root node");
    Walk w = {0};
    w.seen.article = article;
    PyObject *result = NULL;
    w.texts = PyList_New(0);
    w.jsonld = PyList_New(0);
    w.segments = PyDict_Copy(segments);
    if (w.texts && w.jsonld && w.segments && run(&w, root, max_nodes, read_noscript) == 0) {
        PyObject *info = PyBytes_FromStringAndSize((const char *)w.info,
                                                   w.n_blocks * I_COLUMNS * (Py_ssize_t)sizeof(int64_t));
        if (info)
            result = Py_BuildValue("(OOOOlO)", w.texts, info, w.jsonld, w.noscript ? Py_True : Py_False,
                                   w.seen.declared, w.seen.hideable ? Py_True : Py_False);
        Py_XDECREF(info);
    }
    Py_XDECREF(w.texts);
    Py_XDECREF(w.jsonld);
    Py_XDECREF(w.segments);
    PyMem_Free(w.ctx);
    PyMem_Free(w.stack);
    PyMem_Free(w.parts.data);
    PyMem_Free(w.text.data);
    PyMem_Free(w.info);
    return result;
}
