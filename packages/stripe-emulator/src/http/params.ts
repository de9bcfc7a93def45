import { invalidParameter, missingParameter, unknownParameter } from './stripe-api-error.js';

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Reads one level of request parameters the way Stripe validates them: any key not declared is
 * refused first ("Received unknown parameter: x"), then each getter checks presence and type and
 * names the offending parameter with its bracket path (`recurring[meter]`).
 */
export class Params {
  private constructor(
    private readonly values: Raw,
    private readonly prefix: string,
  ) {}

  /** `expand` is allowed on every v1 endpoint; v2 endpoints pass `allowExpand: false`. */
  static read(raw: unknown, allowed: readonly string[], options: { prefix?: string; allowExpand?: boolean } = {}): Params {
    const prefix = options.prefix ?? '';
    const values = isRecord(raw) ? raw : {};
    const accepted = options.allowExpand === false ? allowed : [...allowed, 'expand'];
    for (const key of Object.keys(values)) {
      if (!accepted.includes(key)) throw unknownParameter(Params.path(prefix, key));
    }
    return new Params(values, prefix);
  }

  private static path(prefix: string, key: string): string {
    return prefix ? `${prefix}[${key}]` : key;
  }

  name(key: string): string {
    return Params.path(this.prefix, key);
  }

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw missingParameter(this.name(key));
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalidParameter(`Invalid string: ${this.name(key)} must be a string`, this.name(key), 'parameter_invalid_string');
    if (value === '') {
      throw invalidParameter(
        `You passed an empty string for '${this.name(key)}'. We assume empty values are an attempt to unset a parameter; however '${this.name(key)}' cannot be unset. You should remove '${this.name(key)}' from your request or supply a non-empty value.`,
        this.name(key),
        'parameter_invalid_empty',
      );
    }
    return value;
  }

  /** A field that can be unset: an empty string means null. */
  clearableString(key: string): string | null | undefined {
    return this.values[key] === '' ? null : this.optionalString(key);
  }

  integer(key: string, range: { min?: number; max?: number } = {}): number {
    const value = this.optionalInteger(key, range);
    if (value === undefined) throw missingParameter(this.name(key));
    return value;
  }

  optionalInteger(key: string, range: { min?: number; max?: number } = {}): number | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string' || !INTEGER.test(text)) throw invalidParameter(`Invalid integer: ${String(raw)}`, this.name(key), 'parameter_invalid_integer');
    const value = Number(text);
    if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
      const bounds = [range.min !== undefined ? `at least ${range.min}` : '', range.max !== undefined ? `at most ${range.max}` : ''].filter(Boolean).join(' and ');
      throw invalidParameter(`Invalid ${this.name(key)}: must be ${bounds}`, this.name(key), 'parameter_invalid_integer');
    }
    return value;
  }

  optionalBoolean(key: string): boolean | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw invalidParameter(`Invalid boolean: ${String(raw)}`, this.name(key), 'parameter_invalid_boolean');
  }

  /** A decimal string such as `0.0125`, kept as text so that no precision is lost. */
  optionalDecimal(key: string): string | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string' || !DECIMAL.test(text)) throw invalidParameter(`Invalid decimal: ${String(raw)}`, this.name(key), 'parameter_invalid_decimal');
    return text;
  }

  enumOf<T extends string>(key: string, values: readonly T[]): T {
    const value = this.optionalEnum(key, values);
    if (value === undefined) throw missingParameter(this.name(key));
    return value;
  }

  optionalEnum<T extends string>(key: string, values: readonly T[]): T | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    if (!(values as readonly string[]).includes(value)) {
      const choices = values.length > 1 ? `${values.slice(0, -1).join(', ')}, or ${values.at(-1)}` : values[0];
      throw invalidParameter(`Invalid ${this.name(key)}: must be one of ${choices}`, this.name(key));
    }
    return value as T;
  }

  object(key: string, allowed: readonly string[]): Params {
    const value = this.optionalObject(key, allowed);
    if (value === undefined) throw missingParameter(this.name(key));
    return value;
  }

  optionalObject(key: string, allowed: readonly string[]): Params | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    if (!isRecord(raw)) throw invalidParameter(`Invalid object: ${this.name(key)} must be an object`, this.name(key), 'parameter_invalid_object');
    return Params.read(raw, allowed, { prefix: this.name(key), allowExpand: false });
  }

  /** A free-form string-to-string hash such as `metadata` or a meter event `payload`. */
  optionalStringMap(key: string): Record<string, string> | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    if (raw === '') return {};
    if (!isRecord(raw)) throw invalidParameter(`Invalid object: ${this.name(key)} must be a hash`, this.name(key), 'parameter_invalid_object');
    const map: Record<string, string> = {};
    for (const [entry, value] of Object.entries(raw)) {
      if (typeof value !== 'string') throw invalidParameter(`Invalid ${this.name(key)}[${entry}]: must be a string`, `${this.name(key)}[${entry}]`, 'parameter_invalid_string');
      map[entry] = value;
    }
    return map;
  }

  /**
   * `metadata` merged into `current` with Stripe's rules: an empty value unsets its key, an empty
   * `metadata` unsets them all.
   */
  metadata(current: Readonly<Record<string, string>> = {}): Record<string, string> {
    if (this.values.metadata === '') return {};
    const update = this.optionalStringMap('metadata') ?? {};
    const merged: Record<string, string> = { ...current, ...update };
    for (const [key, value] of Object.entries(update)) if (value === '') delete merged[key];
    return merged;
  }

  stringMap(key: string): Record<string, string> {
    const value = this.optionalStringMap(key);
    if (value === undefined) throw missingParameter(this.name(key));
    return value;
  }

  /** An array of strings; form bodies carry it as `key[0]=a&key[1]=b`. */
  optionalStringList(key: string): string[] | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    const items = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : isRecord(raw) ? Object.values(raw) : [raw];
    if (!items.every((item): item is string => typeof item === 'string')) throw invalidParameter(`Invalid array: ${this.name(key)} must be a list of strings`, this.name(key), 'parameter_invalid_array');
    return items;
  }

  /** The raw list for a parameter holding an array of objects (v2 bodies). */
  optionalList(key: string): unknown[] | undefined {
    const raw = this.values[key];
    if (raw === undefined) return undefined;
    if (!Array.isArray(raw)) throw invalidParameter(`Invalid array: ${this.name(key)} must be an array`, this.name(key), 'parameter_invalid_array');
    return raw;
  }

  expand(): string[] {
    return this.optionalStringList('expand') ?? [];
  }
}
