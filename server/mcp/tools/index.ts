import type { ToolDefinition } from '../tool.js';
import { getCustomerInfo } from './get-customer-info.js';
import { getTicketStatus } from './get-ticket-status.js';

/** Every MCP tool, in the order `tools/list` shows them. */
export const TOOLS: readonly ToolDefinition[] = [getCustomerInfo, getTicketStatus];
