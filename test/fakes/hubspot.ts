import { randomUUID } from 'node:crypto';
import { type FakeReply, type FakeRequest, FakeVendor, match } from './base.js';

interface Contact {
  id: string;
  props: Record<string, string | null>;
}
interface HsTicket {
  id: string;
  props: Record<string, string | null>;
  contacts: string[];
  createdAt: string;
  updatedAt: string;
}

/** Stage ids differ per portal: the fake's are not HubSpot's default "1".."4" on purpose. */
export const HS_STAGES = [
  { id: '61001', label: 'New', ticketState: 'OPEN' },
  { id: '61002', label: 'Waiting on contact', ticketState: 'OPEN' },
  { id: '61003', label: 'Waiting on us', ticketState: 'OPEN' },
  { id: '61004', label: 'Closed', ticketState: 'CLOSED' },
];

/**
 * A second ticket pipeline with stage ids of its own: a ticket moves only within its pipeline, and
 * "Done" maps to closed by its `ticketState` alone (no default label names it).
 */
export const HS_BILLING_STAGES = [
  { id: '71001', label: 'New', ticketState: 'OPEN' },
  { id: '71002', label: 'Waiting on us', ticketState: 'OPEN' },
  { id: '71003', label: 'Done', ticketState: 'CLOSED' },
];
const PIPELINES = [
  { id: '0', label: 'Support Pipeline', stages: HS_STAGES },
  { id: '7100', label: 'Billing', stages: HS_BILLING_STAGES },
];
/** Ticket properties this portal has (an update naming another is PROPERTY_DOESNT_EXIST). */
const TICKET_PROPERTIES = ['subject', 'content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_priority'];

const err = (status: number, category: string, message: string, extra: object = {}): FakeReply => ({
  status,
  body: { status: 'error', message, correlationId: randomUUID(), category, ...extra },
});

/**
 * A HubSpot look-alike on loopback, answering in the documented wire format (docs/crm.md): string ids,
 * string properties, `?properties=` filtering, search with `associations.contact`, batch upsert with
 * `new`, v4 default associations, notes needing `hs_timestamp`, the pipelines API, the error envelope
 * with `category`, 429 with `policyName`, and the `X-HubSpot-RateLimit-*` headers.
 */
export class FakeHubSpot extends FakeVendor {
  readonly contacts = new Map<string, Contact>();
  readonly tickets = new Map<string, HsTicket>();
  readonly notes: { id: string; ticketId: string; body: string }[] = [];
  #next = 7000;

  addContact(
    id: string,
    p: { firstname: string; lastname: string; email: string; phone: string | null },
  ): void {
    this.contacts.set(id, { id, props: { ...p, mobilephone: null } });
  }

  addTicket(
    id: string,
    contact: string | null,
    subject: string,
    stage: string,
    updatedAt: string,
    pipeline = '0',
  ): void {
    this.tickets.set(id, {
      id,
      props: {
        subject,
        content: `About: ${subject}`,
        hs_pipeline: pipeline,
        hs_pipeline_stage: stage,
        hs_ticket_priority: 'MEDIUM',
      },
      contacts: contact ? [contact] : [],
      createdAt: '2026-10-01T09:00:00Z',
      updatedAt,
    });
  }

  protected unauthorized(): FakeReply {
    return err(
      401,
      'INVALID_AUTHENTICATION',
      'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
    );
  }
  protected rateLimited(): FakeReply {
    return {
      ...err(429, 'RATE_LIMITS', 'You have reached your ten_secondly_rolling limit.', {
        policyName: 'TEN_SECONDLY_ROLLING',
      }),
      headers: { 'x-hubspot-ratelimit-secondly-remaining': '0' },
    };
  }
  protected serverError(): FakeReply {
    return err(502, 'INTERNAL_ERROR', 'Bad gateway');
  }
  protected mangle(body: unknown, fault: 'missing_field' | 'wrong_id_type'): unknown {
    const b = body as Record<string, unknown>;
    const target = (Array.isArray(b.results) ? b.results[0] : b) as Record<string, unknown> | undefined;
    if (!target) return body;
    if (fault === 'missing_field') delete target.properties;
    else target.id = Number(target.id);
    return body;
  }

  #object(t: HsTicket, properties: string[] | null, withAssoc: boolean) {
    const props: Record<string, string | null> = {
      hs_object_id: t.id,
      createdate: t.createdAt,
      hs_lastmodifieddate: t.updatedAt,
    };
    for (const [k, v] of Object.entries(t.props)) if (!properties || properties.includes(k)) props[k] = v;
    return {
      id: t.id,
      properties: props,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      archived: false,
      ...(withAssoc && t.contacts.length
        ? {
            associations: {
              contacts: { results: t.contacts.map((id) => ({ id, type: 'ticket_to_contact' })) },
            },
          }
        : {}),
    };
  }

  #contact(c: Contact, properties: string[] | null) {
    const props: Record<string, string | null> = { hs_object_id: c.id };
    for (const [k, v] of Object.entries(c.props)) if (!properties || properties.includes(k)) props[k] = v;
    return {
      id: c.id,
      properties: props,
      createdAt: '2026-09-01T12:00:00Z',
      updatedAt: '2026-09-01T12:00:00Z',
      archived: false,
    };
  }

  protected async route(req: FakeRequest): Promise<FakeReply> {
    const reply = this.#route(req);
    return {
      ...reply,
      headers: {
        'x-hubspot-ratelimit-secondly': '19',
        'x-hubspot-ratelimit-secondly-remaining': '18',
        ...reply.headers,
      },
    };
  }

  #route(req: FakeRequest): FakeReply {
    const p = req.url.pathname;
    const props = req.url.searchParams.get('properties')?.split(',') ?? null;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method === 'GET' && p === '/crm/v3/pipelines/tickets') {
      return {
        status: 200,
        body: {
          results: PIPELINES.map((pipeline, order) => ({
            id: pipeline.id,
            label: pipeline.label,
            displayOrder: order,
            archived: false,
            stages: pipeline.stages.map((s, i) => ({
              id: s.id,
              label: s.label,
              displayOrder: i,
              archived: false,
              metadata: { ticketState: s.ticketState },
            })),
          })),
        },
      };
    }
    let m = match(/^\/crm\/v3\/objects\/contacts\/([^/]+)$/, p);
    if (m && req.method === 'GET') {
      const c = this.contacts.get(m[0] ?? '');
      return c
        ? { status: 200, body: this.#contact(c, props) }
        : err(404, 'OBJECT_NOT_FOUND', 'resource not found');
    }
    if (m && req.method === 'PATCH') {
      const c = this.contacts.get(m[0] ?? '');
      if (!c) return err(404, 'OBJECT_NOT_FOUND', 'resource not found');
      Object.assign(c.props, (body.properties ?? {}) as object);
      return { status: 200, body: this.#contact(c, null) };
    }
    if (req.method === 'POST' && p === '/crm/v3/objects/contacts/search') {
      const f = firstFilter(body);
      // A free-text `query` matches names and email, as HubSpot's default searchable properties do.
      const q = typeof body.query === 'string' ? body.query.toLowerCase() : null;
      const found = [...this.contacts.values()].filter((c) =>
        q !== null
          ? [c.props.firstname, c.props.lastname, c.props.email].join(' ').toLowerCase().includes(q)
          : f?.propertyName === 'email' && c.props.email === f.value,
      );
      return {
        status: 200,
        body: { total: found.length, results: found.map((c) => this.#contact(c, null)) },
      };
    }
    if (req.method === 'POST' && p === '/crm/v3/objects/tickets/search') return this.#searchTickets(body);
    if (req.method === 'POST' && p === '/crm/v3/objects/tickets/batch/upsert') return this.#upsert(body);
    m = match(/^\/crm\/v3\/objects\/tickets\/([^/]+)$/, p);
    if (m && req.method === 'GET') {
      const t = this.tickets.get(m[0] ?? '');
      const assoc = req.url.searchParams.get('associations') === 'contacts';
      return t
        ? { status: 200, body: this.#object(t, props, assoc) }
        : err(404, 'OBJECT_NOT_FOUND', 'resource not found');
    }
    if (m && req.method === 'PATCH') return this.#updateTicket(m[0] ?? '', body);
    m = match(/^\/crm\/v4\/objects\/ticket\/([^/]+)\/associations\/default\/contact\/([^/]+)$/, p);
    if (m && req.method === 'PUT') {
      const t = this.tickets.get(m[0] ?? '');
      if (!t || !this.contacts.has(m[1] ?? '')) return err(404, 'OBJECT_NOT_FOUND', 'resource not found');
      if (!t.contacts.includes(m[1] ?? '')) t.contacts.push(m[1] ?? '');
      return {
        status: 200,
        body: {
          status: 'COMPLETE',
          results: [
            {
              from: { id: t.id },
              to: { id: m[1] },
              associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 16 },
            },
          ],
        },
      };
    }
    if (req.method === 'POST' && p === '/crm/v3/objects/notes') return this.#note(body);
    return err(404, 'OBJECT_NOT_FOUND', `no route ${req.method} ${p}`);
  }

  #searchTickets(body: Record<string, unknown>): FakeReply {
    const filters =
      (
        body.filterGroups as {
          filters: { propertyName: string; operator: string; value?: string; values?: string[] }[];
        }[]
      )?.[0]?.filters ?? [];
    let list = [...this.tickets.values()];
    for (const f of filters) {
      if (f.propertyName === 'associations.contact' && f.operator === 'EQ')
        list = list.filter((t) => t.contacts.includes(String(f.value)));
      else if (f.propertyName === 'hs_pipeline_stage' && f.operator === 'IN')
        list = list.filter((t) => f.values?.includes(t.props.hs_pipeline_stage ?? ''));
      else return err(400, 'VALIDATION_ERROR', `unsupported filter ${f.propertyName}`);
    }
    list.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    const limit = Math.min(Number(body.limit ?? 10), 200);
    const after = Number(body.after ?? 0);
    const page = list.slice(after, after + limit);
    const props = (body.properties as string[] | undefined) ?? null;
    return {
      status: 200,
      body: {
        total: list.length,
        results: page.map((t) => this.#object(t, props, false)),
        ...(after + limit < list.length ? { paging: { next: { after: String(after + limit) } } } : {}),
      },
    };
  }

  /**
   * `PATCH /crm/v3/objects/tickets/{id}` `{"properties":{…}}`: 200 with the updated object (no
   * associations). A stage not in the ticket's own pipeline is INVALID_OPTION and an unknown property
   * PROPERTY_DOESNT_EXIST, both inside the VALIDATION_ERROR message as HubSpot sends them.
   */
  #updateTicket(id: string, body: Record<string, unknown>): FakeReply {
    const t = this.tickets.get(id);
    if (!t) return err(404, 'OBJECT_NOT_FOUND', 'resource not found');
    const props = (body.properties ?? {}) as Record<string, unknown>;
    const invalid = (name: string, error: string, message: string) =>
      err(
        400,
        'VALIDATION_ERROR',
        `Property values were not valid: ${JSON.stringify([{ isValid: false, message, error, name }])}`,
      );
    for (const [name, value] of Object.entries(props)) {
      if (!TICKET_PROPERTIES.includes(name))
        return invalid(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      if (typeof value !== 'string') return invalid(name, 'INVALID_OPTION', 'must be a string');
    }
    const stage = props.hs_pipeline_stage;
    const pipeline = PIPELINES.find((p) => p.id === (props.hs_pipeline ?? t.props.hs_pipeline));
    if (stage !== undefined && !pipeline?.stages.some((s) => s.id === stage))
      return invalid(
        'hs_pipeline_stage',
        'INVALID_OPTION',
        `${String(stage)} was not one of the allowed options: [${pipeline?.stages.map((s) => s.id).join(', ')}]`,
      );
    Object.assign(t.props, props);
    t.updatedAt = new Date().toISOString();
    return { status: 200, body: this.#object(t, null, false) };
  }

  #upsert(body: Record<string, unknown>): FakeReply {
    const input = (
      body.inputs as { id: string; idProperty: string; properties: Record<string, string> }[]
    )?.[0];
    if (!input?.idProperty) return err(400, 'VALIDATION_ERROR', 'idProperty is required');
    const existing = [...this.tickets.values()].find((t) => t.props[input.idProperty] === input.id);
    const now = new Date().toISOString();
    if (existing) {
      return {
        status: 200,
        body: { status: 'COMPLETE', results: [{ ...this.#object(existing, null, false), new: false }] },
      };
    }
    const id = String(this.#next++);
    const t: HsTicket = {
      id,
      props: { ...input.properties, [input.idProperty]: input.id },
      contacts: [],
      createdAt: now,
      updatedAt: now,
    };
    this.tickets.set(id, t);
    return {
      status: 200,
      body: { status: 'COMPLETE', results: [{ ...this.#object(t, null, false), new: true }] },
    };
  }

  #note(body: Record<string, unknown>): FakeReply {
    const props = (body.properties ?? {}) as Record<string, string>;
    if (!props.hs_timestamp)
      return err(
        400,
        'VALIDATION_ERROR',
        'Property values were not valid: [{"isValid":false,"message":"hs_timestamp is required","error":"REQUIRED_FIELD","name":"hs_timestamp"}]',
      );
    const assoc = (body.associations as { to: { id: string } }[] | undefined)?.[0];
    const ticket = assoc ? this.tickets.get(assoc.to.id) : undefined;
    if (!ticket) return err(400, 'VALIDATION_ERROR', 'association target not found');
    const id = String(this.#next++);
    this.notes.push({ id, ticketId: ticket.id, body: props.hs_note_body ?? '' });
    const now = new Date().toISOString();
    ticket.updatedAt = now;
    return {
      status: 201,
      body: {
        id,
        properties: { hs_note_body: props.hs_note_body ?? '', hs_timestamp: props.hs_timestamp },
        createdAt: now,
        updatedAt: now,
        archived: false,
      },
    };
  }
}

function firstFilter(body: Record<string, unknown>) {
  return (body.filterGroups as { filters: { propertyName: string; value: string }[] }[] | undefined)?.[0]
    ?.filters?.[0];
}
