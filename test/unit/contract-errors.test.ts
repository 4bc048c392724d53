/**
 * What a client reads when a dependency is away: SERVICE_UNAVAILABLE, and a message that says
 * "nothing was changed" only when that is so — a request that got part way says what became of it,
 * and a field read after a mutation was done says only that it could not be read.
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { toContractError } from '../../src/api/errors.ts';
import { DependencyUnavailableError } from '../../src/errors.ts';

describe('toContractError of DependencyUnavailableError', () => {
  it('says nothing was changed when the error tells nothing more', () => {
    const error = toContractError(new DependencyUnavailableError('Redis'));
    expect(error.extensions['code']).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toBe('Redis is unavailable; nothing was changed, try again shortly');
  });

  it('says what became of the request instead, when the error says it', () => {
    const error = toContractError(new DependencyUnavailableError('MongoDB', { detail: 'the flow was not submitted; what was stored of it is deleted by the reconciler' }));
    expect(error.extensions['code']).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toBe('MongoDB is unavailable: the flow was not submitted; what was stored of it is deleted by the reconciler; try again shortly');
  });

  it('says only that a field below the first could not be read', () => {
    const cause = new DependencyUnavailableError('MongoDB');
    const error = toContractError(new GraphQLError(cause.message, { path: ['enqueueFlow', 'tasks', 999, 'dependsOn'], originalError: cause }));
    expect(error.extensions['code']).toBe('SERVICE_UNAVAILABLE');
    expect(error.message).toBe('MongoDB is unavailable; enqueueFlow.tasks.999.dependsOn could not be read (what enqueueFlow did stands), try again shortly');
    expect(error.path).toEqual(['enqueueFlow', 'tasks', 999, 'dependsOn']);
  });
});
