/**
 * Kubernetes resource quantities (`500m`, `1Gi`, `1e3`, `0.5`, `2Ki`), parsed exactly into an integer
 * count of nano-units, so sums and comparisons never round. Like the API server, a value finer than
 * one nano-unit is rounded up.
 */

/** A parsed quantity: an exact integer number of nano-units (1 = 10⁻⁹ of the base unit). */
export type NanoQuantity = bigint;

/** A quantity string that does not follow the Kubernetes grammar. */
export class QuantityError extends Error {
  override readonly name = 'QuantityError';
  constructor(
    readonly input: string,
    readonly field?: string,
  ) {
    super(`${field ? `${field}: ` : ''}"${input}" is not a Kubernetes quantity (e.g. 500m, 1Gi, 1e3, 0.5)`);
  }
}

const NANO = 1_000_000_000n;
const binarySuffixes: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const grammar = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a || a < 0n ? q : q + 1n;
}

/** Parses a quantity into nano-units. Throws {@link QuantityError} naming `field` when given. */
export function parseQuantity(input: string, field?: string): NanoQuantity {
  const m = grammar.exec(input.trim());
  if (!m || input.trim() === '') throw new QuantityError(input, field);
  const [, sign = '', number = '', suffix, exponent] = m;
  const [whole = '', fraction = ''] = number.split('.');
  let mantissa = BigInt((whole || '0') + fraction);
  let decimalExp = -fraction.length;
  let binary = 1n;
  if (exponent !== undefined) {
    if (exponent.replace(/^[+-]/, '').length > 4) throw new QuantityError(input, field);
    decimalExp += Number(exponent);
  } else if (suffix !== undefined && suffix in binarySuffixes) {
    binary = binarySuffixes[suffix] ?? 1n;
  } else {
    decimalExp += decimalSuffixes[suffix ?? ''] ?? 0;
  }
  mantissa *= binary * NANO;
  const value = decimalExp >= 0 ? mantissa * 10n ** BigInt(decimalExp) : ceilDiv(mantissa, 10n ** BigInt(-decimalExp));
  return sign === '-' ? -value : value;
}

/** A nano-quantity as a plain number of base units, for messages and capacity figures. */
export function quantityToNumber(q: NanoQuantity): number {
  return Number(q) / 1e9;
}

/** Formats a nano-quantity for a message: millis for fractions (`250m`), plain units otherwise. */
export function formatQuantity(q: NanoQuantity): string {
  if (q % NANO === 0n) return (q / NANO).toString();
  if (q % 1_000_000n === 0n) return `${(q / 1_000_000n).toString()}m`;
  return `${q.toString()}n`;
}
