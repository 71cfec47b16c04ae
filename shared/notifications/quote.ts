/** Width of a quoted line's text, so a long reason stays readable in a plain-text mail client. */
export const QUOTE_WIDTH = 72;

/**
 * Someone else's words as an email quotes them: wrapped at word boundaries and every line
 * prefixed with "> ", so no part of it can pass for the broker's own lines.
 */
export function quoteLines(text: string, width = QUOTE_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/u).filter(Boolean)) {
    let rest = word;
    // A word longer than a line is cut, by characters (never inside a surrogate pair).
    while ([...rest].length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      const chars = [...rest];
      lines.push(chars.slice(0, width).join(''));
      rest = chars.slice(width).join('');
    }
    if (!line) line = rest;
    else if ([...line].length + 1 + [...rest].length <= width) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines.map((l) => `> ${l}`);
}
