import type { RouteRequest } from './routes.js';

/**
 * Slices a list by `per_page` (≤ 100) and `page`, with GitHub's `Link` header (prev, next, last,
 * first). `cap` is how many results GitHub lets anyone page through (search: 1,000): the pages
 * stop there, and a page wholly past it is refused by the caller.
 *
 * @example paginate(['a', 'b', 'c'], request) // { page: ['a', 'b', 'c'], headers: {} } for ?per_page=30
 */
export function paginate<T>(items: readonly T[], request: Pick<RouteRequest, 'query' | 'url'>, options: { defaultPerPage?: number; cap?: number } = {}): { page: T[]; headers: Record<string, string>; perPage: number; pageNumber: number } {
  const perPage = Math.min(100, Math.max(1, Number.parseInt(request.query.get('per_page') ?? '', 10) || (options.defaultPerPage ?? 30)));
  const page = Math.max(1, Number.parseInt(request.query.get('page') ?? '', 10) || 1);
  const cap = options.cap ?? Number.POSITIVE_INFINITY;
  const last = Math.max(1, Math.ceil(Math.min(items.length, cap) / perPage));
  const link = (n: number, rel: string): string => {
    const url = new URL(request.url);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  const end = Math.min(page * perPage, cap);
  return { page: items.slice((page - 1) * perPage, end), headers: links.length > 0 ? { link: links.join(', ') } : {}, perPage, pageNumber: page };
}
