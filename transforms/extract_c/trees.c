/* The learned model's stages of trees (transforms/extract_learned.py: Trees, BlockModel, context) in C:
 * each block walks down each tree, the sums in numpy's order, so the same keep decisions come out. */
#include "common.h"

#include <math.h>
#include <string.h>

typedef struct {
    double baseline;
    Py_ssize_t n_trees, width;   /* nodes of tree t: [t * width, (t + 1) * width) */
    int32_t *feature, *left, *right;
    double *cut, *value;
} Stage;

typedef struct {
    Py_ssize_t n_stages, n_features;  /* the first stage's features: the rows' columns */
    Stage *stages;
} Model;

#define N_CONTEXT 16  /* extract_learned.CONTEXT */

static void model_free(PyObject *capsule) {
    Model *m = PyCapsule_GetPointer(capsule, "extract_model");
    if (!m) return;
    for (Py_ssize_t s = 0; s < m->n_stages; s++) {
        Stage *st = &m->stages[s];
        PyMem_Free(st->feature);
        PyMem_Free(st->left);
        PyMem_Free(st->right);
        PyMem_Free(st->cut);
        PyMem_Free(st->value);
    }
    PyMem_Free(m->stages);
    PyMem_Free(m);
}

static int copy_buffer(PyObject *obj, void **out, Py_ssize_t n, Py_ssize_t item) {
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if (view.len != n * item) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "model: an array of the wrong size");
        return -1;
    }
    *out = PyMem_Malloc(n > 0 ? n * item : 1);
    if (!*out) { PyBuffer_Release(&view); PyErr_NoMemory(); return -1; }
    memcpy(*out, view.buf, n * item);
    PyBuffer_Release(&view);
    return 0;
}

/* model(n_features, [(baseline, n_trees, width, feature int32, cut float64, left int32, right int32,
 * value float64), ...]) -> a capsule for score() */
PyObject *model_new(PyObject *self, PyObject *args) {
    Py_ssize_t n_features;
    PyObject *stages;
    if (!PyArg_ParseTuple(args, "nO!", &n_features, &PyList_Type, &stages)) return NULL;
    Model *m = PyMem_Calloc(1, sizeof(Model));
    if (!m) return PyErr_NoMemory();
    m->n_features = n_features;
    m->stages = PyMem_Calloc(PyList_GET_SIZE(stages) ? PyList_GET_SIZE(stages) : 1, sizeof(Stage));
    if (!m->stages) { PyMem_Free(m); return PyErr_NoMemory(); }
    PyObject *capsule = PyCapsule_New(m, "extract_model", model_free);
    if (!capsule) { PyMem_Free(m->stages); PyMem_Free(m); return NULL; }
    for (Py_ssize_t s = 0; s < PyList_GET_SIZE(stages); s++) {
        Stage *st = &m->stages[s];
        PyObject *feature, *cut, *left, *right, *value;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(stages, s), "dnnOOOOO", &st->baseline, &st->n_trees, &st->width,
                              &feature, &cut, &left, &right, &value)) {
            Py_DECREF(capsule);
            return NULL;
        }
        m->n_stages = s + 1;
        Py_ssize_t nodes = st->n_trees * st->width;
        if (copy_buffer(feature, (void **)&st->feature, nodes, 4) < 0 ||
            copy_buffer(cut, (void **)&st->cut, nodes, 8) < 0 ||
            copy_buffer(left, (void **)&st->left, nodes, 4) < 0 ||
            copy_buffer(right, (void **)&st->right, nodes, 4) < 0 ||
            copy_buffer(value, (void **)&st->value, nodes, 8) < 0) {
            Py_DECREF(capsule);
            return NULL;
        }
        Py_ssize_t limit = n_features + (s ? N_CONTEXT : 0);
        for (Py_ssize_t j = 0; j < nodes; j++)
            if (st->feature[j] < 0 || st->feature[j] >= limit || st->left[j] < 0 || st->left[j] >= st->width ||
                st->right[j] < 0 || st->right[j] >= st->width) {
                Py_DECREF(capsule);
                return PyErr_Format(PyExc_ValueError, "model: stage %zd has a node out of range", s);
            }
    }
    return capsule;
}

/* P(content) of each block: rows (n x n_features float32), then for later stages the context columns */
static void stage_proba(const Stage *st, const float *rows, Py_ssize_t n_features, const float *ctx,
                        Py_ssize_t n, double *p, double *leaf_values) {
    for (Py_ssize_t i = 0; i < n; i++) {
        const float *r = rows + i * n_features, *c = ctx ? ctx + i * N_CONTEXT : NULL;
        for (Py_ssize_t t = 0; t < st->n_trees; t++) {
            Py_ssize_t base = t * st->width, j = 0;
            for (int guard = 0; guard < 64; guard++) {  /* a tree is far less deep; a bad file cannot loop */
                int32_t l = st->left[base + j], rt = st->right[base + j];
                if (l == j && rt == j) break;
                int32_t f = st->feature[base + j];
                double x = f < n_features ? (double)r[f] : (double)c[f - n_features];
                j = x > st->cut[base + j] ? rt : l;
            }
            leaf_values[t] = st->value[base + j];
        }
        double s;
        if (n == 1) {  /* numpy sums a single block's leaves as one contiguous array: pairwise */
            s = pairwise_sum(leaf_values, st->n_trees, 1);
        } else {       /* and several blocks' leaves tree after tree */
            s = leaf_values[0];
            for (Py_ssize_t t = 1; t < st->n_trees; t++) s += leaf_values[t];
        }
        double raw = st->baseline + s;
        p[i] = 1.0 / (1.0 + exp(-raw));
    }
}

/* the mean of p over each block's id in column `col` of chains (fallback where it has none), into out */
static int means(const double *p, const int64_t *chains, Py_ssize_t n, int col, double fallback, float *out,
                 int log_size) {
    int64_t m = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + col];
        m = c + 1 > m ? c + 1 : m;
    }
    double *sums = PyMem_Calloc(m ? m : 1, sizeof(double)), *count = PyMem_Calloc(m ? m : 1, sizeof(double));
    if (!sums || !count) { PyMem_Free(sums); PyMem_Free(count); PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + col];
        if (c >= 0) { sums[c] += p[i]; count[c] += 1; }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + col];
        out[i * N_CONTEXT] = (float)(c >= 0 ? sums[c] / (count[c] > 1 ? count[c] : 1) : fallback);
        if (log_size) out[i * N_CONTEXT + 1] = (float)log(count[c]);  /* groups: every block has one */
    }
    PyMem_Free(sums);
    PyMem_Free(count);
    return 0;
}

/* the second stage's extra columns (extract_learned.CONTEXT) from the first stage's scores */
static int context(const double *p, const int64_t *chains, Py_ssize_t n, float *out) {
    double mean = pairwise_sum(p, n, 1) / (double)n, top = p[0];
    for (Py_ssize_t i = 1; i < n; i++) top = p[i] > top ? p[i] : top;
    static const int by[6] = {1, 2, 3, -1, -2, -3};
    for (Py_ssize_t i = 0; i < n; i++) {
        float *o = out + i * N_CONTEXT;
        o[0] = (float)p[i];
        for (int k = 0; k < 6; k++) {
            Py_ssize_t j = i - by[k];
            o[1 + k] = (float)(j >= 0 && j < n ? p[j] : 0.0);
        }
        o[10] = (float)mean;
        o[11] = (float)top;
    }
    for (int level = 1; level <= 3; level++)  /* p_up1..3: the containers' means */
        if (means(p, chains, n, level, mean, out + 6 + level, 0) < 0) return -1;
    if (means(p, chains, n, 4, mean, out + 12, 1) < 0) return -1;  /* the group's mean and size */
    if (means(p, chains, n, 0, mean, out + 14, 0) < 0) return -1;  /* p_up0 */
    int64_t m = 0;  /* p_up1_max: the best-scored block of the container around it */
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + 1];
        m = c + 1 > m ? c + 1 : m;
    }
    double *best = PyMem_Malloc((m ? m : 1) * sizeof(double));
    if (!best) { PyErr_NoMemory(); return -1; }
    for (int64_t c = 0; c < m; c++) best[c] = -1.0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + 1];
        if (c >= 0 && p[i] > best[c]) best[c] = p[i];
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        int64_t c = chains[i * CHAIN_COLUMNS + 1];
        out[i * N_CONTEXT + 15] = (float)(c >= 0 ? best[c] : top);
    }
    PyMem_Free(best);
    return 0;
}

/* score(model, rows, chains) -> P(content) of each block as float64 bytes */
PyObject *score(PyObject *self, PyObject *args) {
    PyObject *capsule;
    Py_buffer rows, chains;
    if (!PyArg_ParseTuple(args, "Oy*y*", &capsule, &rows, &chains)) return NULL;
    Model *m = PyCapsule_GetPointer(capsule, "extract_model");
    PyObject *result = NULL;
    double *leaf = NULL, *p = NULL;
    float *ctx = NULL;
    Py_ssize_t n = chains.len / (CHAIN_COLUMNS * (Py_ssize_t)sizeof(int64_t));
    if (!m) goto done;
    if (rows.len != n * m->n_features * (Py_ssize_t)sizeof(float)) {
        PyErr_SetString(PyExc_ValueError, "score: rows and chains of different blocks");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(double));
    if (!result || !n) goto done;
    p = (double *)PyBytes_AS_STRING(result);
    Py_ssize_t most = 1;
    for (Py_ssize_t s = 0; s < m->n_stages; s++) most = m->stages[s].n_trees > most ? m->stages[s].n_trees : most;
    leaf = PyMem_Malloc(most * sizeof(double));
    ctx = PyMem_Malloc(n * N_CONTEXT * sizeof(float));
    if (!leaf || !ctx) { PyErr_NoMemory(); Py_CLEAR(result); goto done; }
    for (Py_ssize_t s = 0; s < m->n_stages; s++) {
        if (s && context(p, (const int64_t *)chains.buf, n, ctx) < 0) { Py_CLEAR(result); goto done; }
        stage_proba(&m->stages[s], rows.buf, m->n_features, s ? ctx : NULL, n, p, leaf);
    }
done:
    PyBuffer_Release(&rows);
    PyBuffer_Release(&chains);
    PyMem_Free(leaf);
    PyMem_Free(ctx);
    return result;
}
