/**
 * The server's coded errors: configuration and operational failures that never reach a
 * widget. The wire-visible subset lives in shared/errors.ts. Codes are never reused; each one is
 * documented in docs/operations.md, and a test checks that.
 */
export const SERVER_ERRORS = {
  config_file_unreadable: { message: 'The configuration file could not be read.' },
  config_invalid: { message: 'The configuration is invalid.' },
  env_invalid: { message: 'An environment variable has an invalid value.' },
  secret_missing: { message: 'A site key names a secret that is not set.' },
  metrics_forbidden: { message: 'The metrics endpoint needs the metrics token.', status: 401 },
  not_ready: {
    message: 'The server is not ready (starting, draining or the database is unavailable).',
    status: 503,
  },
  data_dir_missing: {
    message: 'The data directory has no Deputy database or keys (the CLI never creates them).',
  },
  data_dir_newer: { message: 'The data directory was written by a newer version of Deputy.' },
  data_dir_older: { message: 'The data directory needs migrating by this version of the server first.' },
  backup_failed: { message: 'The backup or restore did not complete; nothing was replaced.' },
  server_running: { message: 'The server is running on this data directory; stop it first.' },
  database_url_invalid: { message: 'DATABASE_URL is not a usable PostgreSQL URL.' },
  database_unreachable: { message: 'The PostgreSQL database could not be reached.' },
  database_auth_failed: { message: 'PostgreSQL refused the user or password in DATABASE_URL.' },
  database_newer: { message: 'The database was migrated by a newer version of Deputy; nothing was changed.' },
  database_unavailable: {
    message: 'The database did not answer; the request was not completed (retry).',
    status: 503,
  },
  backup_unsupported: {
    message:
      'deputy backup and restore copy the SQLite file; a PostgreSQL database is backed up with pg_dump.',
  },
  draining: { message: 'The server is shutting down and accepts no new chats.', status: 503 },
} as const satisfies Record<string, { message: string; status?: number }>;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

/** An error with a stable code; `detail` names what to fix (e.g. the bad field of the config). */
export class DeputyError extends Error {
  /** The HTTP status a route answers with when this error escapes it (Fastify reads it). */
  readonly statusCode: number | undefined;

  constructor(
    readonly code: ServerErrorCode,
    readonly detail: string,
  ) {
    super(`${SERVER_ERRORS[code].message} ${detail}`.trim());
    this.name = 'DeputyError';
    this.statusCode = (SERVER_ERRORS[code] as { status?: number }).status;
  }
}
