// One lint configuration for every package: ESLint's and typescript-eslint's recommended rules (no
// type information, so a package lints in seconds on CI's two cores), plus the house rules below.
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/.turbo/**', '**/build/**', '**/*.wasm', 'packages/wasm/asm/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      // `_name` marks a binding kept for its position (destructuring the rest, callback arity).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // `let [a, b] = …` where only `a` changes stays one declaration.
      'prefer-const': ['error', { destructuring: 'all' }],
      // `do { … } while (true)` with a break is the idiom of rejection sampling here.
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports (house style).' }],
    },
  },
  {
    // Tests poke at untyped results and hostile inputs on purpose.
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-unsafe-function-type': 'off' },
  },
  {
    // Configuration files are the one place tools require a default export.
    files: ['**/*.config.{js,ts,mjs}', '**/vitest.*.ts', 'vitest.shared.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
)
