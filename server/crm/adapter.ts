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

export interface CrmAdapter {
  readonly name: string;
  getCustomer(customerId: string): Promise<Customer | null>;
  getTicket(ticketId: string): Promise<Ticket | null>;
  listTickets(customerId: string, opts: { status?: TicketStatus; limit: number }): Promise<Ticket[]>;
  listComments(ticketId: string, limit: number): Promise<TicketComment[]>;
}
