import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { contractOf } from './openapi-contract';

export interface FuzzRequest {
  method: string;
  /** Sent exactly as given: no URL normalisation (dot segments, encoded slashes and `%` survive). */
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: string | Buffer;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

const ANSWER_WITHIN_MS = 10_000;

export type FuzzSend = (request: FuzzRequest) => Promise<FuzzResponse>;

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * A bare node:http client for the fuzz suites: supertest (superagent) parses the URL and sets its
 * own content-type and length, which would hide exactly the inputs being fuzzed. Node still refuses
 * header bytes its own server parser would refuse, so every request reaches the application. Every
 * answer must also be one the OpenAPI document describes (openapi-contract.ts).
 */
export function fuzzClient(app: NestFastifyApplication): FuzzSend {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const contract = contractOf(app);
  return ({ method, path, headers = {}, body }) =>
    new Promise<FuzzResponse>((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const answer = { status: response.statusCode ?? 0, headers: response.headers, text, json: parseJson(text) };
          const problems = contract(method, path, { ...answer, headers: {}, body: answer.json });
          if (problems.length > 0) reject(new Error(`The answer breaks the OpenAPI contract:\n${problems.join('\n')}`));
          else resolve(answer);
        });
      });
      // a request the app never answers is a finding, not a test timeout
      outgoing.setTimeout(ANSWER_WITHIN_MS, () => outgoing.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
}
