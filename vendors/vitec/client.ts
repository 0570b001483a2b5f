import { ErrorCode, VendorError } from '../../platform/errors';
import { errorFromResponse, parseJsonBody, type HttpClient, type HttpRequest, type HttpResponse } from '../../platform/http-client';
import type {
  VitecDelivery,
  VitecErrorBody,
  VitecEstate,
  VitecOrderEntry,
  VitecOrderQuery,
  VitecOrderTicket,
  VitecStatusUpdate,
  VitecUserInteraction,
} from './types';

export const VITEC = 'vitec';

export interface VitecClientOptions {
  http: HttpClient;
  /** Connect credentials: Vitec wants HTTP Basic on every Connect call (no bearer token exists) */
  username: string;
  password: string;
}

export interface VitecClient {
  /** Token verification: the order's ids for the token Vitec put in our order URL. */
  verifyOrderToken(customerId: string, token: string): Promise<VitecOrderTicket>;
  listOrders(customerId: string, query?: VitecOrderQuery): Promise<VitecOrderEntry[]>;
  requestUserInteraction(customerId: string, body: VitecUserInteraction): Promise<void>;
  updateStatus(customerId: string, body: VitecStatusUpdate): Promise<void>;
  deliver(customerId: string, body: VitecDelivery): Promise<void>;
  getEstate(customerId: string, estateId: string): Promise<VitecEstate>;
}

function vitecMessage(res: HttpResponse): string | undefined {
  try {
    const body = JSON.parse(res.text) as Partial<VitecErrorBody>;
    return typeof body?.Message === 'string' ? body.Message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Typed Connect calls. 401 (bad Authorization header) and 403 (no access to that customer's data) are
 * our credential problem, not the caller's, hence UPSTREAM_UNAUTHENTICATED / UPSTREAM_FORBIDDEN through
 * the one status mapping; the body's `Message` is kept as the error text.
 */
export function createVitecClient({ http, username, password }: VitecClientOptions): VitecClient {
  if (!username || !password) throw new Error('createVitecClient: username and password are required (Connect uses HTTP Basic on every call)');
  const authorization = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  const seg = encodeURIComponent;

  async function call<T>(req: HttpRequest): Promise<T> {
    const res = await http.send({ ...req, headers: { ...req.headers, authorization } });
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(VITEC, res, vitecMessage(res));
    return parseJsonBody<T>(VITEC, res);
  }

  /** The boolean answers of the write calls: `false` means Connect refused without an HTTP error. */
  async function accepted(req: HttpRequest, what: string): Promise<void> {
    const ok = await call<unknown>(req);
    if (ok !== true) throw new VendorError(VITEC, ErrorCode.UPSTREAM_ERROR, `${what} was not accepted (answer ${JSON.stringify(ok)})`);
  }

  return {
    async verifyOrderToken(customerId, token) {
      const ticket = await call<VitecOrderTicket>({ method: 'POST', path: `/Service/Order/Token/${seg(customerId)}`, route: '/Service/Order/Token/{customerId}', json: { data: token } });
      if (!ticket || typeof ticket.OrderId !== 'string' || typeof ticket.HasExpired !== 'boolean') {
        throw new VendorError(VITEC, ErrorCode.UPSTREAM_BAD_RESPONSE, 'token verification answer is not an OrderTicket');
      }
      return ticket;
    },
    async listOrders(customerId, query = {}) {
      const rows = await call<VitecOrderEntry[]>({ method: 'GET', path: `/Service/Order/${seg(customerId)}`, route: '/Service/Order/{customerId}', query: { ...query } });
      if (!Array.isArray(rows)) throw new VendorError(VITEC, ErrorCode.UPSTREAM_BAD_RESPONSE, 'order listing is not an array');
      return rows;
    },
    requestUserInteraction: (customerId, body) => accepted({ method: 'PUT', path: `/Service/Order/UserInteraction/${seg(customerId)}`, route: '/Service/Order/UserInteraction/{customerId}', json: body }, 'user interaction request'),
    async updateStatus(customerId, body) {
      if (body.status === 'Error' && !body.description?.trim()) throw new VendorError(VITEC, ErrorCode.BAD_USER_INPUT, 'status Error needs a description for the user');
      return accepted({ method: 'PUT', path: `/Service/Order/Status/${seg(customerId)}`, route: '/Service/Order/Status/{customerId}', json: body }, `status ${body.status}`);
    },
    deliver: (customerId, body) => accepted({ method: 'PUT', path: `/Service/Order/Delivery/${seg(customerId)}`, route: '/Service/Order/Delivery/{customerId}', json: body }, 'delivery'),
    async getEstate(customerId, estateId) {
      const estate = await call<VitecEstate>({ method: 'GET', path: `/CRM/Lead/${seg(customerId)}/Estate/${seg(estateId)}`, route: '/CRM/Lead/{customerId}/Estate/{estateId}' });
      if (!estate || typeof estate.Id !== 'string') throw new VendorError(VITEC, ErrorCode.UPSTREAM_BAD_RESPONSE, 'estate answer has no Id');
      return estate;
    },
  };
}
