import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import type { PageRead } from '../common/http/pagination.js';
import { notificationsConfig } from '../config/namespaces.js';
import { RequestReadsDatabase } from '../database/request-reads.js';
import { EndpointUrlPolicy } from './endpoint-url.policy.js';
import type { CreateNotificationEndpointDto, UpdateNotificationEndpointDto } from './notification-endpoint.dto.js';
import { NotificationEndpoint } from './notification-endpoint.entity.js';
import { NOTIFICATION_ENDPOINT_READS, NotificationEndpointsRepository } from './notification-endpoints.repository.js';
import { endpointNotFound } from './notifications.errors.js';
import { decryptSecret, encryptSecret, generateSigningSecret } from './secret-cipher.js';

/** An endpoint and its signing secret in clear: only in the answer that creates or rotates it. */
export interface EndpointWithSecret {
  endpoint: NotificationEndpoint;
  secret: string;
}

@Injectable()
export class NotificationEndpointsService {
  constructor(
    private readonly endpoints: NotificationEndpointsRepository,
    @Inject(NOTIFICATION_ENDPOINT_READS) private readonly endpointReads: NotificationEndpointsRepository,
    private readonly reads: RequestReadsDatabase,
    private readonly urlPolicy: EndpointUrlPolicy,
    @Inject(notificationsConfig.KEY) private readonly notifications: ConfigType<typeof notificationsConfig>,
  ) {}

  async create(input: CreateNotificationEndpointDto): Promise<EndpointWithSecret> {
    const url = await this.urlPolicy.check(input.url);
    const secret = generateSigningSecret();
    const endpoint = new NotificationEndpoint();
    endpoint.id = randomUUID();
    endpoint.url = url.toString();
    endpoint.events = [...input.events];
    endpoint.description = input.description ?? null;
    endpoint.secretCiphertext = encryptSecret(this.key, endpoint.id, secret);
    return { endpoint: await this.endpoints.insert(endpoint), secret };
  }

  /** `limit` endpoints by id after `after`, on the request-reads pool: it may lag by its `asOf` (docs/read-routing.md). */
  list(after: string | undefined, limit: number): Promise<PageRead<NotificationEndpoint>> {
    return this.reads.readPage(() => this.endpointReads.list(after, limit));
  }

  async update(id: string, input: UpdateNotificationEndpointDto): Promise<NotificationEndpoint> {
    const updated = await this.endpoints.update(id, (endpoint) => {
      if (input.events) endpoint.events = [...input.events];
      if (input.description !== undefined) endpoint.description = input.description;
      if (input.enabled !== undefined) {
        endpoint.enabled = input.enabled;
        if (input.enabled) endpoint.disabledReason = null;
      }
    });
    if (!updated) throw endpointNotFound(id);
    return updated;
  }

  /** A new secret signs from now on; the current one keeps signing beside it for the overlap. */
  async rotateSecret(id: string, overlapSeconds = this.notifications.secretOverlapSeconds): Promise<EndpointWithSecret> {
    const secret = generateSigningSecret();
    const endpoint = await this.endpoints.update(id, (found) => {
      found.previousSecretCiphertext = overlapSeconds > 0 ? found.secretCiphertext : null;
      found.previousSecretExpiresAt = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1000) : null;
      found.secretCiphertext = encryptSecret(this.key, found.id, secret);
    });
    if (!endpoint) throw endpointNotFound(id);
    return { endpoint, secret };
  }

  async delete(id: string): Promise<void> {
    if (!(await this.endpoints.delete(id))) throw endpointNotFound(id);
  }

  /** The secrets that sign a delivery now: the current one, then the previous one during its overlap. */
  signingSecrets(endpoint: { id: string; secretCiphertext: string; previousSecretCiphertext: string | null; previousSecretExpiresAt: Date | string | null }): string[] {
    const secrets = [decryptSecret(this.key, endpoint.id, endpoint.secretCiphertext)];
    if (endpoint.previousSecretCiphertext && endpoint.previousSecretExpiresAt && new Date(endpoint.previousSecretExpiresAt) > new Date()) {
      secrets.push(decryptSecret(this.key, endpoint.id, endpoint.previousSecretCiphertext));
    }
    return secrets;
  }

  private get key(): Buffer {
    return this.notifications.secretsKey;
  }
}
