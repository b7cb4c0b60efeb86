/**
 * Option values as people type them, shared by the commands: whole numbers and times. A value
 * that is not one ends the command with exit 2, naming the option and the value.
 */
import { CliExit, EXIT_INVALID_INPUT } from './exit.js';

export function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliExit(EXIT_INVALID_INPUT, `${name}: "${text}" is not a positive whole number`);
  return n;
}

/** What a time option takes, for --help and for the refusal. */
export const TIME_FORMS =
  'ISO-8601 (2025-06-01, 2025-06-01T14:30Z, 2025-06-01T16:30:00+02:00; local time without an offset) or a time ago: 90s, 30m, 1h, 2d, 1w';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const AGO = /^(\d{1,9})([smhdw])$/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * A time option's value: an ISO-8601 date or date and time (local time unless it says Z or an
 * offset), or a span ago from `now` (`30m`: thirty minutes ago). A date that does not exist
 * (2025-02-30, 24:00) is refused rather than rolled over.
 */
export function parseTimeOption(name: string, text: string, now: Date = new Date()): Date {
  const refuse = (): CliExit =>
    new CliExit(EXIT_INVALID_INPUT, `${name}: "${text}" is not a time: give ${TIME_FORMS}`);
  const t = text.trim();
  const ago = AGO.exec(t);
  if (ago !== null) return new Date(now.getTime() - Number(ago[1]) * UNIT_MS[ago[2]!]!);
  const m = ISO.exec(t);
  if (m === null) throw refuse();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8];
  const local = zone === undefined;
  const at = new Date(0);
  if (local) {
    at.setFullYear(year, month - 1, day);
    at.setHours(hour, minute, second, ms);
  } else {
    at.setUTCFullYear(year, month - 1, day);
    at.setUTCHours(hour, minute, second, ms);
  }
  // A field out of range, or a local time a clock change skips, comes back as another time.
  const read = local
    ? [
        at.getFullYear(),
        at.getMonth(),
        at.getDate(),
        at.getHours(),
        at.getMinutes(),
        at.getSeconds(),
      ]
    : [
        at.getUTCFullYear(),
        at.getUTCMonth(),
        at.getUTCDate(),
        at.getUTCHours(),
        at.getUTCMinutes(),
        at.getUTCSeconds(),
      ];
  if (read.some((v, i) => v !== [year, month - 1, day, hour, minute, second][i])) throw refuse();
  if (local || zone.toUpperCase() === 'Z') return at;
  const digits = zone.slice(1).replace(':', '');
  const hh = Number(digits.slice(0, 2));
  const mm = Number(digits.slice(2));
  if (hh > 23 || mm > 59) throw refuse();
  const offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hh * 60 + mm);
  return new Date(at.getTime() - offsetMinutes * 60_000);
}
