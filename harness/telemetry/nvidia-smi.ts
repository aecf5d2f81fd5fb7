/**
 * Energy source `nvml`: streams `nvidia-smi --query-gpu=timestamp,index,power.draw
 * --format=csv,noheader,nounits -lms N` and integrates each GPU's power over time
 * (trapezoid rule on nvidia-smi's own timestamps), for GPUs or drivers without a usable
 * energy counter and for hosts without a DCGM exporter. The sensor is noisy over short
 * windows (shared/REFERENCE.md section 2): sample at 100 ms and read energy over seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EnergyValues } from './types.ts';

export interface PowerLine {
  tMs: number;
  gpu: number;
  watts: number;
}

/** One CSV line, e.g. `2025/05/14 10:11:12.345, 0, 123.45`; undefined for headers, `[N/A]` power, junk. */
export function parseNvidiaSmiLine(line: string, receivedMs = Date.now()): PowerLine | undefined {
  const parts = line.split(',').map((s) => s.trim());
  if (parts.length < 3) return undefined;
  const gpu = Number(parts[1]);
  const watts = Number(parts[2]);
  if (!Number.isInteger(gpu) || parts[2] === '' || !Number.isFinite(watts)) return undefined;
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(parts[0]!);
  // nvidia-smi prints local time; without a readable stamp fall back to when the line arrived.
  const tMs = m
    ? new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, m[7] ? Number(m[7].padEnd(3, '0')) : 0).getTime()
    : receivedMs;
  return { tMs, gpu, watts };
}

/** Per-GPU trapezoid integration of power samples into joules. */
export class PowerIntegrator {
  private readonly last = new Map<number, { tMs: number; watts: number }>();
  private energyJ = 0;

  add(p: PowerLine): void {
    const prev = this.last.get(p.gpu);
    if (prev !== undefined && p.tMs > prev.tMs)
      this.energyJ += ((prev.watts + p.watts) / 2) * ((p.tMs - prev.tMs) / 1000);
    if (prev === undefined || p.tMs >= prev.tMs) this.last.set(p.gpu, { tMs: p.tMs, watts: p.watts });
  }

  reading(): EnergyValues {
    let power = 0;
    for (const v of this.last.values()) power += v.watts;
    return { energy_j: this.energyJ, power_w: power, gpus: this.last.size };
  }
}

export interface NvidiaSmiOptions {
  command?: string;
  gpus?: number[];
  intervalMs?: number;
  /** How long start() waits for the first power sample. Default 10 s. */
  startTimeoutMs?: number;
}

export class NvidiaSmiPower {
  private readonly integrator = new PowerIntegrator();
  private child: ChildProcess | undefined;
  private failure: string | undefined;
  private stderr = '';

  constructor(private readonly opts: NvidiaSmiOptions = {}) {}

  /** Spawns nvidia-smi; resolves at its first power sample, rejects with a clear message when it cannot run. */
  start(): Promise<void> {
    const command = this.opts.command ?? 'nvidia-smi';
    const args = [
      '--query-gpu=timestamp,index,power.draw',
      '--format=csv,noheader,nounits',
      '-lms',
      String(this.opts.intervalMs ?? 100),
    ];
    if (this.opts.gpus !== undefined) args.push('-i', this.opts.gpus.join(','));
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-2000)));
    return new Promise<void>((resolve, reject) => {
      let started = false;
      const fail = (msg: string) => {
        clearTimeout(timer);
        this.failure = msg;
        if (!started) {
          child.kill();
          reject(new Error(msg));
        }
      };
      const timer = setTimeout(
        () =>
          fail(
            `energy nvml: no power sample from ${command} within ${this.opts.startTimeoutMs ?? 10_000} ms${this.stderrNote()}`,
          ),
        this.opts.startTimeoutMs ?? 10_000,
      );
      child.on('error', (err: NodeJS.ErrnoException) =>
        fail(
          err.code === 'ENOENT'
            ? `energy nvml: ${command} not found on PATH (it comes with the NVIDIA driver); use energy: dcgm or energy: none on this host`
            : `energy nvml: cannot run ${command}: ${err.message}`,
        ),
      );
      // 'close', not 'exit': by then stderr has been read, so the message can quote it.
      child.on('close', (code, signal) => {
        if (this.child === undefined) return; // stopped on purpose
        fail(`energy nvml: ${command} exited (${signal ?? `code ${code}`})${this.stderrNote()}`);
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        const p = parseNvidiaSmiLine(line);
        if (p === undefined) return;
        this.integrator.add(p);
        if (!started) {
          started = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** Energy integrated since start, current power; throws when nvidia-smi died since. */
  reading(): EnergyValues {
    if (this.failure !== undefined) throw new Error(this.failure);
    return this.integrator.reading();
  }

  stop(): void {
    const c = this.child;
    this.child = undefined;
    c?.kill();
  }

  private stderrNote(): string {
    const s = this.stderr.trim();
    return s === '' ? '' : `: ${s.split('\n').slice(-3).join(' / ')}`;
  }
}
