import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonTextError, detectEol, detectIndent, parseJsonText, toValue } from '../../src/changes/json-text.js';

function parses(text: string, jsonc = false): boolean {
  try {
    parseJsonText(text, { jsonc });
    return true;
  } catch (error) {
    if (error instanceof JsonTextError) return false;
    throw error;
  }
}

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('parseJsonText agrees with JSON.parse', () => {
  test('on any JSON value in any indentation', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2, 4, '\t'), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(toValue(parseJsonText(text, { jsonc: false }))).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  test('on accepting or refusing short random texts', () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\n', 'a', '1', '-', '.', 'e', '0', 'true', 'null', '\\', '\\u00e9', '\u0001');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join('')), (text) => {
        expect(parses(text)).toBe(jsonParses(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('offsets', () => {
  test('every node knows where its text is', () => {
    const text = '{\n  "a": [1, "two", {"b": null}],\n  "c": false\n}';
    const root = parseJsonText(text, { jsonc: false });
    if (root.type !== 'object') throw new Error('expected an object');
    const [a, c] = root.members;
    expect(text.slice(a.keyStart, a.value.start)).toBe('"a": ');
    expect(text.slice(a.value.start, a.value.end)).toBe('[1, "two", {"b": null}]');
    expect(text.slice(c.value.start, c.value.end)).toBe('false');
    expect(a.commaEnd).toBe(text.indexOf('],') + 2);
    expect(c.commaEnd).toBe(-1);
  });
});

describe('JSONC', () => {
  test.each([
    ['line comments', '{\n  // a comment\n  "a": 1 // trailing\n}'],
    ['block comments', '/* head */ {"a": /* inline */ 1}'],
    ['trailing commas', '{"a": [1, 2,], "b": {"c": 1,},}'],
  ])('%s are accepted in JSONC and refused in JSON', (_name, text) => {
    expect(parses(text, true)).toBe(true);
    expect(parses(text, false)).toBe(false);
  });

  test('a comment marker inside a string is text', () => {
    expect(toValue(parseJsonText('{"url": "https://example.com/*x*/"}', { jsonc: true }))).toEqual({ url: 'https://example.com/*x*/' });
  });

  test('errors give the line and column', () => {
    expect(() => parseJsonText('{\n  "a": 1,\n  "b" 2\n}', { jsonc: true })).toThrow('expected ":" at line 3, column 7');
  });

  test('deep nesting is refused instead of overflowing the stack', () => {
    expect(parses('['.repeat(100_000))).toBe(false);
  });
});

describe('layout detection', () => {
  test.each([
    ['{\n  "a": 1\n}', '  '],
    ['{\n    "a": 1\n}', '    '],
    ['{\n\t"a": 1\n}', '\t'],
    ['{"a": 1}', '  '],
  ])('indent of %j', (text, indent) => {
    expect(detectIndent(text)).toBe(indent);
  });

  test.each([
    ['{\r\n}', '\r\n'],
    ['{\n}', '\n'],
    ['{}', '\n'],
  ])('end of line of %j', (text, eol) => {
    expect(detectEol(text)).toBe(eol);
  });
});
