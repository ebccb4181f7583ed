import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  POSTGRES_SKIP_REASON,
  postgresAdminUrl,
  postgresAvailable,
} from '../../helpers/postgres.js';

describe.skipIf(!postgresAvailable)(
  `the test run's PostgreSQL cluster${postgresAvailable ? '' : ` (${POSTGRES_SKIP_REASON})`}`,
  () => {
    it('serves a fresh database per caller, and refuses a wrong password', async () => {
      const db = await createTestDatabase();
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const { rows } = await client.query('select current_database() as name, current_setting($1) as fsync', [
        'fsync',
      ]);
      await client.end();
      expect(rows[0]).toEqual({ name: db.name, fsync: 'off' });
      await db.drop();

      const wrong = new URL(postgresAdminUrl());
      wrong.password = 'not-the-password';
      const bad = new pg.Client({ connectionString: wrong.href });
      await expect(bad.connect()).rejects.toThrow(/password authentication failed/);
    });
  },
);
