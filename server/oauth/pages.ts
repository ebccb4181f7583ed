import type { FastifyReply } from 'fastify';
import type { Scope } from '../../shared/scopes.js';

/** What each scope lets a client do, as the consent page says it. */
const SCOPE_TEXT: Record<Scope, string> = {
  'crm.read': 'Read customer records, tickets and comments',
  'crm.contact.update.self': 'Change contact details',
  'crm.ticket.create': 'Open tickets',
  'crm.write': 'Change ticket status and comment on tickets in your name',
  'crm.any': 'Act on any customer of your site (not only one)',
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1c2430}
main{max-width:26rem;margin:3rem auto;background:#fff;border:1px solid #d8dde3;border-radius:8px;padding:1.5rem 2rem}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #8a96a3;border-radius:4px;font:inherit}
button{font:inherit;padding:.5rem 1.2rem;border-radius:4px;border:1px solid #1f4fa3;background:#1f4fa3;color:#fff;margin-top:1rem;cursor:pointer}
button.secondary{background:#fff;color:#1f4fa3;margin-left:.5rem}
.error{color:#a4161a;font-weight:600}ul{padding-left:1.2rem}code{word-break:break-all}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e9ed}main{background:#1b2027;border-color:#39424d}}`;

/** Sends a page: nothing cached, never framed (clickjacking a consent), no script at all. */
function send(reply: FastifyReply, status: number, title: string, body: string) {
  return (
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .header('x-frame-options', 'DENY')
      // same-origin, not no-referrer: with no-referrer Chromium posts the forms with `Origin: null`.
      .header('referrer-policy', 'same-origin')
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Deputy</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
      )
  );
}

/** The console's sign-in form (same fields and button), posting the pending request along. */
export function signInPage(
  reply: FastifyReply,
  p: { base: string; request: string; clientName: string; error?: string; email?: string },
) {
  return send(
    reply,
    p.error ? 401 : 200,
    'Sign in',
    `<h1>Sign in to Deputy</h1><p><strong>${esc(p.clientName)}</strong> wants to connect to Deputy as you.</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ''}
<form method="post" action="${esc(p.base)}/oauth/authorize/sign-in">
<input type="hidden" name="request" value="${esc(p.request)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" required value="${esc(p.email ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  );
}

/** The consent page: who asks, for what, as whom; Allow or Deny. */
export function consentPage(
  reply: FastifyReply,
  p: {
    /** The public URL's path prefix (`/deputy`, or empty): the forms post under it. */
    base: string;
    request: string;
    clientName: string;
    clientId: string;
    redirectHost: string;
    scopes: readonly Scope[];
    operator: string;
    site: string;
  },
) {
  const items = p.scopes.map((s) => `<li><code>${esc(s)}</code>: ${esc(SCOPE_TEXT[s])}</li>`).join('');
  return send(
    reply,
    200,
    'Allow access',
    `<h1>Allow ${esc(p.clientName)} to use Deputy?</h1>
<p>Signed in as <strong>${esc(p.operator)}</strong> on site <strong>${esc(p.site)}</strong>.</p>
<p>The client <strong>${esc(p.clientName)}</strong> (<code>${esc(p.clientId)}</code>, returning to <code>${esc(p.redirectHost)}</code>) asks to:</p>
<ul>${items}</ul><p>The name is the one the client gave itself: allow only if you just started connecting it, and it returns where you expect.</p><p>Every call it makes is recorded in the audit log under your name. You can revoke it at any time.</p>
<form method="post" action="${esc(p.base)}/oauth/authorize/consent">
<input type="hidden" name="request" value="${esc(p.request)}">
<button type="submit" name="decision" value="allow">Allow</button><button type="submit" class="secondary" name="decision" value="deny">Deny</button></form>`,
  );
}

/** An error shown in the browser: used when redirecting is unsafe (unknown client, bad redirect URI). */
export function errorPage(reply: FastifyReply, status: number, error: string, description: string) {
  return send(
    reply,
    status,
    'Cannot authorize',
    `<h1>This sign-in request cannot be completed</h1><p class="error" role="alert"><code>${esc(error)}</code>: ${esc(description)}</p><p>Nothing was authorized. Start again from your MCP client.</p>`,
  );
}
