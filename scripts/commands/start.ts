/**
 * `wrp start` (what `npm start` runs): the end-to-end smoke path on a simulated pool.
 * Starts a simulated vLLM server in-process, sends one streamed chat request through the
 * load generator's client, and prints its timings and the server's counters.
 */
import type { CommandModule } from 'yargs';
import { OpenAIClient } from '../../harness/client/openai-client.ts';
import { startSimServer } from '../../harness/pool/sim/server.ts';
import { LABEL_HEADERS } from '../../harness/types.ts';

async function start(): Promise<void> {
  const server = await startSimServer({ model: 'llama-3.1-8b', port: 0 });
  console.log(`simulated pool ${server.servedModelName} on ${server.url}`);
  const client = new OpenAIClient({ baseUrl: server.url });
  try {
    const record = await client.chat(
      { model: server.servedModelName, messages: [{ role: 'user', content: 'What is 6 x 7? Answer with a number.' }], max_tokens: 128 },
      { headers: { [LABEL_HEADERS.reference]: '42', [LABEL_HEADERS.category]: 'gsm8k' }, scheduledAt: performance.now() },
    );
    if (!record.ok) throw new Error(`request failed: ${record.errorClass}: ${record.errorMessage}`);
    console.log(`answer: ${record.text}`);
    console.log(
      `ttft ${record.ttftMs!.toFixed(1)} ms, tpot ${record.tpotMs?.toFixed(2) ?? '-'} ms, e2e ${record.e2eMs!.toFixed(1)} ms, ` +
        `${record.promptTokens} prompt / ${record.outputTokens} output tokens, finish ${record.finishReason}, request ${record.requestId}`,
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const line = (name: string) => metrics.split('\n').find((l) => l.startsWith(name)) ?? `${name} (missing)`;
    console.log(line('vllm:generation_tokens_total'));
    console.log(line('vllm:request_success_total'));
  } finally {
    await client.close();
    await server.close();
  }
}

export const startCommand: CommandModule = {
  command: 'start',
  describe: 'Quickstart: one streamed request against a simulated pool, end to end',
  handler: () => start(),
};
