import { z } from 'zod';
import { defineTaskType } from '../task-type.ts';

/** The most words one `generate` task writes. */
const MAX_WORDS = 100_000;

/**
 * `generate`: a fake language model for demos of output streams. It writes `words` words, one
 * output chunk (token) each, at `rate` words a second (0: as fast as it can), and returns the
 * whole text. The words are the same for the same `seed`, so tests and demos can check them.
 */
export const generate = defineTaskType({
  name: 'generate',
  description:
    'A fake language model: writes `words` deterministic words (from `seed`) to its output stream, one chunk each, at `rate` words a second (0: as fast as it can), logging as it goes; the result is the whole text.',
  input: z.object({
    words: z.number().int().min(0).max(MAX_WORDS).default(50),
    rate: z.number().min(0).max(100_000).default(20),
    seed: z.number().int().min(0).default(1),
  }),
  result: z.object({ text: z.string(), words: z.number().int() }),
  // No timeout of its own: a slow rate legally runs for hours; cancelling stops it at once.
});

const VOCABULARY = [
  'the', 'a', 'task', 'queue', 'worker', 'stream', 'token', 'runs', 'writes', 'reads', 'every', 'chunk',
  'in', 'order', 'without', 'gaps', 'and', 'then', 'live', 'replay', 'of', 'its', 'answer', 'model',
] as const;

/**
 * The `i`-th token (from 0) of `generate`'s text for `seed`: a word, with a space before all but
 * the first, so the tokens joined are the text. A small linear congruential generator picks the
 * words: the same seed gives the same text on every machine.
 */
export function generatedToken(seed: number, i: number): string {
  // Numerical Recipes' constants, on 32 bits; mixed with i so any token is computed on its own.
  const state = (Math.imul((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0, 1664525) + 1013904223) >>> 0;
  const word = VOCABULARY[(state >>> 8) % VOCABULARY.length]!;
  return i === 0 ? word : ` ${word}`;
}

/** The whole text `generate` writes for `seed` and `words`. */
export function generatedText(seed: number, words: number): string {
  return Array.from({ length: words }, (_, i) => generatedToken(seed, i)).join('');
}
