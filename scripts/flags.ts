/**
 * Command-line flags typed from their yargs option tables, so a handler's argument type is
 * what yargs parses (no casts): a flag without a default may be left out.
 */
import type { InferredOptionTypes, Options } from 'yargs';

type OptionalWhereUndefined<T> = { [K in keyof T as undefined extends T[K] ? K : never]?: T[K] } & {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
};

/** The parsed flags of an options table (`as const satisfies Record<string, Options>`). */
export type Flags<O extends Record<string, Options>> = OptionalWhereUndefined<InferredOptionTypes<O>>;
