import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvidiaSmiPower, parseNvidiaSmiLine, PowerIntegrator } from './nvidia-smi.ts';

describe('nvidia-smi power lines', () => {
  it('parses timestamp, index, watts; skips N/A and junk', () => {
    const p = parseNvidiaSmiLine('2025/05/14 10:11:12.345, 1, 123.45')!;
    expect(p.gpu).toBe(1);
    expect(p.watts).toBe(123.45);
    expect(p.tMs).toBe(new Date(2025, 4, 14, 10, 11, 12, 345).getTime());
    expect(parseNvidiaSmiLine('2025/05/14 10:11:12.345, 0, [N/A]')).toBeUndefined();
    expect(parseNvidiaSmiLine('timestamp, index, power.draw [W]')).toBeUndefined();
    expect(parseNvidiaSmiLine('')).toBeUndefined();
  });

  it('integrates each GPU by the trapezoid rule', () => {
    const integ = new PowerIntegrator();
    // GPU 0: 100 W -> 200 W over 1 s = 150 J, then flat 200 W for 0.5 s = 100 J. GPU 1: 50 W for 2 s = 100 J.
    integ.add({ tMs: 0, gpu: 0, watts: 100 });
    integ.add({ tMs: 0, gpu: 1, watts: 50 });
    integ.add({ tMs: 1000, gpu: 0, watts: 200 });
    integ.add({ tMs: 1500, gpu: 0, watts: 200 });
    integ.add({ tMs: 2000, gpu: 1, watts: 50 });
    integ.add({ tMs: 1200, gpu: 0, watts: 999 }); // out of order: ignored
    expect(integ.reading()).toEqual({ energy_j: 350, power_w: 250, gpus: 2 });
  });
});

describe('NvidiaSmiPower', () => {
  it('fails at start with a clear error when nvidia-smi is missing', async () => {
    const r = new NvidiaSmiPower({ command: 'wrp-no-such-nvidia-smi' });
    await expect(r.start()).rejects.toThrow(/wrp-no-such-nvidia-smi not found on PATH .*energy: dcgm or energy: none/);
  });

  it('fails at start when nvidia-smi exits (no GPU / driver), quoting its message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrp-smi-'));
    const cmd = join(dir, 'nvidia-smi');
    writeFileSync(
      cmd,
      '#!/bin/sh\necho "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver." >&2\nexit 9\n',
    );
    chmodSync(cmd, 0o755);
    await expect(new NvidiaSmiPower({ command: cmd }).start()).rejects.toThrow(
      /exited \(code 9\).*could not communicate/,
    );
  });

  // No GPU on CI: a stand-in executable prints what nvidia-smi -lms prints (the arguments are checked).
  it('streams and integrates the power of a running nvidia-smi', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrp-smi-'));
    const cmd = join(dir, 'nvidia-smi');
    writeFileSync(
      cmd,
      [
        '#!/bin/sh',
        '[ "$1 $2 $3 $4 $5 $6" = "--query-gpu=timestamp,index,power.draw --format=csv,noheader,nounits -lms 50 -i 0" ] || { echo "bad args: $*" >&2; exit 2; }',
        'echo "2025/01/01 00:00:00.000, 0, 100.00"',
        'echo "2025/01/01 00:00:00.500, 0, 100.00"',
        'echo "2025/01/01 00:00:01.000, 0, 300.00"',
        'exec sleep 30',
      ].join('\n'),
    );
    chmodSync(cmd, 0o755);
    const r = new NvidiaSmiPower({ command: cmd, gpus: [0], intervalMs: 50 });
    await r.start();
    await expect.poll(() => r.reading().energy_j).toBe(150); // 100 W * 0.5 s + 200 W * 0.5 s
    expect(r.reading()).toMatchObject({ power_w: 300, gpus: 1 });
    r.stop();
  });
});
