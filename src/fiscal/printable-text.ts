/**
 * Text that reaches paper (item names, the cashier, the customer's contact) must print as the
 * POS sent it and must not be able to forge a line of the receipt. A register prints control
 * characters as commands (ESC sequences, NUL, line feeds start a new line that looks like a
 * receipt line), reorders text around bidirectional controls (an RLO turns "100" into "001"),
 * and prints a name made only of invisible characters as an empty line.
 */

/** C0 controls (tab, CR, LF, ESC, NUL…), DEL, C1 controls, and the Unicode line and paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
/** Bidirectional formatting characters (Unicode UAX #9): embeddings, overrides, isolates, marks. */
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
/** An unpaired UTF-16 surrogate (valid in JSON as `"\ud800"`): cannot be printed or canonicalized. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** Characters that print as nothing: zero-width spaces and joiners, word joiner, BOM, soft hyphen, fillers. */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each is a separate invisible character, none combines here
const INVISIBLE = /[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200d\u2060-\u2064\u3164\ufeff\uffa0]/gu;

/** Why `text` cannot go on a fiscal document, or undefined when it can. */
export function unprintableReason(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'must not contain unpaired surrogate characters';
  if (CONTROL.test(text)) return 'must not contain control characters or line breaks';
  if (BIDI.test(text)) return 'must not contain bidirectional text controls';
  if (text.includes('\ufffd'))
    return 'contains U+FFFD, the replacement character: the text was mis-decoded before it reached the adapter';
  if (text.replace(INVISIBLE, '') === '') return 'must not be empty or made only of invisible characters';
  return undefined;
}
