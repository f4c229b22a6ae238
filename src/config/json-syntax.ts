/**
 * Where a JSON text stops being valid, as a line and column a person can go to. JSON.parse says
 * where only for some errors, and others quote the input (a config may hold a secret key), so the
 * text is scanned again here, only to locate the first error.
 */

export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  /** What a valid document would have there, e.g. `"," or "}"`. */
  expected: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly expected: string,
  ) {}
}

const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

class Scanner {
  offset = 0;
  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (/[ \t\n\r]/.test(this.text[this.offset] ?? '')) this.offset++;
  }

  private expect(char: string, expected: string): void {
    this.skipSpace();
    if (this.text[this.offset] !== char) throw new Stop(this.offset, expected);
    this.offset++;
  }

  document(): void {
    this.value();
    this.skipSpace();
    if (this.offset < this.text.length) throw new Stop(this.offset, 'the end of the document');
  }

  private value(): void {
    this.skipSpace();
    const char = this.text[this.offset];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    const literal = LITERALS.find((word) => this.text.startsWith(word, this.offset));
    if (literal) {
      this.offset += literal.length;
      return;
    }
    NUMBER.lastIndex = this.offset;
    if (NUMBER.test(this.text)) {
      this.offset = NUMBER.lastIndex;
      return;
    }
    throw new Stop(this.offset, 'a value (object, array, "string", number, true, false or null)');
  }

  private object(): void {
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') throw new Stop(this.offset, 'a key in double quotes');
      this.string();
      this.expect(':', '":" after the key');
      this.value();
      this.skipSpace();
      const next = this.text[this.offset];
      this.offset++;
      if (next === '}') return;
      if (next !== ',') throw new Stop(this.offset - 1, '"," or "}"');
    }
  }

  private array(): void {
    this.offset++;
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return;
    }
    for (;;) {
      this.value();
      this.skipSpace();
      const next = this.text[this.offset];
      this.offset++;
      if (next === ']') return;
      if (next !== ',') throw new Stop(this.offset - 1, '"," or "]"');
    }
  }

  private string(): void {
    this.offset++;
    for (;;) {
      const char = this.text[this.offset];
      if (char === undefined) throw new Stop(this.offset, 'the closing double quote of the string');
      if (char === '"') {
        this.offset++;
        return;
      }
      if (char === '\\') {
        ESCAPE.lastIndex = this.offset;
        if (!ESCAPE.test(this.text))
          throw new Stop(this.offset, 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        this.offset = ESCAPE.lastIndex;
        continue;
      }
      if (char < ' ') throw new Stop(this.offset, 'no control character inside a string (write \\n, \\t, …)');
      this.offset++;
    }
  }
}

/** The first syntax error of `text`, or undefined when it is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (error instanceof RangeError) return undefined; // nested deeper than the stack: no position
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    return { line: before.split('\n').length, column: error.offset - lineStart + 1, expected: error.expected };
  }
}
