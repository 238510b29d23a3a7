// Each file adds one op family's routines to ROUTINES (lowering.ts).
import './shape.js';
import './reduce.js';
import './linalg.js';
import './reduce-extra.js';
import './indexing.js';
import './creation.js';
import './random.js';
import './shape-extra.js';
import './matmul.js';
import './nnet.js';
import './conv.js';
import './pool.js';
import './product-epilogue.js';
