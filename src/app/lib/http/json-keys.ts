import 'server-only';
/**
 * One pass over a JSON text that JSON.parse already accepted: the first object key that appears
 * twice in one object (JSON.parse silently keeps the last value, so `{"amount":1,"amount":10000}`
 * would mean whatever a proxy or logger in between didn't see), and the deepest nesting.
 */
export function inspectJson(text: string): { duplicate: string | null; depth: number } {
  let depth = 0;
  const stack: Array<Set<string> | null> = []; // a Set per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      let raw = '';
      while (j < text.length && text[j] !== '"') {
        if (text[j] === '\\') {
          raw += text.slice(j, j + 2);
          j += 2;
        } else {
          raw += text[j];
          j++;
        }
      }
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(`"${raw}"`) as string;
        if (top.has(key)) return { duplicate: key, depth };
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (ch === '{') {
      stack.push(new Set());
      depth = Math.max(depth, stack.length);
      expectKey = true;
    } else if (ch === '[') {
      stack.push(null);
      depth = Math.max(depth, stack.length);
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return { duplicate: null, depth };
}
