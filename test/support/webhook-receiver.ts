import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP endpoint on 127.0.0.1 that keeps every request it receives (headers and body) and
 * answers "ok": where the fake GitHub's webhooks are sent in tests.
 *
 * @example const hook = await startWebhookReceiver('/github/webhooks'); // hook.url, hook.received, hook.close()
 */
export async function startWebhookReceiver(path: string): Promise<{ url: string; received: ReceivedDelivery[]; close: () => void }> {
  const received: ReceivedDelivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, received, close: () => server.close() };
}
