import type { Config, SiteConfig } from '../config.js';
import { defaultSite } from '../crm/registry.js';

/** `--site ID`, or the only configured site, else `demo`; an unknown id is a clear error. */
export function pickSite(config: Config, given: string | undefined): SiteConfig {
  const id = given ?? defaultSite(config.sites.keys());
  const site = config.sites.get(id);
  if (!site) throw new Error(`--site must be one of: ${[...config.sites.keys()].join(', ')} (got "${id}")`);
  return site;
}
