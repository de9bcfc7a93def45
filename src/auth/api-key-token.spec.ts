import { apiKeyPrefixOf, generateApiKeyToken, hashApiKeyToken } from './api-key-token';

describe('API key tokens', () => {
  it('are mb_<8 public characters>_<256-bit secret> and carry their own prefix and SHA-256', () => {
    const { token, prefix, hash } = generateApiKeyToken();
    expect(token).toMatch(/^mb_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(12), 'base64url')).toHaveLength(32);
    expect(prefix).toBe(token.slice(0, 11));
    expect(apiKeyPrefixOf(token)).toBe(prefix);
    expect(hash).toBe(hashApiKeyToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never repeat', () => {
    const tokens = Array.from({ length: 1000 }, () => generateApiKeyToken());
    expect(new Set(tokens.map((key) => key.token)).size).toBe(1000);
    expect(new Set(tokens.map((key) => key.prefix)).size).toBe(1000);
  });

  it.each(['', 'Bearer mb_abcdefgh_x', 'mb_abcdefgh', 'mb_ABCDEFGH_0123456789012345678901234567890123', 'sk_test_0123456789abcdef0123456789abcdef', 'mb_abcdefgh_short'])(
    'find no prefix in %j',
    (candidate) => {
      expect(apiKeyPrefixOf(candidate)).toBeUndefined();
    },
  );
});
