import { registerBackend } from '@hypatia/core';
import { ReferenceBackend } from './reference/reference-backend.js';

export { ReferenceBackend } from './reference/reference-backend.js';

registerBackend('reference', () => new ReferenceBackend());
// 'cpu' is the best host backend available; until the native backend lands it is the reference one.
registerBackend('cpu', () => new ReferenceBackend());
