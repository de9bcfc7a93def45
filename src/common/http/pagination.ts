import { type Type as Class } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { CommonErrors } from '../errors/common.errors.js';
import { DomainError } from '../errors/domain-error.js';
import { PageLimitQuery } from './page-limit.query.js';

/**
 * `limit` (PageLimitQuery: 1…500, 50 by default) and `cursor` of every list route. A list answers at
 * most 500 rows: an admin listing 50,000 API keys got 10 MB in one answer, and one query held a
 * connection that long.
 */
export class PageQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: 'the `nextCursor` of the previous page; absent for the first page' })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  cursor?: string;
}

/** One page of a list: `nextCursor` is null on the last page; `asOf` as in docs/read-routing.md. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
  asOf: string;
}

/** A page's rows as read (one past the page) and the instant the read side was current to (RequestReadsDatabase.readPage). */
export interface PageRead<Row> {
  rows: Row[];
  asOf: string;
}

/** Where a page starts: after the row whose sort key is `after` (absent: the first page), `limit` rows. */
export interface PageRequest {
  after?: string;
  limit: number;
}

/** A cursor this list did not issue. */
export const invalidCursor = () =>
  new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is invalid', [{ field: 'cursor', problems: ['cursor must be the nextCursor of a previous page of this list'] }]);

/**
 * Cursors are opaque to callers: the sort key of the last row shown, base64url-encoded, so a page
 * is a keyset read (`where key > $after order by key limit n`) whatever the offset, and rows
 * written meanwhile are neither skipped nor repeated.
 */
export function pageRequest(query: PageQuery): PageRequest {
  if (query.cursor === undefined) return { limit: query.limit };
  const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { after?: unknown }).after !== 'string') throw invalidCursor();
  return { limit: query.limit, after: (parsed as { after: string }).after };
}

/** `after` (a page request's), refused like a cursor this list did not issue unless it has the form of the list's sort key. */
export function sortKeyOfForm(after: string | undefined, form: RegExp): string | undefined {
  if (after === undefined || form.test(after)) return after;
  throw invalidCursor();
}

/**
 * The page out of `rows`, read with `limit + 1` so that a further page is known to exist without a
 * count; `keyOf` gives the sort key the next page starts after.
 */
export function toPage<Row, Item>({ rows, asOf }: PageRead<Row>, request: PageRequest, keyOf: (row: Row) => string, present: (row: Row) => Item): Page<Item> {
  const shown = rows.slice(0, request.limit);
  const more = rows.length > request.limit;
  const nextCursor = more ? Buffer.from(JSON.stringify({ after: keyOf(shown[shown.length - 1]) }), 'utf8').toString('base64url') : null;
  return { data: shown.map(present), nextCursor, asOf };
}

/** The OpenAPI schema of a page of `item`: `{ data: item[], nextCursor: string | null, asOf }`. */
export function PageResponse<Item>(item: Class<Item>): Class<Page<Item>> {
  class PageOfItems {
    @ApiProperty({ type: [item] }) data!: Item[];
    @ApiProperty({ nullable: true, type: String, description: 'pass as `cursor` for the next page; null on the last page' }) nextCursor!: string | null;
    @ApiProperty({ format: 'date-time', description: 'the page includes every write committed before this instant (lists are read on the read side, which may lag: docs/read-routing.md)' }) asOf!: string;
  }
  Object.defineProperty(PageOfItems, 'name', { value: `${item.name.replace(/Response$/, '')}Page` });
  return PageOfItems;
}
