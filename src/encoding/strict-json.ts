/**
 * Strict JSON object parsing for JWS segments: valid UTF-8, no byte-order mark, RFC 8259 syntax
 * (JSON.parse), an object at the top, and no member name repeated in any object at any depth
 * (JSON.parse would silently keep the last one).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type JsonObject = Record<string, unknown>;

/** The parsed object, or a short reason why the bytes are not a strict JSON object. */
export function parseStrictJsonObject(bytes: Uint8Array): { value: JsonObject } | { problem: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { problem: 'starts with a UTF-8 byte-order mark' };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { problem: 'is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'is not a JSON object' };
  const duplicate = findDuplicateMember(text);
  if (duplicate !== undefined) return { problem: `repeats the member ${JSON.stringify(duplicate)}` };
  return { value: value as JsonObject };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * First member name that occurs twice in one object. `text` must already be valid JSON, so a string
 * followed by `:` is always a member name, and names are compared after unescaping.
 */
export function findDuplicateMember(text: string): string | undefined {
  const objects: (Set<string> | null)[] = []; // null marks an array level
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (;;) {
        const d = text.charCodeAt(end);
        if (d === BACKSLASH) {
          escaped = true;
          end += 2;
        } else if (d === QUOTE) break;
        else end++;
      }
      const names = objects[objects.length - 1];
      if (names) {
        let next = end + 1;
        while (isJsonWhitespace(text.charCodeAt(next))) next++;
        if (text.charCodeAt(next) === COLON) {
          const name = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
          if (names.has(name)) return name;
          names.add(name);
        }
      }
      i = end;
    } else if (c === 0x7b) objects.push(new Set());
    else if (c === 0x5b) objects.push(null);
    else if (c === 0x7d || c === 0x5d) objects.pop();
  }
  return undefined;
}
