import { NDArray, shared, type SharedVariable, type Update, type Variable } from '@hypatia/core';
import { add, div, exp, mul, sqrt, square, sub } from '@hypatia/ops';

/**
 * An update rule as graph, what Network.sgd (`updateRule`) and fit (`optimizer`) train with:
 * `updates` turns the parameters and their gradients into the (variable, new value) pairs of one
 * step, creating shared variables for its state (velocities, caches, moments) the first time it runs.
 * All updates of a step read the values from before it, as Theano's do. The learning rate is a shared
 * scalar, so a schedule can change it between epochs without recompiling.
 */
export interface Optimizer {
  /** Recorded in checkpoints: a resumed run must use the same rule. */
  readonly name: string;
  updates(params: readonly SharedVariable[], grads: readonly Variable[]): Update[];
  /** The learning rate; set it (or use a schedule) to change it. */
  readonly lr: SharedVariable;
  /** The state variables created so far, for inspection and resetting. */
  readonly state: SharedVariable[];
}

/** network3's name for the rule `Network.sgd` takes: the same interface as fit's optimisers. */
export type UpdateRule = Optimizer;

/**
 * A float32 shared scalar holding the learning rate `eta` (positive), which schedules can change between epochs.
 */
export function learningRate(eta: number, rule = 'optimiser'): SharedVariable {
  if (!(eta > 0)) throw new RangeError(`${rule}: the learning rate must be positive, got ${eta}`);
  return shared(NDArray.from(eta, 'float32'), { name: 'lr', shape: [] });
}

// valueShape, not the value: a parameter may live on a GPU, where reading it back would wait.
function zerosLike(p: SharedVariable, name: string): SharedVariable {
  return shared(NDArray.zeros(p.dtype, p.valueShape), { name: `${p.name ?? 'p'}_${name}` });
}

function optimizer(name: string, eta: number, step: (p: SharedVariable, g: Variable, lr: SharedVariable, state: SharedVariable[]) => Update[]): Optimizer {
  const lr = learningRate(eta, name);
  const state: SharedVariable[] = [];
  return { name, lr, state, updates: (params, grads) => params.flatMap((p, i) => step(p, grads[i]!, lr, state)) };
}

/** Vanilla SGD (Nielsen ch. 1), network3's rule: p <- p - eta g. */
export function sgd(eta: number): Optimizer {
  return optimizer('sgd', eta, (p, g, lr) => [[p, sub(p, mul(lr, g))]]);
}

/** network3's name for `sgd`: plain stochastic gradient descent, the rule Network.sgd uses by default. */
export const sgdRule = sgd;

/**
 * Momentum (Nielsen 3.5, CS231n): a velocity v <- mu v - eta g that accumulates along consistent
 * directions and damps oscillation, like a ball with friction 1 - mu; p <- p + v.
 */
export function momentum(eta: number, mu = 0.9): Optimizer {
  return optimizer('momentum', eta, (p, g, lr, state) => {
    const v = zerosLike(p, 'velocity'); state.push(v);
    const vNew = sub(mul(mu, v), mul(lr, g));
    return [[v, vNew], [p, add(p, vNew)]];
  });
}

/**
 * Nesterov momentum (CS231n's form): evaluate the gradient at the look-ahead point; with the
 * parameters stored at the look-ahead, p <- p - mu v_prev + (1 + mu) v.
 */
export function nesterov(eta: number, mu = 0.9): Optimizer {
  return optimizer('nesterov', eta, (p, g, lr, state) => {
    const v = zerosLike(p, 'velocity'); state.push(v);
    const vNew = sub(mul(mu, v), mul(lr, g));
    return [[v, vNew], [p, add(p, add(mul(-mu, v), mul(1 + mu, vNew)))]];
  });
}

/** Adagrad (CS231n): per-parameter step eta / sqrt(sum of squared gradients); steps shrink monotonically. */
export function adagrad(eta: number, eps = 1e-8): Optimizer {
  return optimizer('adagrad', eta, (p, g, lr, state) => {
    const c = zerosLike(p, 'cache'); state.push(c);
    const cNew = add(c, square(g));
    return [[c, cNew], [p, sub(p, div(mul(lr, g), add(sqrt(cNew), eps)))]];
  });
}

/** RMSprop (CS231n): Adagrad with a leaky (moving-average) cache, so the steps do not decay to zero. */
export function rmsprop(eta: number, decay = 0.99, eps = 1e-8): Optimizer {
  return optimizer('rmsprop', eta, (p, g, lr, state) => {
    const c = zerosLike(p, 'cache'); state.push(c);
    const cNew = add(mul(decay, c), mul(1 - decay, square(g)));
    return [[c, cNew], [p, sub(p, div(mul(lr, g), add(sqrt(cNew), eps)))]];
  });
}

/**
 * Adam (CS231n's recommended default): RMSprop with momentum on the gradient (m) and bias correction
 * of both moving averages for the first steps, when they start from zero.
 */
export function adam(eta = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8): Optimizer {
  const lr = learningRate(eta, 'adam');
  const t = shared(NDArray.from(0, 'float32'), { name: 'adam_t', shape: [] });
  const state: SharedVariable[] = [t];
  return {
    name: 'adam', lr, state,
    updates: (params, grads) => {
      const tNew = add(t, 1);
      // beta^t as exp(t log beta): the bias corrections 1 - beta^t of the zero-started averages.
      const c1 = sub(1, exp(mul(Math.log(beta1), tNew)));
      const c2 = sub(1, exp(mul(Math.log(beta2), tNew)));
      const out: Update[] = [[t, tNew]];
      params.forEach((p, i) => {
        const g = grads[i]!;
        const m = zerosLike(p, 'm'); const v = zerosLike(p, 'v'); state.push(m, v);
        const mNew = add(mul(beta1, m), mul(1 - beta1, g));
        const vNew = add(mul(beta2, v), mul(1 - beta2, square(g)));
        out.push([m, mNew], [v, vNew], [p, sub(p, div(mul(lr, div(mNew, c1)), add(sqrt(div(vNew, c2)), eps)))]);
      });
      return out;
    },
  };
}
