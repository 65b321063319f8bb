import 'server-only';
import type { AuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { config } from '../config';
import type { Db } from '../db';
import type { ClientInfo } from './caller';
import { decodeSessionToken, encodeSessionToken } from './keys';
import { isLiveSession, servedOverHttps, sessionCookieName, signOutSession } from './session';
import { signIn, type SignInOutcome } from './sign-in';

/** One request to NextAuth's routes: who sends it, and (for a sign-in) what came of it. */
export interface AuthRequest {
  client: ClientInfo;
  cookieHeader: string | null;
  outcome?: SignInOutcome;
}

const field = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * NextAuth v4 for the credentials flow. The JWT it keeps in the session cookie only carries the
 * server-side session's secret (`sid`, session.ts); NextAuth's own /api/auth/session and sign-out
 * consult the sessions table through the callbacks and events below.
 */
export function authOptions(db: Db, secrets: string[], request: AuthRequest): AuthOptions {
  const secure = servedOverHttps();
  const maxAge = config.session.maxAgeSeconds;
  return {
    secret: secrets[0],
    session: { strategy: 'jwt', maxAge },
    jwt: {
      maxAge,
      encode: ({ token, maxAge: age }) => encodeSessionToken(token ?? {}, secrets[0]!, age ?? maxAge),
      decode: ({ token }) => (token ? decodeSessionToken(token, secrets) : Promise.resolve(null)),
    },
    // The guide's cookie name over HTTP; `__Host-` over HTTPS (Secure, Path=/, no Domain).
    cookies: {
      sessionToken: { name: sessionCookieName(), options: { httpOnly: true, sameSite: 'lax', path: '/', secure } },
    },
    pages: { signIn: '/login', error: '/login' },
    logger: {
      // A cookie whose session ended is not an error worth a stack trace.
      error: (code, metadata) => code !== 'JWT_SESSION_ERROR' && console.error(`[next-auth] ${code}`, (metadata as Error)?.message ?? ''),
      warn: (code) => console.warn(`[next-auth] ${code}`),
      debug: () => {},
    },
    callbacks: {
      // Only this site's own pages, as a well-formed URL: a callbackUrl (from the form, the query or
      // NextAuth's cookie) goes into a Location header and a cookie, where raw control characters
      // or non-ASCII would be a 500.
      redirect({ url, baseUrl }) {
        try {
          const target = new URL(url, baseUrl);
          return target.origin === new URL(baseUrl).origin ? target.href : baseUrl;
        } catch {
          return baseUrl;
        }
      },
      async jwt({ token, user }) {
        if (user) return { sub: token.sub, name: token.name, sid: (user as { sid?: string }).sid };
        if (!(await isLiveSession(db, token))) throw new Error('session ended');
        return token;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await signOutSession(db, token.sid, request.client);
      },
    },
    providers: [
      CredentialsProvider({
        name: 'Username and password',
        credentials: {
          username: { label: 'Username', type: 'text' },
          password: { label: 'Password', type: 'password' },
          totp: { label: 'Two-factor code', type: 'text' },
        },
        async authorize(credentials) {
          const username = field(credentials?.username);
          const password = field(credentials?.password);
          const totp = field(credentials?.totp) || undefined;
          // Longer than any username or password can be: nobody's, and not worth a hash.
          if (!username.trim() || !password || username.length > 200 || password.length > 200 || (totp?.length ?? 0) > 64) {
            request.outcome = { kind: 'invalid' };
            return null;
          }
          const outcome = await signIn(db, { username, password, totp }, { client: request.client, cookieHeader: request.cookieHeader, secrets });
          request.outcome = outcome;
          if (outcome.kind === 'signed_in') return { id: String(outcome.userId), name: outcome.username, sid: outcome.sessionSecret };
          // NextAuth puts a thrown message into the error URL: the login page asks for the code.
          if (outcome.kind === 'totp_required') throw new Error('TotpRequired');
          if (outcome.kind === 'totp_invalid') throw new Error('TotpInvalid');
          return null;
        },
      }),
    ],
  };
}
