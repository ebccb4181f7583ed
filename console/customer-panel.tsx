import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api.js';

interface CustomerView {
  anonymous: boolean;
  customer: Record<string, unknown> | null;
  tickets: Record<string, unknown>[];
}

const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/**
 * The customer's record and tickets, read through the MCP server as the customer with this operator
 * as actor (docs/architecture.md §3). CRM text is rendered as text nodes only (docs/threat-model.md D1).
 */
export function CustomerPanel({ api, conversationId }: { api: Api; conversationId: string }) {
  const [view, setView] = useState<CustomerView | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    setView(null);
    setError('');
    api
      .call<CustomerView>('GET', `/conversations/${conversationId}/customer`)
      .then(setView, () => setError('The record could not be read.'));
  }, [api, conversationId]);
  return (
    <aside class="customer" aria-labelledby="customer-title">
      <h2 id="customer-title">Customer</h2>
      {error && <p>{error}</p>}
      {!view && !error && <p>Loading…</p>}
      {view?.anonymous && <p>A guest (not signed in): no record.</p>}
      {view?.customer && (
        <dl>
          <dt>Name</dt>
          <dd>{text(view.customer.name)}</dd>
          <dt>Email</dt>
          <dd>{text(view.customer.email)}</dd>
          <dt>Phone</dt>
          <dd>{text(view.customer.phone) || '—'}</dd>
        </dl>
      )}
      {view && !view.anonymous && (
        <>
          <h3>Tickets</h3>
          <ul class="tickets">
            {view.tickets.length === 0 && <li>None.</li>}
            {/* list_my_tickets names the id ticket_id (docs/architecture.md §4). */}
            {view.tickets.map((t) => (
              <li key={text(t.ticket_id)}>
                <strong>{text(t.ticket_id)}</strong> {text(t.subject)}{' '}
                <span class="badge">{text(t.status)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
