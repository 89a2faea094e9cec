import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem-reply.ts';

/**
 * The adapter's answer to the browser threat model (docs/security.md): a web page the cashier
 * opens must not be able to change the register (CSRF), nor read it through a rebound DNS name.
 */
export interface GuardSettings {
  /** KKT_HTTP_HOST: the address the adapter is bound to (its name is always an allowed Host). */
  httpHost: string;
  /** KKT_ALLOWED_HOSTS: more names the adapter may be reached by; `*` turns the Host check off. */
  allowedHosts: readonly string[];
  /** KKT_ALLOWED_ORIGINS: web origins (`https://pos.example`) allowed to change state; `*` = any. */
  allowedOrigins: readonly string[];
  /** KKT_API_TOKEN. */
  apiToken?: string;
}

/** The cookie the inspector and console pages set after asking for the token (EventSource cannot send headers). */
export const TOKEN_COOKIE = 'kkt_api_token';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The path a request is routed by: the matched route's pattern, else the percent-decoded path.
 * The router decodes `%76` to `v`, so checking the raw `request.url` would let `/%761/kkt/...`
 * reach a `/v1/` route without a token.
 */
function routedPath(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  if (route) return route;
  const path = request.url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 §11.1). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^bearer +(\S+) *$/i.exec(header ?? '');
  return m?.[1] !== undefined && sameSecret(m[1], token);
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The host name of a Host header (`[::1]:8000` → `::1`), lower case; undefined when malformed. */
function parseHostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * parseHostName with its last answer kept: a client sends the same Host on every request, so the
 * URL parser (about 1 % of a receipt's event-loop time) runs once per distinct header.
 */
let lastHost: { header: string; name: string | undefined } | undefined;
function hostName(host: string): string | undefined {
  if (lastHost?.header !== host) lastHost = { header: host, name: parseHostName(host) };
  return lastHost.name;
}

/**
 * A Host that cannot be the result of DNS rebinding: an IP literal (rebinding needs the
 * attacker's name in Host), `localhost`, the bound name, or an allowed name.
 */
export function hostAllowed(host: string | undefined, s: GuardSettings): boolean {
  if (s.allowedHosts.includes('*')) return true;
  // HTTP/1.0 without Host: not a browser.
  if (host === undefined) return true;
  const name = hostName(host);
  if (name === undefined || name === '') return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const bound = s.httpHost.replace(/^\[|\]$/g, '').toLowerCase();
  return name === bound || s.allowedHosts.some((h) => h.toLowerCase() === name);
}

/** The origin the request was sent to, as a browser spells it (`http://127.0.0.1:8000`). */
function servedOrigin(request: FastifyRequest): string | undefined {
  const host = request.headers.host;
  return host === undefined ? undefined : `http://${host.toLowerCase()}`;
}

/**
 * Why a state-changing request must be refused as cross-site, or undefined. A browser names the
 * page that sent a request in `Origin` (on every POST, PUT, DELETE) and, in current browsers,
 * in `Sec-Fetch-Site`; tools such as curl send neither and pass.
 */
export function crossSiteReason(request: FastifyRequest, s: GuardSettings): string | undefined {
  if (s.allowedOrigins.includes('*')) return undefined;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    const o = origin.toLowerCase();
    if (s.allowedOrigins.some((a) => a.toLowerCase() === o)) return undefined;
    if (o === servedOrigin(request)) return undefined;
    return `requests from the web page at ${origin === 'null' ? 'an opaque origin' : origin} may not change this adapter; allow it with KKT_ALLOWED_ORIGINS`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site')
    return 'requests from another web site may not change this adapter; allow its origin with KKT_ALLOWED_ORIGINS';
  return undefined;
}

/**
 * Routes that show or change state, and the API description, need the token when one is set.
 * The inspector's and the console's pages (`/inspect`, `/`) and their scripts and styles are
 * static files of the package with no state in them: they stay open so the page can ask for the
 * token.
 */
function needsToken(path: string): boolean {
  if (path === '/inspect' || path.startsWith('/inspect/assets/')) return false;
  if (path === '/' || path.startsWith('/console/assets/')) return false;
  return (
    path.startsWith('/v1/') ||
    path === '/docs' ||
    path.startsWith('/docs/') ||
    path.startsWith('/inspect/') ||
    path.startsWith('/console/')
  );
}

function refuse(reply: FastifyReply, status: number, code: string, title: string, detail: string) {
  return sendProblem(reply, { status, title, detail, code });
}

/** Installs the Host, Origin and token checks as the first hook of every request. */
export function installGuards(app: FastifyInstance, s: GuardSettings): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!hostAllowed(request.headers.host, s))
      return refuse(
        reply,
        421,
        'HOST_NOT_ALLOWED',
        'Host not allowed',
        'this adapter does not answer to that host name; add it to KKT_ALLOWED_HOSTS',
      );
    if (STATE_CHANGING.has(request.method)) {
      const reason = crossSiteReason(request, s);
      if (reason) return refuse(reply, 403, 'CROSS_ORIGIN_REFUSED', 'Cross-site request refused', reason);
    }
    const token = s.apiToken;
    if (!token || !needsToken(routedPath(request))) return;
    if (bearerMatches(request.headers.authorization, token)) return;
    // Pages the browser loads itself (the inspector's EventSource, the OpenAPI UI) cannot send a
    // header; they may read with the SameSite=Strict cookie the inspector and console pages set.
    if (request.method === 'GET' && !routedPath(request).startsWith('/v1/')) {
      const c = cookieToken(request.headers.cookie);
      if (c !== undefined && sameSecret(c, token)) return;
    }
    reply.header('WWW-Authenticate', 'Bearer realm="kkt-emu"');
    return refuse(
      reply,
      401,
      'UNAUTHORIZED',
      'Unauthorized',
      'this adapter needs Authorization: Bearer <KKT_API_TOKEN>',
    );
  });
}
