import { loadOrCreateSecret } from './auth/keys.js';
import type { SiteConfig } from './config.js';

/**
 * The demo site: a generated HS256 secret in the data directory, pages served by this backend.
 * Signed-in demo visitors may read their records, change their phone and open tickets.
 */
export function demoSite(dataDir: string): SiteConfig {
  return {
    id: 'demo',
    origins: ['self'],
    visitorKeys: [{ kind: 'hs256', secret: loadOrCreateSecret(dataDir, 'site-demo') }],
    defaultScopes: ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'],
    anonymousScopes: ['crm.ticket.create'],
    phoneCountry: 'US',
  };
}

/** The configured sites; the demo site is the default configuration. */
export function resolveSites(dataDir: string): Map<string, SiteConfig> {
  const demo = demoSite(dataDir);
  return new Map([[demo.id, demo]]);
}
