import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWrpError } from '../../core/errors.ts';
import { mapInOrder } from './fork-pool.ts';
import type { EchoTask } from './testing/echo-worker.ts';

const module = fileURLToPath(new URL('./testing/echo-worker.ts', import.meta.url));
const opts = (workers: number, window?: number) => ({
  role: 'test',
  module,
  workers,
  init: { tag: 'shared' },
  label: 'test worker',
  ...(window ? { window } : {}),
});

interface Echo {
  value: number;
  pid: number;
  tag: string;
  nan: number;
  missing?: undefined;
}

async function collect(tasks: EchoTask[], workers = 2, window?: number): Promise<Echo[]> {
  const out: Echo[] = [];
  for await (const r of mapInOrder<{ tag: string }, EchoTask, Echo>(tasks, opts(workers, window))) out.push(r);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('mapInOrder', () => {
  it('hands results back in task order, whatever order they finish in, values intact', async () => {
    // Early tasks are slow, later ones fast: they finish out of order on two workers.
    const tasks = Array.from({ length: 12 }, (_, i) => ({ value: i, delayMs: i % 3 === 0 ? 60 : 1 }));
    const out = await collect(tasks, 2, 3);
    expect(out.map((r) => r.value)).toEqual(tasks.map((t) => t.value));
    expect(new Set(out.map((r) => r.pid)).size).toBe(2);
    expect(out.every((r) => r.tag === 'shared' && Number.isNaN(r.nan) && 'missing' in r)).toBe(true);
    expect(out.some((r) => alive(r.pid))).toBe(false);
  });

  it("rethrows a worker's WrpError with its code, and any other error as WRP_WORKER_FAILED naming the worker", async () => {
    const config = await collect([{ value: 0 }, { value: 1, fail: 'config' }]).catch((e: unknown) => e);
    expect(isWrpError(config, 'WRP_CONFIG')).toBe(true);
    expect((config as Error).message).toBe('x.yaml: task 1: expected something else');
    const other = await collect([{ value: 0, fail: 'bad input' }], 1).catch((e: unknown) => e);
    expect(isWrpError(other, 'WRP_WORKER_FAILED')).toBe(true);
    expect((other as Error).message).toMatch(/^test worker 1\/1 \(pid \d+\), task 1: TypeError: bad input$/);
  });

  it('a worker that dies mid-task ends the map with WRP_WORKER_FAILED, and no worker is left running', async () => {
    const pids: number[] = [];
    const err = await (async () => {
      for await (const r of mapInOrder<{ tag: string }, EchoTask, Echo>(
        [{ value: 0 }, { value: 1, delayMs: 20, crash: true }, { value: 2, delayMs: 200 }, { value: 3 }],
        opts(2),
      ))
        pids.push(r.pid);
    })().catch((e: unknown) => e);
    expect(isWrpError(err, 'WRP_WORKER_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/exited \(code 7\) while running task 2 of 4/);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('a caller that stops early leaves no worker running', async () => {
    let first: Echo | undefined;
    for await (const r of mapInOrder<{ tag: string }, EchoTask, Echo>(
      Array.from({ length: 8 }, (_, i) => ({ value: i, delayMs: 30 })),
      opts(2),
    )) {
      first = r;
      break;
    }
    expect(first?.value).toBe(0);
    expect(alive(first!.pid)).toBe(false);
  });
});
