/**
 * The CLI's HTTP side: the API at ROBLOX_TOOL_URL with the key in ROBLOX_TOOL_API_KEY, and the
 * API's own `{ error, details, code }` turned into an error that carries it. Plain Node (fetch),
 * nothing of the server's code.
 */

export class CliError extends Error {
  /** @param {string} message @param {{ status?: number, details?: unknown, code?: string, exitCode?: number }} [extra] */
  constructor(message, extra = {}) {
    super(message);
    this.status = extra.status;
    this.details = extra.details;
    this.code = extra.code;
    this.exitCode = extra.exitCode ?? 1;
  }
}

/** The settings from the environment; a missing one is a usage error (exit 2). */
export function settings(env = process.env) {
  const url = env.ROBLOX_TOOL_URL;
  const key = env.ROBLOX_TOOL_API_KEY;
  if (!url) throw new CliError('ROBLOX_TOOL_URL is not set: the address of the roblox-tool server, e.g. https://tool.example.com', { exitCode: 2 });
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new CliError(`ROBLOX_TOOL_URL must be an http(s) URL, got "${url}"`, { exitCode: 2 });
  if (!key) throw new CliError('ROBLOX_TOOL_API_KEY is not set: make a key on the dashboard (API keys) and export it', { exitCode: 2 });
  return { url: url.replace(/\/+$/, ''), key };
}

/**
 * One request. `body`: an object (sent as JSON) or `{ text, contentType }`. Answers the parsed
 * JSON of a 2xx; anything else throws a CliError with the API's message.
 */
export async function call(api, method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { authorization: `Bearer ${api.key}`, accept: 'application/json', ...headers } };
  if (body !== undefined) {
    const raw = typeof body === 'object' && body !== null && 'text' in body && 'contentType' in body;
    init.headers['content-type'] = raw ? body.contentType : 'application/json';
    init.body = raw ? body.text : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`${api.url}${path}`, init);
  } catch (err) {
    throw new CliError(`Could not reach ${api.url}: ${err.cause?.message ?? err.message}`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = undefined;
  }
  if (res.ok) return json;
  if (json && typeof json.error === 'string') {
    throw new CliError(json.error, { status: res.status, details: json.details, code: json.code });
  }
  throw new CliError(`HTTP ${res.status} from ${method} ${path}`, { status: res.status, details: text.slice(0, 200) });
}

/** A query string from the given options (undefined ones left out). */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
