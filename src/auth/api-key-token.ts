import { hash, randomBytes, randomInt } from 'node:crypto';

const PUBLIC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_PATTERN = /^(mb_[a-z0-9]{8})_[A-Za-z0-9_-]{32,}$/;

export interface NewApiKeyToken {
  /** The whole key, shown once to whoever created it. */
  token: string;
  prefix: string;
  hash: string;
}

/**
 * `mb_<8 public characters>_<43 characters of a 256-bit random secret>`. The secret's entropy is
 * what protects the key, which is why a fast hash (SHA-256) is enough to store it: bcrypt or
 * argon2 slow down guessing of low-entropy passwords, but nobody can enumerate 2^256 secrets at
 * any hash speed, and a deliberately slow hash would cost tens of milliseconds of CPU on every
 * ingest request.
 */
export function generateApiKeyToken(): NewApiKeyToken {
  const publicId = Array.from({ length: 8 }, () => PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)]).join('');
  const token = `mb_${publicId}_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: `mb_${publicId}`, hash: hashApiKeyToken(token) };
}

/** The public part of a well-formed key, or undefined for anything that cannot be a key. */
export function apiKeyPrefixOf(token: string): string | undefined {
  return TOKEN_PATTERN.exec(token)?.[1];
}

/** The stored form of a key: its SHA-256 in hex (one-shot `crypto.hash`, several times cheaper per request than a Hash object). */
export function hashApiKeyToken(token: string): string {
  return hash('sha256', token, 'hex');
}

const ECHOABLE_REFERENCE = /^(mb_[a-z0-9]{8}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** What an answer may say about a key reference: its public prefix or an id, never a secret someone pasted whole. */
export function publicKeyReference(reference: string): string {
  const prefix = apiKeyPrefixOf(reference);
  if (prefix) return prefix;
  return ECHOABLE_REFERENCE.test(reference) ? reference : 'the given reference';
}
