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

/**
 * A staff status change none of the CRM's own statuses maps to (HubSpot: no stage of the ticket's
 * pipeline; Salesforce: no Case Status value), with the site's `statusMap` applied. Not an outage:
 * the CRM answered, the mapping has no target. The tool answers `status_not_mapped` (docs/crm.md).
 */
export class CrmStatusUnmappedError extends Error {
  constructor(readonly status: string) {
    super(`No CRM status maps to ${status}`);
    this.name = 'CrmStatusUnmappedError';
  }
}
