import { z } from 'zod';

/** Provider ids arrive as strings or numbers; we keep them as text. */
export const externalId = z.union([z.string().trim().min(1).max(200), z.number().int()]).transform(String);

export const email = z.string().trim().max(320).email();

/** An ISO 8601 / RFC 3339 date-time, or unix seconds; normalised to ISO. */
export const timestamp = z
  .union([z.string().max(64), z.number()])
  .transform((value, ctx) => {
    const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid timestamp' });
      return z.NEVER;
    }
    return date.toISOString();
  });

export const eventName = z.string().trim().min(1).max(100);
export const campaignName = z.string().trim().min(1).max(300);
export const category = z.string().trim().max(100).nullish();
