/**
 * A message as one line fit for a terminal, whatever raised it: raphe's refusals echo what the user wrote
 * (a key, a path, an option), and environment errors name paths too. Line breaks become spaces, every other
 * control character is escaped as ConfigError escapes it (model/errors.ts escapeControls: the one
 * implementation), and a run of more than LONGEST_WORD characters without a space is cut to its start and
 * its length (a colon after it kept), so the rest of the line (what is allowed) stays readable.
 */
import { escapeControls } from '../model/errors.js';

export { isControl } from '../model/errors.js';

/** Longest run of characters without a space kept whole. */
export const LONGEST_WORD = 200;

export function terminalLine(message: string): string {
  return escapeControls(message.replace(/\s*\n\s*/g, ' ')).replace(new RegExp(`\\S{${LONGEST_WORD + 1},}`, 'g'), (w) => {
    const end = /[:;,]$/.test(w) ? w.slice(-1) : ''; // the punctuation after a field's name stays
    return `${w.slice(0, LONGEST_WORD / 2)}… (${w.length - end.length} characters)${end}`;
  });
}
