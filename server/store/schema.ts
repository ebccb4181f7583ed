import type { Generated } from 'kysely';

/** Table types for Kysely. Times are ISO-8601 strings in UTC so SQLite and PostgreSQL agree. */
export interface Database {
  customers: CustomersTable;
  tickets: TicketsTable;
  ticket_comments: TicketCommentsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  audit_log: AuditLogTable;
}

export interface CustomersTable {
  id: string;
  name: string;
  email: string;
  /** E.164, or null when unknown. */
  phone: string | null;
  created_at: string;
  updated_at: string;
}

export type TicketStatus = 'open' | 'pending' | 'solved' | 'closed';
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';

export interface TicketsTable {
  id: string;
  customer_id: string;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  created_at: string;
  updated_at: string;
}

export interface TicketCommentsTable {
  id: Generated<number>;
  ticket_id: string;
  author: 'customer' | 'agent';
  body: string;
  created_at: string;
}

export interface ConversationsTable {
  id: string;
  site_id: string;
  /** The visitor's subject (customer id or `anon:…`); a conversation is only resumed by its owner. */
  subject: string;
  last_seq: number;
  created_at: string;
  updated_at: string;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  role: 'visitor' | 'assistant';
  text: string;
  client_id: string | null;
  created_at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  sub: string;
  client: string;
  scopes: string;
  tool: string;
  /** Arguments as JSON with phones and emails masked. */
  args: string;
  outcome: string;
  error_code: string | null;
  latency_ms: number;
  jti: string;
}
