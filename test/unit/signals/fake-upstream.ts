// A local HTTP server that replays whatever the test sets: a status, a body, a delay, or a hang.
// For fault injection only; integration tests use the real servers.

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Reply {
  status?: number;
  body?: string;
  delayMs?: number;
  /** Accept the request and never answer. */
  hang?: boolean;
}

export class FakeUpstream {
  reply: Reply | ((path: string) => Reply) = { status: 200, body: "{}" };
  requests: string[] = [];
  headers: IncomingHttpHeaders[] = [];
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? "");
      this.headers.push(req.headers);
      const r = typeof this.reply === "function" ? this.reply(req.url ?? "") : this.reply;
      if (r.hang === true) return;
      const send = (): void => {
        res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(r.body ?? "");
      };
      if (r.delayMs !== undefined) setTimeout(send, r.delayMs);
      else send();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => {
        resolve();
      });
      this.server?.closeAllConnections();
    });
  }
}

export function vector(...values: string[]): string {
  return JSON.stringify({
    status: "success",
    data: {
      resultType: "vector",
      result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000, v] })),
    },
  });
}
