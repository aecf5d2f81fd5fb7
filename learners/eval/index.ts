/** Routing evaluation metrics: pure functions; each file's header states its definitions. */
export * from './two-model.ts';
export * from './frontier.ts';
export * from './regret.ts';
export * from './ope.ts';
export * from './bootstrap.ts';
export * from './replay.ts';
export * from './logged.ts';
