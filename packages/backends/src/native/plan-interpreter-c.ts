/**
 * The C side of a replayed plan (replay-plan.ts writes the code): a flat int64 program over
 * buffer slots, run by one Node-API call per step of a compiled function. Static slots point at
 * buffers fixed when the plan is made (the arena, constants, tables), dynamic slots are set by
 * each call (arguments, shared variables, fresh outputs), and derived slots by SLICE instructions.
 * A slice's bounds read from int32 scalars are resolved here again with the same checks, and the
 * scalars a launch was planned from (an op's value inputs, such as arange's bounds) are checked to
 * hold the recorded values (SAME); checks on other values (indices, labels) are the kernels' own.
 * A failed check returns before anything is written that outlives the call, and JS runs the call
 * again on its own path, which raises the precise error or records a plan for the new values.
 * Host steps (an op's JS perform) split the program into segments, each run by one call.
 * A loop (a Scan) is one LOOP instruction: its body, recorded from the first step, runs once per
 * step with the rows each step reads and writes placed again (row c0 + c1 t of a parent slot,
 * modulo a ring), until its steps are done or its stop condition holds; a conditional's branch is
 * guarded by TRUTH, so a replay that would take the other branch goes back to JS.
 */

/** Instruction codes, shared with replay-plan.ts. */
export const PlanOp = { kernel: 1, slice: 2, same: 3, offset: 4, truth: 5, loop: 6 } as const;

/** How a bound of a SLICE axis is given: absent, a number in the code, or an int32 scalar slot. */
export const BoundTag = { none: 0, constant: 1, slot: 2 } as const;

/** Element types of the scalars the interpreter reads. */
export const DTYPE_CODE = { bool: 0, int32: 1, float32: 2, float64: 3 } as const;

/** The codes above as C macros, so the interpreter names what replay-plan.ts writes. */
const CODES_C = [
  ...Object.entries(PlanOp).map(([k, v]) => `#define HYP_OP_${k.toUpperCase()} ${v}`),
  ...Object.entries(BoundTag).map(([k, v]) => `#define HYP_BOUND_${k.toUpperCase()} ${v}`),
  ...Object.entries(DTYPE_CODE).map(([k, v]) => `#define HYP_DT_${k.toUpperCase()} ${v}`),
].join('\n');

export const PLAN_INTERPRETER_C = CODES_C + String.raw`
typedef struct {
  int64_t *code;
  int64_t ncode;
  void **slots;
  int64_t nslots;
  int32_t *dynamic;
  int64_t ndynamic;
  double *offsets;
} hyp_plan;

static hyp_plan **hyp_plans = NULL;
static int32_t hyp_nplans = 0;

static double hyp_scalar(const void *p, int64_t dtype) {
  switch (dtype) {
    case HYP_DT_BOOL: return (double)((const uint8_t *)p)[0];
    case HYP_DT_INT32: return (double)((const int32_t *)p)[0];
    case HYP_DT_FLOAT32: return (double)((const float *)p)[0];
    default: return ((const double *)p)[0];
  }
}

/* JavaScript's truthiness of a scalar: non-zero and not NaN. */
static int hyp_truthy(const void *p, int64_t dtype) {
  double v = hyp_scalar(p, dtype);
  return v != 0 && v == v;
}

/* A SLICE bound: absent (sets *present = 0), a number, or an int32 scalar slot. */
static int64_t hyp_bound(void **s, int64_t tag, int64_t val, int *present) {
  *present = tag != HYP_BOUND_NONE;
  if (tag == HYP_BOUND_CONSTANT) return val;
  if (tag == HYP_BOUND_SLOT) return (int64_t)((const int32_t *)s[val])[0];
  return 0;
}

/* Python's slice.indices, as sliceRange in the ops package. */
static void hyp_slice_range(int64_t len, int hasStart, int64_t start, int hasStop, int64_t stop, int64_t step, int64_t *first, int64_t *count) {
  int64_t st, e;
  if (step > 0) {
    st = !hasStart ? 0 : start < 0 ? (start + len > 0 ? start + len : 0) : (start < len ? start : len);
    e = !hasStop ? len : stop < 0 ? (stop + len > 0 ? stop + len : 0) : (stop < len ? stop : len);
    *first = st;
    *count = e > st ? (e - st + step - 1) / step : 0;
  } else {
    st = !hasStart ? len - 1 : start < 0 ? (start + len > -1 ? start + len : -1) : (start < len - 1 ? start : len - 1);
    e = !hasStop ? -1 : stop < 0 ? (stop + len > -1 ? stop + len : -1) : (stop < len - 1 ? stop : len - 1);
    *first = st;
    *count = st > e ? (st - e + (-step) - 1) / (-step) : 0;
  }
}

static int32_t hyp_exec(hyp_plan *pl, int64_t from, int64_t to);

/* Runs words [from, to) of the program (one segment between host steps); 0 when every guard held, else 1 + the failing instruction's index in the segment. */
static int32_t hyp_exec(hyp_plan *pl, int64_t from, int64_t to) {
  if (from < 0 || to > pl->ncode || from > to) return -1;
  int64_t *c = pl->code + from, *end = pl->code + to;
  void **s = pl->slots;
  void *bufs[64];
  int32_t at = 0;
  while (c < end) {
    at++;
    switch (*c++) {
      case HYP_OP_KERNEL: { /* KERNEL k nb slots[nb] np params[np] */
        int64_t k = *c++, nb = *c++;
        for (int64_t i = 0; i < nb; i++) bufs[i] = s[*c++];
        int64_t np = *c++;
        if (hyp_kernels[k](bufs, c)) return at;
        c += np;
        break;
      }
      case HYP_OP_SLICE: { /* SLICE dst src esize info nd shape[nd] (kind, 3 x (tag, val))[nd] outNd outShape outStrides */
        int64_t dst = *c++, src = *c++, esize = *c++, info = *c++, nd = *c++;
        const int64_t *shape = c;
        c += nd;
        int64_t stride[16], outShape[16], outStride[16], base = 0, outNd = 0;
        if (nd > 16) return at;
        stride[nd > 0 ? nd - 1 : 0] = 1;
        for (int64_t d = nd - 2; d >= 0; d--) stride[d] = stride[d + 1] * shape[d + 1];
        for (int64_t d = 0; d < nd; d++) {
          int64_t kind = c[0], len = shape[d];
          int p0, p1, p2;
          int64_t b0 = hyp_bound(s, c[1], c[2], &p0), b1 = hyp_bound(s, c[3], c[4], &p1), b2 = hyp_bound(s, c[5], c[6], &p2);
          c += 7;
          if (kind == 0) { outShape[outNd] = len; outStride[outNd++] = stride[d]; continue; }
          if (kind == 1) {
            if (b0 >= len || b0 < -len) return at;
            base += (b0 < 0 ? b0 + len : b0) * stride[d];
            continue;
          }
          int64_t step = p2 ? b2 : 1, first, count;
          if (step == 0) return at;
          hyp_slice_range(len, p0, b0, p1, b1, step, &first, &count);
          if (count > 0) base += first * stride[d];
          outShape[outNd] = count;
          outStride[outNd++] = step * stride[d];
        }
        int64_t wantNd = *c++;
        if (wantNd != outNd) return at;
        for (int64_t d = 0; d < outNd; d++) if (c[d] != outShape[d] || c[outNd + d] != outStride[d]) return at;
        c += 2 * outNd;
        s[dst] = (char *)s[src] + base * esize;
        pl->offsets[info] = (double)base;
        break;
      }
      case HYP_OP_SAME: { /* SAME count ref (slot, dtype)[count]: the plan holds only while these scalars equal the doubles of slot ref */
        int64_t count = *c++;
        const double *ref = (const double *)s[*c++];
        for (int64_t i = 0; i < count; i++, c += 2) if (hyp_scalar(s[c[0]], c[1]) != ref[i]) return at;
        break;
      }
      case HYP_OP_OFFSET: { /* OFFSET dst src bytes elements: a fixed part of a buffer */
        int64_t dst = *c++, src = *c++, bytes = *c++, elements = *c++;
        s[dst] = (char *)s[src] + bytes;
        pl->offsets[dst] = (double)elements;
        break;
      }
      case HYP_OP_TRUTH: { /* TRUTH slot dtype value: the recorded branch holds only while the scalar's truth is value */
        int64_t slot = *c++, dtype = *c++, value = *c++;
        if (hyp_truthy(s[slot], dtype) != (int)value) return at;
        break;
      }
      case HYP_OP_LOOP: { /* LOOP steps stop stopDtype count nrows (dst parent c0 c1 ring rowBytes rowElements)[nrows] bodyLen body[bodyLen] */
        int64_t steps = *c++, stop = *c++, stopDtype = *c++, count = *c++, nrows = *c++;
        const int64_t *rows = c;
        c += 7 * nrows;
        int64_t len = *c++;
        int64_t body = c - pl->code;
        c += len;
        int64_t t = 0;
        while (t < steps) {
          for (int64_t r = 0; r < nrows; r++) {
            const int64_t *e = rows + 7 * r;
            int64_t row = e[2] + e[3] * t;
            if (e[4]) { row %= e[4]; if (row < 0) row += e[4]; }
            s[e[0]] = (char *)s[e[1]] + row * e[5];
            pl->offsets[e[0]] = (double)(row * e[6]);
          }
          if (hyp_exec(pl, body, body + len)) return at;
          t++;
          if (stop >= 0 && hyp_truthy(s[stop], stopDtype)) break;
        }
        if (count >= 0) ((int32_t *)s[count])[0] = (int32_t)t;
        break;
      }
      default: return at;
    }
  }
  return 0;
}

static int hyp_buffer(napi_env env, napi_value v, void **data) {
  napi_typedarray_type t;
  size_t len;
  return napi_get_typedarray_info(env, v, &t, &len, data, NULL, NULL) == napi_ok;
}

static napi_value hyp_new_plan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_error(env, NULL, "newPlan(code, slots, dynamic, offsets) takes 4 arguments");
    return NULL;
  }
  napi_typedarray_type t;
  size_t ncode = 0, ndyn = 0, noff = 0;
  void *code = NULL, *dyn = NULL, *off = NULL;
  uint32_t nslots = 0;
  if (napi_get_typedarray_info(env, argv[0], &t, &ncode, &code, NULL, NULL) != napi_ok || t != napi_float64_array ||
      napi_get_array_length(env, argv[1], &nslots) != napi_ok ||
      napi_get_typedarray_info(env, argv[2], &t, &ndyn, &dyn, NULL, NULL) != napi_ok || t != napi_int32_array ||
      napi_get_typedarray_info(env, argv[3], &t, &noff, &off, NULL, NULL) != napi_ok || t != napi_float64_array) {
    napi_throw_type_error(env, NULL, "newPlan takes a Float64Array, an array of typed arrays or nulls, an Int32Array and a Float64Array");
    return NULL;
  }
  hyp_plan *pl = (hyp_plan *)calloc(1, sizeof(hyp_plan));
  pl->code = (int64_t *)malloc((ncode ? ncode : 1) * sizeof(int64_t));
  for (size_t i = 0; i < ncode; i++) pl->code[i] = (int64_t)((const double *)code)[i];
  pl->ncode = (int64_t)ncode;
  pl->slots = (void **)calloc(nslots ? nslots : 1, sizeof(void *));
  pl->nslots = nslots;
  for (uint32_t i = 0; i < nslots; i++) {
    napi_value el;
    napi_valuetype vt;
    napi_get_element(env, argv[1], i, &el);
    napi_typeof(env, el, &vt);
    if (vt != napi_null && !hyp_buffer(env, el, &pl->slots[i])) {
      free(pl->slots); free(pl->code); free(pl);
      napi_throw_type_error(env, NULL, "plan slots must be typed arrays or null");
      return NULL;
    }
  }
  pl->dynamic = (int32_t *)malloc((ndyn ? ndyn : 1) * sizeof(int32_t));
  memcpy(pl->dynamic, dyn, ndyn * sizeof(int32_t));
  pl->ndynamic = (int64_t)ndyn;
  pl->offsets = (double *)off;
  int32_t id = -1;
  for (int32_t i = 0; i < hyp_nplans; i++) if (!hyp_plans[i]) { id = i; break; }
  if (id < 0) {
    hyp_plans = (hyp_plan **)realloc(hyp_plans, (size_t)(hyp_nplans + 1) * sizeof(hyp_plan *));
    id = hyp_nplans++;
  }
  hyp_plans[id] = pl;
  napi_value r;
  napi_create_int32(env, id, &r);
  return r;
}

static hyp_plan *hyp_plan_arg(napi_env env, napi_value v) {
  int32_t id = -1;
  napi_get_value_int32(env, v, &id);
  if (id < 0 || id >= hyp_nplans || !hyp_plans[id]) { napi_throw_range_error(env, NULL, "no such plan"); return NULL; }
  return hyp_plans[id];
}

static napi_value hyp_run_plan(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_error(env, NULL, "runPlan(plan, buffers, from, to) takes 4 arguments");
    return NULL;
  }
  hyp_plan *pl = hyp_plan_arg(env, argv[0]);
  if (!pl) return NULL;
  uint32_t nb = 0;
  if (napi_get_array_length(env, argv[1], &nb) != napi_ok || (int64_t)nb != pl->ndynamic) {
    napi_throw_type_error(env, NULL, "runPlan needs one typed array per dynamic slot");
    return NULL;
  }
  for (uint32_t i = 0; i < nb; i++) {
    napi_value el;
    napi_get_element(env, argv[1], i, &el);
    if (!hyp_buffer(env, el, &pl->slots[pl->dynamic[i]])) {
      napi_throw_type_error(env, NULL, "runPlan buffers must be typed arrays");
      return NULL;
    }
  }
  int64_t from = 0, to = 0;
  napi_get_value_int64(env, argv[2], &from);
  napi_get_value_int64(env, argv[3], &to);
  napi_value r;
  napi_create_int32(env, hyp_exec(pl, from, to), &r);
  return r;
}

static napi_value hyp_free_plan(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 1) return NULL;
  hyp_plan *pl = hyp_plan_arg(env, argv[0]);
  if (!pl) return NULL;
  int32_t id = -1;
  napi_get_value_int32(env, argv[0], &id);
  free(pl->code); free(pl->slots); free(pl->dynamic); free(pl);
  hyp_plans[id] = NULL;
  return NULL;
}
`;
