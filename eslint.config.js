// ESLint: typescript-eslint's recommended rules, and the layering of the folders enforced.
// Dependencies run one way: core <- datasets <- harness <- learners <- tools, scripts, bench
// (the README's Layout). A folder may import only the folders to its left; scripts and
// bench are imported by nothing but their own tests, tools only by bench.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

const LAYERS = ['core', 'datasets', 'harness', 'learners', 'tools', 'scripts', 'bench', 'test'];
/** What each folder may import besides itself. */
const ALLOWED = {
  core: [],
  datasets: ['core'],
  harness: ['core', 'datasets'],
  learners: ['core', 'datasets', 'harness'],
  tools: ['core', 'datasets', 'harness', 'learners'],
  scripts: ['core', 'datasets', 'harness', 'learners'],
  bench: ['core', 'datasets', 'harness', 'learners', 'tools'],
  test: ['core', 'datasets', 'harness', 'learners', 'tools', 'scripts'],
};

const zones = LAYERS.map((target) => ({
  target: `./${target}`,
  from: LAYERS.filter((l) => l !== target && !ALLOWED[target].includes(l)).map((l) => `./${l}`),
  message: `${target}/ may import only ${ALLOWED[target].join(', ') || 'nothing of the project'} (README: Layout)`,
}));

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Tests build deliberately broken configs.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  prettier,
);
