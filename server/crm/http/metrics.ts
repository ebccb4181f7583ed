import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * CRM call metrics on `/metrics` (docs/crm.md): requests by outcome, errors by kind and vendor code,
 * latency, all labelled by CRM type and site, so an operator sees which CRM is failing and how.
 */
export class CrmMetrics {
  readonly requests: Counter<'crm' | 'site' | 'outcome'>;
  readonly errors: Counter<'crm' | 'site' | 'kind' | 'vendor_code'>;
  readonly seconds: Histogram<'crm' | 'site'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'deputy_crm_requests_total',
      help: 'HTTP requests to a CRM (each retry counts), by CRM, site and outcome (ok, error, retried, token_ok, token_error)',
      labelNames: ['crm', 'site', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'deputy_crm_errors_total',
      help: 'CRM failures by kind (timeout, network, rate_limited, http_5xx, auth, malformed, breaker_open) and vendor code',
      labelNames: ['crm', 'site', 'kind', 'vendor_code'],
      registers,
    });
    this.seconds = new Histogram({
      name: 'deputy_crm_request_duration_seconds',
      help: 'Latency of one HTTP request to a CRM',
      labelNames: ['crm', 'site'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }
}

/** Vendor codes become metric labels: only short identifiers, so a hostile body cannot explode cardinality. */
export function labelCode(code: string | null): string {
  return code && /^[A-Za-z0-9_.-]{1,40}$/.test(code) ? code : code ? 'other' : 'none';
}
