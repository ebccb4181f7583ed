import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signVisitorToken } from '../server/auth/visitor-token.js';
import type { Config } from '../server/config.js';
import { projectRoot } from '../server/paths.js';
import { DEMO_CUSTOMERS } from '../server/store/seed.js';
import { renderDemoPage } from './page.js';

const here = path.join(projectRoot(), 'demo');
const PEOPLE = { alice: 'cus_alice', bob: 'cus_bob' } as const;
type As = keyof typeof PEOPLE | 'guest';
const LOCALES = new Set(['en', 'es', 'de', 'fr', 'ar']);
const THEMES = new Set(['auto', 'light', 'dark']);

/**
 * The demo store page. `/?as=alice|bob|guest` chooses who is signed in: the page's "server" mints
 * the visitor token with the demo site's secret, exactly as a real host site would (docs/embedding.md).
 */
export async function demoRoutes(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const site = opts.config.sites.get('demo');
  const key = site?.visitorKeys.find((k) => k.kind === 'hs256');
  if (!site || !key || key.kind !== 'hs256') return;

  const assets = path.join(here, 'assets');
  if (existsSync(assets))
    await app.register(fastifyStatic, { root: assets, prefix: '/demo/', decorateReply: false });

  const page = (csp: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const raw = (req.query as { as?: unknown }).as;
    const as: As = raw === 'bob' || raw === 'guest' ? raw : 'alice';
    let visitorToken: string | null = null;
    if (as !== 'guest') {
      const customer = DEMO_CUSTOMERS.find((c) => c.id === PEOPLE[as]);
      visitorToken = await signVisitorToken({
        secret: key.secret,
        site: site.id,
        audience: opts.config.visitorAudience,
        sub: PEOPLE[as],
        ...(customer ? { name: customer.name, email: customer.email } : {}),
      });
    }
    if (csp) {
      reply.header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'",
      );
    }
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    // `?locale=ar` and `?theme=dark` show the widget's locales and themes on the demo page.
    const q = req.query as { locale?: unknown; theme?: unknown };
    const snippet: Record<string, string> = {};
    if (typeof q.locale === 'string' && LOCALES.has(q.locale)) snippet['data-locale'] = q.locale;
    if (typeof q.theme === 'string' && THEMES.has(q.theme)) snippet['data-theme'] = q.theme;
    return renderDemoPage({ as, visitorToken, site: site.id, csp, snippet });
  };
  app.get('/', page(false));
  app.get('/csp', page(true));
}
