/**
 * Page sizes written in the document, checked before the query limits: `tasks(first: 6000)` is
 * answered "first: 0 to 500, got 6000" (BAD_USER_INPUT), not with the query cost it would have.
 */
import { getNamedType, GraphQLError, Kind, TypeInfo, visit, visitWithTypeInfo, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { pageSizeProblem } from '../service/task-service.ts';

/**
 * A validation rule for the literal `first` of every field that answers a connection (a type
 * whose name ends in `Connection`): out of range, BAD_USER_INPUT. It walks the whole document as
 * validation enters it, before any operation is looked at, and throws rather than reports, which
 * ends validation before the query cost limit's rule runs — that one multiplies a selection's
 * cost by its `first` and would otherwise answer first, with a cost. A `first` given as a
 * variable is checked when the field resolves.
 */
export const pageSizeRule: ValidationRule = (context) => ({
  Document(document) {
    const typeInfo = new TypeInfo(context.getSchema());
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Argument(node) {
          if (node.name.value !== 'first' || node.value.kind !== Kind.INT) return;
          const field = typeInfo.getFieldDef();
          if (!field || !getNamedType(field.type).name.endsWith('Connection')) return;
          const problem = pageSizeProblem(Number(node.value.value));
          if (problem) throw new GraphQLError(problem, { nodes: node, extensions: { code: 'BAD_USER_INPUT' } });
        },
      }),
    );
  },
});

/** Adds {@link pageSizeRule}; goes before the plugins of the query limits. */
export function usePageSizeCheck(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(pageSizeRule) };
}
