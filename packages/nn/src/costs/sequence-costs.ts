import { HypatiaError, captureSite, type Variable } from '@hypatia/core';
import { castTo, div, flatten, mean, mul, reshape, shapeOf, softmaxCrossentropyWithLabels, sum } from '@hypatia/ops';

/**
 * The per-step softmax cross-entropy of a sequence model, `-log softmax(logits[t, b])[labels[t, b]]`,
 * averaged over the steps that count: `logits` `[time, batch, classes]`, int32 `labels`
 * `[time, batch]`, and an optional `mask` `[time, batch]` (1 where a step counts, 0 for padding;
 * any float or bool dtype). With a mask the result is `sum(loss * mask) / sum(mask)`, the mean over
 * unmasked steps, so padded batches of unequal sequences weigh every real step the same; without,
 * the mean over all steps. A masked step's label must still be a class id (pad with 0): it is read,
 * and its loss multiplied by 0. Built on `softmaxCrossentropyWithLabels`, finite for any logits.
 */
export function sequenceCrossEntropy(logits: Variable, labels: Variable, mask?: Variable): Variable {
  const site = captureSite();
  const fail = (why: string): never => { throw new HypatiaError('sequenceCrossEntropy', why, site); };
  if (logits.ndim !== 3) fail(`logits must be [time, batch, classes], got ${logits} (${logits.type})`);
  if (labels.ndim !== 2 || labels.dtype !== 'int32') fail(`labels must be int32 [time, batch], got ${labels} (${labels.type})`);
  if (mask && mask.ndim !== 2) fail(`mask must be [time, batch] like labels, got ${mask} (${mask.type})`);
  const losses = softmaxCrossentropyWithLabels(reshape(logits, [-1, shapeOf(logits, 2)]), flatten(labels));
  if (!mask) return mean(losses);
  const m = castTo(flatten(mask), logits.dtype);
  return div(sum(mul(losses, m)), sum(m));
}
