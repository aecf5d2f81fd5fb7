#!/usr/bin/env node
// The `wrp` executable: runs the TypeScript CLI through tsx's loader (no build step needed).
import { register } from 'tsx/esm/api';

register();
await import('../scripts/wrp.ts');
