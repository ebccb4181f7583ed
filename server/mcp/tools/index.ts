import type { ToolDefinition } from '../tool.js';
import { addTicketComment } from './add-ticket-comment.js';
import { createTicket } from './create-ticket.js';
import { getCustomerInfo } from './get-customer-info.js';
import { getTicketStatus } from './get-ticket-status.js';
import { listMyTickets } from './list-my-tickets.js';
import { updatePhoneNumber } from './update-phone-number.js';

/** Every MCP tool, in the order `tools/list` shows them. */
export const TOOLS: readonly ToolDefinition[] = [
  getCustomerInfo,
  getTicketStatus,
  listMyTickets,
  updatePhoneNumber,
  createTicket,
  addTicketComment,
];
