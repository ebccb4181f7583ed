import { createHash } from 'node:crypto';
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
import { CrmHttp, type CrmHttpDeps } from '../http/client.js';
import { clip, derivedKey, parseAs } from '../parse.js';
import { coarseStatus, mapStatus, pickStatus, statesOf } from '../status.js';
import { NUMERIC_TICKET_ID, siteTicketId } from '../ticket-id.js';
import { HsObject, HsPipelines, HsSearch, HsUpsert, hubspotRules, NOTE_TO_TICKET } from './wire.js';

type HubSpotConfig = Extract<CrmConfig, { type: 'hubspot' }>;

const CONTACT_PROPS = 'firstname,lastname,email,phone,mobilephone';
const TICKET_PROPS = [
  'subject',
  'content',
  'hs_pipeline',
  'hs_pipeline_stage',
  'hs_ticket_priority',
  'createdate',
  'hs_lastmodifieddate',
];
/** Default-pipeline stage labels → the common set; stage ids are read per portal, never assumed. */
const DEFAULTS: Record<string, CommonStatus> = {
  New: 'new',
  'Waiting on contact': 'waiting_on_customer',
  'Waiting on us': 'in_progress',
  Closed: 'closed',
};
const PRIORITY_OUT: Record<TicketPriority, string> = {
  low: 'LOW',
  normal: 'MEDIUM',
  high: 'HIGH',
  urgent: 'URGENT',
};
const PRIORITY_IN: Record<string, TicketPriority> = {
  LOW: 'low',
  MEDIUM: 'normal',
  HIGH: 'high',
  URGENT: 'urgent',
};

interface Stage {
  label: string;
  state: CommonStatus;
}

/** A pipeline's stages by id, in the pipeline's own order. */
type Stages = Map<string, Stage>;

/**
 * HubSpot CRM (docs/crm.md): contacts are customers, tickets are associated with their contact, notes
 * are comments. Pipeline stages are read from the pipelines API at start and cached. Creates go through
 * batch upsert on a unique-value property, so a retried create finds the ticket it made.
 */
export class HubSpotCrm implements CrmAdapter {
  readonly name = 'hubspot';
  readonly http: CrmHttp;
  /** The stages of `pipeline` (where new tickets go, and what a status filter covers). */
  #stages: Stages | null = null;
  /** Every ticket pipeline's stages, by pipeline id: a ticket reads and moves within its own. */
  #pipelines = new Map<string, Stages>();
  #firstStage = '1';

  constructor(
    private readonly cfg: HubSpotConfig & { token: string },
    deps: CrmHttpDeps,
  ) {
    this.http = new CrmHttp(
      {
        crm: 'hubspot',
        baseUrl: cfg.baseUrl,
        authorization: () => `Bearer ${cfg.token}`,
        timeoutMs: cfg.timeoutMs,
        maxConcurrency: cfg.maxConcurrency,
        rules: hubspotRules,
      },
      deps,
    );
  }

  #objects(type: string): string {
    return this.cfg.apiVersion === 'v3' ? `/crm/v3/objects/${type}` : `/crm/objects/2026-03/${type}`;
  }

  /** Reads the ticket pipeline's stages (at start; again on demand until it has worked once). */
  async start(): Promise<void> {
    const path =
      this.cfg.apiVersion === 'v3' ? '/crm/v3/pipelines/tickets' : '/crm/pipelines/2026-03/tickets';
    const res = await this.http.request({ method: 'GET', path, idempotent: true });
    if (res.status !== 200)
      throw new CrmUnavailableError('http_4xx', hubspotRules.errorCode(res.body), res.status);
    const pipelines = parseAs(HsPipelines, res.body, 'pipelines');
    const pipeline = pipelines.results.find((p) => p.id === this.cfg.pipeline);
    if (!pipeline) throw new CrmUnavailableError('malformed', 'pipeline_missing');
    const all = new Map<string, Stages>();
    for (const p of pipelines.results) {
      const stages: Stages = new Map();
      for (const s of p.stages) {
        const closed = s.metadata?.ticketState === 'CLOSED';
        const state = mapStatus(
          s.id,
          s.label,
          this.cfg.statusMap,
          DEFAULTS,
          closed ? 'closed' : 'in_progress',
        );
        stages.set(s.id, { label: s.label, state });
      }
      all.set(p.id, stages);
    }
    this.#firstStage = pipeline.stages[0]?.id ?? '1';
    this.#pipelines = all;
    this.#stages = all.get(pipeline.id) ?? new Map();
  }

  async #stageMap(): Promise<Stages> {
    if (!this.#stages) await this.start();
    return this.#stages ?? new Map();
  }

  async getCustomer(customerId: string): Promise<Customer | null> {
    if (!NUMERIC_TICKET_ID.test(customerId)) return null;
    const res = await this.http.request({
      method: 'GET',
      path: `${this.#objects('contacts')}/${customerId}`,
      query: { properties: CONTACT_PROPS },
      idempotent: true,
    });
    if (res.status === 404) return null;
    return toCustomer(parseAs(HsObject, this.#ok(res), 'contact'));
  }

  async findCustomerByEmail(email: string): Promise<Customer | null> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.#objects('contacts')}/search`,
      body: {
        filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: email }] }],
        properties: CONTACT_PROPS.split(','),
        limit: 2,
      },
      idempotent: true,
    });
    const found = parseAs(HsSearch, this.#ok(res), 'contact search');
    return found.results.length === 1 && found.results[0] ? toCustomer(found.results[0]) : null;
  }

  /**
   * Staff search (docs/staff-mcp.md): the search API's free-text `query`, which HubSpot matches
   * against a contact's default searchable properties (names, email, phone).
   */
  async searchCustomers(query: string, limit: number): Promise<Customer[]> {
    const res = await this.http.request({
      method: 'POST',
      path: `${this.#objects('contacts')}/search`,
      body: { query, properties: CONTACT_PROPS.split(','), limit: Math.min(limit, 100) },
      idempotent: true,
    });
    return parseAs(HsSearch, this.#ok(res), 'contact search').results.map(toCustomer);
  }

  async getTicket(raw: string): Promise<Ticket | null> {
    const found = await this.#readTicket(raw);
    return found && this.#toTicket(found.ticket, found.stages);
  }

  /** A ticket with its contact associations, and the configured pipeline's stages; null if missing. */
  async #readTicket(raw: string): Promise<{ ticket: HsObject; stages: Stages } | null> {
    const ticketId = siteTicketId('hubspot', raw);
    if (!ticketId) return null;
    const [res, stages] = await Promise.all([
      this.http.request({
        method: 'GET',
        path: `${this.#objects('tickets')}/${ticketId}`,
        query: { properties: TICKET_PROPS.join(','), associations: 'contacts' },
        idempotent: true,
      }),
      this.#stageMap(),
    ]);
    if (res.status === 404) return null;
    return { ticket: parseAs(HsObject, this.#ok(res), 'ticket'), stages };
  }

  /**
   * Staff status change (docs/staff-mcp.md): moves the ticket to the stage of its own pipeline whose
   * common status is the wanted one (stage ids are the portal's, read from the pipelines API). A
   * ticket already there is left alone; no stage mapping to it is `CrmStatusUnmappedError`.
   */
  async setTicketStatus(
    raw: string,
    status: TicketStatus,
  ): Promise<{ ticket: Ticket; changed: boolean } | null> {
    const found = await this.#readTicket(raw);
    if (!found) return null;
    const before = this.#toTicket(found.ticket, found.stages);
    if (before.status === status) return { ticket: before, changed: false };
    const stage = await this.#targetStage(found.ticket.properties.hs_pipeline ?? this.cfg.pipeline, status);
    const res = await this.http.request({
      method: 'PATCH',
      path: `${this.#objects('tickets')}/${found.ticket.id}`,
      body: { properties: { hs_pipeline_stage: stage } },
      // Setting the same stage twice is harmless: safe to retry.
      idempotent: true,
    });
    if (res.status === 404) return null;
    // A stage refused (deleted since the pipelines were read): the next call reads them again.
    if (res.status === 400) this.#stages = null;
    const after = parseAs(HsObject, this.#ok(res), 'ticket');
    // The update answer carries no associations: the ticket's owners are those just read.
    const merged: HsObject = {
      ...after,
      properties: { ...found.ticket.properties, ...after.properties },
      ...(found.ticket.associations ? { associations: found.ticket.associations } : {}),
    };
    return { ticket: this.#toTicket(merged, found.stages), changed: true };
  }

  /** The stage id to write; the pipelines are read again once before giving up (a stage added since). */
  async #targetStage(pipeline: string, status: TicketStatus): Promise<string> {
    const pick = () => {
      const stages = [...(this.#pipelines.get(pipeline) ?? [])].map(([id, s]) => ({ id, ...s }));
      return pickStatus(stages, status)?.id;
    };
    let stage = pick();
    if (stage === undefined) {
      await this.start();
      stage = pick();
    }
    if (stage === undefined) throw new CrmStatusUnmappedError(status);
    return stage;
  }

  async listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]> {
    if (!NUMERIC_TICKET_ID.test(customerId)) return [];
    const stages = await this.#stageMap();
    const filters: object[] = [{ propertyName: 'associations.contact', operator: 'EQ', value: customerId }];
    if (opts.status) {
      const wanted = statesOf(opts.status);
      const ids = [...stages].filter(([, s]) => wanted.includes(s.state)).map(([id]) => id);
      if (ids.length === 0) return [];
      filters.push({ propertyName: 'hs_pipeline_stage', operator: 'IN', values: ids });
    }
    const res = await this.http.request({
      method: 'POST',
      path: `${this.#objects('tickets')}/search`,
      body: {
        filterGroups: [{ filters }],
        sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'DESCENDING' }],
        properties: TICKET_PROPS,
        limit: Math.min(opts.limit, 200),
      },
      idempotent: true,
    });
    const found = parseAs(HsSearch, this.#ok(res), 'ticket search');
    // The search filter is the association: every result is this contact's.
    return found.results.map((t) => ({ ...this.#toTicket(t, stages), customerId }));
  }

  /** Notes are internal timeline entries in HubSpot, not replies a customer sees: none are shown. */
  async listComments(): Promise<TicketComment[]> {
    return [];
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
      path: `${this.#objects('contacts')}/${customerId}`,
      body: { properties: { phone } },
      idempotent: true,
    });
    if (res.status === 404) return null;
    return { customer: toCustomer(parseAs(HsObject, this.#ok(res), 'contact')), changed: true };
  }

  async findDuplicateTicket(): Promise<Ticket | null> {
    return null;
  }

  async createTicket(t: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    const contact = t.customerId && !t.customerId.startsWith('anon:') ? t.customerId : null;
    const key =
      t.idempotencyKey ??
      derivedKey([contact ?? t.contactEmail ?? null, t.subject, t.description], t.dedupeWindowMs, sha);
    const content =
      t.contactEmail && !contact ? `${t.description}\n\nContact email: ${t.contactEmail}` : t.description;
    const stages = await this.#stageMap();
    // Upsert on a unique-value property: a retry (ours, or after a dropped answer) finds the same ticket.
    const res = await this.http.request({
      method: 'POST',
      path: `${this.#objects('tickets')}/batch/upsert`,
      body: {
        inputs: [
          {
            id: key,
            idProperty: this.cfg.idProperty,
            properties: {
              subject: t.subject,
              content,
              hs_pipeline: this.cfg.pipeline,
              hs_pipeline_stage: this.#firstStage,
              hs_ticket_priority: PRIORITY_OUT[t.priority],
              [this.cfg.idProperty]: key,
            },
          },
        ],
      },
      idempotent: true,
    });
    const result = parseAs(HsUpsert, this.#ok(res), 'ticket upsert').results[0];
    if (!result) throw new CrmUnavailableError('malformed', 'ticket upsert');
    if (contact) {
      // The default association is idempotent: repeating it after a retry changes nothing.
      const assoc = await this.http.request({
        method: 'PUT',
        path: `${this.cfg.apiVersion === 'v3' ? '/crm/v4/objects' : '/crm/objects/2026-03'}/ticket/${result.id}/associations/default/contact/${contact}`,
        idempotent: true,
      });
      this.#ok(assoc);
    }
    const ticket = this.#toTicket(result, stages);
    return { ticket: { ...ticket, customerId: contact }, created: result.new !== false };
  }

  async addComment(c: NewComment): Promise<{ comment: TicketComment; created: boolean }> {
    const now = new Date().toISOString();
    const res = await this.http.request({
      method: 'POST',
      path: this.#objects('notes'),
      body: {
        properties: { hs_timestamp: now, hs_note_body: c.body },
        associations: [
          {
            to: { id: c.ticketId },
            types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_TICKET }],
          },
        ],
      },
      idempotent: false,
    });
    const note = parseAs(HsObject, this.#ok(res), 'note');
    return {
      comment: {
        id: note.id,
        ticketId: c.ticketId,
        // Written as the integration user: the vendor records no per-operator author through Deputy.
        author: c.staffAuthor ? 'agent' : 'customer',
        body: c.body,
        createdAt: note.createdAt,
      },
      created: true,
    };
  }

  /** Guests have no HubSpot contact: their ticket carries the contact email in its text. */
  async ensureGuest(): Promise<void> {}

  #ok(res: { status: number; body: unknown }): unknown {
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new CrmUnavailableError('http_4xx', hubspotRules.errorCode(res.body), res.status);
  }

  /** `stages`: the configured pipeline's, used when the ticket's own pipeline is not known. */
  #toTicket(o: HsObject, stages: Stages): Ticket {
    const p = o.properties;
    const stageId = p.hs_pipeline_stage ?? '';
    const own = p.hs_pipeline ? this.#pipelines.get(p.hs_pipeline) : undefined;
    const stage = (own ?? stages).get(stageId) ?? {
      label: stageId || 'Unknown',
      state: 'in_progress' as const,
    };
    const contacts = o.associations?.contacts?.results.map((r) => r.id) ?? [];
    return {
      id: o.id,
      customerId: contacts[0] ?? null,
      ownerIds: contacts,
      subject: clip(p.subject, 500),
      description: clip(p.content),
      state: stage.state,
      status: coarseStatus(stage.state),
      statusLabel: stage.label,
      priority: PRIORITY_IN[p.hs_ticket_priority ?? ''] ?? 'normal',
      createdAt: p.createdate ?? o.createdAt,
      updatedAt: p.hs_lastmodifieddate ?? o.updatedAt,
    };
  }
}

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 40);
}

function toCustomer(o: HsObject): Customer {
  const p = o.properties;
  const name = [p.firstname, p.lastname].filter(Boolean).join(' ') || (p.email ?? '');
  return { id: o.id, name: clip(name, 200), email: p.email ?? '', phone: p.phone || p.mobilephone || null };
}
