import type { Migration } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-writes.js';
import * as m0003 from './0003-tenants.js';
import * as m0004 from './0004-handoff.js';
import * as m0005 from './0005-crm-oauth.js';
import * as m0006 from './0006-shared-state.js';
import * as m0007 from './0007-nodes.js';
import * as m0008 from './0008-oauth.js';
import * as m0009 from './0009-oauth-pending.js';
import * as m0010 from './0010-presence.js';
import * as m0011 from './0011-conversation-subject-index.js';
import * as m0012 from './0012-signin-failures.js';

/**
 * Every migration, in order. Listed in code (not read from a folder) so bundling and tsx agree.
 * Add new ones at the end; never edit one that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-writes': m0002,
  '0003-tenants': m0003,
  '0004-handoff': m0004,
  '0005-crm-oauth': m0005,
  '0006-shared-state': m0006,
  '0007-nodes': m0007,
  '0008-oauth': m0008,
  '0009-oauth-pending': m0009,
  '0010-presence': m0010,
  '0011-conversation-subject-index': m0011,
  '0012-signin-failures': m0012,
};
