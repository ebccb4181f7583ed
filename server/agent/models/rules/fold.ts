/**
 * Text folded for matching, in every language the widget speaks (issue #14): lower case, accents
 * and Arabic diacritics dropped (visitors often type without them), Arabic letter variants unified,
 * Arabic-Indic and full-width digits made ASCII, controls and bidi marks removed, whitespace
 * collapsed. Only for matching: slot values (phones, emails, descriptions) are read from the text
 * as typed.
 */
const ARABIC_DIGITS = /[\u0660-\u0669\u06f0-\u06f9]/g;
const MARKS = /\p{M}+/gu;
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u0640]/g;

export function fold(text: string): string {
  return (
    text
      .normalize('NFKC')
      .replace(INVISIBLE, '')
      .replace(ARABIC_DIGITS, (d) => String((d.charCodeAt(0) & 0xf) % 10))
      .toLowerCase()
      .replace(/ß/g, 'ss')
      .normalize('NFD')
      .replace(MARKS, '')
      // Arabic: alef forms → ا, taa marbuta → ه, alef maqsura → ي, hamza seats → their letter.
      .replace(/[أإآٱ]/g, 'ا')
      .replace(/ة/g, 'ه')
      .replace(/ى/g, 'ي')
      .replace(/ؤ/g, 'و')
      .replace(/ئ/g, 'ي')
      .replace(/؟/g, '?')
      .replace(/،/g, ',')
      .replace(/[¿¡]/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Arabic-Indic and full-width digits as ASCII, everything else as typed (for phones and ids). */
export function asciiDigits(text: string): string {
  return text
    .replace(ARABIC_DIGITS, (d) => String((d.charCodeAt(0) & 0xf) % 10))
    .replace(/[\uff10-\uff19]/g, (d) => String(d.charCodeAt(0) - 0xff10))
    .replace(/\uff0b/g, '+');
}
