import { setTimeout as delay } from 'node:timers/promises';
import { generate, generatedToken } from '../../src/tasks/builtin/generate.ts';
import { defineHandler } from '../handler.ts';

/** How many tokens `generate` writes at full speed before it lets the event loop run (its writes and the signal). */
const TOKENS_PER_TURN = 100;

/**
 * `generate` writes one token per output chunk, keeping to `rate` tokens a second by the clock
 * (not by summing sleeps, which drift), logs its start and end, and reports progress and metadata
 * about every tenth of the way. The waits take the attempt's signal, so a cancel stops it at once.
 */
export const generateHandler = defineHandler(generate, async ({ words, rate, seed }, ctx) => {
  const started = performance.now();
  ctx.log.info(`generating ${words} words`, { words, rate, seed });
  const step = Math.max(1, Math.ceil(words / 10));
  let text = '';
  for (let i = 0; i < words; i++) {
    if (rate > 0) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait, undefined, { signal: ctx.signal });
    } else if (i % TOKENS_PER_TURN === 0) {
      await delay(0, undefined, { signal: ctx.signal });
    }
    const token = generatedToken(seed, i);
    // Waits only while the worker's buffer is full (a store that falls behind).
    await ctx.output.write(token);
    text += token;
    if ((i + 1) % step === 0) {
      ctx.progress({ percent: (100 * (i + 1)) / words, message: `${i + 1}/${words} words` });
      ctx.mergeMetadata({ words: i + 1 });
    }
  }
  ctx.log.info('done', { words, ms: Math.round(performance.now() - started) });
  return { text, words };
});
