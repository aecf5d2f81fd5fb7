// Types of bin/relaunch.js for the TypeScript tests.
export declare const RELAUNCH_HEAP_MB: number;
export declare const RUN_NODE_FLAGS: readonly string[];
export declare function relaunchArgs(
  argv: readonly string[],
  execArgv: readonly string[],
  env: Record<string, string | undefined>,
  platform: string,
): string[] | undefined;
export declare function relaunch(args: string[]): Promise<void>;
export declare function watchParent(): void;
