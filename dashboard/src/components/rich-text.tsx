import { inlineCode } from '../inline-code.ts';

/** A description with its `code` spans as `<code>`; everything else as plain text. */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {inlineCode(text).map((part, i) => (part.code ? <code key={i}>{part.text}</code> : part.text))}
    </>
  );
}
