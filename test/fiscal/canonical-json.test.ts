import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from '../../src/fiscal/canonical-json.ts';
import { sampleReceipt } from '../helpers/sample-receipt.ts';

/** The `canonicalize` package (RFC 8785's reference for JavaScript), or the fact that it refused. */
function reference(value: unknown): string | 'refused' {
  try {
    return canonicalize(value) ?? 'refused';
  } catch {
    return 'refused';
  }
}

function ours(value: unknown): string | 'refused' {
  try {
    return canonicalJson(value);
  } catch (e) {
    expect(e).toBeInstanceOf(CanonicalJsonError);
    return 'refused';
  }
}

/** Strings of any UTF-16 code units: lone surrogates, paired ones, backslashes, controls, "\\ud800" as text. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom('\\', 'u', 'd', '8', '0', '\ud800', '\udc00', '\ud83d\ude00', '"', '\u001f', 'a'),
  }),
);

const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    anyString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('canonicalJson (RFC 8785)', () => {
  it('writes what the canonicalize package writes, byte for byte, and refuses what it refuses', () => {
    fc.assert(
      fc.property(anyJson, (value) => {
        expect(ours(value)).toBe(reference(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts keys by UTF-16 code units and drops undefined members, as RFC 8785 and JSON.stringify do', () => {
    expect(canonicalJson({ b: 1, a: [undefined, 2], é: 3, Z: { y: undefined, x: -0 } })).toBe(
      '{"Z":{"x":0},"a":[null,2],"b":1,"é":3}',
    );
  });

  it('refuses a lone surrogate, NaN, Infinity and undefined, and accepts the text "\\ud800"', () => {
    for (const bad of ['a\ud800', { k: '\udc00' }, Number.NaN, Number.POSITIVE_INFINITY, undefined])
      expect(() => canonicalJson(bad)).toThrow(CanonicalJsonError);
    expect(canonicalJson('\\ud800')).toBe('"\\\\ud800"');
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('hashes a receipt body the same as before the switch (stored body hashes stay valid)', () => {
    const body = sampleReceipt();
    expect(canonicalJson(body)).toBe(canonicalize(body));
  });
});
