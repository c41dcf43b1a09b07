/** Types of scripts/pins.mjs, for the tests that import it. */
export type Pin = { file: string; constant: string; stage?: string; requirement?: string };
export const PINS: readonly Pin[];
export function imagePins(text: string): Record<string, string>;
export function toolPins(text: string): Record<string, string>;
export function pinnedValues(root?: string): (Pin & { value: string | undefined })[];
export function withConstant(text: string, constant: string, value: string): string;
