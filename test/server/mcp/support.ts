import { createHash } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { CONFIRMATION_META_KEY } from '../../../server/mcp/confirmation.js';
import type { Scope } from '../../../shared/scopes.js';
import { mcpToken, postMcp } from '../../helpers/mcp.js';
import type { TestServer } from '../../helpers/server.js';
import { sqliteOf } from '../../helpers/stores.js';

/** The CRM tables whose content an attack must never change. */
const CRM_TABLES = ['customers', 'tickets', 'ticket_comments'] as const;

/** SHA-256 over every row of the CRM tables, read from the server's own database file. */
export function dbHash(server: TestServer): string {
  const hash = createHash('sha256');
  for (const table of CRM_TABLES) {
    const rows = sqliteOf(server.app.deputy.store).prepare(`select * from ${table} order by rowid`).all();
    hash.update(`${table}:${JSON.stringify(rows)}\n`);
  }
  return hash.digest('hex');
}

/** Rows of one CRM table (for asserting exactly what a write changed). */
export function rows<T>(server: TestServer, sqlText: string, ...params: unknown[]): T[] {
  return sqliteOf(server.app.deputy.store)
    .prepare(sqlText)
    .all(...params) as T[];
}

/**
 * SHA-256 over every row of the CRM tables, read through Kysely so it works on either store kind
 * (helpers/stores.ts); rows are ordered by key, and the hash is only compared within one store.
 */
export async function crmHash(server: TestServer): Promise<string> {
  const db = server.app.deputy.store.db;
  const hash = createHash('sha256');
  const tables = {
    customers: await db.selectFrom('customers').selectAll().orderBy('site_id').orderBy('id').execute(),
    tickets: await db.selectFrom('tickets').selectAll().orderBy('site_id').orderBy('id').execute(),
    ticket_comments: await db.selectFrom('ticket_comments').selectAll().orderBy('id').execute(),
  };
  for (const table of CRM_TABLES) hash.update(`${table}:${JSON.stringify(tables[table])}\n`);
  return hash.digest('hex');
}

let nextId = 1;

/** A raw JSON-RPC tools/call over HTTP (no SDK client), so any argument shape can be sent. */
export async function rawCall(
  server: TestServer,
  token: string,
  params: Record<string, unknown>,
): Promise<{ status: number; body: { result?: CallToolResult; error?: { code: number; message: string } } }> {
  const res = await postMcp(
    server,
    { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params },
    { authorization: `Bearer ${token}` },
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** tools/call with `arguments` and optionally a confirmation state; returns the tool result. */
export async function callTool(
  server: TestServer,
  token: string,
  name: string,
  args: unknown,
  confirmation?: string,
): Promise<CallToolResult> {
  const params: Record<string, unknown> = { name, arguments: args };
  if (confirmation !== undefined) params._meta = { [CONFIRMATION_META_KEY]: confirmation };
  const { status, body } = await rawCall(server, token, params);
  expect(status).toBe(200);
  if (!body.result) throw new Error(`JSON-RPC error: ${JSON.stringify(body.error)}`);
  return body.result;
}

export interface ToolError {
  error: string;
  message: string;
  confirmation?: { state: string; summary: string; expires_at: string };
}

/** The `{"error": code, …}` text of an error result (and a check that it is one). */
export function errorOf(result: CallToolResult): ToolError {
  expect(result.isError).toBe(true);
  expect(result.structuredContent).toBeUndefined();
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error('no text content');
  return JSON.parse(first.text) as ToolError;
}

/** Calls a write tool, then confirms it with the state it answered with; returns both results. */
export async function confirmAndCall(
  server: TestServer,
  token: string,
  name: string,
  args: Record<string, unknown>,
): Promise<{ asked: ToolError; done: CallToolResult }> {
  const asked = errorOf(await callTool(server, token, name, args));
  expect(asked.error).toBe('confirmation_required');
  const state = asked.confirmation?.state;
  if (!state) throw new Error('no confirmation state');
  return { asked, done: await callTool(server, token, name, args, state) };
}

/** A visitor-shaped MCP token (what the chat backend mints for a signed-in customer). */
export function visitor(
  server: TestServer,
  sub: string,
  scopes: Scope[] = ALL_VISITOR_SCOPES,
): Promise<string> {
  return mcpToken(server, sub, scopes);
}

export const ALL_VISITOR_SCOPES: Scope[] = [
  'crm.read',
  'crm.contact.update.self',
  'crm.ticket.create',
  'crm.write',
];

export { tokenWith } from '../../helpers/mcp.js';
