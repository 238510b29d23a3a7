import { packageBuild } from '../../tsup.shared.js';

// browser: the entry bundlers pick under the `browser` condition, without the native backend.
export default packageBuild({ index: 'src/index.ts', browser: 'src/browser.ts' });
