import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { OperatorStore } from '../../../server/console/operators.js';
import { operatorTokens } from '../../helpers/oauth.js';
import { callTool, errorOf } from '../mcp/support.js';
import type { CrmFixture } from './harness.js';

/** The operator `operatorToken` signs in (an agent of the fake CRM too, where a test adds one). */
export const DANA = { email: 'dana@acme.test', password: 'dana-password-1' };

/** An operator of site `acme` signed in through the OAuth flow (docs/staff-mcp.md): their access token. */
export async function operatorToken(f: CrmFixture): Promise<string> {
  await new OperatorStore(f.server.app.deputy.store.db).add({
    siteId: 'acme',
    name: 'Dana',
    role: 'agent',
    ...DANA,
  });
  return (await operatorTokens(f.server, DANA)).accessToken;
}

/** A staff write asked, then confirmed with the value it answered (the `confirmation` argument). */
export async function confirmedStaffCall(
  f: CrmFixture,
  token: string,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const asked = errorOf(await callTool(f.server, token, name, args));
  expect(asked.error).toBe('confirmation_required');
  return callTool(f.server, token, name, { ...args, confirmation: asked.confirmation?.state });
}

/** The customer ids of a find_customer answer, in order. */
export function customerIds(result: CallToolResult): string[] {
  expect(result.isError).toBeFalsy();
  return (result.structuredContent as { customers: { customer_id: string }[] }).customers.map(
    (c) => c.customer_id,
  );
}
