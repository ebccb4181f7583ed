import { z } from 'zod';
import type { VendorRules } from '../http/client.js';

/** Salesforce REST shapes (docs/crm.md): 18-character ids, `+0000` datetimes, errors as an array. */
const SfId = z.string().regex(/^[A-Za-z0-9]{15,18}$/);

export const SfContact = z.looseObject({
  Id: SfId,
  Name: z.string(),
  Email: z.string().nullable(),
  Phone: z.string().nullable(),
  MobilePhone: z.string().nullable().optional(),
});

export const SfCase = z.looseObject({
  Id: SfId,
  CaseNumber: z.string().regex(/^\d{1,20}$/),
  Subject: z.string().nullable(),
  Description: z.string().nullable().optional(),
  Status: z.string(),
  Priority: z.string().nullable().optional(),
  ContactId: SfId.nullable(),
  IsClosed: z.boolean(),
  CreatedDate: z.string(),
  LastModifiedDate: z.string(),
});
export type SfCase = z.infer<typeof SfCase>;

/**
 * A value of the org's Case Status picklist (`CaseStatus`): `ApiName` (API 36+) is what `Case.Status`
 * holds; `MasterLabel` is nillable.
 */
export const SfCaseStatus = z.looseObject({
  ApiName: z.string().min(1).nullable().optional(),
  MasterLabel: z.string().min(1).nullable().optional(),
  IsClosed: z.boolean(),
});

export const SfComment = z.looseObject({
  Id: SfId,
  CommentBody: z.string().nullable(),
  IsPublished: z.boolean(),
  CreatedDate: z.string(),
});

/** A SOQL answer: `records`, and `nextRecordsUrl` while `done` is false. */
export function sfQuery<T extends z.ZodType>(record: T) {
  return z.looseObject({
    totalSize: z.number(),
    done: z.boolean(),
    nextRecordsUrl: z.string().optional(),
    records: z.array(record),
  });
}

export const SfSaveResult = z.looseObject({ id: SfId, success: z.boolean() });

/** Salesforce's rate-limit signal: 403 `REQUEST_LIMIT_EXCEEDED` (not 429), with no documented wait. */
export const salesforceRules: VendorRules = {
  rateLimitWaitMs(status, _headers, body) {
    if (status === 429) return 1000;
    return status === 403 && salesforceRules.errorCode(body) === 'REQUEST_LIMIT_EXCEEDED' ? 1000 : null;
  },
  errorCode(body) {
    const first = Array.isArray(body) ? (body[0] as { errorCode?: unknown } | undefined) : undefined;
    return typeof first?.errorCode === 'string' ? first.errorCode : null;
  },
};

/** A string literal inside SOQL: quotes and backslashes escaped (nothing else reaches the query). */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A `LIKE '%…%'` literal matching `text` anywhere: besides quotes and backslashes, `%` and `_` are
 * escaped so they match only themselves (SOQL's `\%` and `\_`).
 */
export function soqlLike(text: string): string {
  return `'%${text.replace(/[\\'%_]/g, (c) => `\\${c}`)}%'`;
}
