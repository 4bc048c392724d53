// ESLint: the recommended and type-aware rules of typescript-eslint, for every TypeScript file;
// for the dashboard's Preact code (and its tests), the rules of hooks.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'schema/generated/', 'coverage/', 'test-artifacts/', 'bench/results/', 'dashboard/dist/', 'dashboard/src/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Test doubles and handlers are often async without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Preact's hooks follow React's rules. The plugin's other rules serve the React Compiler,
    // which a Preact build does not use.
    files: ['dashboard/**/*.{ts,tsx}', 'test/unit/dashboard/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
