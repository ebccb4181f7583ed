import { describe, expect, it } from 'vitest';
import type { CrmAdapter } from '../../../server/crm/adapter.js';
import { CancelScope, CrmCancelledError, cancellable, cancellation } from '../../../server/crm/cancel.js';
import { createCrmRegistry } from '../../../server/crm/registry.js';
import { openStore } from '../../../server/store/db.js';

/** The embedded CRM on a real SQLite file, as one tool call sees it through its cancel scope. */
async function embedded(): Promise<{ crm: CrmAdapter; close(): Promise<void> }> {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'deputy-cancel-'));
  const store = await openStore(dir);
  const registry = createCrmRegistry({ sites: new Map([['demo', { id: 'demo' } as never]]) }, store.db, {});
  const site = registry.get('demo');
  if (!site) throw new Error('no site');
  return {
    crm: site.adapter,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('a tool call’s cancel scope (docs/architecture.md §4.2)', () => {
  it('lets adapter calls through until the call is cancelled, then refuses each one', async () => {
    const { crm, close } = await embedded();
    try {
      const abort = new AbortController();
      const scoped = cancellable(crm, new CancelScope(abort.signal));
      expect(scoped.name).toBe('embedded');
      expect(await scoped.getCustomer('nobody')).toBeNull();
      abort.abort();
      await expect(scoped.getCustomer('nobody')).rejects.toBeInstanceOf(CrmCancelledError);
      await expect(scoped.listTickets('nobody', { limit: 5 })).rejects.toBeInstanceOf(CrmCancelledError);
      // The adapter itself is untouched: other calls go on.
      expect(await crm.getCustomer('nobody')).toBeNull();
    } finally {
      await close();
    }
  });

  it('once shielded (a write has begun), nothing cancels it, and no request signal is handed out', async () => {
    const { crm, close } = await embedded();
    try {
      const abort = new AbortController();
      const scope = new CancelScope(abort.signal);
      const scoped = cancellable(crm, scope);
      expect(scope.active).toBe(abort.signal);
      scope.shield();
      abort.abort();
      expect(scope.cancelled).toBe(false);
      expect(scope.active).toBeUndefined();
      expect(await scoped.getCustomer('nobody')).toBeNull();
      // Outside any vendor call there is no signal in the async context.
      expect(cancellation()).toBeUndefined();
    } finally {
      await close();
    }
  });
});
