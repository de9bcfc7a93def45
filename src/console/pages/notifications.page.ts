import type { NotificationEndpointsService } from '../../notifications/notification-endpoints.service.js';
import type { NotificationsService } from '../../notifications/notifications.service.js';
import type { ConsoleOperator } from '../console-sessions.service.js';
import { table, text, when } from '../format.js';
import { html, type Html } from '../html.js';
import { csrfField } from '../layout.js';

type NotificationEndpoint = Awaited<ReturnType<NotificationEndpointsService['list']>>['rows'][number];
type DeliveryLogEntry = Awaited<ReturnType<NotificationsService['newest']>>[number];

function redeliverForm(operator: ConsoleOperator, delivery: DeliveryLogEntry): Html {
  if (!operator.canAct) return html``;
  return html`<form method="post" action="/console/notifications/${delivery.id}/redeliver" class="inline">
${csrfField(operator)}
<button type="submit" aria-label="Redeliver ${delivery.type} ${delivery.notificationId}">Redeliver</button>
</form>`;
}

export function notificationsContent(operator: ConsoleOperator, endpoints: NotificationEndpoint[], deliveries: DeliveryLogEntry[]): Html {
  const urlOf = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint.url]));
  return html`${table(
    'Endpoints',
    ['URL', 'Types', 'Enabled', 'Description'],
    endpoints.map((endpoint) => [
      text(endpoint.url),
      text(endpoint.events.join(', ')),
      text(endpoint.enabled ? 'yes' : `no${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ''}`),
      text(endpoint.description ?? ''),
    ]),
  )}
${table(
  'Delivery log, newest first',
  ['Created', 'Type', 'Endpoint', 'State', 'Attempts', 'Last answer', ''],
  deliveries.map((delivery) => [
    text(when(delivery.createdAt)),
    text(delivery.type),
    text(urlOf.get(delivery.endpointId) ?? delivery.endpointId),
    html`<span class="state state-${delivery.state}">${delivery.state}</span>`,
    text(delivery.attempts),
    text(delivery.lastError ?? (delivery.lastStatus === null ? '—' : String(delivery.lastStatus))),
    redeliverForm(operator, delivery),
  ]),
)}`;
}
