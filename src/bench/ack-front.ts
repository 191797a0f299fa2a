import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { epochNow } from './ack-plan.js';

/**
 * Slack's side of the ack benchmark, in the bench process: the `response_url`s the load hands
 * out (`POST /response/<id>`) and, in front of the fake Slack's Web API (`/api/<method>`), a
 * pass-through that notes when each `chat.update` arrives and what it said. Together they give the
 * time at which each reply reached "Slack".
 */
export interface SlackFront {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Give this to Fleet as SLACK_API_URL. */
  apiUrl: string;
  /** The response_url of one request. */
  responseUrl(id: string): string;
  /** Epoch ms at which the first post to each response_url arrived, by request id. */
  responses: Map<string, number>;
  /** Every chat.update that passed, in arrival order. */
  updates: { ts: string; text: string; at: number }[];
  /** Web API calls passed on so far. */
  apiCalls(): number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** The `ts` and `text` of a Web API call's arguments, form-encoded or JSON. */
function argsOf(contentType: string, body: string): { ts: string; text: string } {
  if (contentType.includes('application/json')) {
    try {
      const parsed = JSON.parse(body) as { ts?: unknown; text?: unknown };
      return { ts: typeof parsed.ts === 'string' ? parsed.ts : '', text: typeof parsed.text === 'string' ? parsed.text : '' };
    } catch {
      return { ts: '', text: '' };
    }
  }
  const form = new URLSearchParams(body);
  return { ts: form.get('ts') ?? '', text: form.get('text') ?? '' };
}

/** Starts the front on 127.0.0.1, passing Web API calls on to `slackApiUrl` (the fake's `/api/`). */
export async function startSlackFront(slackApiUrl: string): Promise<SlackFront> {
  const responses = new Map<string, number>();
  const updates: SlackFront['updates'] = [];
  let apiCalls = 0;
  const server = createServer((request, response) => {
    const at = epochNow();
    const path = request.url ?? '/';
    readBody(request).then(
      async (body) => {
        if (path.startsWith('/response/')) {
          const id = decodeURIComponent(path.slice('/response/'.length));
          if (!responses.has(id)) responses.set(id, at);
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"ok":true}');
          return;
        }
        if (!path.startsWith('/api/')) {
          response.writeHead(404).end();
          return;
        }
        const method = path.slice('/api/'.length).split('?')[0];
        apiCalls += 1;
        const contentType = String(request.headers['content-type'] ?? '');
        if (method === 'chat.update') updates.push({ ...argsOf(contentType, body.toString('utf8')), at });
        const answer = await fetch(`${slackApiUrl}${path.slice('/api/'.length)}`, {
          method: request.method,
          headers: { 'content-type': contentType, authorization: String(request.headers.authorization ?? '') },
          ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: new Uint8Array(body) }),
        });
        const text = await answer.text();
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', ...(answer.headers.get('retry-after') ? { 'retry-after': answer.headers.get('retry-after')! } : {}) });
        response.end(text);
      },
    ).catch(() => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id)}`,
    responses,
    updates,
    apiCalls: () => apiCalls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
