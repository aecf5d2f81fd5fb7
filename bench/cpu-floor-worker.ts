/**
 * A worker for bench/scale.ts's floor: each task spins a fixed integer loop (no I/O, no
 * allocation) and answers its checksum. What N of them in parallel gain over one is the
 * parallel speedup this machine offers right now, the ceiling of any N-worker figure.
 */
import { serveTasks } from '../harness/scale/serve-tasks.ts';

serveTasks(() => (iterations: number) => {
  let x = 1;
  for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1664525) + 1013904223) | 0;
  return x;
});
