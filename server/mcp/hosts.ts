/**
 * DNS-rebinding protection for `/mcp` (docs/threat-model.md M1, M2): a page on another site whose
 * name an attacker has pointed at Deputy's address reaches it with that name in `Host`, and a browser
 * page sends its own `Origin`. Both must name a host the server really answers to: the hosts of its
 * public URL and MCP URL (configured or derived from the listen address), the loopback names, and
 * any listed in `DEPUTY_MCP_ALLOWED_HOSTS`. Ports are not compared: the attack changes the name,
 * and a proxy in front may listen on another port.
 */

/** Names of this machine that no outside page can claim. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Lower-case hostnames (IPv6 in brackets) the server answers to. */
export function allowedHosts(urls: readonly string[], extra: readonly string[]): Set<string> {
  const hosts = new Set(LOOPBACK_HOSTS);
  for (const url of urls) {
    const host = hostnameOf(url);
    if (host) hosts.add(host);
  }
  for (const name of extra) hosts.add(name.trim().toLowerCase());
  return hosts;
}

/** The hostname of a URL, lower case, IPv6 in brackets; null when it is not a URL. */
function hostnameOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** The last `Host` header judged, against which set: clients send the same one on every request. */
let last: { header: string; allowed: ReadonlySet<string>; ok: boolean } | null = null;

/** Whether a `Host` header names an allowed host (a missing or malformed header does not). */
export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (!header) return false;
  if (last && last.header === header && last.allowed === allowed) return last.ok;
  const host = hostnameOf(`http://${header}`);
  const ok = host !== null && allowed.has(host);
  last = { header, allowed, ok };
  return ok;
}

/**
 * Whether a request may come from `origin`: no `Origin` (clients that are not browsers) may, and a
 * browser page may when its origin is http(s) on an allowed host. `null` (sandboxed frames, file
 * pages) may not.
 */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(url.hostname.toLowerCase());
}
