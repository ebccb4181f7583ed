import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../../server/store/conversations.js';
import { openSqliteStore } from '../../../server/store/sqlite.js';

// WAL checkpoints run on a worker thread, never inside the server connection's COMMIT
// (server/store/checkpointer.ts, bench/FINDINGS.md "The tail at the steady rate").
const dir = mkdtempSync(path.join(tmpdir(), 'deputy-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('SQLite checkpoints', () => {
  it('are made by the worker, the WAL starts over, and close leaves no WAL behind', async () => {
    const store = await openSqliteStore(dir);
    const file = path.join(dir, 'deputy.sqlite');
    const wal = `${file}-wal`;
    // The server's connection never checkpoints by itself.
    expect(store.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const conversations = new ConversationStore(store.db);
    const id = (await conversations.create('demo', 'cus_alice')).id;
    const before = statSync(file).size;
    // Well past the WAL size at which the worker makes it start over (4,000 pages).
    const text = 'x'.repeat(3000);
    for (let i = 0; i < 6000; i++) await conversations.append(id, { role: 'visitor', text });
    // The pages reached the database file: copied by the worker, since the connection does not.
    expect(await until(() => statSync(file).size > before + 6000 * 3000)).toBe(true);
    // Every message is there, in order.
    const last = await conversations.recent(id, 1);
    expect(last[0]?.seq).toBe(6000);
    // The burst may have grown the WAL file (the worker starts it over when it catches up).
    // With the writes slower (as between bursts), the WAL starts over and is cut back to its limit.
    let cut = false;
    for (let i = 0; i < 500 && !cut; i++) {
      await conversations.append(id, { role: 'visitor', text: 'slower' });
      await new Promise((r) => setTimeout(r, 20));
      cut = statSync(wal).size <= 16 * 1024 * 1024;
    }
    expect(cut).toBe(true);
    // Idle, the worker backs off (up to a pass a second); the first writes after it are copied too.
    await new Promise((r) => setTimeout(r, 2500));
    const idleSize = statSync(file).size;
    for (let i = 0; i < 200; i++) await conversations.append(id, { role: 'visitor', text });
    expect(await until(() => statSync(file).size > idleSize + 200 * 3000, 5000)).toBe(true);
    const total = (await conversations.recent(id, 1))[0]?.seq ?? 0;
    await store.close();
    expect(existsSync(wal)).toBe(false);
    // Reopened, everything is still there.
    const again = await openSqliteStore(dir);
    expect((await new ConversationStore(again.db).recent(id, 1))[0]?.seq).toBe(total);
    await again.close();
  }, 60_000);
});
