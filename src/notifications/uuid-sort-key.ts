import { sortKeyOfForm, type PageRequest } from '../common/http/pagination.js';

/** Where a page of a list ordered by uuid id starts (notification endpoints, usage alerts): after the last id shown. */
export const afterUuid = (request: PageRequest): string | undefined =>
  sortKeyOfForm(request.after, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
