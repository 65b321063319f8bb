/**
 * Finds the first object key that appears twice in the same object of a JSON text that JSON.parse
 * already accepted. JSON.parse silently keeps the last value, so `{"amount":1,"amount":10000}`
 * would mean whatever the last proxy or logger in line didn't see: such a body is refused instead.
 */
export function findDuplicateKey(text: string): string | null {
  const stack: Array<Set<string> | null> = []; // a Set per open object, null per open array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      let raw = '';
      while (text[j] !== '"') {
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
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (ch === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === '[') {
      stack.push(null);
    } else if (ch === '}' || ch === ']') {
      stack.pop();
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return null;
}
