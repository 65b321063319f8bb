/** A signed-in HTTP client (a session cookie, or an API key), speaking to the test server exactly as curl would. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private cookie = '',
    /** `Bearer rtk_…`: the client's API key instead of a cookie. */
    private authorization = '',
  ) {}

  get sessionToken(): string | undefined {
    return /next-auth\.session-token=([^;]+)/.exec(this.cookie)?.[1];
  }

  /** NextAuth's credentials flow: GET /api/auth/csrf, then POST /api/auth/callback/credentials. */
  async signIn(username: string, password: string): Promise<Response> {
    const csrf = await fetch(`${this.baseUrl}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const jar = new Map<string, string>();
    const remember = (res: Response) => {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
    };
    remember(csrf);
    const res = await fetch(`${this.baseUrl}/api/auth/callback/credentials`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
      body: new URLSearchParams({ csrfToken, username, password }),
    });
    remember(res);
    this.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return res;
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.authorization ? { authorization: this.authorization } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, undefined, headers);
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }
  patch(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PATCH', path, body, headers);
  }
  put(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('PUT', path, body, headers);
  }

  /** Sends and expects `status`; returns the parsed JSON body. */
  async expectJson<T = any>(res: Promise<Response> | Response, status: number): Promise<T> {
    const r = await res;
    const text = await r.text();
    if (r.status !== status) throw new Error(`expected HTTP ${status}, got ${r.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}
