import type { SharedVariable, Update, Variable } from '@hypatia/core';

/** A layer's saved description: its type name and the options that rebuild it. */
export interface LayerConfig {
  type: string;
  [option: string]: unknown;
}

/**
 * What the Network needs from a layer (network3's contract): parameters, and `setInput`, which builds
 * two outputs from the previous layer's two: `output` (inference, dropout scaled out) and
 * `outputDropout` (training, with dropout applied). A user can implement it for a layer of their own.
 */
export interface Layer {
  /** Trained by gradient descent, in a fixed order (saved under `layers.<i>.<name>`). */
  readonly params: readonly SharedVariable[];
  /** The parameters the L2 penalty applies to (network3: the weights, not the biases). */
  readonly weights: readonly SharedVariable[];
  setInput(input: Variable, inputDropout: Variable, miniBatchSize: number): void;
  readonly output: Variable;
  readonly outputDropout: Variable;
  /** For saving; omit it and the network cannot be saved. */
  config?(): LayerConfig;
  /**
   * Shape of one example the layer reads: [nIn] for a dense layer, [channels, height, width] for a
   * convolutional one. The Network checks data and the previous layer's outputShape against it;
   * omit it and any input is taken unchecked.
   */
  readonly inputShape?: readonly number[];
  /** Shape of one example the layer writes ([classes] for an output layer); omit it if unknown. */
  readonly outputShape?: readonly number[];
  /** True if the layer writes what it reads, shape unchanged (dropout, batch norm): the checks look through it. */
  readonly keepsShape?: boolean;
}

/** The last layer: it defines the cost and the predicted classes. */
export interface OutputLayer extends Layer {
  /** Mean cost of the mini-batch for integer labels `y`, on the dropout output. */
  cost(y: Variable): Variable;
  /** Predicted class of each row (from `output`). */
  readonly yOut: Variable;
}

/** Whether `l` can end a network (it has a cost). */
export function isOutputLayer(l: Layer): l is OutputLayer {
  return typeof (l as OutputLayer).cost === 'function';
}

/** A layer whose training step must also apply some updates of its own (batch norm's running statistics). */
export interface StatefulLayer extends Layer {
  stateUpdates(): Update[];
}

/** Whether `l` has updates of its own to apply in each training step. */
export function isStatefulLayer(l: Layer): l is StatefulLayer {
  return typeof (l as StatefulLayer).stateUpdates === 'function';
}

/** Throws if setInput has not run yet: a layer's outputs exist only once it is connected. */
export function connected<T>(v: T | undefined, layer: string, what: string): T {
  if (v === undefined) throw new Error(`${layer}: ${what} is not built yet; call setInput (the Network does) first`);
  return v;
}
