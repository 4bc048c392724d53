/**
 * Task type and field descriptions are plain text in which `backticks` mark code, as in
 * Markdown. Only that one form is read: the rest stays text, and nothing becomes HTML, so a
 * description cannot inject markup. Pure, so it is unit-tested without a browser.
 */

/** A run of a description: code, or plain text. */
export interface TextPart {
  text: string;
  code: boolean;
}

/**
 * `text` cut into plain and code runs. A code span opens with a run of backticks and closes with
 * a run of the same length (so ``a `b` c`` holds backticks); a run without its closing twin is
 * plain text. As in Markdown, one space on each side of a span's content is dropped when both
 * are there.
 */
export function inlineCode(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const open = /^`+/.exec(text.slice(i));
    if (!open) {
      plain += text[i];
      i += 1;
      continue;
    }
    const fence = open[0];
    const close = findFence(text, i + fence.length, fence.length);
    if (close < 0) {
      plain += fence;
      i += fence.length;
      continue;
    }
    if (plain) parts.push({ text: plain, code: false });
    plain = '';
    parts.push({ text: trimOneSpace(text.slice(i + fence.length, close)), code: true });
    i = close + fence.length;
  }
  if (plain) parts.push({ text: plain, code: false });
  return parts;
}

/** Where the next run of exactly `length` backticks starts at or after `from`; -1 if none. */
function findFence(text: string, from: number, length: number): number {
  const runs = /`+/g;
  runs.lastIndex = from;
  for (let run = runs.exec(text); run; run = runs.exec(text)) {
    if (run[0].length === length) return run.index;
  }
  return -1;
}

function trimOneSpace(code: string): string {
  return code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '' ? code.slice(1, -1) : code;
}
