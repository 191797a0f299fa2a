import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { recordRequest, type ServedRequest } from './request-log.js';

/** A registry served on 127.0.0.1: its base URL, the requests it answered, and how to stop it. */
export interface LocalServer {
  /** 'http://127.0.0.1:PORT/' */
  url: string;
  requests: ServedRequest[];
  close(): Promise<void>;
}

/**
 * Serves `handle` on 127.0.0.1 (port 0: any free one), logging every request it answers. A
 * handler that throws gets `fail` with the message, which answers 500 in the registry's own format.
 *
 * @example const server = await serveOnLoopback({ label: 'the Go proxy', handle, fail: (res, m) => send(res, 500, m) });
 */
export async function serveOnLoopback(input: {
  port?: number;
  /** For the error when no port is given: 'the Go proxy'. */
  label: string;
  handle(request: IncomingMessage, response: ServerResponse): void;
  fail(response: ServerResponse, message: string): void;
}): Promise<LocalServer> {
  const requests: ServedRequest[] = [];
  const server = createServer((request, response) => {
    response.on('finish', () => recordRequest(requests, { method: request.method ?? 'GET', path: request.url ?? '/', status: response.statusCode }));
    try {
      input.handle(request, response);
    } catch (error) {
      input.fail(response, error instanceof Error ? error.message : String(error));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(input.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${input.label} did not get a port`);
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
