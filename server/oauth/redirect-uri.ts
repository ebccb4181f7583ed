/**
 * Redirect URIs of staff MCP clients (docs/staff-mcp.md): https anywhere; http only on the loopback
 * interface, where a native client listens on a port it picks at run time (RFC 8252 §7.3); a
 * private-use scheme (`vscode://…`, RFC 8252 §7.1). Never `javascript:`, `data:`, `file:` or a
 * fragment. Matching is exact, character for character, except the loopback port.
 */
export const MAX_REDIRECT_URI_LENGTH = 512;

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);
const PRIVATE_SCHEME = /^[a-z][a-z0-9+.-]{1,63}:$/;

/** Why a redirect URI cannot be registered, or null when it can. */
export function redirectUriProblem(raw: string): string | null {
  if (raw.length > MAX_REDIRECT_URI_LENGTH)
    return `a redirect URI is at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'a redirect URI must be an absolute URI';
  }
  if (url.hash || raw.includes('#')) return 'a redirect URI must not have a fragment';
  if (url.username || url.password) return 'a redirect URI must not carry credentials';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `redirect URIs with ${url.protocol} are not allowed`;
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    return LOOPBACK.has(url.hostname)
      ? null
      : 'http redirect URIs must be on the loopback interface (127.0.0.1 or [::1])';
  }
  return PRIVATE_SCHEME.test(url.protocol) ? null : 'unsupported redirect URI scheme';
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK.has(url.hostname);
}

/**
 * Whether `presented` is one of the client's registered URIs: the same string, or for a loopback
 * http URI the same string once the port is set aside (RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: readonly string[], presented: string): boolean {
  if (registered.includes(presented)) return true;
  let p: URL;
  try {
    p = new URL(presented);
  } catch {
    return false;
  }
  if (!isLoopback(p) || presented.includes('#')) return false;
  return registered.some((r) => {
    const u = new URL(r);
    if (!isLoopback(u) || u.hostname !== p.hostname) return false;
    // Compare everything but the port, character for character as the client wrote it.
    const strip = (s: string, url: URL) => s.replace(`//${url.host}`, `//${url.hostname}`);
    return strip(r, u) === strip(presented, p);
  });
}
