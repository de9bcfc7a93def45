import { HttpException } from '@nestjs/common';
import { toErrorBody } from './error-body';

describe('toErrorBody', () => {
  it('answers a body the client stopped sending as its own 4xx, not as an unexpected error', () => {
    // what Fastify passes on when the socket closes mid-body (statusCode set by its body reader)
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(toErrorBody(aborted)).toEqual({ statusCode: 400, error: 'REQUEST_ABORTED', message: expect.any(String) });
    expect(toErrorBody(new HttpException('aborted', 400, { cause: aborted }))).toMatchObject({ error: 'REQUEST_ABORTED' });
  });

  it('leaves an error it does not know as unexpected (a 500 with a correlation id)', () => {
    expect(toErrorBody(new Error('boom'))).toBeUndefined();
    expect(toErrorBody(Object.assign(new Error('upstream said no'), { statusCode: 400 }))).toBeUndefined();
  });
});
