import type { OperatorStore } from './operators.js';
import { DECOY_HASH, verifyPassword } from './passwords.js';
import type { SignInLimits } from './signin-limit.js';

export type SignInResult =
  | { ok: true; operatorId: string }
  | { ok: false; reason: 'rate_limited'; waitMs: number }
  | { ok: false; reason: 'failed' };

/**
 * One password check, shared by the console and the OAuth sign-in page so both count against the
 * same limits (C2): limits first, the same scrypt work for an unknown email as for a wrong password
 * (no timing oracle), and only failures counted.
 */
export async function authenticate(
  deps: { operators: OperatorStore; limiter: SignInLimits },
  address: string,
  email: string,
  password: string,
): Promise<SignInResult> {
  const wait = await deps.limiter.blocked(address, email);
  if (wait !== null) return { ok: false, reason: 'rate_limited', waitMs: wait };
  const accounts = await deps.operators.withEmail(email);
  let match: (typeof accounts)[number] | undefined;
  for (const a of accounts.length ? accounts : [null]) {
    const ok = await verifyPassword(password, a?.password_hash ?? DECOY_HASH);
    if (ok && a && !match) match = a;
  }
  if (!match) {
    await deps.limiter.failed(address, email);
    return { ok: false, reason: 'failed' };
  }
  return { ok: true, operatorId: match.id };
}
