import type { z } from 'zod';
import type { ConfigFileSchema } from './schema.js';

/**
 * The default configuration (no config file): the demo site, whose HS256 secret is generated in
 * the data directory and whose pages are served by this backend. Signed-in demo visitors may read
 * their records, change their phone and open tickets.
 */
export const DEMO_CONFIG: z.input<typeof ConfigFileSchema> = {
  sites: {
    demo: {
      origins: ['self'],
      keys: [{ type: 'hs256', generate: true }],
      defaultScopes: ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'],
      anonymousScopes: ['crm.ticket.create'],
      phoneCountry: 'US',
    },
  },
};
