import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { nowIso } from '../store/db.js';
import type { Database, OperatorsTable } from '../store/schema.js';
import { hashPassword } from './passwords.js';

/** An operator as the console sees one (never the password hash). */
export interface Operator {
  id: string;
  siteId: string;
  email: string;
  name: string;
  role: 'agent' | 'admin';
}

export const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{1,63}$/;

function toOperator(row: OperatorsTable): Operator {
  return { id: row.id, siteId: row.site_id, email: row.email, name: row.name, role: row.role };
}

/** Operator accounts, one per email within a site (docs/architecture.md §10). */
export class OperatorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(input: Omit<Operator, 'id'> & { password: string }): Promise<Operator> {
    const op: OperatorsTable = {
      id: `op_${randomBytes(9).toString('base64url')}`,
      site_id: input.siteId,
      email: input.email.toLowerCase(),
      name: input.name,
      role: input.role,
      password_hash: await hashPassword(input.password),
      created_at: nowIso(),
    };
    await this.db.insertInto('operators').values(op).execute();
    return toOperator(op);
  }

  async list(siteId?: string): Promise<Operator[]> {
    let q = this.db.selectFrom('operators').selectAll().orderBy('site_id').orderBy('email');
    if (siteId) q = q.where('site_id', '=', siteId);
    return (await q.execute()).map(toOperator);
  }

  async get(id: string): Promise<Operator | null> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toOperator(row) : null;
  }

  /** Every account with this email (one per site), with hashes: sign-in tries each. */
  async withEmail(email: string): Promise<OperatorsTable[]> {
    return this.db.selectFrom('operators').selectAll().where('email', '=', email.toLowerCase()).execute();
  }

  async remove(siteId: string, email: string): Promise<boolean> {
    const row = await this.find(siteId, email);
    if (!row) return false;
    await this.db.deleteFrom('operator_sessions').where('operator_id', '=', row.id).execute();
    await this.db
      .updateTable('oauth_grants')
      .set({ revoked_at: nowIso(), revoked_reason: 'operator removed' })
      .where('operator_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
    await this.db.deleteFrom('operators').where('id', '=', row.id).execute();
    return true;
  }

  /** A new password also signs every session of the account out, and revokes its MCP clients' grants. */
  async resetPassword(siteId: string, email: string, password: string): Promise<boolean> {
    const row = await this.find(siteId, email);
    if (!row) return false;
    const hash = await hashPassword(password);
    await this.db.updateTable('operators').set({ password_hash: hash }).where('id', '=', row.id).execute();
    await this.db.deleteFrom('operator_sessions').where('operator_id', '=', row.id).execute();
    await this.db
      .updateTable('oauth_grants')
      .set({ revoked_at: nowIso(), revoked_reason: 'password reset' })
      .where('operator_id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
    return true;
  }

  async find(siteId: string, email: string): Promise<OperatorsTable | undefined> {
    return this.db
      .selectFrom('operators')
      .selectAll()
      .where('site_id', '=', siteId)
      .where('email', '=', email.toLowerCase())
      .executeTakeFirst();
  }
}
