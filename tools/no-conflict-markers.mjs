// Fails when a tracked file still holds a merge-conflict marker: Markdown and JSON are not
// linted or parsed by anything else, so a marker there would otherwise land unnoticed.
import { execFileSync } from 'node:child_process';

let hits = '';
try {
  hits = execFileSync('git', ['grep', '-nE', '^(<<<<<<<|>>>>>>>) ', '--', '.'], { encoding: 'utf8' });
} catch (e) {
  if (e.status !== 1) throw e; // 1: no match
}
if (hits.trim()) {
  console.error(`merge-conflict markers left in:\n${hits.trim()}`);
  process.exit(1);
}
