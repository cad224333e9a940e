/** Observability endpoint: GET /status (JSON), GET /metrics (Prometheus text) and extra pages. Localhost by default. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StatusServerOptions {
  readonly host: string;
  readonly port: number;
  readonly status: () => Promise<unknown>;
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  readonly onError: (err: Error) => void;
  /** More GET routes, e.g. /dashboard and /network on a testnet member. */
  readonly pages?: Readonly<Record<string, () => Promise<Page>>>;
}

export interface Page {
  readonly contentType: string;
  /** Text, or bytes (a bundle, a .wasm file). */
  readonly body: string | Uint8Array;
}

export function jsonPage(v: unknown): Page {
  return { contentType: 'application/json', body: JSON.stringify(v, null, 2) + '\n' };
}

export class StatusServer {
  private readonly server: Server;
  private readonly o: StatusServerOptions;

  constructor(o: StatusServerOptions) {
    this.o = o;
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const reply = (code: number, type: string, body: string | Uint8Array): void => {
        res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (req.method !== 'GET') return reply(405, 'text/plain', 'only GET\n');
      const routes: Record<string, () => Promise<Page>> = {
        ...o.pages,
        '/status': async () => jsonPage(await o.status()),
        '/metrics': async () => {
          const m = await o.metrics();
          return { contentType: m.contentType, body: m.body };
        },
      };
      const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
      const work = route
        ? route().then((p) => reply(200, p.contentType, p.body))
        : Promise.resolve(reply(404, 'text/plain', `try ${Object.keys(routes).sort().join(' or ')}\n`));
      work.catch((e: Error) => {
        o.onError(e);
        if (!res.headersSent) reply(500, 'text/plain', 'internal error\n');
      });
    });
  }

  /** Listen; resolves to the URL actually bound (port 0 picks a free one). */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as AddressInfo;
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        resolve(`http://${host}:${a.port}`);
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
