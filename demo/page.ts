/**
 * The demo host page: a fictional store ("Northwind Outfitters") with the Deputy snippet pasted in, as
 * a real site would. No inline scripts or styles, so the same page works under a strict CSP (/csp).
 */
export interface DemoPageOptions {
  as: 'alice' | 'bob' | 'guest';
  visitorToken: string | null;
  site: string;
  csp?: boolean;
  nonce?: string;
  /** Extra data-* attributes for the snippet (tests: data-locale, data-theme, …). */
  snippet?: Record<string, string>;
}

const PEOPLE = { alice: 'Alice Martin', bob: 'Bob Chen', guest: 'Guest' } as const;

const PRODUCTS = [
  { name: 'Ridgeline 38L Pack', price: '$149', tag: 'New', swatch: 'moss' },
  { name: 'Cascade Rain Shell', price: '$189', tag: 'Waterproof', swatch: 'sky' },
  { name: 'Trailhead Merino Tee', price: '$58', tag: 'Bestseller', swatch: 'sand' },
  { name: 'Summit Down Vest', price: '$129', tag: 'Lightweight', swatch: 'ember' },
] as const;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

function snippet(opts: DemoPageOptions): string {
  const attrs: Record<string, string> = { 'data-site': opts.site };
  if (opts.visitorToken) attrs['data-visitor-token'] = opts.visitorToken;
  if (opts.nonce) {
    attrs.nonce = opts.nonce;
    attrs['data-nonce'] = opts.nonce;
  }
  for (const [key, value] of Object.entries(opts.snippet ?? {})) {
    if (/^data-[a-z-]+$/.test(key)) attrs[key] = value;
  }
  const list = Object.entries(attrs)
    .map(([k, v]) => `${k}="${escapeHtml(v)}"`)
    .join(' ');
  return `<script src="/widget.js" ${list} async></script>`;
}

/** `&locale=…&theme=…` for the switcher links, so changing customer keeps the chosen locale and theme. */
function keptQuery(snippet: Record<string, string> | undefined): string {
  const params = new URLSearchParams();
  const locale = snippet?.['data-locale'];
  const theme = snippet?.['data-theme'];
  if (locale) params.set('locale', locale);
  if (theme) params.set('theme', theme);
  const query = params.toString();
  return query ? `&${query}` : '';
}

/** A complete HTML page for `/` (and `/csp` with `csp: true`). All interpolated values are escaped. */
export function renderDemoPage(opts: DemoPageOptions): string {
  const base = opts.csp ? '/csp' : '/';
  const keep = keptQuery(opts.snippet);
  const switcher = (['alice', 'bob', 'guest'] as const)
    .map((who) => {
      const current = who === opts.as ? ' aria-current="true"' : '';
      return `<a href="${escapeHtml(`${base}?as=${who}${keep}`)}"${current}>${escapeHtml(PEOPLE[who])}</a>`;
    })
    .join('');
  const products = PRODUCTS.map(
    (p) => `<li class="product">
          <div class="swatch ${p.swatch}" aria-hidden="true"></div>
          <span class="tag">${escapeHtml(p.tag)}</span>
          <h3>${escapeHtml(p.name)}</h3>
          <p class="price">${escapeHtml(p.price)}</p>
          <button type="button">Add to cart</button>
        </li>`,
  ).join('\n        ');

  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Northwind Outfitters — Gear for every trail</title>
    <link rel="stylesheet" href="/demo/demo.css">
  </head>
  <body>
    <header class="site-header">
      <a class="brand" href="${escapeHtml(base)}">Northwind <span>Outfitters</span></a>
      <nav aria-label="Main">
        <a href="#shop">Shop</a>
        <a href="#help">Order help</a>
        <a href="#about">About</a>
        <a href="/console" target="_blank" rel="noopener">Operator console</a>
      </nav>
      <div class="account">
        <span class="signed-in">Signed in as <strong>${escapeHtml(PEOPLE[opts.as])}</strong></span>
        <nav class="switcher" aria-label="Switch demo customer">${switcher}</nav>
      </div>
    </header>
    <main>
      <section class="hero">
        <h1>Gear for every trail</h1>
        <p>Packs, shells and layers tested in the Cascades. Free returns within 60 days.</p>
        <a class="cta" href="#shop">Shop the spring collection</a>
      </section>
      <section id="shop" aria-labelledby="shop-title">
        <h2 id="shop-title">Spring collection</h2>
        <ul class="products">
        ${products}
        </ul>
      </section>
      <section id="help" class="help" aria-labelledby="help-title">
        <h2 id="help-title">Order help</h2>
        <div class="help-grid">
          <article>
            <h3>Track a ticket</h3>
            <p>Ask our assistant: “What's the status of ticket T-1001?” It only ever sees your own tickets.</p>
          </article>
          <article>
            <h3>Update your details</h3>
            <p>Say “change my phone to +44 20 7946 0000”. Nothing changes until you press Confirm.</p>
          </article>
          <article>
            <h3>Returns</h3>
            <p>Damaged or not the right fit? Open a ticket from the chat and we'll send a label.</p>
          </article>
        </div>
      </section>
    </main>
    <footer id="about" class="site-footer">
      <p>© 2026 Northwind Outfitters (a fictional store for the Deputy demo).</p>
      <p>Support chat by Deputy — the assistant acts only with the signed-in customer's permissions.</p>
    </footer>
    ${snippet(opts)}
  </body>
</html>
`;
}
