// Each file adds one op family's routines to ROUTINES (lowering.ts).
import './views.js';
import './linalg.js';
import './matmul.js';
import './conv.js';
import './product-epilogue.js';
