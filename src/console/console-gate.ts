import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error.js';
import { redirectTo, refuseForeignPost, sessionIdOf, type ConsoleForm } from './console-http.js';
import { ConsoleSessionsService, csrfTokenMatches, type ConsoleOperator } from './console-sessions.service.js';
import { AuthErrors } from '../auth/auth.errors.js';
import { ConsoleErrors } from './console.errors.js';

/** Who may see a console page, and who may change something through one (docs/console.md). */
@Injectable()
export class ConsoleGate {
  constructor(private readonly sessions: ConsoleSessionsService) {}

  /** The signed-in operator, or undefined after answering with a redirect to the sign-in page. */
  async viewer(request: FastifyRequest, reply: FastifyReply): Promise<ConsoleOperator | undefined> {
    const operator = await this.sessions.operator(sessionIdOf(request));
    if (!operator) redirectTo(reply, '/console/sign-in');
    return operator;
  }

  /**
   * A state change: posted from the console's own pages (Origin, Sec-Fetch-Site), by a live
   * session, with its CSRF token, and (unless `anyScope`, as for sign-out) by an admin session.
   */
  async actor(request: FastifyRequest, form: ConsoleForm | undefined, options: { anyScope?: boolean } = {}): Promise<ConsoleOperator> {
    refuseForeignPost(request);
    const operator = await this.sessions.operator(sessionIdOf(request));
    if (!operator) throw new DomainError(ConsoleErrors.CONSOLE_SIGNED_OUT, 'The console session has ended: sign in again');
    if (!csrfTokenMatches(operator, form?.csrf)) throw new DomainError(ConsoleErrors.CONSOLE_CSRF_REFUSED, 'The form carries no valid CSRF token: reload the page and try again');
    if (!options.anyScope && !operator.canAct) throw new DomainError(AuthErrors.FORBIDDEN_SCOPE, 'This action needs a console session signed in with an admin key');
    return operator;
  }
}
