/** Masking of personal data for logs and the audit trail (group L of docs/threat-model.md). */

/** `+14155550132` → `+1•••••0132`; anything phone-like keeps only its country prefix and last 4 digits. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 6) return '•••';
  const plus = phone.trim().startsWith('+') ? '+' : '';
  return `${plus}${digits.slice(0, 1)}•••••${digits.slice(-4)}`;
}

/** `alice@example.com` → `a•••@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE_RE = /\+?\d[\d\s().-]{6,}\d/g;
const JWT_RE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** Masks emails, phone-like digit runs and JWTs inside free text. */
export function maskText(text: string): string {
  return text.replace(JWT_RE, '[token]').replace(EMAIL_RE, maskEmail).replace(PHONE_RE, maskPhone);
}

/** A JSON-safe copy of tool arguments with every string value masked. */
export function maskArgs(value: unknown, depth = 0): unknown {
  if (depth > 4) return '…';
  if (typeof value === 'string') return maskText(value.length > 200 ? `${value.slice(0, 200)}…` : value);
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => maskArgs(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value).slice(0, 20)) out[k] = maskArgs(v, depth + 1);
    return out;
  }
  return value;
}
