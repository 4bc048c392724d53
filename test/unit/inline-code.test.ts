/** Descriptions with `code` spans: what becomes code, and that nothing else is read. */
import { describe, expect, it } from 'vitest';
import { inlineCode } from '../../dashboard/src/inline-code.ts';

describe('inlineCode', () => {
  it("cuts the sleep type's description into text and code", () => {
    expect(inlineCode('Waits `ms` milliseconds in `steps` equal steps, reporting progress after each.')).toEqual([
      { text: 'Waits ', code: false },
      { text: 'ms', code: true },
      { text: ' milliseconds in ', code: false },
      { text: 'steps', code: true },
      { text: ' equal steps, reporting progress after each.', code: false },
    ]);
  });

  it('keeps plain text, HTML included, as text', () => {
    expect(inlineCode('<img src=x onerror=alert(1)> **bold**')).toEqual([{ text: '<img src=x onerror=alert(1)> **bold**', code: false }]);
    expect(inlineCode('')).toEqual([]);
  });

  it('closes a span only with a run of as many backticks, and leaves an unclosed one as text', () => {
    expect(inlineCode('``a `b` c``')).toEqual([{ text: 'a `b` c', code: true }]);
    expect(inlineCode('it costs `5 and `x')).toEqual([
      { text: 'it costs ', code: false },
      { text: '5 and ', code: true },
      { text: 'x', code: false },
    ]);
    expect(inlineCode('one ` alone')).toEqual([{ text: 'one ` alone', code: false }]);
    expect(inlineCode('``not closed` here')).toEqual([{ text: '``not closed` here', code: false }]);
  });

  it('drops one space on each side of a code span, as Markdown does', () => {
    expect(inlineCode('`` `x` ``')).toEqual([{ text: '`x`', code: true }]);
    expect(inlineCode('`  `')).toEqual([{ text: '  ', code: true }]);
  });
});
