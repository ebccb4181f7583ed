import { describe, expect, it } from 'vitest';
import { benchCrm } from '../../bench/crm.js';

describe('the CRM benchmark runs with tiny counts', () => {
  it('counts upstream requests per tool call and measures turns for every CRM', async () => {
    const result = await benchCrm(true);
    const value = (id: string) => result.figures.find((f) => f.id === id)?.value.median;
    for (const kind of ['hubspot', 'salesforce', 'zendesk']) {
      expect(value(`crm-${kind}-get_customer_info`)).toBe(1);
      expect(value(`crm-${kind}-list_my_tickets`)).toBeLessThanOrEqual(2);
      expect(value(`crm-${kind}-turns`)).toBeGreaterThan(0);
    }
    expect(value('crm-embedded-turns')).toBeGreaterThan(0);
  }, 120_000);
});
