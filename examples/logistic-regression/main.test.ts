import { describe, expect, it } from 'vitest';
import '@hypatia/backends';
import { trainLogisticRegression } from './main.js';

describe('logistic regression example', () => {
  it('learns MNIST from 2,000 images in two epochs (reference backend)', async () => {
    const r = await trainLogisticRegression({ epochs: 2, miniBatchSize: 20, eta: 0.5, decay: 0.5, backend: 'reference', limit: 2000 });
    expect(r.validationAccuracy).toBeGreaterThan(0.8);
    expect(r.testAccuracy).toBeGreaterThan(0.8);
  });
});
