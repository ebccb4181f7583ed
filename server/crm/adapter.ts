import type { CommonStatus } from './config.js';

/**
 * The seam between MCP tools and a CRM (docs/architecture.md §11). Tools talk only to this interface;
 * the embedded adapter implements it on Deputy's own database, the HubSpot, Salesforce and Zendesk
 * adapters on the vendors' REST APIs. Adapters do not check permissions: the MCP tools do, before and
 * after every call, with the ownership the adapter reads from the CRM itself (`customerId`).
 */
export type { CommonStatus } from './config.js';

export interface Customer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
}

/** The coarse status the tools have always exposed (`status`), derived from the common one. */
export type TicketStatus = 'open' | 'pending' | 'solved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface Ticket {
  /** The id as the customer knows it (T-1001, a HubSpot ticket id, a Salesforce CaseNumber, a Zendesk id). */
  id: string;
  /** The owning customer as the CRM records it; null when it has none (a guest's ticket). */
  customerId: string | null;
  /** Every customer the CRM ties the ticket to, when it can be several (HubSpot associations). */
  ownerIds?: readonly string[];
  subject: string;
  description: string;
  status: TicketStatus;
  /** One of the common statuses (new, in progress, waiting on you, resolved, closed). */
  state: CommonStatus;
  /** The CRM's own label for the status, shown to the visitor beside the common one. */
  statusLabel: string;
  priority: TicketPriority;
  createdAt: string;
  updatedAt: string;
}

export interface TicketComment {
  id: string;
  ticketId: string;
  author: 'customer' | 'agent';
  /** A staff comment's author as the CRM records it (the operator's name), when it does. */
  authorName?: string;
  body: string;
  createdAt: string;
}

/** The operator a staff comment is written by (docs/staff-mcp.md). */
export interface CommentAuthor {
  name: string;
  email: string;
}

export interface NewTicket {
  /** The owner; null for a signed-in visitor the CRM does not know (then `contactEmail` is set). */
  customerId: string | null;
  subject: string;
  description: string;
  priority: TicketPriority;
  /** Where the team replies when there is no customer record (guests, unknown customers). */
  contactEmail?: string;
  /** The same key from the same customer returns the ticket it created. */
  idempotencyKey?: string;
  /** The same subject and description from the same customer within this window return that ticket. */
  dedupeWindowMs: number;
}

export interface NewComment {
  ticketId: string;
  /** The commenting customer (Zendesk records the requester as author). */
  customerId: string;
  body: string;
  /** The same body on the same ticket within this window returns that comment. */
  dedupeWindowMs: number;
  /**
   * An operator writing through their own MCP client: the comment is the team's, authored by them
   * where the CRM can record that (embedded). Absent: the customer's own comment.
   */
  staffAuthor?: CommentAuthor;
}

export interface CrmAdapter {
  /** The CRM type (embedded, hubspot, salesforce, zendesk), for logs and metrics. */
  readonly name: string;
  getCustomer(customerId: string): Promise<Customer | null>;
  /** The customer whose email this is (identity "email"); null when none or several. */
  findCustomerByEmail(email: string): Promise<Customer | null>;
  /** Null for an id of the wrong format as for a missing one: the two must look the same. */
  getTicket(ticketId: string): Promise<Ticket | null>;
  listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]>;
  listComments(ticketId: string, limit: number): Promise<TicketComment[]>;
  /**
   * Optional: `getTicket` and `listComments` (its latest `limit` comments, oldest first) in one read,
   * where the CRM can (embedded: one statement). The caller checks the ticket's owner before it
   * uses either, exactly as after `getTicket`. Absent: callers make the two calls.
   */
  getTicketWithComments?(
    ticketId: string,
    limit: number,
  ): Promise<{ ticket: Ticket; comments: TicketComment[] } | null>;
  /** Sets a customer's phone (E.164). `changed` is false when it already was that number. */
  updatePhone(customerId: string, phone: string): Promise<{ customer: Customer; changed: boolean } | null>;
  /**
   * A ticket already opened by the same call (idempotency key, or same text within the window), or a
   * new one. Retried creates never open two tickets.
   */
  createTicket(ticket: NewTicket): Promise<{ ticket: Ticket; created: boolean }>;
  /** The ticket `createTicket` would return instead of creating one, if any (cheaply known). */
  findDuplicateTicket(ticket: NewTicket): Promise<Ticket | null>;
  /** Adds a customer comment; a repeat of the same body within the window returns the first one. */
  addComment(comment: NewComment): Promise<{ comment: TicketComment; created: boolean }>;
  /** A guest contact for an anonymous visitor (`anon:…`), so a guest's ticket has an owner. */
  ensureGuest(guestId: string, email: string): Promise<void>;
  /**
   * Staff only: customers whose email or name contains `query` (case-insensitive), at most
   * `limit`. Absent when the adapter cannot search; the staff tool then says so.
   */
  searchCustomers?(query: string, limit: number): Promise<Customer[]>;
  /** Staff only: sets a ticket's status; null for a missing ticket. Absent when not supported. */
  setTicketStatus?(
    ticketId: string,
    status: TicketStatus,
  ): Promise<{ ticket: Ticket; changed: boolean } | null>;
}

/** Whether the CRM ties `ticket` to `customerId` (ownership comes from the CRM itself). */
export function ownedBy(ticket: Ticket, customerId: string | null): boolean {
  if (!customerId) return false;
  return ticket.customerId === customerId || (ticket.ownerIds?.includes(customerId) ?? false);
}
