/**
 * The seam between MCP tools and a CRM. Tools talk only to this interface; the embedded adapter
 * implements it on Deputy's own database, and HubSpot or Salesforce adapters can implement it later.
 * Adapters do not check permissions: the MCP tools do, before and after every call.
 */
export interface Customer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
}

export type TicketStatus = 'open' | 'pending' | 'solved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface Ticket {
  id: string;
  customerId: string;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  createdAt: string;
  updatedAt: string;
}

export interface TicketComment {
  id: number;
  ticketId: string;
  author: 'customer' | 'agent';
  body: string;
  createdAt: string;
}

export interface NewTicket {
  customerId: string;
  subject: string;
  description: string;
  priority: TicketPriority;
  /** A guest's contact email (anonymous visitors). */
  contactEmail?: string;
  /** The same key from the same customer returns the ticket it created. */
  idempotencyKey?: string;
  /** The same subject and description from the same customer within this window return that ticket. */
  dedupeWindowMs: number;
}

export interface NewComment {
  ticketId: string;
  body: string;
  /** The same body on the same ticket within this window returns that comment. */
  dedupeWindowMs: number;
}

export interface CrmAdapter {
  readonly name: string;
  getCustomer(customerId: string): Promise<Customer | null>;
  getTicket(ticketId: string): Promise<Ticket | null>;
  listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]>;
  listComments(ticketId: string, limit: number): Promise<TicketComment[]>;
  /** Sets a customer's phone (E.164). `changed` is false when it already was that number. */
  updatePhone(customerId: string, phone: string): Promise<{ customer: Customer; changed: boolean } | null>;
  /**
   * A ticket already opened by the same call (idempotency key, or same text within the window), or a
   * new one. Looked up and created atomically, so two retries racing cannot open two tickets.
   */
  createTicket(ticket: NewTicket): Promise<{ ticket: Ticket; created: boolean }>;
  /** The ticket `createTicket` would return instead of creating one, if any. */
  findDuplicateTicket(ticket: NewTicket): Promise<Ticket | null>;
  /** Adds a customer comment; a repeat of the same body within the window returns the first one. */
  addComment(comment: NewComment): Promise<{ comment: TicketComment; created: boolean }>;
  /** A guest contact for an anonymous visitor (`anon:…`), so a guest's ticket has an owner. */
  ensureGuest(guestId: string, email: string): Promise<void>;
}
