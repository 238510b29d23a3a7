import { describe, expect, it } from 'vitest';
import { OP_TABLE, checkCase } from '@hypatia/ops/backend';
import '@hypatia/backends';
import { ReferenceBackend } from './reference-backend.js';
import { signedZeroConstantsCase } from '../testing/signed-zero-case.js';

describe('reference backend runs the op table', () => {
  for (const c of OP_TABLE) {
    it(c.name, async () => {
      expect(await checkCase(c, 'reference')).toBeNull();
      expect(await checkCase(c, 'reference', { rewrites: false })).toBeNull();
    });
  }
});

describe('reference backend: fused formulas', () => {
  signedZeroConstantsCase(() => ({ backend: new ReferenceBackend() }));
});
