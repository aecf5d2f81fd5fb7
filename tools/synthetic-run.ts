/**
 * Writes a synthetic run directory: requests.jsonl with `records` records shaped as the
 * runner writes them (single-turn sessions s0/0, s1/0, ..., mixed categories, 2% failed),
 * telemetry.jsonl with an energy sample per second across their span, and the experiment's
 * config.resolved.yaml. For tests and benchmarks of what reads runs back (report, resume)
 * at sizes no real run in a test could reach. Lines are streamed to the file, so writing
 * millions of records takes little memory.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SyntheticRunOptions {
  records: number;
  /** The experiment (YAML) written as config.resolved.yaml. */
  experiment: string;
  /** Characters of prompt and answer text per record, and ITL gaps (their count sets the record's size). */
  textChars?: number;
  answerChars?: number;
  itlGaps?: number;
}

const WORDS = 'the of and to in is that for it as with was on be by this are from or an at which not have has'.split(
  ' ',
);

function prose(chars: number, seed: number): string {
  let s = '';
  for (let i = 0; s.length < chars; i++) s += `${WORDS[(seed + i * 7) % WORDS.length]} `;
  return s.slice(0, chars);
}

/** One record of session i; t0 is the epoch ms of the run's first send. */
export function syntheticRecord(i: number, t0: number, o: Required<Omit<SyntheticRunOptions, 'experiment'>>): string {
  const itl = Array.from({ length: o.itlGaps }, (_, k) => Number((9 + ((i * 7 + k * 13) % 17) / 10).toFixed(3)));
  return JSON.stringify({
    id: `s${i}/0`,
    runId: 'synthetic-run',
    labels: {
      id: `s${i}/0`,
      source: 'synthetic',
      category: ['math', 'multiple-choice', 'chitchat', 'code'][i % 4],
      archetype: 'reasoning',
      sessionId: `s${i}`,
      turn: 0,
      warm: false,
      lengthClass: 'decode-heavy',
      reference: 'B',
      answerFormat: 'letter',
    },
    stage: 0,
    stageLabel: 'constant 1000/s',
    features: {
      promptTokensEstimate: 60,
      textChars: o.textChars,
      turn: 0,
      poolRunning: { a: 3 },
      poolWaiting: { a: 0 },
    },
    text: `Question ${i}: ${prose(o.textChars, i)}`,
    answer: `${prose(o.answerChars, i + 3)} The answer is B.`,
    decision: { pool: i % 3 === 0 ? 'b' : 'a', model: 'llama-3.2-1b', propensity: 0.5, policy: 'linucb' },
    status: i % 50 === 7 ? 'failed' : 'ok',
    requestId: `chatcmpl-${i.toString(16)}`,
    finishReason: 'stop',
    timing: {
      scheduledMs: i,
      sentMs: i + 0.2,
      sentEpochMs: t0 + i,
      sendLagMs: 0.2,
      ttftMs: 12 + (i % 11),
      tpotMs: 10,
      e2eMs: 260 + (i % 37),
      itlMs: itl,
    },
    tokens: { prompt: 60, output: o.itlGaps + 1, cached: 0, usageMissing: false },
    costUsd: 0.0000085,
    quality: i % 4 === 0 ? 0 : 1,
    evaluator: 'mc_letter',
    reward: 0.9,
    sloViolated: false,
  });
}

/** Writes the run directory; returns the bytes of requests.jsonl. */
export function writeSyntheticRun(dir: string, opts: SyntheticRunOptions): number {
  const o = { textChars: 100, answerChars: 100, itlGaps: 24, ...opts };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.resolved.yaml'), o.experiment);
  // Sends one per millisecond, ending a minute ago.
  const t0 = Date.now() - o.records - 60_000;
  const fd = openSync(join(dir, 'requests.jsonl'), 'w');
  let bytes = 0;
  let batch = '';
  try {
    for (let i = 0; i < o.records; i++) {
      batch += syntheticRecord(i, t0, o) + '\n';
      if (batch.length > 1 << 20) {
        bytes += writeSync(fd, batch);
        batch = '';
      }
    }
    bytes += writeSync(fd, batch);
  } finally {
    closeSync(fd);
  }
  // Energy samples every second across the records' span (pools a and b): report attributes them.
  const tel: string[] = [];
  for (let s = 0; s * 1000 <= o.records + 2000; s++)
    for (const pool of ['a', 'b'])
      tel.push(JSON.stringify({ kind: 'energy', pool, t_ms: t0 + s * 1000, energy_j: s * 350, power_w: 350 }));
  writeFileSync(join(dir, 'telemetry.jsonl'), tel.join('\n') + '\n');
  return bytes;
}
