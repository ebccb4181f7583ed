/** The locales the widget and the rules model speak (issue #14); anything else reads as English. */
export const LOCALES = ['en', 'es', 'de', 'fr', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

/** `es-MX` → `es`; unknown or absent → `en`. */
export function baseLocale(locale: string | undefined | null): Locale {
  const base = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return (LOCALES as readonly string[]).includes(base) ? (base as Locale) : 'en';
}
