/** The harness's own calls to the apps (setup, reporting runs, status): JSON over fetch with an API key. */
export interface ServiceAnswer<T> {
  status: number;
  body: T;
}

export async function callService<T>(baseUrl: string, key: string, method: string, path: string, body?: unknown, timeoutMs = 20_000): Promise<ServiceAnswer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** The call's body, or an error naming what failed and what the service answered. */
export async function requireSuccess<T>(what: string, answer: Promise<ServiceAnswer<T>>): Promise<T> {
  const { status, body } = await answer;
  if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
  return body;
}
