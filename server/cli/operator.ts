import { OPERATOR_USAGE, OperatorUsageError, operatorCommand } from '../console/cli.js';
import { cliContext } from './context.js';
import { type CliCommand, UsageError } from './io.js';

/** `operator add|list|remove|reset-password`: console accounts (docs/console.md). */
export const operator: CliCommand = {
  name: 'operator',
  usage: OPERATOR_USAGE,
  async run(argv, io) {
    // The same settings as the server, said on stderr; never a new data directory.
    await cliContext(io);
    try {
      await operatorCommand(argv, io);
    } catch (err) {
      if (err instanceof OperatorUsageError) throw new UsageError(err.message);
      throw err;
    }
  },
};
