import { AuditLog } from '../mcp/audit.js';
import { cliContext } from './context.js';
import { type CliCommand, options, UsageError } from './io.js';

/** `audit`: prints the MCP audit log, oldest first. */
export const audit: CliCommand = {
  name: 'audit',
  usage: `  audit [--sub ID|EMAIL] [--since ISO] [--limit N] [--json]
                                        print the MCP audit log, oldest first; an operator's calls
                                        (staff MCP clients) show their email, and --sub takes it`,
  async run(argv, io) {
    const { values } = options(argv, {
      sub: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.since !== undefined && Number.isNaN(Date.parse(values.since)))
      throw new UsageError(`--since must be an ISO-8601 time, got "${values.since}"`);
    const limit = values.limit === undefined ? 1000 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
    const ctx = await cliContext(io);
    const store = await ctx.store();
    try {
      // Operators' own MCP clients act as `op_…`: shown (and found) by their email too.
      const operators = await store.db.selectFrom('operators').select(['id', 'email']).execute();
      const emailOf = new Map(operators.map((o) => [o.id, o.email]));
      const sub = values.sub?.includes('@')
        ? (operators.find((o) => o.email === values.sub?.toLowerCase())?.id ?? values.sub)
        : values.sub;
      const rows = await new AuditLog(store.db).query({
        limit,
        ...(sub ? { sub } : {}),
        ...(values.since ? { since: new Date(values.since).toISOString() } : {}),
      });
      for (const r of rows) {
        const operator = emailOf.get(r.sub);
        if (values.json) {
          io.out(JSON.stringify(operator ? { ...r, operator } : r));
          continue;
        }
        const result = r.error_code ? `${r.outcome}:${r.error_code}` : r.outcome;
        const cols = [
          r.at,
          operator ? `${r.sub}(${operator})` : r.sub,
          r.client,
          r.tool,
          result,
          `${r.latency_ms}ms`,
          `[${r.scopes}]`,
          r.args,
        ];
        io.out([...cols, `jti=${r.jti}`].join('  '));
      }
      if (!values.json) io.err(`${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`);
    } finally {
      await ctx.close();
    }
  },
};
