import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { LABEL_HEADERS } from '../../types.ts';
import { EmissionLagWatch } from './emission-lag.ts';
import { startSimServer } from './server.ts';

describe('EmissionLagWatch', () => {
  it('warns when a frame is later than the threshold, at most once per interval', () => {
    const lines: string[] = [];
    const watch = new EmissionLagWatch('m', (l) => lines.push(l), 0.1, 60);
    watch.observe(1.0, 1.05); // 50 ms: on time enough
    expect(lines).toHaveLength(0);
    watch.observe(1.0, 1.25);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('250 ms behind');
    watch.observe(2.0, 2.5); // within the minute: quiet
    expect(lines).toHaveLength(1);
    watch.observe(70.0, 70.5);
    expect(lines).toHaveLength(2);
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
      expect(warnings[0]).toMatch(/llama-3.2-1b: token frames are reaching clients \d+ ms behind/);
    } finally {
      await server.close();
    }
  });
});
