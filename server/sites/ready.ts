import type { Config } from '../config.js';
import { runsDemoCrm } from '../store/seed.js';

/**
 * The "ready" log line: the live sites and the CRM each uses, and the demo logins only when the demo
 * CRM runs (issue 10: nothing about demo customers on a real deployment).
 */
export function readyMessage(config: Config, url: string): string {
  const sites = [...config.sites.values()]
    .map((s) => `${s.id} (${s.crm?.type ?? 'embedded'} CRM)`)
    .join(', ');
  const demo = runsDemoCrm(config) ? ' (demo logins: /?as=alice, /?as=bob, /?as=guest)' : '';
  return `Deputy is ready: ${url}/ serving ${sites}${demo}`;
}
