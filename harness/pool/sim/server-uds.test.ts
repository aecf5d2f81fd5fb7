/** The simulated server on a Unix domain socket (`--uds`), reached by the load generator's client. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OpenAIClient } from '../../client/openai-client.ts';
import { LABEL_HEADERS } from '../../types.ts';
import { startSimServer } from './server.ts';
import { SimConfigError } from '../../../core/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'wrp-uds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('simulated server on a Unix domain socket', () => {
  it('streams a chat completion to a client that connects through the socket path', async () => {
    const path = join(dir, 'sim.sock');
    const server = await startSimServer({ model: 'llama-3.2-1b', uds: path });
    expect(server.socketPath).toBe(path);
    const client = new OpenAIClient({ baseUrl: server.url, socketPath: path });
    try {
      const r = await client.chat(
        { model: 'llama-3.2-1b', messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 32 },
        { headers: { [LABEL_HEADERS.outputTokens]: '12' } },
      );
      expect(r.errorMessage).toBeUndefined();
      expect(r).toMatchObject({ ok: true, httpStatus: 200, outputTokens: 12, contentEvents: 12, usageMissing: false });
    } finally {
      await client.close();
      await server.close();
    }
    expect(existsSync(path)).toBe(false);
  });

  it("replaces a dead server's socket file, refuses a live server's socket and any other file", async () => {
    const path = join(dir, 'stale.sock');
    // A server killed without closing leaves its socket file behind.
    const killed = `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', killed]);
    expect(existsSync(path)).toBe(true);
    const server = await startSimServer({ model: 'llama-3.2-1b', uds: path });
    await expect(startSimServer({ model: 'llama-3.2-1b', uds: path })).rejects.toThrow(/another server is listening/);
    await server.close();
    const plain = join(dir, 'not-a-socket');
    writeFileSync(plain, 'keep me');
    await expect(startSimServer({ model: 'llama-3.2-1b', uds: plain })).rejects.toThrow(SimConfigError);
    expect(existsSync(plain)).toBe(true);
  });
});
