/**
 * Which vLLM Semantic Router this model reproduces. Every module of router-model/ is written
 * from that snapshot's source (paths in each file's comments, relative to the repository
 * root) and covers what wrp emits: keyword and domain signals, decision matching, the static /
 * mlp / knn / confidence selectors and Router Learning's routing_sampling adaptation. When the
 * router changes, re-read those files and bump this record; manifests and reports carry it.
 */
export const ROUTER_RELEASE = {
  repository: 'github.com/vllm-project/semantic-router',
  /** The release tag the snapshot descends from. */
  tag: 'v0.3.0',
  /** `git describe` of the snapshot read. */
  describe: 'v0.3.0-390-g3d48f8c9c',
  commit: '3d48f8c9cc0d5b15067ce324a03ec6cc25f192c3',
  date: '2026-08-22',
} as const;

export const releaseLabel = () => `semantic-router ${ROUTER_RELEASE.describe} (${ROUTER_RELEASE.date})`;
