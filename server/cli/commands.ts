import { audit } from './audit.js';
import { backup } from './backup.js';
import { crmCommand } from './crm-check.js';
import { importCommand } from './import.js';
import type { CliCommand } from './io.js';
import { mcp } from './mcp.js';
import { oauthCommand } from './oauth.js';
import { operator } from './operator.js';
import { restore } from './restore.js';
import { seed } from './seed.js';
import { token } from './token.js';

/** Every CLI command, in usage order: a new command is one module and one entry here. */
export const COMMANDS: readonly CliCommand[] = [
  seed,
  token,
  audit,
  mcp,
  operator,
  oauthCommand,
  importCommand,
  crmCommand,
  backup,
  restore,
];
