import { currentRequestId } from '../platform/request-context';

/**
 * The answer of a plugin that refuses a request before GraphQL runs (401 wrong credentials, 411/413 body
 * limits, 429 rate limit): a GraphQL error body coded like every other error, with the request's id in
 * `extensions.requestId` as in the `x-request-id` header (useRequestId entered the request context first).
 */
export function errorResponse(
  fetchAPI: { Response: typeof Response },
  status: number,
  message: string,
  extensions: { code: string } & Record<string, unknown>,
  headers: Record<string, string> = {},
): Response {
  const body = JSON.stringify({ errors: [{ message, extensions: { ...extensions, requestId: currentRequestId() } }] });
  return new fetchAPI.Response(body, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}
