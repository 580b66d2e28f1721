/**
 * JSON parsing that says where a document is broken. `JSON.parse` is used for
 * the work; only when it fails does a small scanner walk the text to find the
 * first offending character, because V8's messages do not always carry a
 * position (`Unexpected token '}', "{"a": }" is not valid JSON`).
 */

export interface JsonSyntaxError {
  /** 0-based character offset of the first offending character (the text's length at an unexpected end). */
  readonly offset: number;
  /** 1-based line and column of that character. */
  readonly line: number;
  readonly column: number;
  /** What is wrong there, e.g. `unexpected '}', expected a value`. */
  readonly message: string;
}

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: JsonSyntaxError };

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const { offset, message } = locateJsonError(text);
    return { ok: false, error: { offset, ...lineAndColumn(text, offset), message } };
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

type State = 'value' | 'firstKey' | 'key' | 'colon' | 'afterValue';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const LITERALS = ['true', 'false', 'null'] as const;

/**
 * The offset and reason of the first syntax error in `text` (RFC 8259). An
 * explicit stack instead of recursion, so deeply nested input cannot
 * overflow the call stack.
 */
export function locateJsonError(text: string): { offset: number; message: string } {
  const stack: ('[' | '{')[] = [];
  let i = 0;
  let state: State = 'value';
  const at = (): string => (i >= text.length ? 'end of input' : `'${text[i] as string}'`);
  const fail = (message: string) => ({ offset: i, message });

  /** Moves past a string starting at `i`; returns an error message or undefined. */
  const skipString = (): string | undefined => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c === 0x5c) {
        const escaped = text[i + 1];
        if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) i += 2;
        else if (escaped === 'u' && HEX4.test(text.slice(i + 2, i + 6))) i += 6;
        else return 'invalid escape sequence in string';
        continue;
      }
      if (c < 0x20) return 'unescaped control character in string';
      i++;
    }
    return 'unterminated string';
  };

  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
    const ch = text[i];
    switch (state) {
      case 'value': {
        if (ch === '{') {
          stack.push('{');
          i++;
          state = 'firstKey';
        } else if (ch === '[') {
          stack.push('[');
          i++;
          while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
          if (text[i] === ']') {
            stack.pop();
            i++;
            state = 'afterValue';
          }
        } else if (ch === '"') {
          const error = skipString();
          if (error !== undefined) return fail(error);
          state = 'afterValue';
        } else if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
          NUMBER.lastIndex = i;
          const match = NUMBER.exec(text);
          if (match === null) return fail(`invalid number`);
          i += match[0].length;
          state = 'afterValue';
        } else {
          const literal = LITERALS.find((word) => text.startsWith(word, i));
          if (literal === undefined) return fail(`unexpected ${at()}, expected a value`);
          i += literal.length;
          state = 'afterValue';
        }
        break;
      }
      case 'firstKey':
        if (ch === '}') {
          stack.pop();
          i++;
          state = 'afterValue';
        } else {
          state = 'key'; // read the same character again as a property name
        }
        break;
      case 'key': {
        if (ch !== '"') return fail(`unexpected ${at()}, expected a property name in double quotes`);
        const error = skipString();
        if (error !== undefined) return fail(error);
        state = 'colon';
        break;
      }
      case 'colon':
        if (ch !== ':') return fail(`unexpected ${at()}, expected ':' after the property name`);
        i++;
        state = 'value';
        break;
      case 'afterValue': {
        const open = stack.at(-1);
        if (open === undefined) {
          if (i >= text.length) return fail('no syntax error found');
          return fail(`unexpected ${at()} after the end of the JSON value`);
        }
        const close = open === '[' ? ']' : '}';
        if (ch === ',') {
          i++;
          state = open === '{' ? 'key' : 'value';
        } else if (ch === close) {
          stack.pop();
          i++;
        } else {
          return fail(`unexpected ${at()}, expected ',' or '${close}'`);
        }
        break;
      }
    }
  }
}
