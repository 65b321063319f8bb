import 'server-only';
import { z } from 'zod';
import { pageParams } from '../validation';

export const sessionListSchema = z.strictObject({ ...pageParams });

/** A 6-digit TOTP code or a recovery code (xxxx-xxxx-xxxx-xxxx). */
export const twoFactorCodeSchema = z.strictObject({
  code: z
    .string({ error: 'Code is required' })
    .trim()
    .min(1, 'Code is required')
    .max(64, 'Code is at most 64 characters'),
});
