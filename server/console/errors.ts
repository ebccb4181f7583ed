/**
 * The operator console's coded errors (HTTP status, or WebSocket close code). Codes are never reused;
 * each one is documented in docs/console.md, and a test checks that.
 */
export const CONSOLE_ERRORS = {
  console_unauthorized: { message: 'Sign in to the console first (no session, or it expired).', status: 401 },
  console_csrf: {
    message: 'The request lacks the console CSRF token or comes from another origin.',
    status: 403,
  },
  console_bad_request: { message: 'The request body does not match what the console expects.', status: 400 },
  console_not_found: { message: 'No such conversation on your sites.', status: 404 },
  console_not_owner: { message: 'Another operator owns this conversation, or nobody does.', status: 409 },
  signin_failed: { message: 'Wrong email or password.', status: 401 },
  signin_rate_limited: { message: 'Too many sign-in attempts. Wait a minute and try again.', status: 429 },
  console_bad_frame: { message: 'The console frame does not match the protocol.', status: 400 },
} as const satisfies Record<string, { message: string; status: number }>;

export type ConsoleErrorCode = keyof typeof CONSOLE_ERRORS;

/** The body of a coded console error. */
export function consoleError(code: ConsoleErrorCode, extra: Record<string, unknown> = {}) {
  return { code, message: CONSOLE_ERRORS[code].message, ...extra };
}
