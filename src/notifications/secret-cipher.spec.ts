import { randomBytes } from 'node:crypto';
import { decryptSecret, encryptSecret, generateSigningSecret } from './secret-cipher.js';

describe('secret cipher', () => {
  const key = randomBytes(32);

  it('encrypts a signing secret so that only the same key and endpoint read it back', () => {
    const secret = generateSigningSecret();
    const stored = encryptSecret(key, 'endpoint-a', secret);
    expect(stored).not.toContain(secret.slice(6));
    expect(decryptSecret(key, 'endpoint-a', stored)).toBe(secret);
    expect(() => decryptSecret(key, 'endpoint-b', stored)).toThrow();
    expect(() => decryptSecret(randomBytes(32), 'endpoint-a', stored)).toThrow();
  });

  it('uses a fresh IV each time', () => {
    expect(encryptSecret(key, 'e', 'whsec_same')).not.toBe(encryptSecret(key, 'e', 'whsec_same'));
  });
});
