import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { SCOPES } from '../../shared/scopes.js';
import { DEFAULT_LIMITS, type Limits, MODELS } from '../config.js';
import { OfficeHoursSchema } from '../console/office-hours.js';
import { CrmSchema } from '../crm/config.js';

/**
 * The schema of `deputy.config.json` (docs/operations.md). One schema, two uses: boot validates the
 * file with it, and `deputy.config.schema.json` (for editors) is generated from it.
 */

/** Same pattern as the hello frame's `site`, so every configured site can be named on the wire. */
export const SITE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

// crm.any is staff-only: a site can never hand it to visitors (S7).
const VisitorScope = z.enum(SCOPES).refine((s) => s !== 'crm.any', 'crm.any is never granted to visitors');
const KeyAlg = z.enum(['EdDSA', 'ES256', 'RS256']);

const Origin = z
  .string()
  .refine((o) => o === 'self' || isOrigin(o), 'must be "self" or an origin like https://shop.example.com');

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

const Hs256Key = z
  .strictObject({
    type: z.literal('hs256'),
    secret: z.string().min(32).optional().describe('The shared secret itself (at least 32 characters)'),
    secretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional()
      .describe('Name of the environment variable holding the secret'),
    generate: z
      .literal(true)
      .optional()
      .describe('Generate a random secret in <data dir>/keys/site-<id>.secret on first start'),
  })
  .superRefine((key, ctx) => {
    const given = [key.secret, key.secretEnv, key.generate].filter((v) => v !== undefined).length;
    if (given !== 1)
      ctx.addIssue({ code: 'custom', message: 'give exactly one of secret, secretEnv, generate' });
  });

const JwkKey = z.strictObject({
  type: z.literal('jwk'),
  jwk: z
    .looseObject({ kty: z.enum(['OKP', 'EC', 'RSA']) })
    .refine((jwk) => !('d' in jwk), 'must be a public key (it has a private "d" member)'),
  alg: KeyAlg.optional().describe('Defaults to the JWK alg, else EdDSA/ES256/RS256 by kty'),
});

const JwksKey = z.strictObject({
  type: z.literal('jwks'),
  url: z.url().refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
  }, 'must be an https URL (http only on loopback)'),
  algs: z.array(KeyAlg).min(1),
  cacheSeconds: z.int().min(10).max(86_400).optional(),
  timeoutMs: z.int().min(100).max(30_000).optional(),
});

export const KeySchema = z.discriminatedUnion('type', [Hs256Key, JwkKey, JwksKey]);
export type KeyEntry = z.infer<typeof KeySchema>;

export const SiteSchema = z.strictObject({
  origins: z.array(Origin).min(1).describe('Page origins allowed to open chats for this site'),
  keys: z.array(KeySchema).default([]).describe('Visitor-token verification keys; none = anonymous only'),
  defaultScopes: z.array(VisitorScope).default(['crm.read']),
  anonymousScopes: z.array(VisitorScope).default([]),
  phoneCountry: z
    .string()
    .refine((c) => isSupportedCountry(c), 'must be an ISO 3166 country code such as US or GB')
    .default('US'),
  model: z.enum(MODELS).optional(),
  officeHours: OfficeHoursSchema.optional().describe('When operators answer (docs/console.md)'),
  crm: CrmSchema.describe("The CRM this site's customers live in (docs/crm.md); embedded by default"),
});
export type SiteEntry = z.infer<typeof SiteSchema>;

const limitShape = Object.fromEntries(
  Object.keys(DEFAULT_LIMITS).map((k) => [k, z.int().min(1).optional()]),
) as Record<keyof Limits, z.ZodOptional<z.ZodInt>>;

export const ConfigFileSchema = z.strictObject({
  $schema: z.string().optional(),
  visitorAudience: z.string().min(1).max(200).optional(),
  model: z.enum(MODELS).optional(),
  limits: z.strictObject(limitShape).optional(),
  sites: z
    .record(z.string().regex(SITE_ID, 'site ids are lowercase letters, digits, _ and -'), SiteSchema)
    .refine((sites) => Object.keys(sites).length > 0, 'at least one site is needed'),
});
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

/** "sites.acme.keys[0].secret: too short" for the first few issues of a failed parse. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const where = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part),
        prefix,
      );
      return `${where || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

/** The JSON Schema of the config file, for editors (`deputy.config.schema.json` is this, committed). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigFileSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Deputy configuration (deputy.config.json)',
  };
}
