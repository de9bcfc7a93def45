import { InvalidArgumentError, type Command } from 'commander';
import type { CommandRegistrar } from '../cli/app-context.js';
import { publicKeyReference } from './api-key-token.js';
import { ApiKeysService, type ApiKeyView } from './api-keys.service.js';
import { API_SCOPES, type ApiScope } from './scopes.decorator.js';

function parseScopes(value: string): ApiScope[] {
  const scopes = value.split(',').map((scope) => scope.trim());
  const unknown = scopes.filter((scope) => !(API_SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0 || scopes.length === 0) throw new InvalidArgumentError(`scopes are a comma-separated list of ${API_SCOPES.join(', ')}`);
  return scopes as ApiScope[];
}

function describe(key: ApiKeyView): string {
  const used = key.lastUsedAt ? `last used ${key.lastUsedAt.toISOString()}` : 'never used';
  const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : 'active';
  return `${key.prefix}\t${key.id}\t${key.name}\t${key.scopes.join(',')}\tcreated ${key.createdAt.toISOString()}\t${used}\t${state}`;
}

/** keys:create, keys:list, keys:revoke. */
export const registerApiKeyCommands: CommandRegistrar = (program: Command, getApp) => {
  program
    .command('keys:create')
    .description('create an API key and print it once (only its hash is stored)')
    .requiredOption('--name <name>', 'who or what uses the key')
    .requiredOption('--scopes <scopes>', `comma-separated: ${API_SCOPES.join(', ')}`, parseScopes)
    .action(async (options: { name: string; scopes: ApiScope[] }) => {
      const { key, token } = await (await getApp()).get(ApiKeysService).create(options.name, options.scopes);
      process.stdout.write(`created API key "${key.name}" ${key.prefix} (id ${key.id}) with scopes ${key.scopes.join(',')}\n`);
      process.stdout.write(`key (shown once, store it now): ${token}\n`);
    });

  program
    .command('keys:list')
    .description('list API keys: prefix, id, name, scopes, created, last used, state')
    .action(async () => {
      const keys = await (await getApp()).get(ApiKeysService).list();
      process.stdout.write(keys.length ? `${keys.map(describe).join('\n')}\n` : 'no API keys\n');
    });

  program
    .command('keys:revoke')
    .description('revoke an API key by its prefix (mb_…), the whole key or id')
    .argument('<prefix|id>')
    .action(async (reference: string) => {
      const key = await (await getApp()).get(ApiKeysService).revoke(reference);
      if (!key) {
        process.stderr.write(`no API key matches ${publicKeyReference(reference)}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`revoked API key "${key.name}" ${key.prefix} at ${key.revokedAt?.toISOString()}\n`);
    });
};
