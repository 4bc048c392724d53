/**
 * GraphQL Code Generator: typed documents for the operations in schema/operations/, from the
 * committed schema/schema.graphql, for Node clients and for the dashboard. `npm run codegen` writes them; `npm run schema:check` fails
 * when they are stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';

const typescript = {
  emitLegacyCommonJSImports: false,
  useTypeImports: true,
  enumsAsTypes: true,
  scalars: { DateTime: 'string', JSON: 'unknown', ID: 'string' },
};

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/*.graphql'],
  generates: {
    // DocumentNode objects, for Node clients (tests, bench, the watcher, examples).
    'schema/generated/': { preset: 'client', presetConfig: { fragmentMasking: false }, config: typescript },
    // The same operations as typed strings for the dashboard: sent as they are over graphql-ws, so
    // the browser needs no GraphQL printer.
    'dashboard/src/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      // Enums as objects too (`TaskState.RUNNING`), so the dashboard lists and checks values
      // from the schema instead of re-declaring them; their names as the schema spells them.
      config: { ...typescript, documentMode: 'string', enumType: 'const', namingConvention: { enumValues: 'keep' } },
    },
  },
};

export default config;
