import type { SiteConfig } from '../config.js';

/**
 * The sites a page at `origin` may open chats for. `self` in a site's list matches the origin the
 * backend is served from (the demo). A request without `Origin` is not from a browser page (a
 * browser always sends it on WebSocket upgrades), so it may use any site; its token still decides.
 */
export function sitesForOrigin(
  origin: string | undefined,
  selfOrigins: readonly string[],
  sites: Map<string, SiteConfig>,
): Set<string> {
  const allowed = new Set<string>();
  for (const site of sites.values()) {
    if (origin === undefined) {
      allowed.add(site.id);
      continue;
    }
    for (const entry of site.origins) {
      if (entry === origin || (entry === 'self' && selfOrigins.includes(origin))) {
        allowed.add(site.id);
        break;
      }
    }
  }
  return allowed;
}
