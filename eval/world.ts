import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { VisitorAgent } from '../server/agent/agent.js';
import type { ConfirmOutcome, TurnSink } from '../server/agent/loop.js';
import type { Model } from '../server/agent/model.js';
import { loadSigningKey } from '../server/auth/keys.js';
import { McpTokenMinter } from '../server/auth/mcp-token.js';
import type { VisitorIdentity } from '../server/auth/visitor-token.js';
import { bootApp } from '../server/boot.js';
import type { StoredMessage } from '../server/store/conversations.js';
import type { Scope } from '../shared/scopes.js';
import { CUSTOMERS, installFixture } from './fixture.js';
import { hashDatabase } from './state.js';

const SIGNED_IN: Scope[] = ['crm.read', 'crm.contact.update.self', 'crm.ticket.create', 'crm.write'];
const ANONYMOUS: Scope[] = ['crm.ticket.create'];

/**
 * The evaluation world: the real backend (MCP server over HTTP, embedded CRM in a SQLite file in a
 * temp directory), reset to the fixture before every episode. Agents reach it exactly as in
 * production: a per-visitor MCP token, the MCP client, the agent loop.
 */
export class EvalWorld {
  private constructor(
    readonly app: FastifyInstance,
    readonly dataDir: string,
    private readonly minter: McpTokenMinter,
  ) {}

  static async open(): Promise<EvalWorld> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'deputy-eval-'));
    const { app } = await bootApp({
      ...process.env,
      DEPUTY_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DEPUTY_MODEL: 'rules',
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const key = await loadSigningKey(dataDir);
    const minter = new McpTokenMinter(key, app.deputy.selfUrl, app.deputy.mcpUrl);
    return new EvalWorld(app, dataDir, minter);
  }

  /** Puts the CRM back to the fixture. */
  async reset(): Promise<void> {
    await installFixture(this.app.deputy.store.db);
  }

  hash(): string {
    const { sqlite } = this.app.deputy.store;
    if (!sqlite) throw new Error('the eval runs on the embedded SQLite store');
    return hashDatabase(sqlite);
  }

  /** An agent for a fixture customer (or an anonymous visitor), driven by `model`. */
  agent(customer: string | null, model: Model, tag: string): VisitorAgent {
    const record = CUSTOMERS.find((c) => c.id === customer);
    const identity: VisitorIdentity = {
      site: 'demo',
      sub: customer ?? `anon:eval_${tag}`,
      anonymous: customer === null,
      name: record?.name ?? null,
      email: record?.email ?? null,
      scopes: customer === null ? ANONYMOUS : SIGNED_IN,
      exp: null,
    };
    return new VisitorAgent(identity, `conv_eval_${tag}`, {
      model,
      minter: this.minter,
      mcpUrl: this.app.deputy.mcpUrl,
    });
  }

  async close(): Promise<void> {
    await this.app.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A conversation as the gateway stores it (what `VisitorAgent.reply` reads). */
export class Transcript {
  readonly messages: StoredMessage[] = [];

  add(role: 'visitor' | 'assistant', text: string): void {
    const seq = this.messages.length + 1;
    this.messages.push({
      id: `msg_${seq}`,
      conversation_id: 'conv_eval',
      seq,
      role,
      text,
      client_id: null,
      created_at: new Date().toISOString(),
    });
  }
}

/** A sink that answers confirm cards with `answer` and records the cards and tool chips. */
export function evalSink(answer: (summary: string) => ConfirmOutcome): TurnSink & {
  cards: string[];
} {
  const cards: string[] = [];
  return {
    cards,
    delta() {},
    tool() {},
    async confirm(card) {
      cards.push(card.summary);
      return answer(card.summary);
    },
  };
}
