// A question answered with its tool chip, and the visitor's own permissions: in every engine.
import { expect, it } from 'vitest';
import { describeEngines, type EngineRun } from './engines.js';
import { ask, openChat, rows } from './widget-page.js';

async function askAs(run: EngineRun, who: 'alice' | 'bob') {
  const page = await run.engine.newPage();
  try {
    await openChat(page, `${run.server.url}/?as=${who}`);
    const reply = await ask(page, "What's the status of ticket T-1001?");
    return { reply, chips: await rows(page, '.chip') };
  } finally {
    await page.close();
  }
}

describeEngines('asking about a ticket in the demo store', (run) => {
  it('shows Alice the status of her own ticket, with the tool chip that fetched it', async () => {
    const { reply, chips } = await askAs(run, 'alice');
    expect(reply).toMatch(/\bopen\b/i);
    expect(reply).toContain('T-1001');
    expect(chips).toHaveLength(1);
    expect(chips[0]).toMatch(/ticket/i);
  });

  it("does not reveal Alice's ticket to Bob", async () => {
    const { reply } = await askAs(run, 'bob');
    expect(reply).not.toContain('Order #5512');
    expect(reply).not.toMatch(/damaged/i);
    expect(reply).toMatch(/not find|couldn't find|not found|no ticket/i);
  });
});
