/* transforms._extract_c: the learned extractor's walk, feature rows and trees in C (see
 * transforms/extract_native.py, which configures it and checks it against the Python reference). */
#include "common.h"

#include <dlfcn.h>
#include <string.h>

Config config;

/* tag_id(mem_id) -> the lexbor tag id of the element at that address (selectolax's Node.mem_id) */
static PyObject *tag_id(PyObject *self, PyObject *arg) {
    lxb_dom_node_t *node = PyLong_AsVoidPtr(arg);
    if (!node) return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "tag_id: no node");
    return PyLong_FromSize_t(node->local_name);
}

/* configure(lexbor module path, [(tag id, name, flags, kind, tag bit)], [(literal, bit, lookbehind,
 * lookahead)], (hidden classes, meta props, body props, section words: [(word, bit)] each), (class_bits,
 * hidden_class, hidden_style, prop_facts, itemtype_facts): extract_vocab's Python functions) */
static PyObject *configure(PyObject *self, PyObject *args) {
    const char *path;
    PyObject *tags, *literals, *lists, *functions;
    if (!PyArg_ParseTuple(args, "sO!O!O!O!", &path, &PyList_Type, &tags, &PyList_Type, &literals, &PyTuple_Type,
                          &lists, &PyTuple_Type, &functions))
        return NULL;
    if (config.static_tags) return PyErr_Format(PyExc_RuntimeError, "configure: already configured");
    void *lib = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!lib) return PyErr_Format(PyExc_ImportError, "configure: %s is not loaded", path);
    config.attr_name = (attr_name_fn)dlsym(lib, "lxb_dom_attr_qualified_name");
    config.element_name = (element_name_fn)dlsym(lib, "lxb_dom_element_qualified_name");
    dlclose(lib);  /* selectolax's import holds it */
    if (!config.attr_name || !config.element_name)
        return PyErr_Format(PyExc_ImportError, "configure: %s does not export lexbor's name functions", path);
    TagInfo *table = PyMem_Calloc(N_STATIC, sizeof(TagInfo));
    Py_ssize_t n = PyList_GET_SIZE(tags);
    char **named = PyMem_Calloc(n ? n : 1, sizeof(char *));
    TagInfo *named_info = PyMem_Calloc(n ? n : 1, sizeof(TagInfo));
    if (!table || !named || !named_info) return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < N_STATIC; i++) table[i].kind = 11;
    Py_ssize_t n_named = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned long long id;
        const char *name;
        unsigned int flags, bit;
        int kind;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(tags, i), "KsIiI", &id, &name, &flags, &kind, &bit)) return NULL;
        TagInfo info = {flags, kind, bit};
        if (id < N_STATIC) {
            table[id] = info;
        } else {  /* no static id in this lexbor: found by name */
            named[n_named] = PyMem_Malloc(strlen(name) + 1);
            if (!named[n_named]) return PyErr_NoMemory();
            strcpy(named[n_named], name);
            named_info[n_named++] = info;
        }
    }
    if (words_configure(literals, lists) < 0) return NULL;
    if (!PyArg_ParseTuple(functions, "OOOOO", &config.class_bits, &config.hidden_class, &config.hidden_style,
                          &config.prop_facts, &config.itemtype_facts))
        return NULL;
    Py_INCREF(config.class_bits);
    Py_INCREF(config.hidden_class);
    Py_INCREF(config.hidden_style);
    Py_INCREF(config.prop_facts);
    Py_INCREF(config.itemtype_facts);
    config.static_tags = table;
    config.named = named;
    config.named_info = named_info;
    config.n_named = n_named;
    Py_RETURN_NONE;
}

static PyObject *word_bits(PyObject *self, PyObject *arg) {
    const char *s;
    Py_ssize_t n;
    if (!PyArg_Parse(arg, "y#", &s, &n)) return NULL;
    return PyLong_FromUnsignedLong(ascii_word_bits((const unsigned char *)s, (size_t)n));
}

static PyMethodDef methods[] = {
    {"tag_id", tag_id, METH_O, "The lexbor tag id of the element at a selectolax Node.mem_id."},
    {"configure", configure, METH_VARARGS, "Tag table, class-word literals and lexbor's functions; once."},
    {"walk", walk, METH_VARARGS, "The blocks of a page: (texts, facts, JSON-LD texts, saw a noscript)."},
    {"features", features, METH_VARARGS, "The feature rows and container ids of a page's blocks."},
    {"model", model_new, METH_VARARGS, "The trees of a model, for score()."},
    {"score", score, METH_VARARGS, "P(main content) of each block."},
    {"count", scan_count, METH_VARARGS, "text.count(an ASCII character), vectorised."},
    {"contains", scan_contains, METH_VARARGS, "Whether text contains an ASCII needle, vectorised."},
    {"word_bits", word_bits, METH_O, "Class-word group bits of an ASCII class string (for the tests)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_extract_c", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__extract_c(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && (PyModule_AddIntConstant(m, "FACT_COLUMNS", I_COLUMNS) < 0 ||
              PyModule_AddIntConstant(m, "CONTEXT_COLUMNS", 16) < 0)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
