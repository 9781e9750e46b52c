/**
 * A message as one line fit for a terminal: raphe's refusals echo what the user wrote (a key, a path,
 * an option), and that text may hold control characters (an escape sequence would recolour or clear
 * the terminal) or be half a megabyte long. Line breaks become spaces, every other control character
 * is shown escaped (\u001b), and a run of more than LONGEST_WORD characters without a space is cut to
 * its start and its length (a colon after it kept), so the rest of the line (what is allowed) stays readable.
 */

/** Longest run of characters without a space kept whole. */
export const LONGEST_WORD = 200;

/** C0 and C1 control characters and DEL; bidirectional overrides and isolates, which reorder what follows. */
export function isControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

const escaped = (c: string) => (isControl(c.charCodeAt(0)) ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c);

export function terminalLine(message: string): string {
  return Array.from(message.replace(/\s*\n\s*/g, ' '), escaped)
    .join('')
    .replace(new RegExp(`\\S{${LONGEST_WORD + 1},}`, 'g'), (w) => {
      const end = /[:;,]$/.test(w) ? w.slice(-1) : ''; // the punctuation after a field's name stays
      return `${w.slice(0, LONGEST_WORD / 2)}… (${w.length - end.length} characters)${end}`;
    });
}
