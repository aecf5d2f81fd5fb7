/** The cost-quality plane (NDCH, AIQ, zero router) lives in harness/metrics/frontier.ts: reports need it too. */
export * from '../../harness/metrics/frontier.ts';
