import { describe, expect, it } from 'vitest';
import * as nn from '@hypatia/nn';
import * as nnNode from '@hypatia/nn/node';

describe('entry points', () => {
  it('keeps file loaders out of the browser-safe entry', () => {
    expect(typeof nnNode.loadIdx).toBe('function');
    expect(typeof nnNode.loadMnist).toBe('function');
    expect('loadIdx' in nn).toBe(false);
    expect(typeof nn.parseIdx).toBe('function');
  });
});
