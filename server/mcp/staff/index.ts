import { commentOnTicket } from './comment-on-ticket.js';
import { findCustomer } from './find-customer.js';
import { getCustomerProfile } from './get-customer-profile.js';
import { getTicketDetails } from './get-ticket-details.js';
import { listHandoffQueue } from './list-handoff-queue.js';
import { setTicketStatus } from './set-ticket-status.js';
import type { StaffTool } from './staff-tool.js';

/** Every staff tool (operator tokens only, docs/staff-mcp.md), in the order `tools/list` shows them. */
export const STAFF_TOOLS: readonly StaffTool[] = [
  findCustomer,
  getCustomerProfile,
  getTicketDetails,
  setTicketStatus,
  commentOnTicket,
  listHandoffQueue,
];
