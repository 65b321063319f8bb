import 'server-only';
import { z } from 'zod';
import { ROLES } from '../auth/roles';
import { idParam, idValue, isoTime, orderParam, pageParams, pageSchema } from '../validation';

const MAX_MONTHLY_LIMIT = 1_000_000_000;

export const usernameSchema = z
  .string({ error: 'Username is required' })
  .trim()
  .regex(/^[A-Za-z0-9_.@-]{3,64}$/, 'Username must be 3-64 characters: letters, digits, _ . @ -');

export const passwordSchema = z
  .string({ error: 'Password is required' })
  .min(8, 'Password must be at least 8 characters')
  .max(200, 'Password must be at most 200 characters');

// Where balance alerts reach an admin (optional; null clears it).
const emailSchema = z
  .string({ error: 'Email must be text' })
  .trim()
  .max(320, 'Email is too long')
  .pipe(z.email('Email must be a valid email address'))
  .nullable();

const roleSchema = z.enum(ROLES, { error: `Role must be one of ${ROLES.join(', ')}` });

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
  role: roleSchema,
  customerId: idValue.nullable().optional(),
  email: emailSchema.optional(),
});
export type CreateUserInput = z.output<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    role: roleSchema.optional(),
    active: z.boolean({ error: 'Active must be true or false' }).optional(),
    password: passwordSchema.optional(),
    email: emailSchema.optional(),
    monthlyCreditLimit: z
      .number({ error: 'The monthly limit is a whole number of credits, or null for no limit' })
      .int('The monthly limit is a whole number of credits, or null for no limit')
      .min(0, 'The monthly limit cannot be negative')
      .max(MAX_MONTHLY_LIMIT, `The monthly limit is at most ${MAX_MONTHLY_LIMIT.toLocaleString('en-US')} credits`)
      .nullable()
      .optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Nothing to update: send role, active, password, email or monthlyCreditLimit');
export type UpdateUserInput = z.output<typeof updateUserSchema>;

export const USER_SORTS = ['id', 'username', 'role', 'active', 'created_at', 'last_login_at'] as const;

export const userListSchema = z.strictObject({
  customerId: idParam.optional(),
  search: z.string().trim().max(100, 'Search must be at most 100 characters').optional(),
  role: roleSchema.optional(),
  active: z.enum(['true', 'false'], { error: 'Must be true or false' }).transform((v) => v === 'true').optional(),
  sort: z.enum(USER_SORTS, { error: `Sort must be one of ${USER_SORTS.join(', ')}` }).optional(),
  order: orderParam,
  ...pageParams,
});
export type UserListQuery = z.output<typeof userListSchema>;

// --- answers -------------------------------------------------------------------------------------

export const userDtoSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  role: z.enum(ROLES),
  customerId: z.number().int().nullable(),
  customerName: z.string().nullable(),
  active: z.boolean(),
  email: z.string().nullable(),
  createdAt: isoTime,
  lastLoginAt: isoTime.nullable(),
});
export const userResponse = z.object({ user: userDtoSchema });
export const userPageResponse = pageSchema(userDtoSchema);

export const accountResponse = z.object({
  user: z.object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(ROLES),
    customerId: z.number().int().nullable(),
    customerName: z.string().nullable(),
  }),
  balance: z.number().int().nullable(),
  searchCost: z.number().int(),
  customerAdmins: z.array(z.string()),
});
