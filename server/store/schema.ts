import type { Generated } from 'kysely';

/** Table types for Kysely. Times are ISO-8601 strings in UTC so SQLite and PostgreSQL agree. */
export interface Database {
  customers: CustomersTable;
  tickets: TicketsTable;
  ticket_comments: TicketCommentsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  audit_log: AuditLogTable;
  confirmation_uses: ConfirmationUsesTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  conversation_notes: ConversationNotesTable;
  operator_audit: OperatorAuditTable;
  crm_oauth: CrmOAuthTable;
  secrets: SecretsTable;
  ticket_numbers: TicketNumbersTable;
  turn_leases: TurnLeasesTable;
  pending_confirms: PendingConfirmsTable;
  visitor_budgets: VisitorBudgetsTable;
  signin_failures: SignInFailuresTable;
  oauth_clients: OAuthClientsTable;
  oauth_grants: OAuthGrantsTable;
  oauth_codes: OAuthCodesTable;
  oauth_refresh_tokens: OAuthRefreshTokensTable;
  oauth_pending: OAuthPendingTable;
  operator_presence: OperatorPresenceTable;
}

export interface CustomersTable {
  /** The site (tenant) the record belongs to; ids are unique per site only. */
  site_id: string;
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
  site_id: string;
  id: string;
  customer_id: string;
  subject: string;
  description: string;
  status: TicketStatus;
  priority: TicketPriority;
  created_at: string;
  updated_at: string;
  /** Set when the creating call carried an idempotency key; unique per customer. */
  idempotency_key?: string | null;
  /** A guest's contact email (anonymous visitors' tickets). */
  contact_email?: string | null;
}

export interface TicketCommentsTable {
  id: Generated<number>;
  site_id: string;
  ticket_id: string;
  author: 'customer' | 'agent';
  body: string;
  created_at: string;
  /** A staff comment's author (the operator's display name); null for the customer's own. */
  author_name?: string | null;
}

export interface ConversationsTable {
  id: string;
  site_id: string;
  /** The visitor's subject (customer id or `anon:…`); a conversation is only resumed by its owner. */
  subject: string;
  last_seq: number;
  created_at: string;
  updated_at: string;
  /** Who answers (docs/architecture.md §10): the bot, nobody yet (queued), or one operator. */
  owner?: Generated<ConversationOwner>;
  operator_id?: string | null;
  status?: Generated<'open' | 'resolved'>;
  /** When the conversation joined the queue (longest waiting first). */
  queued_at?: string | null;
  handoff_reason?: string | null;
  /** Consecutive turns the agent failed to help; two hand the conversation to a person. */
  failures?: Generated<number>;
}

export type ConversationOwner = 'bot' | 'queue' | 'operator';

export interface MessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  role: MessageRole;
  text: string;
  client_id: string | null;
  created_at: string;
  /** Operator messages and status lines: the operator's display name (never the email). */
  author?: string | null | undefined;
}

/**
 * `operator`: a person's reply; `status`: a line the widget shows ("Sam joined"), whose text is an
 * event code, never shown to the model.
 */
export type MessageRole = 'visitor' | 'assistant' | 'operator' | 'status';

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
  /** Conversation id from the MCP token, when the caller is the chat backend. */
  cid?: string | null;
  /** The site of the caller (`site` claim). */
  site_id?: string;
}

/** A consumed confirmation state: its id can never confirm a write again (A10, W6). */
export interface ConfirmationUsesTable {
  id: string;
  sub: string;
  tool: string;
  /** Unix seconds after which the state is refused anyway, so the row may be purged. */
  expires_at: number;
  used_at: string;
  site_id?: string;
}

export interface OperatorsTable {
  id: string;
  site_id: string;
  email: string;
  name: string;
  role: 'agent' | 'admin';
  /** `scrypt$N$r$p$salt$hash`, base64url parts. */
  password_hash: string;
  created_at: string;
}

export interface OperatorSessionsTable {
  id_hash: string;
  operator_id: string;
  csrf: string;
  /** Unix milliseconds. */
  expires_at: number;
  created_at: string;
}

/** Private notes and handoff summaries: never sent to the widget or the model (C5). */
export interface ConversationNotesTable {
  id: string;
  conversation_id: string;
  kind: 'note' | 'summary';
  author: string;
  text: string;
  created_at: string;
}

export interface OperatorAuditTable {
  id: Generated<number>;
  at: string;
  operator_id: string;
  site_id: string;
  action: string;
  conversation_id: string | null;
  outcome: string;
}

/** The newest rotated OAuth refresh token per site (docs/crm.md); a secret, never logged. */
export interface CrmOAuthTable {
  site_id: string;
  crm: string;
  /** sha256 (hex) of the environment's refresh token this chain began from. */
  seed_hash: string;
  refresh_token: string;
  updated_at: string;
}

/** Generated keys and secrets when the store is PostgreSQL (docs/operations.md, "PostgreSQL"). */
export interface SecretsTable {
  name: string;
  /** The secret, base64url (or a private JWK as JSON); never logged. */
  value: string;
  created_at: string;
}

/** The embedded CRM's last ticket number per site: `T-<last>`. */
export interface TicketNumbersTable {
  site_id: string;
  last_number: number;
}

/** Which node runs a conversation's turn now (docs/scaling.md); an expired lease is free. */
export interface TurnLeasesTable {
  conversation_id: string;
  holder: string;
  expires_at: string;
}

export type PendingConfirmStatus =
  | 'pending'
  | 'accepted'
  | 'declined'
  | 'withdrawn'
  | 'expired'
  | 'done'
  | 'failed';

/** A confirm card shown to a visitor, answered on any node (docs/scaling.md). */
export interface PendingConfirmsTable {
  id: string;
  conversation_id: string;
  for_seq: number;
  tool: string;
  args: string;
  summary: string;
  state: string;
  expires_at: string;
  status: PendingConfirmStatus;
  result: string | null;
  node: string;
  created_at: string;
  settled_at: string | null;
}

/** Per-visitor use of a budget within one minute, shared by every node. */
/** Failed sign-ins of one hashed address or account in a window (migration 0012). */
export interface SignInFailuresTable {
  key: string;
  count: number;
  window_end: string;
}

export interface VisitorBudgetsTable {
  key: string;
  minute: string;
  used: number;
}

/** An MCP client registered by dynamic client registration (docs/staff-mcp.md). */
export interface OAuthClientsTable {
  id: string;
  name: string;
  /** JSON array of the exact redirect URIs registered. */
  redirect_uris: string;
  created_at: string;
  revoked_at: string | null;
}

/** One operator's consent to one client: every code and refresh token hangs off it. */
export interface OAuthGrantsTable {
  id: string;
  client_id: string;
  operator_id: string;
  site_id: string;
  scope: string;
  /** The `/mcp` URL the tokens are bound to (RFC 8707). */
  resource: string;
  created_at: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

export interface OAuthCodesTable {
  /** sha256 (base64url) of the code. */
  code_hash: string;
  grant_id: string;
  client_id: string;
  redirect_uri: string;
  /** The S256 PKCE challenge. */
  code_challenge: string;
  expires_at: string;
  used_at: string | null;
}

export interface OAuthRefreshTokensTable {
  /** sha256 (base64url) of the token. */
  token_hash: string;
  grant_id: string;
  expires_at: string;
  created_at: string;
  /** Set when rotated: presented again, the whole grant is revoked. */
  used_at: string | null;
}

/** An authorization request waiting for sign-in and consent; spent by the step that reads it. */
export interface OAuthPendingTable {
  id: string;
  /** JSON of the checked request. */
  request: string;
  operator_id: string | null;
  expires_at: string;
}

/** An operator with a console open on a node, refreshed every few seconds (docs/scaling.md). */
export interface OperatorPresenceTable {
  node: string;
  operator_id: string;
  site_id: string;
  seen_at: string;
}
