import 'server-only';
import type { AuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { config } from '../config';
import type { Db } from '../db';
import { findLoginAccount, recordLogin } from './caller';
import { dummyPasswordHash, verifyPassword } from './password';
import { SESSION_COOKIE } from './session';

const SESSION_MAX_AGE_SECONDS = 8 * 60 * 60;

/** NextAuth v4 configuration: username/password sign-in, JWT session in `next-auth.session-token`. */
export function authOptions(db: Db, sessionSecret: string): AuthOptions {
  const secure = config.nextAuthUrl?.startsWith('https://') ?? false;
  return {
    secret: sessionSecret,
    session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
    // A fixed cookie name (no __Secure- prefix behind https) so API clients can rely on it.
    cookies: {
      sessionToken: { name: SESSION_COOKIE, options: { httpOnly: true, sameSite: 'lax', path: '/', secure } },
    },
    pages: { signIn: '/login', error: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Username and password',
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
        },
        async authorize(credentials) {
          const username = credentials?.username?.trim() ?? '';
          const password = credentials?.password ?? '';
          if (!username || !password || username.length > 64 || password.length > 200) return null;
          if (username.includes('\u0000') || password.includes('\u0000')) return null; // unstorable: no such user
          const user = await findLoginAccount(db, username);
          const ok = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), password);
          if (!user || !ok || !user.usable) return null;
          await recordLogin(db, user.id);
          return { id: String(user.id), name: user.username };
        },
      }),
    ],
  };
}
