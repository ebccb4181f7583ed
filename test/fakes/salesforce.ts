import { type FakeReply, type FakeRequest, FakeVendor, match } from './base.js';
import { type Condition, meets, parseSoql, SoqlError } from './soql.js';

interface SfContact {
  Id: string;
  Name: string;
  Email: string | null;
  Phone: string | null;
  MobilePhone: string | null;
}
interface SfCase {
  Id: string;
  CaseNumber: string;
  Subject: string;
  Description: string;
  Status: string;
  Priority: string;
  ContactId: string | null;
  IsClosed: boolean;
  CreatedDate: string;
  LastModifiedDate: string;
  ext: string | null;
  SuppliedEmail?: string;
}
/** A value of the org's Case Status picklist (the `CaseStatus` object). */
export interface SfCaseStatus {
  Id: string;
  ApiName: string;
  MasterLabel: string;
  IsClosed: boolean;
  IsDefault: boolean;
  SortOrder: number;
}
interface SfCaseComment {
  Id: string;
  ParentId: string;
  CommentBody: string;
  IsPublished: boolean;
  CreatedDate: string;
}

const V = '/services/data/v66.0';
/** The fields each object has here (Salesforce answers INVALID_FIELD for any other). */
const FIELDS: Record<string, string[]> = {
  Contact: ['Id', 'Name', 'Email', 'Phone', 'MobilePhone'],
  Case: [
    'Id',
    'CaseNumber',
    'Subject',
    'Description',
    'Status',
    'Priority',
    'ContactId',
    'IsClosed',
    'CreatedDate',
    'LastModifiedDate',
    'SuppliedEmail',
  ],
  CaseComment: ['Id', 'ParentId', 'CommentBody', 'IsPublished', 'CreatedDate'],
  CaseStatus: ['Id', 'ApiName', 'MasterLabel', 'IsClosed', 'IsDefault', 'SortOrder'],
};
const sfNow = () => new Date().toISOString().replace('Z', '+0000');
const errors = (status: number, errorCode: string, message: string): FakeReply => ({
  status,
  body: [{ message, errorCode }],
});

/**
 * A Salesforce look-alike on loopback (docs/crm.md): `/services/data/v66.0/…`, records with
 * `attributes`, `+0000` datetimes, 204 on PATCH, 201 `{id,errors,success}` on create, errors as an
 * array, 401 `INVALID_SESSION_ID`, 403 `REQUEST_LIMIT_EXCEEDED`, `Sforce-Limit-Info`, External-ID upsert
 * (201 created, 200 existing), and a tiny SOQL subset (anything else: `MALFORMED_QUERY`) with
 * `nextRecordsUrl` paging.
 */
export class FakeSalesforce extends FakeVendor {
  readonly contacts = new Map<string, SfContact>();
  readonly cases = new Map<string, SfCase>();
  readonly comments: SfCaseComment[] = [];
  /** The org's Case Status values: the usual defaults of a new org (New, Working, Escalated, Closed). */
  readonly caseStatuses: SfCaseStatus[] = [
    ['New', false],
    ['Working', false],
    ['Escalated', false],
    ['Closed', true],
  ].map(([name, closed], i) => ({
    Id: `01J00000000000${i}AAA`,
    ApiName: String(name),
    MasterLabel: String(name),
    IsClosed: closed === true,
    IsDefault: i === 0,
    SortOrder: i + 1,
  }));
  /** Every SOQL query received, as sent (tests check what reached the CRM). */
  readonly queries: string[] = [];
  #next = 100;
  /** Records per query batch (Salesforce: up to 2,000). */
  batchSize = 2000;
  readonly #cursors = new Map<string, unknown[]>();

  #id(prefix: string): string {
    return `${prefix}000000000${String(this.#next++).padStart(6, '0')}`.slice(0, 18).padEnd(18, 'A');
  }

  addContact(Id: string, Name: string, Email: string, Phone: string | null): void {
    this.contacts.set(Id, { Id, Name, Email, Phone, MobilePhone: null });
  }

  addCaseStatus(name: string, closed: boolean): void {
    this.caseStatuses.push({
      Id: `01J0000000000${this.caseStatuses.length}0AAA`.slice(0, 18),
      ApiName: name,
      MasterLabel: name,
      IsClosed: closed,
      IsDefault: false,
      SortOrder: this.caseStatuses.length + 1,
    });
  }

  addCase(
    CaseNumber: string,
    ContactId: string,
    Subject: string,
    Status: string,
    IsClosed: boolean,
    modified: string,
  ): void {
    const Id = this.#id('500');
    this.cases.set(Id, {
      Id,
      CaseNumber,
      Subject,
      Description: `About: ${Subject}`,
      Status,
      Priority: 'Medium',
      ContactId,
      IsClosed,
      CreatedDate: '2026-10-01T09:00:00.000+0000',
      LastModifiedDate: modified,
      ext: null,
    });
  }

  protected override readonly tokenPath = '/services/oauth2/token';

  /**
   * `POST /services/oauth2/token`, form-encoded: the refresh-token and client-credentials grants.
   * Errors are `{error, error_description}` with 400; refresh tokens do not rotate (the default).
   */
  protected override tokenReply(req: FakeRequest): FakeReply {
    const oauthError = (error: string, error_description: string): FakeReply => ({
      status: 400,
      body: { error, error_description },
    });
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded'))
      return oauthError('unsupported_grant_type', 'grant type not supported');
    const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    const grant = form.get('grant_type');
    if (grant !== 'refresh_token' && grant !== 'client_credentials')
      return oauthError('unsupported_grant_type', 'grant type not supported');
    if (form.get('client_id') !== this.oauth.clientId)
      return oauthError('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== this.oauth.clientSecret)
      return oauthError('invalid_client', 'invalid client credentials');
    if (grant === 'refresh_token' && form.get('refresh_token') !== this.oauth.refreshToken)
      return oauthError('invalid_grant', 'expired access/refresh token');
    const issued = String(Date.now());
    return {
      status: 200,
      body: {
        access_token: this.mint('00D000000000001!AQ'),
        instance_url: this.url,
        id: `${this.url}/id/00D000000000001EAA/005000000000001AAA`,
        token_type: 'Bearer',
        issued_at: issued,
        signature: Buffer.from(`sig-${issued}`).toString('base64'),
      },
    };
  }

  protected unauthorized(): FakeReply {
    return errors(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
  }
  protected rateLimited(): FakeReply {
    return {
      ...errors(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      headers: { 'sforce-limit-info': 'api-usage=100000/100000' },
    };
  }
  protected serverError(): FakeReply {
    return errors(503, 'SERVER_UNAVAILABLE', 'Server unavailable');
  }
  protected mangle(body: unknown, fault: 'missing_field' | 'wrong_id_type'): unknown {
    const b = body as Record<string, unknown>;
    const target = (Array.isArray(b.records) ? b.records[0] : b) as Record<string, unknown> | undefined;
    if (!target) return body;
    if (fault === 'missing_field') {
      delete target.Status;
      delete target.Name;
    } else target.Id = 12345;
    return body;
  }

  #record(type: string, r: object, fields: string[] | null) {
    const entries = Object.entries(r).filter(([k]) => k !== 'ext' && (!fields || fields.includes(k)));
    const id = (r as { Id: string }).Id;
    return { attributes: { type, url: `${V}/sobjects/${type}/${id}` }, ...Object.fromEntries(entries) };
  }

  protected async route(req: FakeRequest): Promise<FakeReply> {
    const reply = this.#route(req);
    return { ...reply, headers: { 'sforce-limit-info': 'api-usage=18/100000', ...reply.headers } };
  }

  #route(req: FakeRequest): FakeReply {
    const p = req.url.pathname;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const fields = req.url.searchParams.get('fields')?.split(',') ?? null;
    if (req.method === 'GET' && p === `${V}/query`) return this.#soql(req.url.searchParams.get('q') ?? '');
    let m = match(/^\/services\/data\/v66\.0\/query\/(\w+)-(\d+)$/, p);
    if (m && req.method === 'GET') return this.#page(m[0] ?? '', Number(m[1]));
    m = match(/^\/services\/data\/v66\.0\/sobjects\/Contact\/(\w+)$/, p);
    if (m) {
      const c = this.contacts.get(m[0] ?? '');
      if (!c) return errors(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (req.method === 'PATCH') {
        Object.assign(c, body);
        return { status: 204 };
      }
      return { status: 200, body: this.#record('Contact', c, fields) };
    }
    m = match(/^\/services\/data\/v66\.0\/sobjects\/Case\/(\w+__c)\/([^/]+)$/, p);
    if (m && req.method === 'PATCH') return this.#upsert(m[1] ?? '', body);
    m = match(/^\/services\/data\/v66\.0\/sobjects\/Case\/(\w+)$/, p);
    if (m && req.method === 'PATCH') return this.#updateCase(m[0] ?? '', body);
    if (m && req.method === 'GET') {
      const c = this.cases.get(m[0] ?? '');
      return c
        ? { status: 200, body: this.#record('Case', c, fields) }
        : errors(404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (req.method === 'POST' && p === `${V}/sobjects/CaseComment`) {
      const parent = this.cases.get(String(body.ParentId));
      if (!parent) return errors(400, 'FIELD_INTEGRITY_EXCEPTION', 'Parent ID: id value of incorrect type');
      const Id = this.#id('00a');
      this.comments.push({
        Id,
        ParentId: parent.Id,
        CommentBody: String(body.CommentBody ?? ''),
        IsPublished: body.IsPublished === true,
        CreatedDate: sfNow(),
      });
      parent.LastModifiedDate = sfNow();
      return { status: 201, body: { id: Id, errors: [], success: true } };
    }
    return errors(404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  #upsert(key: string, body: Record<string, unknown>): FakeReply {
    const existing = [...this.cases.values()].find((c) => c.ext === key);
    if (existing)
      return { status: 200, body: { id: existing.Id, errors: [], success: true, created: false } };
    if (!body.Subject)
      return {
        status: 400,
        body: [
          {
            message: 'Required fields are missing: [Subject]',
            errorCode: 'REQUIRED_FIELD_MISSING',
            fields: ['Subject'],
          },
        ],
      };
    const Id = this.#id('500');
    const number = String(1100 + this.cases.size).padStart(8, '0');
    this.cases.set(Id, {
      Id,
      CaseNumber: number,
      Subject: String(body.Subject),
      Description: String(body.Description ?? ''),
      Status: 'New',
      Priority: String(body.Priority ?? 'Medium'),
      ContactId: (body.ContactId as string | undefined) ?? null,
      IsClosed: false,
      CreatedDate: sfNow(),
      LastModifiedDate: sfNow(),
      ext: key,
      ...(body.SuppliedEmail ? { SuppliedEmail: String(body.SuppliedEmail) } : {}),
    });
    return { status: 201, body: { id: Id, errors: [], success: true, created: true } };
  }

  /**
   * `PATCH /sobjects/Case/{Id}`: 204 and no body. `Status` is a restricted picklist (the org's
   * CaseStatus values) and sets `IsClosed`, as Salesforce does; other fields are not writable here.
   */
  #updateCase(id: string, body: Record<string, unknown>): FakeReply {
    const c = this.cases.get(id);
    if (!c) return errors(404, 'NOT_FOUND', 'The requested resource does not exist');
    for (const field of Object.keys(body))
      if (field !== 'Status')
        return {
          status: 400,
          body: [
            { message: `No such column '${field}' on sobject of type Case`, errorCode: 'INVALID_FIELD' },
          ],
        };
    if ('Status' in body) {
      const value = body.Status;
      const status = this.caseStatuses.find((s) => s.ApiName === value);
      if (!status)
        return {
          status: 400,
          body: [
            {
              message: `Status: bad value for restricted picklist field: ${String(value)}`,
              errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
              fields: ['Status'],
            },
          ],
        };
      c.Status = status.ApiName;
      c.IsClosed = status.IsClosed;
    }
    c.LastModifiedDate = sfNow();
    return { status: 204 };
  }

  /** The SOQL subset in ./soql.ts over Contact, Case, CaseComment and CaseStatus; unknown fields: INVALID_FIELD. */
  #soql(q: string): FakeReply {
    this.queries.push(q);
    let query: ReturnType<typeof parseSoql>;
    try {
      query = parseSoql(q);
    } catch (err) {
      if (err instanceof SoqlError) return errors(400, 'MALFORMED_QUERY', err.message);
      throw err;
    }
    const source: object[] | undefined = {
      Contact: [...this.contacts.values()],
      Case: [...this.cases.values()],
      CaseComment: this.comments,
      CaseStatus: this.caseStatuses,
    }[query.object];
    if (!source) return errors(400, 'INVALID_TYPE', `sObject type '${query.object}' is not supported.`);
    const known = FIELDS[query.object] ?? [];
    const used = [...query.fields, ...query.orderBy.map((o) => o.field), ...fieldsOf(query.where)];
    const unknown = used.find((f) => !known.includes(f));
    if (unknown)
      return errors(400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${query.object}'.`);
    let rows = source.filter((r) => !query.where || meets(query.where, r as Record<string, unknown>));
    rows = rows.sort((a, b) => {
      for (const { field, desc } of query.orderBy) {
        const x = String((a as Record<string, unknown>)[field]);
        const y = String((b as Record<string, unknown>)[field]);
        const d = x.localeCompare(y, undefined, { numeric: true });
        if (d) return desc ? -d : d;
      }
      return 0;
    });
    if (query.limit !== null) rows = rows.slice(0, query.limit);
    const records = rows.map((r) => this.#record(query.object, r, query.fields));
    return this.#batch(records, `01g${this.#next++}`, 0);
  }

  #batch(records: unknown[], cursor: string, from: number): FakeReply {
    const page = records.slice(from, from + this.batchSize);
    const done = from + this.batchSize >= records.length;
    if (!done) this.#cursors.set(cursor, records);
    return {
      status: 200,
      body: {
        totalSize: records.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `${V}/query/${cursor}-${from + this.batchSize}` }),
        records: page,
      },
    };
  }

  #page(cursor: string, from: number): FakeReply {
    const records = this.#cursors.get(cursor);
    return records
      ? this.#batch(records, cursor, from)
      : errors(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
  }
}

function fieldsOf(cond: Condition | null): string[] {
  if (!cond) return [];
  return 'op' in cond ? cond.parts.flatMap(fieldsOf) : [cond.field];
}
