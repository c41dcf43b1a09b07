/**
 * Python's float rounding, exactly: `round(x, n)` and `f"{x:.nf}"` work on the exact binary value and break
 * ties to even, where JavaScript's toFixed does not. coverage.py rounds this way (results.py), so the gate and
 * the figures shown must too.
 */

/** The exact value of a finite double: `mantissa * 2 ** exponent`, mantissa a non-negative integer. */
function exactly(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  return biased === 0
    ? { negative: bits >> 63n === 1n, mantissa: fraction, exponent: -1074 }
    : { negative: bits >> 63n === 1n, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/**
 * `x * 10 ** digits` rounded to an integer, on the double's exact value, ties to even: what CPython does for
 * `round(x, digits)` and `format(x, f".{digits}f")` (both go through `_Py_dg_dtoa`, correctly rounded,
 * round-half-even). Only exact ties go to even: 2.675 is really 2.67499999999999982236431605997495353221893310546875.
 */
function scaledHalfEven(x: number, digits: number): { negative: boolean; scaled: bigint } {
  const { negative, mantissa, exponent } = exactly(x);
  const numerator = mantissa * 10n ** BigInt(digits);
  if (exponent >= 0) return { negative, scaled: numerator << BigInt(exponent) };
  const denominator = 1n << BigInt(-exponent);
  let scaled = numerator / denominator;
  const twice = 2n * (numerator % denominator);
  if (twice > denominator || (twice === denominator && scaled % 2n === 1n)) scaled += 1n;
  return { negative, scaled };
}

function checkDigits(digits: number): void {
  if (!Number.isInteger(digits) || digits < 0 || digits > 100) {
    throw new Error(`Invalid precision '${digits}'. Expected a whole number of decimals from 0 to 100.`);
  }
}

/** Python's `round(x, digits)` on a float, for `digits` >= 0. */
export function pyRound(x: number, digits: number): number {
  checkDigits(digits);
  if (!Number.isFinite(x) || x === 0) return x;
  const { negative, scaled } = scaledHalfEven(x, digits);
  const value = Number(`${scaled}e-${digits}`); // the nearest double to the decimal, as CPython's strtod
  return negative ? -value : value;
}

/** Python's `f"{x:.{digits}f}"` for a finite float. */
export function pyFixed(x: number, digits: number): string {
  checkDigits(digits);
  const { negative, scaled } = scaledHalfEven(x, digits);
  const text = scaled.toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const decimals = digits === 0 ? "" : `.${text.slice(text.length - digits)}`;
  return `${negative ? "-" : ""}${whole}${decimals}`;
}
