/**
 * A CRM that did not answer usefully: down, slow, rate-limited, refusing our token, or answering
 * something that is not what its documentation promises. The vendor's code and status go to logs and
 * metrics only; the model and the visitor see the tool error `crm_unavailable` (docs/crm.md).
 */
export class CrmUnavailableError extends Error {
  constructor(
    /** Short kind for metrics: timeout, network, rate_limited, http_5xx, http_4xx, auth, malformed, breaker_open. */
    readonly kind: string,
    /** What the vendor said (its code), for the operator's log; never shown to a visitor. */
    readonly vendorCode: string | null = null,
    readonly status: number | null = null,
  ) {
    super(
      `CRM unavailable (${kind}${vendorCode ? `: ${vendorCode}` : ''}${status ? `, HTTP ${status}` : ''})`,
    );
    this.name = 'CrmUnavailableError';
  }
}
