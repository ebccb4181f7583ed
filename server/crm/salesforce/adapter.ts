import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type {
  CommonStatus,
  CrmAdapter,
  Customer,
  NewComment,
  NewTicket,
  Ticket,
  TicketComment,
  TicketPriority,
  TicketStatus,
} from '../adapter.js';
import type { CrmConfig } from '../config.js';
import { CrmStatusUnmappedError, CrmUnavailableError } from '../errors.js';
import { CrmHttp, type CrmHttpDeps, type CrmResponse } from '../http/client.js';
import { clip, derivedKey, parseAs } from '../parse.js';
import { coarseStatus, mapStatus, pickStatus, statesOf } from '../status.js';
import { siteTicketId } from '../ticket-id.js';
import {
  SfCase,
  SfCaseStatus,
  SfComment,
  SfContact,
  SfSaveResult,
  salesforceRules,
  sfQuery,
  soqlLike,
  soqlString,
} from './wire.js';

type SalesforceConfig = Extract<CrmConfig, { type: 'salesforce' }> & { token: string };

const CONTACT_FIELDS = 'Id,Name,Email,Phone,MobilePhone';
const CASE_FIELDS =
  'Id,CaseNumber,Subject,Description,Status,Priority,ContactId,IsClosed,CreatedDate,LastModifiedDate';
const SF_ID = /^[A-Za-z0-9]{15,18}$/;
/** How long the org's Case Status values are trusted before a status change reads them again. */
const CASE_STATUS_TTL_MS = 5 * 60_000;
const DEFAULTS: Record<string, CommonStatus> = {
  New: 'new',
  Working: 'in_progress',
  Escalated: 'in_progress',
  'On Hold': 'in_progress',
  'Waiting on Customer': 'waiting_on_customer',
  Closed: 'closed',
};
const PRIORITY_OUT: Record<TicketPriority, string> = {
  low: 'Low',
  normal: 'Medium',
  high: 'High',
  urgent: 'High',
};
const PRIORITY_IN: Record<string, TicketPriority> = { Low: 'low', Medium: 'normal', High: 'high' };

/**
 * Salesforce Service Cloud (docs/crm.md): Contacts are customers, a Case is yours if its ContactId is
 * yours, customers know a Case by its CaseNumber, comments are published CaseComments. Creates upsert
 * on an External ID field, so a retried create finds the Case it made.
 */
export class SalesforceCrm implements CrmAdapter {
  readonly name = 'salesforce';
  readonly http: CrmHttp;
  readonly #root: string;
  /** CaseNumber → Case Id, learnt from reads (comments hang off the Id). */
  readonly #caseIds = new Map<string, string>();
  /** The org's Case Status picklist, each value with the common status it reads as. */
  #caseStatuses: { at: number; values: { value: string; state: CommonStatus }[] } | null = null;

  constructor(
    private readonly cfg: SalesforceConfig,
    deps: CrmHttpDeps,
  ) {
    this.#root = `/services/data/${cfg.apiVersion}`;
    this.http = new CrmHttp(
      {
        crm: 'salesforce',
        baseUrl: cfg.baseUrl,
        authorization: () => `Bearer ${cfg.token}`,
        timeoutMs: cfg.timeoutMs,
        maxConcurrency: cfg.maxConcurrency,
        rules: salesforceRules,
      },
      deps,
    );
  }

  async #query<T extends z.ZodType>(
    soql: string,
    record: T,
    what: string,
    pages = 1,
  ): Promise<z.output<T>[]> {
    const schema = sfQuery(record);
    let res = await this.http.request({
      method: 'GET',
      path: `${this.#root}/query`,
      query: { q: soql },
      idempotent: true,
    });
    let body = parseAs(schema, this.#ok(res), what);
    const out = [...body.records];
    for (let page = 1; page < pages && !body.done && body.nextRecordsUrl; page++) {
      res = await this.http.request({ method: 'GET', path: body.nextRecordsUrl, idempotent: true });
      body = parseAs(schema, this.#ok(res), what);
      out.push(...body.records);
    }
    return out;
  }

  async getCustomer(customerId: string): Promise<Customer | null> {
    if (!SF_ID.test(customerId)) return null;
    const res = await this.http.request({
      method: 'GET',
      path: `${this.#root}/sobjects/Contact/${customerId}`,
      query: { fields: CONTACT_FIELDS },
      idempotent: true,
    });
    if (res.status === 404) return null;
    return toCustomer(parseAs(SfContact, this.#ok(res), 'contact'));
  }

  async findCustomerByEmail(email: string): Promise<Customer | null> {
    const found = await this.#query(
      `SELECT ${CONTACT_FIELDS} FROM Contact WHERE Email = ${soqlString(email)} LIMIT 2`,
      SfContact,
      'contact query',
    );
    return found.length === 1 && found[0] ? toCustomer(found[0]) : null;
  }

  async getTicket(raw: string): Promise<Ticket | null> {
    const found = await this.#findCase(raw);
    return found ? this.#toTicket(found) : null;
  }

  async #findCase(raw: string): Promise<SfCase | null> {
    // CaseNumbers are zero-padded auto-numbers (8 digits by default): "1026" means 00001026.
    const ticketId = siteTicketId('salesforce', raw)?.padStart(8, '0');
    if (!ticketId) return null;
    const [found] = await this.#query(
      `SELECT ${CASE_FIELDS} FROM Case WHERE CaseNumber = ${soqlString(ticketId)} LIMIT 1`,
      SfCase,
      'case query',
    );
    return found ?? null;
  }

  /**
   * Staff search (docs/staff-mcp.md): Contacts whose Email or Name contains `query`. SOQL `LIKE` is
   * case-insensitive; the text is one escaped literal in which `%` and `_` match only themselves.
   */
  async searchCustomers(query: string, limit: number): Promise<Customer[]> {
    // Control characters have no place in a name or email, and a query of nothing but them must not
    // become `LIKE '%%'` (every Contact).
    const text = query.replace(/\p{Cc}/gu, '').trim();
    if (!text) return [];
    const pattern = soqlLike(text);
    const n = Math.max(1, Math.min(Math.trunc(limit), 200));
    const found = await this.#query(
      `SELECT ${CONTACT_FIELDS} FROM Contact WHERE (Email LIKE ${pattern} OR Name LIKE ${pattern}) ORDER BY Name ASC, Id ASC LIMIT ${n}`,
      SfContact,
      'contact query',
    );
    return found.map(toCustomer);
  }

  /**
   * Staff status change (docs/staff-mcp.md): writes the org's Case Status value that reads back as
   * the wanted status (the site's `statusMap` first, then the defaults, as on read). No such value is
   * `CrmStatusUnmappedError`; a Case already there is left alone. Salesforce sets `IsClosed` itself.
   */
  async setTicketStatus(
    ticketId: string,
    status: TicketStatus,
  ): Promise<{ ticket: Ticket; changed: boolean } | null> {
    const found = await this.#findCase(ticketId);
    if (!found) return null;
    const before = this.#toTicket(found);
    if (before.status === status) return { ticket: before, changed: false };
    const value = await this.#statusValue(status);
    const res = await this.http.request({
      method: 'PATCH',
      path: `${this.#root}/sobjects/Case/${found.Id}`,
      body: { Status: value },
      // Setting the same value twice is harmless: safe to retry.
      idempotent: true,
    });
    if (res.status === 404) return null;
    // A value refused (deleted from the picklist since it was read): the next call reads them again.
    if (res.status === 400) this.#caseStatuses = null;
    this.#ok(res);
    // 204 carries no body: read the Case back for what Salesforce made of it (IsClosed, modified).
    const read = await this.http.request({
      method: 'GET',
      path: `${this.#root}/sobjects/Case/${found.Id}`,
      query: { fields: CASE_FIELDS },
      idempotent: true,
    });
    if (read.status === 404) return null;
    return { ticket: this.#toTicket(parseAs(SfCase, this.#ok(read), 'case')), changed: true };
  }

  /** The Case Status value to write; a stale list is read again once before giving up. */
  async #statusValue(status: TicketStatus): Promise<string> {
    const cached = this.#caseStatuses;
    const fresh = cached !== null && Date.now() - cached.at < CASE_STATUS_TTL_MS;
    let hit = fresh ? pickStatus(cached.values, status) : undefined;
    if (!hit) {
      const rows = await this.#query(
        'SELECT ApiName,MasterLabel,IsClosed,SortOrder FROM CaseStatus ORDER BY SortOrder ASC LIMIT 200',
        SfCaseStatus,
        'case status query',
      );
      // Case.Status holds the API name: map it exactly as a Case in that status reads back.
      const values = rows.flatMap((r) => {
        const value = r.ApiName ?? r.MasterLabel;
        return value ? [{ value, state: this.#state(value, r.IsClosed) }] : [];
      });
      this.#caseStatuses = { at: Date.now(), values };
      hit = pickStatus(values, status);
    }
    if (!hit) throw new CrmStatusUnmappedError(status);
    return hit.value;
  }

  async listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
    if (!SF_ID.test(customerId)) return [];
    const wanted = opts.status ? statesOf(opts.status) : null;
    const closed =
      opts.status === 'closed' ? ' AND IsClosed = true' : opts.status ? ' AND IsClosed = false' : '';
    const cases = await this.#query(
      `SELECT ${CASE_FIELDS} FROM Case WHERE ContactId = ${soqlString(customerId)}${closed} ORDER BY LastModifiedDate DESC LIMIT ${wanted ? 200 : opts.limit}`,
      SfCase,
      'case query',
      2,
    );
    return cases
      .map((c) => this.#toTicket(c))
      .filter((t) => t.customerId === customerId && (!wanted || wanted.includes(t.state)))
      .slice(0, opts.limit);
  }

  async listComments(ticketId: string, limit: number): Promise<TicketComment[]> {
    const caseId = await this.#caseId(ticketId);
    if (!caseId) return [];
    const comments = await this.#query(
      `SELECT Id,CommentBody,IsPublished,CreatedDate FROM CaseComment WHERE ParentId = ${soqlString(caseId)} AND IsPublished = true ORDER BY CreatedDate DESC LIMIT ${limit}`,
      SfComment,
      'comment query',
    );
    return comments.reverse().map((c) => ({
      id: c.Id,
      ticketId,
      author: 'agent' as const,
      body: clip(c.CommentBody),
      createdAt: sfDate(c.CreatedDate),
    }));
  }

  async updatePhone(
    customerId: string,
    phone: string,
  ): Promise<{ customer: Customer; changed: boolean } | null> {
    const customer = await this.getCustomer(customerId);
    if (!customer) return null;
    if (customer.phone === phone) return { customer, changed: false };
    const res = await this.http.request({
      method: 'PATCH',
      path: `${this.#root}/sobjects/Contact/${customerId}`,
      body: { Phone: phone },
      idempotent: true,
    });
    if (res.status === 404) return null;
    this.#ok(res);
    return { customer: { ...customer, phone }, changed: true };
  }

  async findDuplicateTicket(): Promise<Ticket | null> {
    return null;
  }

  async createTicket(t: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    const contact = t.customerId && SF_ID.test(t.customerId) ? t.customerId : null;
    const key =
      t.idempotencyKey ??
      derivedKey([t.customerId ?? t.contactEmail ?? null, t.subject, t.description], t.dedupeWindowMs, sha);
    // Upsert by External ID: 201 made it, 200 it already existed; a retry never makes a second Case.
    const res = await this.http.request({
      method: 'PATCH',
      path: `${this.#root}/sobjects/Case/${this.cfg.externalIdField}/${encodeURIComponent(key)}`,
      body: {
        Subject: t.subject,
        Description: t.description,
        Priority: PRIORITY_OUT[t.priority],
        Origin: 'Web',
        ...(contact ? { ContactId: contact } : { SuppliedEmail: t.contactEmail }),
      },
      idempotent: true,
    });
    const saved = parseAs(SfSaveResult, this.#ok(res), 'case upsert');
    const read = await this.http.request({
      method: 'GET',
      path: `${this.#root}/sobjects/Case/${saved.id}`,
      query: { fields: CASE_FIELDS },
      idempotent: true,
    });
    const ticket = this.#toTicket(parseAs(SfCase, this.#ok(read), 'case'));
    return { ticket, created: res.status === 201 };
  }

  async addComment(c: NewComment): Promise<{ comment: TicketComment; created: boolean }> {
    const caseId = await this.#caseId(c.ticketId);
    if (!caseId) throw new CrmUnavailableError('malformed', 'case_missing');
    const res = await this.http.request({
      method: 'POST',
      path: `${this.#root}/sobjects/CaseComment`,
      body: { ParentId: caseId, CommentBody: c.body, IsPublished: true },
      idempotent: false,
    });
    const saved = parseAs(SfSaveResult, this.#ok(res), 'comment');
    return {
      comment: {
        id: saved.id,
        ticketId: c.ticketId,
        // Written as the integration user: the vendor records no per-operator author through Deputy.
        author: c.staffAuthor ? 'agent' : 'customer',
        body: c.body,
        createdAt: new Date().toISOString(),
      },
      created: true,
    };
  }

  /** The Case Id of a CaseNumber, from reads already made or one more query. */
  async #caseId(caseNumber: string): Promise<string | undefined> {
    if (!this.#caseIds.has(caseNumber)) await this.getTicket(caseNumber);
    return this.#caseIds.get(caseNumber);
  }

  /** Guests have no Contact: their Case carries the email in SuppliedEmail. */
  async ensureGuest(): Promise<void> {}

  #ok(res: CrmResponse): unknown {
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new CrmUnavailableError('http_4xx', salesforceRules.errorCode(res.body), res.status);
  }

  /** The common status of a Case Status value: the site's map, the defaults, then `IsClosed`. */
  #state(value: string, isClosed: boolean): CommonStatus {
    const state = mapStatus(value, value, this.cfg.statusMap, DEFAULTS, isClosed ? 'closed' : 'in_progress');
    // IsClosed is authoritative: a custom status the mapping calls open is still closed.
    return isClosed && state !== 'resolved' ? 'closed' : state;
  }

  #toTicket(c: SfCase): Ticket {
    this.#caseIds.set(c.CaseNumber, c.Id);
    if (this.#caseIds.size > 10_000) this.#caseIds.clear();
    const state = this.#state(c.Status, c.IsClosed);
    return {
      id: c.CaseNumber,
      customerId: c.ContactId,
      subject: clip(c.Subject, 500),
      description: clip(c.Description),
      state,
      status: coarseStatus(state),
      statusLabel: c.Status,
      priority: PRIORITY_IN[c.Priority ?? ''] ?? 'normal',
      createdAt: sfDate(c.CreatedDate),
      updatedAt: sfDate(c.LastModifiedDate),
    };
  }
}

/** `2013-05-20T20:49:32.000+0000` → ISO 8601 with Z. */
function sfDate(s: string): string {
  const d = new Date(s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 40);
}

function toCustomer(c: z.output<typeof SfContact>): Customer {
  return { id: c.Id, name: clip(c.Name, 200), email: c.Email ?? '', phone: c.Phone || c.MobilePhone || null };
}
