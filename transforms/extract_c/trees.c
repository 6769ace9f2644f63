/* The learned model's stages of trees (transforms/extract_learned.py: Trees, BlockModel, context) in C:
 * sixteen blocks walk down each tree together with no branch (2.3x the block-by-block walk on wcxb-dev),
 * the sums in numpy's order, so the same keep decisions come out. */
#include "common.h"

#include <math.h>
#include <string.h>

/* a test of a tree in 8 bytes, so that a stage's tests stay in the first-level cache while a block walks
 * down its trees: the cut as the largest float32 not above it (a float32 x is above it exactly when it is
 * above the float64 cut), the children as node numbers within the tree (a leaf is its own children) */
typedef struct {
    float cut;
    uint16_t feature;
    uint8_t child[2];  /* left (not above the cut), right */
} Node;

typedef struct {
    double baseline;
    Py_ssize_t n_trees, width;   /* nodes of tree t: [t * width, (t + 1) * width) */
    Node *nodes;
    double *value;               /* each node's value (a leaf's is its exit value) */
    uint8_t *depth;              /* each tree's deepest leaf: the steps every walk down it takes */
} Stage;

typedef struct {
    Py_ssize_t n_stages, n_features;  /* the first stage's features: the rows' columns */
    Stage *stages;
} Model;

#define N_CONTEXT 16  /* extract_learned.CONTEXT */
#define GROUP 16      /* blocks walked down a tree together */

static void model_free(PyObject *capsule) {
    Model *m = PyCapsule_GetPointer(capsule, "extract_model");
    if (!m) return;
    for (Py_ssize_t s = 0; s < m->n_stages; s++) {
        Stage *st = &m->stages[s];
        PyMem_Free(st->nodes);
        PyMem_Free(st->value);
        PyMem_Free(st->depth);
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

/* the steps from node j to the deepest leaf under it; state[k]: 0 not seen, 1 on the path down, 2 done
 * (depth[k] known). -1: a loop, or deeper than 64 */
static int tree_depth(const Node *tree, int j, uint8_t *state, int *depth, int at) {
    if (state[j] == 2) return depth[j];
    if (state[j] == 1 || at > 64) return -1;
    int d = 0;
    if (!(tree[j].child[0] == j && tree[j].child[1] == j)) {
        state[j] = 1;
        int l = tree_depth(tree, tree[j].child[0], state, depth, at + 1);
        int r = l < 0 ? -1 : tree_depth(tree, tree[j].child[1], state, depth, at + 1);
        if (r < 0) return -1;
        d = 1 + (l > r ? l : r);
    }
    state[j] = 2;
    depth[j] = d;
    return d;
}

/* the stage's nodes and each tree's depth from the exported arrays, checked (-1: an exception is set) */
static int build_nodes(Stage *st, Py_ssize_t s, Py_ssize_t limit, PyObject *feature_obj, PyObject *cut_obj,
                       PyObject *left_obj, PyObject *right_obj) {
    Py_ssize_t nodes = st->n_trees * st->width;
    int32_t *feature = NULL, *left = NULL, *right = NULL;
    double *cut = NULL;
    int ok = -1;
    if (copy_buffer(feature_obj, (void **)&feature, nodes, 4) < 0 ||
        copy_buffer(cut_obj, (void **)&cut, nodes, 8) < 0 || copy_buffer(left_obj, (void **)&left, nodes, 4) < 0 ||
        copy_buffer(right_obj, (void **)&right, nodes, 4) < 0)
        goto done;
    if (st->width > 256 || limit > 65536) {
        PyErr_Format(PyExc_ValueError, "model: stage %zd has trees of over 256 nodes or over 65,536 features", s);
        goto done;
    }
    for (Py_ssize_t j = 0; j < nodes; j++)
        if (feature[j] < 0 || feature[j] >= limit || left[j] < 0 || left[j] >= st->width || right[j] < 0 ||
            right[j] >= st->width) {
            PyErr_Format(PyExc_ValueError, "model: stage %zd has a node out of range", s);
            goto done;
        }
    st->nodes = PyMem_Malloc(nodes > 0 ? nodes * sizeof(Node) : 1);
    st->depth = PyMem_Malloc(st->n_trees > 0 ? st->n_trees : 1);
    if (!st->nodes || !st->depth) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t j = 0; j < nodes; j++) {
        float c = (float)cut[j];
        if ((double)c > cut[j]) c = nextafterf(c, -INFINITY);
        st->nodes[j] = (Node){c, (uint16_t)feature[j], {(uint8_t)left[j], (uint8_t)right[j]}};
    }
    for (Py_ssize_t t = 0; t < st->n_trees; t++) {
        uint8_t state[256] = {0};
        int depths[256];
        int d = tree_depth(st->nodes + t * st->width, 0, state, depths, 0);
        if (d < 0 || d > 64) {
            PyErr_Format(PyExc_ValueError, "model: tree %zd of stage %zd is over 64 deep or loops", t, s);
            goto done;
        }
        st->depth[t] = (uint8_t)d;
    }
    ok = 0;
done:
    PyMem_Free(feature);
    PyMem_Free(cut);
    PyMem_Free(left);
    PyMem_Free(right);
    return ok;
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
        if (copy_buffer(value, (void **)&st->value, st->n_trees * st->width, 8) < 0 ||
            build_nodes(st, s, n_features + (s ? N_CONTEXT : 0), feature, cut, left, right) < 0) {
            Py_DECREF(capsule);
            return NULL;
        }
    }
    return capsule;
}

/* P(content) of each block from its row of x (n rows of `width` float32: the features, then for later
 * stages the context columns). GROUP blocks walk down each tree together, each the tree's full depth (a
 * leaf is its own child) with no branch on the way: their steps overlap in the processor and none is
 * mispredicted. Each block's leaves are still summed tree after tree, numpy's order: the same scores. */
static void stage_proba(const Stage *st, const float *x, Py_ssize_t width, Py_ssize_t n, double *p,
                        double *leaf_values) {
    for (Py_ssize_t g = 0; g < n; g += GROUP) {
        Py_ssize_t m = n - g < GROUP ? n - g : GROUP;
        const float *row[GROUP];
        double sum[GROUP];
        for (int k = 0; k < GROUP; k++) row[k] = x + (g + (k < m ? k : 0)) * width;  /* a short group repeats */
        for (Py_ssize_t t = 0; t < st->n_trees; t++) {
            const Node *tree = st->nodes + t * st->width;
            unsigned j[GROUP] = {0};
            for (int d = 0; d < st->depth[t]; d++)
#pragma GCC unroll 16
                for (int k = 0; k < GROUP; k++) {
                    const Node *node = tree + j[k];
                    j[k] = node->child[row[k][node->feature] > node->cut];  /* an index, not a branch */
                }
            const double *value = st->value + t * st->width;
            for (int k = 0; k < m; k++) {
                if (n == 1) leaf_values[t] = value[j[k]];
                else sum[k] = t ? sum[k] + value[j[k]] : value[j[k]];
            }
        }
        if (n == 1) {  /* numpy sums a single block's leaves as one contiguous array: pairwise */
            p[0] = 1.0 / (1.0 + exp(-(st->baseline + pairwise_sum(leaf_values, st->n_trees, 1))));
            return;
        }
        for (int k = 0; k < m; k++) p[g + k] = 1.0 / (1.0 + exp(-(st->baseline + sum[k])));
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
    float *ctx = NULL, *both = NULL;
    Py_ssize_t n = chains.len / (CHAIN_COLUMNS * (Py_ssize_t)sizeof(int64_t));
    if (!m) goto done;
    Py_ssize_t nf = m->n_features, width = nf + N_CONTEXT;
    if (rows.len != n * nf * (Py_ssize_t)sizeof(float)) {
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
    both = PyMem_Malloc(n * width * sizeof(float));  /* a later stage's rows: the features, then the context */
    if (!leaf || !ctx || !both) { PyErr_NoMemory(); Py_CLEAR(result); goto done; }
    for (Py_ssize_t s = 0; s < m->n_stages; s++) {
        if (!s) {
            stage_proba(&m->stages[s], rows.buf, nf, n, p, leaf);
            continue;
        }
        if (context(p, (const int64_t *)chains.buf, n, ctx) < 0) { Py_CLEAR(result); goto done; }
        for (Py_ssize_t i = 0; i < n; i++) {
            memcpy(both + i * width, (const float *)rows.buf + i * nf, nf * sizeof(float));
            memcpy(both + i * width + nf, ctx + i * N_CONTEXT, N_CONTEXT * sizeof(float));
        }
        stage_proba(&m->stages[s], both, width, n, p, leaf);
    }
done:
    PyBuffer_Release(&rows);
    PyBuffer_Release(&chains);
    PyMem_Free(leaf);
    PyMem_Free(ctx);
    PyMem_Free(both);
    return result;
}
