import { invalidRequest, missingParam } from './errors';

// Stripe's request encoding: application/x-www-form-urlencoded with bracketed keys
// (`line_items[0][price_data][currency]=usd`, `metadata[purchaseId]=5`, `expand[]=customer`).
// Arrays stay hashes with numeric keys until a reader asks for a list, because a hash may
// legitimately have numeric keys (`metadata[0]=x`).
export type FormValue = string | FormHash;
export interface FormHash {
  [key: string]: FormValue;
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

// Prototype-less, so a key like `__proto__[x]` is just a key.
const hash = (): FormHash => Object.create(null);

export function parseForm(text: string): Params {
  const root = hash();
  for (const [key, value] of new URLSearchParams(text)) {
    const m = KEY.exec(key);
    if (!m) throw invalidRequest(`Invalid parameter name: ${key}`);
    const path = [m[1]!, ...(m[2] ? m[2].slice(1, -1).split('][') : [])];
    let node = root;
    for (const [i, segment] of path.entries()) {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        if (typeof node[name] === 'object') throw invalidRequest(`Invalid string: ${key}`, { param: key });
        node[name] = value;
        break;
      }
      const child = (node[name] ??= hash());
      if (typeof child === 'string') throw invalidRequest(`Invalid object`, { param: bracketed(path.slice(0, i + 1)) });
      node = child;
    }
  }
  return new Params(root);
}

const bracketed = ([head, ...rest]: string[]) => head + rest.map((s) => `[${s}]`).join('');

/** Typed access to parsed parameters; a wrong type or a missing required one is Stripe's 400 for that param. */
export class Params {
  constructor(
    private readonly values: FormHash,
    private readonly prefix = '',
  ) {}

  private name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  // Stripe reads an empty value as "not given" (that is how a client clears a field).
  private raw(key: string): FormValue | undefined {
    const v = this.values[key];
    return v === '' ? undefined : v;
  }

  string(key: string): string | undefined {
    const v = this.raw(key);
    if (v !== undefined && typeof v !== 'string') throw invalidRequest(`Invalid string: ${this.name(key)}`, { param: this.name(key) });
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined) throw missingParam(this.name(key));
    return v;
  }

  integer(key: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidRequest(`Invalid integer: ${v}`, { code: 'parameter_invalid_integer', param: this.name(key) });
    return Number(v);
  }

  requiredInteger(key: string): number {
    const v = this.integer(key);
    if (v === undefined) throw missingParam(this.name(key));
    return v;
  }

  /** A three-letter ISO code; Stripe takes any case and answers in lowercase. */
  currency(key = 'currency'): string {
    const v = this.requiredString(key).toLowerCase();
    if (!/^[a-z]{3}$/.test(v)) throw invalidRequest(`Invalid currency: ${v}`, { param: this.name(key) });
    return v;
  }

  boolean(key: string): boolean {
    const v = this.string(key);
    if (v === undefined || v === 'false') return false;
    if (v === 'true') return true;
    throw invalidRequest(`Invalid boolean: ${v}`, { param: this.name(key) });
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
    throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${allowed.join(', ')}`, { param: this.name(key) });
  }

  hash(key: string): Params | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v === 'string') throw invalidRequest(`Invalid object`, { param: this.name(key) });
    return new Params(v, this.name(key));
  }

  /** An array parameter (`key[0]…`, `key[1]…`, or `key[]`), in index order. */
  list(key: string): FormValue[] {
    const v = this.raw(key);
    if (v === undefined) return [];
    const keys = typeof v === 'object' ? Object.keys(v) : [];
    if (typeof v === 'string' || !keys.every((k) => /^\d+$/.test(k))) throw invalidRequest(`Invalid array`, { param: this.name(key) });
    return keys.sort((a, b) => Number(a) - Number(b)).map((k) => v[k]!);
  }

  hashes(key: string): Params[] {
    return this.list(key).map((v, i) => {
      if (typeof v === 'string') throw invalidRequest(`Invalid object`, { param: `${this.name(key)}[${i}]` });
      return new Params(v, `${this.name(key)}[${i}]`);
    });
  }

  strings(key: string): string[] {
    return this.list(key).map((v, i) => {
      if (typeof v !== 'string') throw invalidRequest(`Invalid string`, { param: `${this.name(key)}[${i}]` });
      return v;
    });
  }

  /** Metadata as sent, empty values included: on an update, an empty value deletes that key. */
  metadata(key = 'metadata'): Record<string, string> {
    const v = this.values[key];
    if (v === undefined || v === '') return {};
    if (typeof v === 'string') throw invalidRequest(`Invalid object`, { param: this.name(key) });
    const out: Record<string, string> = {};
    for (const [k, value] of Object.entries(v)) {
      if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${this.name(key)}[${k}]`, { param: `${this.name(key)}[${k}]` });
      out[k] = value;
    }
    return out;
  }
}

export function mergeMetadata(current: Record<string, string>, changes: Record<string, string>): Record<string, string> {
  const merged = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === '') delete merged[k];
    else merged[k] = v;
  }
  return merged;
}
