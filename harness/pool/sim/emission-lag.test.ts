import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { LABEL_HEADERS } from '../../types.ts';
import { describeFrameLag, EmissionLagWatch } from './emission-lag.ts';
import { startSimServer } from './server.ts';

describe('EmissionLagWatch', () => {
  it('measures lag in modelled steps and warns when over 1% of a window is a step late, at most once per interval', () => {
    const lines: string[] = [];
    const watch = new EmissionLagWatch('m', (l) => lines.push(l), 60, 1);
    watch.observeStep(0.02); // 20 ms steps
    for (let i = 0; i < 200; i++) expect(watch.observe(1 + i * 0.004, 1 + i * 0.004 + 0.01)).toBeCloseTo(0.5, 9);
    expect(lines).toHaveLength(0); // every frame half a step late: no warning
    for (let i = 0; i < 99; i++) watch.observe(2.6 + i * 0.001, 2.6 + i * 0.001 + (i < 5 ? 0.1 : 0.001));
    expect(lines).toHaveLength(0); // too few frames yet to judge the window
    watch.observe(2.7, 2.7); // the 100th frame of the window: 5 of 100 were 5 steps late
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/m: 5\.0% of token frames .* more than one modelled step \(20\.0 ms\).* up to 5\.0 steps/);
    for (let i = 0; i < 10; i++) watch.observe(4 + i * 0.2, 4.2 + i * 0.2); // late again, within the minute: quiet
    expect(lines).toHaveLength(1);
    const s = watch.stats();
    expect(s.frames).toBe(310);
    expect(s.stepMs).toBe(20);
    expect(s.lateShare).toBeCloseTo(15 / 310, 9);
    expect(s.p99Steps).toBeGreaterThan(1);
    expect(describeFrameLag('p', { ...s, p99Steps: 0.8, lateShare: 0.001 })).toBeUndefined(); // kept up
    watch.destroy();
  });

  it('is raised by the server when its event loop cannot write frames on the engine schedule', async () => {
    const warnings: string[] = [];
    const server = await startSimServer({ model: 'llama-3.2-1b', port: 0, onWarning: (l) => warnings.push(l) });
    try {
      const res = await request(`${server.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [LABEL_HEADERS.outputTokens]: '200' },
        body: JSON.stringify({
          model: 'llama-3.2-1b',
          messages: [{ role: 'user', content: 'Count slowly.' }],
          max_tokens: 200,
          stream: true,
        }),
      });
      let blocked = false;
      for await (const _chunk of res.body) {
        if (blocked) continue;
        blocked = true;
        // Hold the event loop (as thousands of socket writes would): the engine's step ends pass meanwhile.
        const until = performance.now() + 400;
        while (performance.now() < until);
      }
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /Llama-3\.2-1B-Instruct: [\d.]+% of token frames reached clients more than one modelled step/,
      );
      expect(server.frameLag().p99Steps).toBeGreaterThan(1);
      expect(describeFrameLag('p', server.frameLag())).toMatch(
        /^simulated pool p was the bottleneck: .* p99 [\d.]+ ms/,
      );
      const metrics = await (await request(`${server.url}/metrics`)).body.text();
      expect(metrics).toMatch(
        /^wrp:frame_lag_steps_count\{model_name="meta-llama\/Llama-3\.2-1B-Instruct"\} [1-9]\d*$/m,
      );
      expect(metrics).toMatch(/^wrp:engine_step_seconds\{model_name="meta-llama\/Llama-3\.2-1B-Instruct"\} 0\.\d+/m);
    } finally {
      await server.close();
    }
  });
});
