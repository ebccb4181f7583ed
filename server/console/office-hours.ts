import { z } from 'zod';

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * A site's office hours (docs/console.md): when operators are expected. Outside them a visitor who
 * asks for a person is told so honestly and offered a ticket, even if someone is signed in.
 */
export const OfficeHoursSchema = z
  .strictObject({
    timeZone: z
      .string()
      .refine((tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      }, 'must be an IANA time zone such as Europe/London')
      .describe('IANA time zone of the hours'),
    days: z.array(z.enum(DAYS)).min(1).describe('Days the team works, e.g. ["mon","tue","wed","thu","fri"]'),
    open: z.string().regex(TIME, 'HH:MM, 24-hour').describe('Opening time, HH:MM'),
    close: z.string().regex(TIME, 'HH:MM, 24-hour').describe('Closing time, HH:MM (after open)'),
  })
  .refine((h) => h.open < h.close, 'close must be after open');
export type OfficeHours = z.infer<typeof OfficeHoursSchema>;

/** Whether `at` falls within the hours (no hours configured: always). */
export function withinOfficeHours(hours: OfficeHours | undefined, at: Date): boolean {
  if (!hours) return true;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: hours.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  const time = `${get('hour')}:${get('minute')}`;
  return hours.days.includes(day) && time >= hours.open && time < hours.close;
}
